"""Wholes and their parts: a whole's status lists its parts' stages and adds up their progress."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from helpers import cli, commitment, day, event
from hypothesis import given
from hypothesis import strategies as st

import negotrack as nt

EXAMPLES = Path(__file__).parent.parent / "examples"


def goal(**kw: Any) -> nt.Target:
    if "additional" not in kw:
        kw.setdefault("amount", 10)
    kw.setdefault("unit", "USD bn")
    kw.setdefault("start", day("2020-01-01"))
    kw.setdefault("end", day("2021-12-31"))
    return nt.Target(**kw)


def deal(whole: nt.Target | None = None, *parts: nt.Target | None) -> nt.Tracker:
    """A tracker with a whole "w" and parts "p0", "p1"... carrying the targets given."""
    t = nt.Tracker()
    t.add(commitment("w", target=whole))
    t.add(*(commitment(f"p{i}", target=g, part_of="w") for i, g in enumerate(parts)))
    return t


def test_a_whole_lists_its_parts_stages() -> None:
    """A whole's status maps each part, in the order added, to its stage on the date."""
    t = deal(None, None, None)
    t.record(event("approved", "2020-01-15", "p0"), event("proposed", "2020-02-01", "p1"))
    status = t.status("w", on=day("2020-01-31"))
    assert dict(status.parts) == {"p0": nt.Stage.APPROVED, "p1": None}
    assert t.snapshot(on=day("2020-01-31"))["w"] == status
    assert dict(t.status("w", on=day("2020-02-01")).parts)["p1"] is nt.Stage.PROPOSED


def test_a_commitment_without_parts_has_none() -> None:
    """A part, or a commitment with no parts, has an empty mapping of parts (the shared one)."""
    t = deal(None, None)
    status = t.status("p0", on=day("2020-01-01"))
    assert status.parts == {}
    assert status.to_dict()["parts"] == {}
    assert "parts" not in status.to_dict(t.commitment("p0"))


def test_parts_progress_adds_up_period_by_period() -> None:
    """A whole without figures of its own delivers the sum of its parts' figures, each
    period on its own, against its own target."""
    t = deal(goal(amount=30, per="year"), goal(amount=20, per="year"), goal(per="year"))
    t.record(
        event("measured", "2020-03-01", "p0", amount=4),
        event("measured", "2020-04-01", "p1", amount=3),
        event("measured", "2021-02-01", "p1", total=9),
    )
    p = t.status("w", on=day("2021-06-30")).progress
    assert p is not None
    assert [period.delivered for period in p.periods] == [7, 9]
    assert (p.target, p.delivered, p.figure_on) == (30, 9, day("2021-02-01"))


def test_the_wholes_own_figure_wins_in_its_period() -> None:
    """A figure measured for the whole itself is its delivered amount in that period: the
    parts are not added to it (that would count them twice)."""
    t = deal(goal(amount=30), goal(amount=20), goal())
    t.record(
        event("measured", "2020-03-01", "p0", amount=4),
        event("measured", "2020-05-01", "w", total=12),
    )
    p = t.status("w", on=day("2020-06-30")).progress
    assert p is not None
    assert p.delivered == 12


def test_no_figure_in_any_part_is_no_data() -> None:
    """While no part has a figure, the whole's progress has no data (None, not zero)."""
    p = deal(None, goal(), goal()).status("w", on=day("2020-06-30")).progress
    assert p is not None
    assert (p.target, p.delivered, p.on_track) == (20, None, None)


def test_a_whole_without_a_target_takes_the_sum_of_its_parts() -> None:
    """Without a target of its own, a whole is measured against its parts' sum, their
    baselines summed too."""
    t = deal(None, goal(baseline=5, additional=10), goal(baseline=1, amount=4))
    p = t.status("w", on=day("2020-01-01")).progress
    assert p is not None
    assert (p.target, p.baseline, p.additional) == (19, 6, 13)


def test_parts_in_other_units_do_not_add_up() -> None:
    """Parts with targets in different units leave the whole's progress its own."""
    t = deal(None, goal(), goal(unit="MMT"))
    assert t.status("w", on=day("2020-06-30")).progress is None
    assert t.status("w", on=day("2020-06-30")).parts.keys() == {"p0", "p1"}


def test_status_json_gains_parts_last() -> None:
    """status --json: a whole's row ends with "parts" (stages by part id); other rows keep
    their exact keys."""
    path = EXAMPLES / "phase-one-2020.yaml"
    doc = json.loads(cli("status", path, "--as-of", "2020-06-30", "--json").stdout)
    rows = {row["id"]: row for row in doc["commitments"]}
    whole = rows["phase-one-purchases"]
    assert list(whole)[-2:] == ["source", "parts"]
    assert whole["parts"]["phase-one-energy"] == "approved"
    assert "parts" not in rows["phase-one-energy"]


def test_check_warns_when_parts_do_not_add_up(tmp_path: Path) -> None:
    """check warns, at the whole's target line, when its parts' targets do not add up to it."""
    text = (EXAMPLES / "phase-one-2020.yaml").read_text(encoding="utf-8")
    path = tmp_path / "bad.yaml"
    path.write_text(text.replace("amount: 37.9", "amount: 37.0"), encoding="utf-8")
    line = next(i for i, s in enumerate(text.splitlines(), 1) if "amount: 200" in s)
    result = cli("check", path)
    assert result.returncode == 0
    assert f"bad.yaml:{line}: warning: the targets of the parts of 'phase-one-purchases'" in (
        result.stderr
    )
    assert "add up to 199.1 USD bn over 2017, not its target of 200" in result.stderr
    assert "warning" not in cli("check", EXAMPLES / "phase-one-2020.yaml").stderr


def test_a_part_added_later_reaches_the_whole() -> None:
    """A part added after the whole's status was asked for is in the next answer."""
    t = deal(None, goal())
    assert t.status("w", on=day("2020-01-01")).parts.keys() == {"p0"}
    t.add(commitment("p9", part_of="w"))
    assert t.snapshot(on=day("2020-01-01"))["w"].parts.keys() == {"p0", "p9"}


_FIGURES = st.lists(st.tuples(st.integers(0, 729), st.integers(1, 50), st.booleans()), max_size=6)


@given(st.lists(_FIGURES, min_size=1, max_size=4), st.integers(0, 800))
def test_a_wholes_progress_is_the_sum_of_its_parts(
    figures: list[list[tuple[int, int, bool]]], offset: int
) -> None:
    """On generated parts and figures (amounts and totals), a whole without figures of its
    own delivers, in each period, the sum of its parts' delivered amounts (None if none has)."""
    start = date(2020, 1, 1)
    t = deal(None, *(goal(per="year") for _ in figures))
    for i, mine in enumerate(figures):
        t.record(
            *(
                nt.Event(
                    commitment=f"p{i}",
                    kind="measured",
                    on=start + timedelta(days=d),
                    **({"total": n} if is_total else {"amount": n}),
                )
                for d, n, is_total in mine
            )
        )
    on = start + timedelta(days=offset)
    whole = t.status("w", on=on).progress
    parts = [t.status(f"p{i}", on=on).progress for i in range(len(figures))]
    assert whole is not None
    for n, period in enumerate(whole.periods):
        got = [p.periods[n].delivered for p in parts if p is not None]
        known = [g for g in got if g is not None]
        expected = None if not known else sum(known)  # whole numbers: no rounding
        assert period.delivered == expected
        assert period.target == 10 * len(figures)
