"""What changed, what late reports revised, and what falls due: the queries and their commands."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from helpers import cli, commitment, day, event
from hypothesis import given, settings

import negotrack as nt
from negotrack import ChangeKind, DueKind, LapseReason, Stage
from negotrack.testing import negotiations

FOLLOW = Path(__file__).parent.parent / "examples" / "us-china-2025-2026.yaml"


def linked() -> nt.Tracker:
    """Two reciprocal commitments; the tariff lapses on 2026-02-20, then is revived."""
    t = nt.Tracker()
    t.add(
        commitment("rare", expires=day("2026-11-10"), links=(nt.Link("reciprocal", "tariff"),)),
        commitment("tariff", deadline=day("2025-12-31")),
    )
    t.record(
        event("approved", "2025-10-30", "rare", actor="MOFCOM"),
        event("implemented", "2025-11-10", "rare"),
        event("approved", "2025-10-30", "tariff", reported="2025-11-01"),
        event("implemented", "2025-11-10", "tariff"),
        event("lapsed", "2026-02-20", "tariff", reason="voided", actor="Supreme Court"),
        event("revived", "2026-03-15", "tariff"),
    )
    return t


class TestChanges:
    """Tracker.changes(since, until, *, known_by)."""

    def test_stage_changes_in_the_window_with_their_evidence(self) -> None:
        """Every stage change with since < on <= until, in date order, with its step."""
        found = linked().changes(day("2025-10-30"), day("2025-11-10"))
        assert [(c.on, c.commitment, c.source, c.target) for c in found] == [
            (day("2025-11-10"), "rare", Stage.APPROVED, Stage.IMPLEMENTED),
            (day("2025-11-10"), "tariff", Stage.APPROVED, Stage.IMPLEMENTED),
        ]
        assert all(c.kind is ChangeKind.STAGE for c in found)
        first = linked().changes(day("2025-10-29"), day("2025-10-30"))[0]
        assert first.transition is not None
        assert first.transition.event is not None
        assert first.transition.event.actor == "MOFCOM"

    def test_corroborations_and_extensions_are_not_changes(self) -> None:
        """A report of the stage a commitment already has changes nothing."""
        t = linked()
        t.record(event("implemented", "2025-12-01", "rare", source="again"))
        assert t.changes(day("2025-11-30"), day("2025-12-02")) == ()

    def test_risk_comes_and_goes(self) -> None:
        """A commitment becomes at risk when its counterpart lapses, and stops when it is
        revived; each change names the counterpart and the step that caused it."""
        found = linked().changes(day("2026-01-01"), day("2026-06-01"))
        kinds = [(c.on, c.commitment, c.kind) for c in found]
        assert kinds == [
            (day("2026-02-20"), "tariff", ChangeKind.STAGE),
            (day("2026-02-20"), "rare", ChangeKind.AT_RISK),
            (day("2026-03-15"), "tariff", ChangeKind.STAGE),
            (day("2026-03-15"), "rare", ChangeKind.NO_LONGER_AT_RISK),
        ]
        at_risk = found[1]
        assert at_risk.at_risk_from == ("tariff",)
        assert at_risk.cause is not None
        assert at_risk.cause.reason is LapseReason.VOIDED

    def test_inferred_lapses_are_changes(self) -> None:
        """A lapse inferred from an expiry is a stage change of its day, marked inferred."""
        lapse, risk = linked().changes(day("2026-11-01"), day("2026-11-30"))
        assert lapse.transition is not None
        assert (lapse.on, lapse.transition.inferred) == (day("2026-11-10"), True)
        # ...and its counterpart, revived since, is at risk from it from that day.
        assert (risk.commitment, risk.kind, risk.at_risk_from) == (
            "tariff",
            ChangeKind.AT_RISK,
            ("rare",),
        )

    def test_known_by_hides_what_was_not_reported(self) -> None:
        """With known_by, a change reported later is not there yet."""
        t = linked()
        assert [c.commitment for c in t.changes(day("2025-10-29"), day("2025-10-30"))] == [
            "rare",
            "tariff",
        ]
        early = t.changes(day("2025-10-29"), day("2025-10-30"), known_by=day("2025-10-31"))
        assert [c.commitment for c in early] == ["rare"]


class TestRevisions:
    """Tracker.revisions(before, after, *, on): what late reports changed."""

    def test_a_late_report_is_a_revision(self) -> None:
        """The approval reported on 1 November revises the record of 30 October."""
        revision, knock_on = linked().revisions(day("2025-10-31"), day("2025-11-02"))
        assert revision.commitment == "tariff"
        assert revision.on == day("2025-10-30")
        assert (revision.was.stage, revision.now.stage) == (None, Stage.APPROVED)
        assert [e.kind for e in revision.reports] == [nt.EventKind.APPROVED]
        # As known on 2 November, the tariff would miss its deadline (its implementation was
        # not reported yet), which put its counterpart at risk from 1 January.
        assert (knock_on.commitment, knock_on.on) == ("rare", day("2026-01-01"))
        assert (knock_on.was.at_risk_from, knock_on.now.at_risk_from) == ((), ("tariff",))
        assert knock_on.reports == revision.reports

    def test_on_a_given_date(self) -> None:
        """With `on`, the comparison is made on that date."""
        t = linked()
        [revision] = t.revisions(day("2025-10-31"), day("2025-11-02"), on=day("2025-11-05"))
        assert revision.on == day("2025-11-05")
        assert t.revisions(day("2025-11-02"), day("2026-12-31"), on=day("2025-11-05")) == ()

    @settings(max_examples=30, deadline=None)
    @given(negotiations(max_commitments=3, max_steps=6))
    def test_revisions_are_exactly_the_differences(self, negotiation: object) -> None:
        """A commitment is revised exactly when some date's answer differs between the two
        knowledge dates, and `was` and `now` are those answers."""
        t = negotiation.tracker()  # type: ignore[attr-defined]
        before, after = date(2025, 2, 1), date(2025, 3, 15)
        found = {r.commitment: r for r in t.revisions(before, after)}
        days = [date(2024, 12, 1) + timedelta(days=n) for n in range(0, 200, 3)]
        for c in t.commitments():
            differs = [
                d
                for d in days
                if t.status(c.id, on=d, known_by=before) != t.status(c.id, on=d, known_by=after)
            ]
            if differs:
                assert c.id in found
                r = found[c.id]
                assert r.on <= differs[0]
                assert r.was == t.status(c.id, on=r.on, known_by=before)
                assert r.now == t.status(c.id, on=r.on, known_by=after)
                assert r.was != r.now


class TestDue:
    """Tracker.due(on, within): what falls due, and what happens if nothing is reported."""

    def test_deadlines_expiries_and_what_follows(self) -> None:
        """A deadline of a live commitment not implemented lapses it the next day; an
        expiry lapses it that day; an implemented commitment's deadline changes nothing."""
        t = nt.Tracker()
        t.add(
            commitment("a", deadline=day("2026-01-10")),
            commitment("b", expires=day("2026-02-01")),
            commitment("c", deadline=day("2026-01-20")),
            commitment("quiet"),
        )
        t.record(
            event("approved", "2025-12-01", "a"),
            event("approved", "2025-12-01", "b"),
            event("implemented", "2025-12-01", "c"),
        )
        found = t.due(day("2026-01-01"), 60)
        assert [(d.on, d.commitment, d.kind, d.lapses_on, d.reason) for d in found] == [
            (
                day("2026-01-10"),
                "a",
                DueKind.DEADLINE,
                day("2026-01-11"),
                LapseReason.DEADLINE_MISSED,
            ),
            (day("2026-01-20"), "c", DueKind.DEADLINE, None, None),
            (day("2026-02-01"), "b", DueKind.EXPIRY, day("2026-02-01"), LapseReason.EXPIRED),
        ]
        assert found[2].outcome == "lapses on 2026-02-01, expired, unless extended"
        assert "implemented" in found[1].outcome
        assert t.due(day("2026-01-01"), timedelta(days=15)) == found[:1]

    def test_the_window_is_open_at_its_start(self) -> None:
        """A date equal to `on` is not due any more; one on `on + within` is."""
        t = nt.Tracker()
        t.add(commitment("a", expires=day("2026-01-10")))
        t.record(event("approved", "2025-12-01", "a"))
        assert t.due(day("2026-01-10"), 30) == ()
        assert len(t.due(day("2026-01-01"), 9)) == 1

    def test_target_periods(self) -> None:
        """Period ends fall due; the final one says the commitment lapses if short, and a
        period without any figure says there is no data yet (no data is not a miss)."""
        t = nt.Tracker()
        target = nt.Target(
            amount=10, unit="t", start=day("2026-01-01"), end=day("2026-06-30"), per="quarter"
        )
        t.add(commitment("q", target=target))
        t.record(
            event("approved", "2025-12-01", "q"), event("measured", "2026-05-01", "q", amount=4)
        )
        found = t.due(day("2026-03-01"), 200)
        assert [(d.on, d.kind, d.lapses_on) for d in found] == [
            (day("2026-03-31"), DueKind.PERIOD_END, None),
            (day("2026-06-30"), DueKind.TARGET_END, None),
        ]
        assert found[0].outcome == "no data yet: no figure reported by 2026-03-01"
        late = t.due(day("2026-06-01"), 60)[0]
        assert late.outcome.startswith("lapses on 2026-07-01, target_missed")
        assert "4 of 10 t" in late.outcome

    def test_bad_within(self) -> None:
        """A span that is not a number of days is refused."""
        with pytest.raises(nt.InvalidValue, match="number of days"):
            nt.Tracker().due(day("2026-01-01"), "90d")  # type: ignore[arg-type]


