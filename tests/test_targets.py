"""Quantitative commitments: targets, measured deliveries, pace and shortfall.

Example tests show each rule of the contract on a small case; the laws at the end check the
tracker's progress against a reference written here from the contract's words, on generated
negotiations, and show that the laws catch planted bugs (a total counted twice, a period off
by one day).
"""

from __future__ import annotations

import calendar
import json
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from helpers import cli, commitment, day, event, latest_reports
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import negotrack as nt
from negotrack import LapseReason, Stage, _targets
from negotrack.testing import negotiations

DAY = timedelta(days=1)


def target(**kw: Any) -> nt.Target:
    kw.setdefault("amount", 12)
    kw.setdefault("unit", "MMT")
    for key in ("start", "end"):
        kw[key] = day(kw[key]) if isinstance(kw.get(key), str) else kw.get(key, day("2025-11-01"))
    return nt.Target(**kw)


def pledge(**kw: Any) -> nt.Tracker:
    """A tracker with one commitment "c" (approved on 2025-10-30) carrying the target `kw`."""
    t = nt.Tracker()
    t.add(commitment(target=target(**kw)))
    t.record(event("approved", "2025-10-30"))
    return t


def measured(on: str, **kw: Any) -> nt.Event:
    return event("measured", on, **kw)


class TestTarget:
    """The target itself: its checks and its periods."""

    @pytest.mark.parametrize(
        ("kw", "words"),
        [
            ({"amount": 0}, "above 0"),
            ({"amount": -3}, "above 0"),
            ({"amount": True}, "finite number"),
            ({"amount": float("nan")}, "finite number"),
            ({"unit": " "}, "non-blank"),
            ({"start": "2025-12-01", "end": "2025-11-01"}, "end on or after start"),
            ({"per": "week"}, "'year', 'quarter', 'month'"),
        ],
    )
    def test_bad_targets_are_refused(self, kw: dict[str, Any], words: str) -> None:
        """A target with a non-positive amount, no unit, an end before its start or an unknown
        period is refused at construction, saying what was expected."""
        kw.setdefault("end", "2026-02-28")
        with pytest.raises(nt.InvalidValue, match=words):
            target(**kw)

    def test_one_period_without_per(self) -> None:
        """Without `per`, the whole span is one period."""
        t = target(start="2025-10-30", end="2026-02-28")
        assert t.periods() == ((day("2025-10-30"), day("2026-02-28")),)

    def test_years_quarters_and_months(self) -> None:
        """`per` splits the span into consecutive periods counted from its start, the last
        one ending with the span."""
        years = target(start="2026-01-01", end="2028-12-31", per="year").periods()
        assert years == tuple((date(y, 1, 1), date(y, 12, 31)) for y in (2026, 2027, 2028))
        quarters = target(start="2026-01-01", end="2026-08-15", per="quarter").periods()
        assert quarters == (
            (day("2026-01-01"), day("2026-03-31")),
            (day("2026-04-01"), day("2026-06-30")),
            (day("2026-07-01"), day("2026-08-15")),
        )
        months = target(start="2026-01-31", end="2026-04-30", per="month").periods()
        assert months == (
            (day("2026-01-31"), day("2026-02-27")),
            (day("2026-02-28"), day("2026-03-30")),
            (day("2026-03-31"), day("2026-04-29")),
            (day("2026-04-30"), day("2026-04-30")),
        )


