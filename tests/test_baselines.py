"""Targets over a baseline: the absolute amount is the baseline plus the additional amount."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers import cli, commitment, day, event

import negotrack as nt


def over(**kw: Any) -> nt.Target:
    return nt.Target(unit="USD bn", start=day("2020-01-01"), end=day("2021-12-31"), **kw)


FILE = """\
negotrack: 1
id: base
title: A target over a baseline
parties: {US: United States, CN: China}
commitments:
  - id: goods
    title: China buys more US goods than in 2017
    by: CN
    to: US
    target:
      unit: USD bn
      start: 2020-01-01
      end: 2020-12-31
      baseline: 95.1
      additional: 76.7
events:
  - {on: 2020-01-15, commitment: goods, event: approved}
  - {on: 2020-12-31, commitment: goods, event: measured, total: 100}
"""


def test_amount_is_baseline_plus_additional() -> None:
    """Given a baseline and an additional amount, the amount is their sum (rid of binary
    noise); given the amount and the baseline, the additional amount is the difference."""
    t = over(baseline=95.1, additional=76.7)
    assert (t.amount, t.baseline, t.additional) == (171.8, 95.1, 76.7)
    assert over(amount=171.8, baseline=95.1) == t
    assert over(amount=171.8, baseline=95.1, additional=76.7) == t
    assert over(amount=12).baseline is None
    assert over(amount=12).additional is None


@pytest.mark.parametrize(
    ("kw", "words"),
    [
        ({"additional": 5}, "give baseline too"),
        ({"baseline": 5}, "needs additional"),
        ({"amount": 4, "baseline": 5}, "not above baseline 5"),
        ({"amount": 20, "baseline": 5, "additional": 10}, "contradicts baseline 5"),
        ({"baseline": -1, "additional": 3}, "0 or more"),
        ({"baseline": 1, "additional": 0}, "above 0"),
        ({}, "needs an amount"),
    ],
)
def test_inconsistent_baselines_are_refused(kw: dict[str, Any], words: str) -> None:
    """An additional amount without a baseline, a baseline alone, an amount not above its
    baseline, or three figures that disagree are refused, saying how to fix them."""
    with pytest.raises(nt.InvalidValue, match=words):
        over(**kw)


def test_progress_reports_the_absolute_and_the_additional_share() -> None:
    """Progress gives the delivered amount against the absolute target, and the part of it
    above the baseline against the additional amount (below 0 while under the baseline)."""
    t = nt.Tracker()
    t.add(commitment(target=over(baseline=100, additional=50)))
    t.record(event("measured", "2020-06-30", total=130))
    p = t.status("c", on=day("2020-06-30")).progress
    assert p is not None
    assert (p.target, p.delivered, p.share) == (150, 130, 0.866666667)
    assert (p.baseline, p.additional, p.delivered_additional, p.additional_share) == (
        100,
        50,
        30,
        0.6,
    )
    t.record(event("measured", "2020-07-31", total=80))
    low = t.status("c", on=day("2020-07-31")).progress
    assert low is not None
    assert (low.delivered_additional, low.additional_share) == (-20, -0.4)


def test_the_file_spelling_and_json(tmp_path: Path) -> None:
    """A file writes baseline and additional; status --json and progress --json give the
    four baseline keys last, and only for a target over a baseline."""
    path = tmp_path / "base.yaml"
    path.write_text(FILE, encoding="utf-8")
    assert nt.load(path).commitment("goods").target == nt.Target(
        amount=171.8, unit="USD bn", start=day("2020-01-01"), end=day("2020-12-31"), baseline=95.1
    )
    doc = json.loads(cli("status", path, "--as-of", "2020-12-31", "--json").stdout)
    p = doc["commitments"][0]["progress"]
    assert list(p)[-5:] == [
        "revised_from",
        "baseline",
        "additional",
        "delivered_additional",
        "additional_share",
    ]
    assert (p["delivered"], p["delivered_additional"], p["additional_share"]) == (
        100,
        4.9,
        0.063885267,
    )
    row = json.loads(cli("progress", path, "--as-of", "2020-12-31", "--json").stdout)
    assert row["commitments"][0]["additional"] == 76.7


@pytest.mark.parametrize(
    ("old", "new", "key", "words"),
    [
        ("      baseline: 95.1\n", "", "additional", "give baseline too"),
        ("      additional: 76.7\n", "", "baseline", "needs additional"),
        (
            "      baseline: 95.1\n",
            "      baseline: 95.1\n      amount: 170\n",
            "amount",
            "contradicts",
        ),
    ],
    ids=["additional alone", "baseline alone", "contradiction"],
)
def test_bad_baselines_are_errors_at_their_line(
    tmp_path: Path, old: str, new: str, key: str, words: str
) -> None:
    """Each inconsistent baseline in a file is a ScenarioError at the line of its key."""
    text = FILE.replace(old, new, 1)
    path = tmp_path / "base.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(nt.ScenarioError) as caught:
        nt.load(path)
    line = next(i for i, s in enumerate(text.splitlines(), 1) if s.strip().startswith(key + ":"))
    assert caught.value.line == line, str(caught.value)
    assert words in str(caught.value)