def test_the_changes_command() -> None:
    """changes: a table with evidence, and JSON with every change."""
    out = cli("changes", FOLLOW, "--since", "2026-02-19", "--until", "2026-02-21").stdout
    assert "us-fentanyl-tariff-cut" in out
    assert "implemented -> lapsed (voided)" in out
    doc = json.loads(
        cli("changes", FOLLOW, "--since", "2026-02-19", "--until", "2026-02-21", "--json").stdout
    )
    assert doc["since"] == "2026-02-19"
    kinds = {(c["commitment"], c["kind"]) for c in doc["changes"]}
    assert ("us-fentanyl-tariff-cut", "stage") in kinds
    assert any(kind == "at_risk" for _, kind in kinds)
    voided = next(c for c in doc["changes"] if c["commitment"] == "us-fentanyl-tariff-cut")
    assert voided["evidence"]["event"] == "lapsed"
    assert voided["reason"] == "voided"


def test_the_due_command() -> None:
    """due: what falls due in the span after --as-of, with the outcome."""
    out = cli("due", FOLLOW, "--as-of", "2026-11-01", "--within", "2w").stdout
    assert "rare-earth-export-delay" in out
    assert "lapses on 2026-11-11, expired, unless extended" in out
    assert "cn-gallium-germanium-ban-suspension" not in out  # 27 days away: past two weeks
    doc = json.loads(cli("due", FOLLOW, "--as-of", "2026-11-01", "--json").stdout)
    assert doc["within"] == 90
    assert {d["kind"] for d in doc["due"]} >= {"expiry"}
    result = cli("due", FOLLOW, "--within", "soon")
    assert result.returncode == 2
    assert "expected days or weeks" in result.stderr


def test_due_and_changes_at_the_ends_of_the_calendar() -> None:
    """Due and changes near 0001-01-01 and 9999-12-31 answer, never overflow: a deadline on
    the last day never lapses (there is no next day)."""
    t = nt.Tracker()
    t.add(
        nt.Commitment(id="end", title="t", by="A", to="B", deadline=date.max),
        nt.Commitment(id="soon", title="t", by="A", to="B", expires=date(9999, 12, 30)),
    )
    t.record(
        nt.Event(commitment="end", kind="approved", on=date(9999, 12, 1)),
        nt.Event(commitment="soon", kind="approved", on=date(9999, 12, 1)),
    )
    found = {d.commitment: d for d in t.due(date(9999, 12, 2), within=365)}
    assert found["end"].lapses_on is None
    assert found["end"].outcome == "nothing: the calendar ends that day"
    assert found["soon"].lapses_on == date(9999, 12, 30)
    assert t.status("end", on=date.max).stage is nt.Stage.APPROVED
    assert [c.commitment for c in t.changes(date(9999, 12, 1), date.max)] == ["soon"]
    assert t.changes(date.min, date(1, 1, 10)) == ()
    assert t.due(date.max) == ()