class TestMeasured:
    """The `measured` event: what it carries and what it may not."""

    @pytest.mark.parametrize(
        ("kw", "words"),
        [
            ({}, "exactly one of amount"),
            ({"amount": 1, "total": 2}, "got both"),
            ({"amount": -1}, "0 or more"),
            ({"total": float("inf")}, "finite number"),
        ],
    )
    def test_amount_xor_total_never_negative(self, kw: dict[str, Any], words: str) -> None:
        """A measurement needs exactly one of amount or total, 0 or more."""
        with pytest.raises(nt.InvalidValue, match=words):
            measured("2025-11-01", **kw)

    def test_quantities_go_only_with_measured(self) -> None:
        """amount, total and unit belong to `measured` events only."""
        with pytest.raises(nt.InvalidValue, match="only with a 'measured' event"):
            event("approved", "2025-11-01", amount=3)

    def test_a_commitment_without_a_target_refuses_measurements(self) -> None:
        """Recording a measurement for a commitment without a target is refused, clearly."""
        t = nt.Tracker()
        t.add(commitment())
        with pytest.raises(nt.InvalidValue, match="has none; give the commitment a target"):
            t.record(measured("2025-11-01", amount=1))
        assert t.events() == ()

    def test_the_unit_must_be_the_targets(self) -> None:
        """A measurement in another unit is refused; one without a unit takes the target's."""
        t = pledge(end="2026-02-28")
        with pytest.raises(nt.InvalidValue, match="its target is in 'MMT'"):
            t.record(measured("2025-11-01", amount=180, unit="kt"))
        assert t.record(measured("2025-11-01", amount=0.18, unit="MMT")) == 1

    def test_whole_floats_are_one_amount(self) -> None:
        """12 and 12.0 are the same amount: one event, one id."""
        assert measured("2025-11-01", total=12.0) == measured("2025-11-01", total=12)
        assert measured("2025-11-01", total=12.0).id == measured("2025-11-01", total=12).id

    def test_a_measurement_moves_no_stage(self) -> None:
        """A measurement is evidence: it changes no stage, is no step and no anomaly, even
        before the commitment has a stage."""
        t = nt.Tracker()
        t.add(commitment(target=target(start="2025-11-01", end="2026-02-28")))
        t.record(measured("2025-10-01", amount=1), measured("2025-11-02", amount=2))
        assert t.status("c", on=day("2025-12-01")).stage is None
        assert t.anomalies() == ()
        assert t.history("c") == ()


class TestDelivered:
    """Delivered as of D in a period: totals set the level, later increments add to it."""

    def test_increments_add_up(self) -> None:
        """With only increments, delivered is their sum in the period, up to the date."""
        t = pledge(start="2025-10-30", end="2026-02-28")
        t.record(
            measured("2025-10-29", amount=5),  # before the period: not counted
            measured("2025-10-31", amount=0.18),
            measured("2025-11-02", amount=0.25),
            measured("2025-12-15", amount=1),
        )
        assert _progress(t, "2025-11-30").delivered == 0.43
        assert _progress(t, "2026-01-01").delivered == 1.43

    def test_a_total_sets_the_level_and_later_increments_add(self) -> None:
        """The latest total up to D sets the level; increments dated after it add to it;
        those dated on or before it are taken to be in it."""
        t = pledge(start="2025-10-30", end="2026-02-28")
        t.record(
            measured("2025-11-01", amount=0.5),
            measured("2025-12-15", amount=0.5),  # same day as the total: in it
            measured("2025-12-15", total=7),
            measured("2025-12-20", amount=1),
            measured("2026-01-05", total=10),
            measured("2026-01-06", amount=2),
        )
        assert _progress(t, "2025-12-14").delivered == 0.5
        assert _progress(t, "2025-12-19").delivered == 7
        assert _progress(t, "2025-12-31").delivered == 8
        assert _progress(t, "2026-01-05").delivered == 10
        assert _progress(t, "2026-01-31").delivered == 12

    def test_of_two_totals_on_one_day_the_larger_counts(self) -> None:
        """Two totals on one day: the larger is the level, whichever was recorded first, so
        that delivered never depends on recording order."""
        for order in ((7, 6), (6, 7)):
            t = pledge(start="2025-10-30", end="2026-02-28")
            t.record(*(measured("2025-12-15", total=n) for n in order))
            assert _progress(t, "2025-12-31").delivered == 7

    def test_each_period_counts_its_own(self) -> None:
        """A total counts in the period that holds its date only."""
        t = pledge(amount=25, start="2026-01-01", end="2028-12-31", per="year")
        t.record(measured("2026-12-31", total=20), measured("2027-02-01", amount=3))
        p = _progress(t, "2027-03-01")
        assert (p.start, p.end, p.delivered) == (day("2027-01-01"), day("2027-12-31"), 3)
        assert [(x.delivered, x.met) for x in p.periods] == [(20, False), (3, None)]

    def test_known_by_counts_what_was_reported(self) -> None:
        """As known by R, only measurements reported by R count."""
        t = pledge(start="2025-10-30", end="2026-02-28")
        t.record(
            measured("2025-12-15", total=7, reported="2025-12-18"),
            measured("2026-01-12", total=12, reported="2026-01-20"),
        )
        on = day("2026-01-31")
        known = t.status("c", on=on, known_by=day("2026-01-19")).progress
        assert known is not None
        assert known.delivered == 7
        assert _progress(t, "2026-01-31").delivered == 12


class TestPace:
    """Expected, on track, share; and what shows before the first period and after the last."""

    def test_expected_is_the_amount_prorated_by_days(self) -> None:
        """expected = amount x days elapsed (inclusive) / days of the period."""
        t = pledge(amount=120, start="2026-01-01", end="2026-04-30")  # 120 days
        t.record(measured("2026-01-15", amount=20))
        p = _progress(t, "2026-01-30")
        assert p.expected == 30
        assert (p.delivered, p.share, p.on_track) == (20, pytest.approx(1 / 6), False)
        t.record(measured("2026-01-30", amount=10))
        assert _progress(t, "2026-01-30").on_track

    def test_before_the_first_period(self) -> None:
        """Before the first period, the first one is shown with expected 0 and no data."""
        p = _progress(pledge(start="2026-01-01", end="2026-12-31", per="quarter"), "2025-11-01")
        assert (p.start, p.end, p.expected, p.delivered) == (
            day("2026-01-01"),
            day("2026-03-31"),
            0,
            None,
        )
        assert len(p.periods) == 1

    def test_after_the_last_period(self) -> None:
        """After the last period, the last one is shown, fully expected."""
        t = pledge(amount=10, start="2026-01-01", end="2026-06-30", per="quarter")
        t.record(measured("2026-05-01", amount=4))
        p = _progress(t, "2026-09-01")
        assert (p.start, p.end, p.expected, p.delivered) == (
            day("2026-04-01"),
            day("2026-06-30"),
            10,
            4,
        )
        assert [x.met for x in p.periods] == [None, False]  # the first one: no figure at all
        assert [x.delivered for x in p.periods] == [None, 4]

    def test_no_target_no_progress(self) -> None:
        """Status.progress is None for a commitment without a target."""
        t = nt.Tracker()
        t.add(commitment())
        assert t.status("c", on=day("2026-01-01")).progress is None


class TestShortfall:
    """A final period that ends short lapses the commitment the next day (target_missed)."""

    def test_the_final_period_ending_short_lapses_the_next_day(self) -> None:
        """Short at the end of the final period: lapsed the next day, target_missed, inferred,
        whatever the stage (a purchase pledge is often implemented at the first cargo)."""
        t = pledge(start="2025-10-30", end="2026-02-28")
        t.record(event("implemented", "2025-11-01"), measured("2026-01-31", total=11.5))
        assert t.status("c", on=day("2026-02-28")).stage is Stage.IMPLEMENTED
        s = t.status("c", on=day("2026-03-01"))
        assert (s.stage, s.reason, s.inferred, s.since) == (
            Stage.LAPSED,
            LapseReason.TARGET_MISSED,
            True,
            day("2026-03-01"),
        )

    def test_met_means_no_lapse(self) -> None:
        """Reached by the end: no lapse."""
        t = pledge(start="2025-10-30", end="2026-02-28")
        t.record(measured("2026-01-12", total=12))
        assert t.status("c", on=day("2026-06-01")).stage is Stage.APPROVED

    def test_an_earlier_short_period_does_not_lapse_it(self) -> None:
        """A period that ends short before the last one is reported missed, no more."""
        t = pledge(amount=25, start="2026-01-01", end="2027-12-31", per="year")
        t.record(measured("2026-12-31", total=20), measured("2027-12-01", total=26))
        s = t.status("c", on=day("2028-01-15"))
        assert s.stage is Stage.APPROVED
        assert s.progress is not None
        assert [x.met for x in s.progress.periods] == [False, True]

    def test_an_already_lapsed_commitment_does_not_lapse_again(self) -> None:
        """A commitment lapsed before the end keeps its own lapse."""
        t = pledge(start="2025-10-30", end="2026-02-28")
        t.record(event("lapsed", "2026-01-01", reason="withdrawn"))
        s = t.status("c", on=day("2026-06-01"))
        assert (s.reason, s.inferred) == (LapseReason.WITHDRAWN, False)

    def test_known_by_decides_the_shortfall_from_what_was_known(self) -> None:
        """As known before the report that the target was met, it looked missed."""
        t = pledge(start="2025-10-30", end="2026-02-28")
        t.record(measured("2025-12-01", total=3))
        t.record(measured("2026-02-20", total=12, reported="2026-03-05"))
        before = t.status("c", on=day("2026-03-02"), known_by=day("2026-03-04"))
        assert before.reason is LapseReason.TARGET_MISSED
        assert t.status("c", on=day("2026-03-02")).stage is Stage.APPROVED


# -- files, stores and the command line ----------------------------------------------------------

QUANT = """\
negotrack: 1
id: soy
title: Soybean pledges
parties: {US: United States, CN: China}
sources:
  wire: {title: A wire report}
commitments:
  - id: soybean-12mmt-2025
    title: China buys 12 MMT of US soybeans
    by: CN
    to: US
    target: {amount: 12, unit: MMT, start: 2025-10-30, end: 2026-02-28}
  - id: soybean-25mmt-2026-2028
    title: China buys 25 MMT of US soybeans a year, 2026 to 2028
    by: CN
    to: US
    target: {amount: 25, unit: MMT, per: year, start: 2026-01-01, end: 2028-12-31}
  - id: plain
    title: Something without a target
    by: US
    to: CN
events:
  - {on: 2025-10-30, commitment: soybean-12mmt-2025, event: approved}
  - {on: 2025-10-31, commitment: soybean-12mmt-2025, event: measured, amount: 0.18, unit: MMT}
  - {on: 2025-12-15, commitment: soybean-12mmt-2025, event: measured, total: 7, source: wire}
  - {on: 2026-03-01, commitment: soybean-25mmt-2026-2028, event: measured, amount: 2.5}
"""


def quant_file(tmp_path: Path, text: str = QUANT) -> Path:
    path = tmp_path / "soy.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_file_format(tmp_path: Path) -> None:
    """Targets and measurements load from the contract's YAML, and dump back the same."""
    t = nt.load(quant_file(tmp_path))
    assert t.commitment("soybean-25mmt-2026-2028").target == target(
        amount=25, start="2026-01-01", end="2028-12-31", per="year"
    )
    again = tmp_path / "again.json"
    nt.dump(t, again)
    back = nt.load(again)
    assert back.commitments() == t.commitments()
    assert sorted(map(repr, back.events())) == sorted(map(repr, t.events()))


@pytest.mark.parametrize(
    ("old", "new", "line", "words"),
    [
        (
            "event: measured, amount: 0.18, unit: MMT",
            "event: measured, amount: 0.18, unit: kt",
            24,
            "differs from the unit",
        ),
        ("amount: 0.18, unit: MMT", "amount: -0.18", 24, "0 or more"),
        ("amount: 0.18, unit: MMT", "amount: 0.18, total: 1", 24, "got both"),
        ("total: 7, source: wire", "source: wire", 25, "exactly one of amount"),
        (
            "commitment: soybean-25mmt-2026-2028, event: measured",
            "commitment: plain, event: measured",
            26,
            "has none",
        ),
        ("target: {amount: 12,", "target: {amount: 0,", 12, "above 0"),
    ],
    ids=["unit", "negative", "both", "neither", "no target", "zero target"],
)
def test_bad_measurements_are_errors_at_their_line(
    tmp_path: Path, old: str, new: str, line: int, words: str
) -> None:
    """Each kind of bad measurement is a ScenarioError at its line."""
    path = quant_file(tmp_path, QUANT.replace(old, new, 1))
    with pytest.raises(nt.ScenarioError) as caught:
        nt.load(path)
    assert caught.value.line == line, str(caught.value)
    assert words in str(caught.value)


def test_status_json_gives_progress(tmp_path: Path) -> None:
    """status --json: null without a target, else the contract's shape with numbers and
    YYYY-MM-DD dates."""
    doc = json.loads(cli("status", quant_file(tmp_path), "--as-of", "2025-12-31", "--json").stdout)
    by_id = {c["id"]: c for c in doc["commitments"]}
    assert by_id["plain"]["progress"] is None
    p = by_id["soybean-12mmt-2025"]["progress"]
    assert list(p) == [
        "start",
        "end",
        "target",
        "unit",
        "delivered",
        "share",
        "expected",
        "on_track",
        "periods",
        "figure_on",
        "figure_reported",
        "revised_from",
    ]
    assert p["start"] == "2025-10-30"
    assert p["end"] == "2026-02-28"
    assert (p["target"], p["unit"], p["delivered"]) == (12, "MMT", 7)
    assert p["share"] == pytest.approx(7 / 12)
    assert p["expected"] == pytest.approx(12 * 63 / 122)
    assert p["on_track"] is True
    assert p["periods"] == [
        {"start": "2025-10-30", "end": "2026-02-28", "target": 12, "delivered": 7, "met": None}
    ]


def test_the_status_table_shows_progress_compactly(tmp_path: Path) -> None:
    """The table's progress column reads like `7/12 MMT (58%), ahead`."""
    out = cli("status", quant_file(tmp_path), "--as-of", "2025-12-31").stdout
    assert "7/12 MMT (58%), ahead" in out
    # The yearly target, before its first period: no figure is not a zero.
    assert "no data yet (target 25 MMT)" in out


def test_the_progress_command(tmp_path: Path) -> None:
    """progress lists one row per period of every quantitative commitment (and JSON)."""
    path = quant_file(tmp_path)
    out = cli("progress", path, "--as-of", "2027-06-30").stdout
    rows = [line.split() for line in out.splitlines() if line.startswith("soybean")]
    assert [r[:2] for r in rows] == [
        ["soybean-12mmt-2025", "2025-10-30..2026-02-28"],
        ["soybean-25mmt-2026-2028", "2026-01-01..2026-12-31"],
        ["soybean-25mmt-2026-2028", "2027-01-01..2027-12-31"],
    ]
    assert rows[0][-1] == "missed"
    assert rows[2][-4:] == ["-", "no", "data", "yet"]  # a running period without any figure
    doc = json.loads(cli("progress", path, "--as-of", "2027-06-30", "--json").stdout)
    assert [c["id"] for c in doc["commitments"]] == [
        "soybean-12mmt-2025",
        "soybean-25mmt-2026-2028",
    ]
    assert [p["delivered"] for p in doc["commitments"][1]["periods"]] == [2.5, None]


def test_a_store_keeps_targets_and_measurements(tmp_path: Path) -> None:
    """Recorded into a store and read back, the answers are the file's."""
    path = quant_file(tmp_path)
    db = tmp_path / "soy.db"
    assert cli("record", "--db", db, path).returncode == 0
    with nt.open(db) as t:
        mem = nt.load(path)
        for on in (day("2025-12-31"), day("2026-03-01"), day("2027-06-30")):
            assert t.snapshot(on=on) == mem.snapshot(on=on)


# -- laws, against a reference written from the contract ------------------------------------------


def periods_of(t: nt.Target) -> list[tuple[date, date]]:
    """The periods of `t`, by the contract: `per` splits start..end from its start."""
    if t.per is None:
        return [(t.start, t.end)]
    step = {"year": 12, "quarter": 3, "month": 1}[t.per]
    found, n = [], 0
    while True:

        def month_from(k: int) -> date:
            months = t.start.month - 1 + k
            y, m = t.start.year + months // 12, months % 12 + 1
            return date(y, m, min(t.start.day, calendar.monthrange(y, m)[1]))

        begin = month_from(n * step)
        if begin > t.end:
            return found
        found.append((begin, min(month_from((n + 1) * step) - DAY, t.end)))
        n += 1


def delivered_ref(events: Sequence[tuple[int, nt.Event]], start: date, until: date) -> float | None:
    """By the contract: each figure (a date's total, or its amount) counts in its latest report
    only; the latest total dated on or before `until` in the span sets the level (the largest
    of that day); increments after it (and up to `until`) add to it; no figure gives None."""
    inside = [(e.on, i, e) for i, e in events if start <= e.on <= until]
    if not inside:
        return None
    inside = latest_reports(inside)
    totals = sorted((on, e.total) for on, _, e in inside if e.total is not None)
    since, level = totals[-1] if totals else (None, 0.0)
    return level + sum(
        e.amount for on, _, e in inside if e.amount is not None and (since is None or on > since)
    )


def check_progress(negotiation: Any, cutoff: date | None) -> None:
    """Law: every commitment's progress, on every date, as known by `cutoff`, is the
    reference's; and it does not depend on the order in which events were recorded."""
    commitments, events = negotiation
    t = negotiation.tracker()
    shuffled = nt.Tracker()
    shuffled.add(*commitments)
    shuffled.record(*reversed(events))
    for c in commitments:
        if c.target is None:
            continue
        mine = [
            (i, e)
            for i, e in enumerate(dict.fromkeys(events))
            if e.commitment == c.id
            and e.kind is nt.EventKind.MEASURED
            and (cutoff is None or e.known_on <= cutoff)
        ]
        periods = periods_of(c.target)
        for on in {
            c.target.start - DAY,
            *(p for span in periods for p in span),
            c.target.end + DAY,
        }:
            got = t.status(c.id, on=on, known_by=cutoff).progress
            assert got is not None
            assert got == shuffled.status(c.id, on=on, known_by=cutoff).progress
            shown = [p for p in periods if p[0] <= on] or periods[:1]
            assert [(p.start, p.end) for p in got.periods] == shown
            for p, (begin, stop) in zip(got.periods, shown, strict=True):
                expected = delivered_ref(mine, begin, min(stop, on))
                if expected is None:
                    assert p.delivered is None
                    assert p.met is None
                    continue
                assert p.delivered == pytest.approx(expected)
                if p.delivered >= c.target.amount:
                    assert p.met is True
                else:
                    assert p.met is (False if stop < on else None)
            begin, stop = shown[-1]
            days = (stop - begin).days + 1
            elapsed = min(max((on - begin).days + 1, 0), days)
            assert got.expected == pytest.approx(c.target.amount * elapsed / days)
            if got.delivered is None:
                assert got.on_track is None
                assert got.share is None
            else:
                assert got.on_track == (got.delivered >= got.expected)
        # target_missed exactly when the final period ended short (as known by the cutoff).
        end = c.target.end
        final = delivered_ref(mine, *periods[-1])
        short = c.target.lapse_without_figures if final is None else final < c.target.amount
        after = t.status(c.id, on=end + DAY, known_by=cutoff)
        if after.reason is LapseReason.TARGET_MISSED and after.inferred:
            assert after.since == end + DAY
            assert short
        live = t.status(c.id, on=end, known_by=cutoff).stage in nt.LIFECYCLE.live
        revived = any(
            e.commitment == c.id and e.kind is nt.EventKind.REVIVED and e.on == end + DAY
            for e in events
        )
        if short and live and not revived:
            assert after.stage is Stage.LAPSED, (c, after)


CASES = st.tuples(
    negotiations(max_commitments=3, max_steps=5),
    st.none() | st.dates(date(2025, 1, 1), date(2025, 5, 30)),
)


@settings(deadline=None)
@given(CASES)
def test_progress_follows_the_contract(case: tuple[Any, date | None]) -> None:
    """Progress equals the reference on generated negotiations, whatever the recording order
    and the knowledge date."""
    check_progress(*case)


def test_increments_only_sum_and_a_lone_total_is_the_total() -> None:
    """With only increments, delivered is their sum in the period; a total followed by no
    increment is the total."""
    t = pledge(start="2025-11-01", end="2025-11-30")
    t.record(*(measured(f"2025-11-{d:02d}", amount=d / 10) for d in (1, 2, 3)))
    assert _progress(t, "2025-11-30").delivered == 0.6
    t.record(measured("2025-11-20", total=4))
    assert _progress(t, "2025-11-30").delivered == 4


PLANTED: dict[str, Callable[[pytest.MonkeyPatch], None]] = {}


def _total_counted_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    real = _targets.tally

    def twice(measures: Any, start: date, until: date) -> Any:
        found = list(measures)
        level, figure, revised = real(found, start, until)
        totals = [m for m in found if start <= m[0] <= until and m[3] is not None]
        extra = totals[-1][3] if totals else 0
        return (None if level is None else level + extra), figure, revised

    monkeypatch.setattr(_targets, "tally", twice)


def _period_off_by_one_day(monkeypatch: pytest.MonkeyPatch) -> None:
    real = nt.Target.periods

    def late(self: nt.Target) -> tuple[tuple[date, date], ...]:
        return tuple((begin + DAY, stop) for begin, stop in real(self))

    monkeypatch.setattr(nt.Target, "periods", late)


PLANTED["total counted twice"] = _total_counted_twice
PLANTED["period off by one day"] = _period_off_by_one_day


@pytest.mark.slow
@pytest.mark.parametrize("bug", sorted(PLANTED))
def test_the_law_catches_planted_bugs(bug: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """With a planted bug in the targets' code, the law fails (and passes without it)."""

    @settings(
        max_examples=300,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(CASES)
    def law(case: tuple[Any, date | None]) -> None:
        check_progress(*case)

    law()  # the true code passes
    PLANTED[bug](monkeypatch)
    with pytest.raises(AssertionError):
        law()


def _progress(t: nt.Tracker, on: str) -> nt.Progress:
    progress = t.status("c", on=day(on)).progress
    assert progress is not None
    return progress


def test_progress_lists_the_periods_still_to_come() -> None:
    """`negotrack progress` lists every period of a per-year target, those that start after
    the date as not started (under "still to come" in the table, "upcoming" in --json)."""
    path = Path(__file__).parent.parent / "examples" / "us-china-2025-2026.yaml"
    target = nt.load(path).commitment("soybean-25mmt-2026-2028").target
    assert target is not None
    assert target.per == "year"
    table = cli("progress", path, "--as-of", "2026-03-01").stdout.splitlines()
    rows = [line.split() for line in table if line.lstrip().startswith("soybean-25mmt-2026-")]
    assert [row[1] for row in rows] == [f"{a}..{b}" for a, b in target.periods()]
    later = [row for row in rows if date.fromisoformat(row[1][:10]) > date(2026, 3, 1)]
    assert later
    assert all(row[-2:] == ["not", "started"] for row in later)
    document = json.loads(cli("progress", path, "--as-of", "2026-03-01", "--json").stdout)
    [entry] = [c for c in document["commitments"] if c["id"] == "soybean-25mmt-2026-2028"]
    shown = [(p["start"], p["end"]) for p in entry["periods"] + entry["upcoming"]]
    assert shown == [(a.isoformat(), b.isoformat()) for a, b in target.periods()]
