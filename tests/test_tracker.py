"""Example tests for the tracker: one group per numbered rule of the lifecycle contract."""

from __future__ import annotations

import gc
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from helpers import commitment, day, event, stage_on, tracker

import negotrack as nt
from negotrack import EventKind, LapseReason, Stage


class TestForwardMoves:
    """Rule 1: forward moves climb the ladder, may skip rungs, and may start anywhere."""

    def test_no_stage_before_the_first_event(self) -> None:
        """A commitment has no stage, no since and no reason before its first event."""
        t = tracker()
        t.record(event("proposed", "2025-05-10"))
        status = t.status("c", on=day("2025-05-09"))
        assert status.stage is None
        assert status.since is None
        assert status.reason is None
        assert not status.inferred

    def test_climbs_the_ladder(self) -> None:
        """Each forward event moves the commitment one rung up, dated by the event."""
        t = tracker()
        t.record(
            event("proposed", "2025-05-10"),
            event("consensus_reached", "2025-06-10"),
            event("approved", "2025-07-10"),
            event("implemented", "2025-08-10"),
        )
        assert stage_on(t, "2025-05-10") is Stage.PROPOSED
        assert stage_on(t, "2025-06-10") is Stage.PRELIMINARY_CONSENSUS
        assert stage_on(t, "2025-07-10") is Stage.APPROVED
        assert stage_on(t, "2025-08-10") is Stage.IMPLEMENTED
        assert t.status("c", on=day("2025-09-01")).since == day("2025-08-10")
        assert t.anomalies() == ()

    def test_skipping_rungs(self) -> None:
        """A unilateral measure goes from proposed straight to approved."""
        t = tracker()
        t.record(event("proposed", "2025-05-10"), event("approved", "2025-05-12"))
        assert stage_on(t, "2025-05-12") is Stage.APPROVED
        assert t.anomalies() == ()

    @pytest.mark.parametrize(
        ("kind", "stage"),
        [
            ("proposed", Stage.PROPOSED),
            ("consensus_reached", Stage.PRELIMINARY_CONSENSUS),
            ("approved", Stage.APPROVED),
            ("implemented", Stage.IMPLEMENTED),
        ],
    )
    def test_any_forward_event_may_come_first(self, kind: str, stage: Stage) -> None:
        """The first event puts the commitment at its stage from its date."""
        t = tracker()
        t.record(event(kind, "2025-10-26"))
        status = t.status("c", on=day("2025-10-26"))
        assert status.stage is stage
        assert status.since == day("2025-10-26")
        assert status.evidence == event(kind, "2025-10-26")


class TestLapse:
    """Rule 2: lapsed is reachable from every live stage, with an optional reason."""

    @pytest.mark.parametrize("first", ["proposed", "consensus_reached", "approved", "implemented"])
    @pytest.mark.parametrize("reason", [None, *LapseReason])
    def test_lapses_from_every_live_stage(self, first: str, reason: LapseReason | None) -> None:
        """A reported lapse ends any live stage and keeps its reason; it is not inferred."""
        t = tracker()
        t.record(event(first, "2025-05-10"), event("lapsed", "2025-06-01", reason=reason))
        status = t.status("c", on=day("2025-06-01"))
        assert status.stage is Stage.LAPSED
        assert status.reason is reason
        assert status.since == day("2025-06-01")
        assert not status.inferred

    def test_reason_accepts_member_or_value(self) -> None:
        """`reason` and `kind` accept a member or its string value."""
        by_value = event("lapsed", "2025-06-01", reason="voided")
        by_member = event(EventKind.LAPSED, "2025-06-01", reason=LapseReason.VOIDED)
        assert by_value == by_member
        assert by_value.reason is LapseReason.VOIDED


class TestRevival:
    """Rule 3: revived takes a lapsed commitment back to proposed."""

    def test_revival_reopens(self) -> None:
        """After a revival the commitment is proposed again and can climb again."""
        t = tracker()
        t.record(
            event("approved", "2025-05-12"),
            event("lapsed", "2025-06-01", reason="withdrawn"),
            event("revived", "2025-07-01"),
            event("approved", "2025-08-01"),
        )
        assert stage_on(t, "2025-07-01") is Stage.PROPOSED
        assert t.status("c", on=day("2025-07-01")).reason is None
        assert stage_on(t, "2025-08-01") is Stage.APPROVED
        assert t.anomalies() == ()

    def test_a_revived_commitment_leaves_its_old_dates_behind(self) -> None:
        """A revival reopens the commitment without its old deadline and expiry: it does not
        lapse later by terms that belonged to the lapsed commitment."""
        t = tracker(commitment(deadline=day("2025-09-30"), expires=day("2025-12-31")))
        t.record(
            event("approved", "2025-05-12"),
            event("lapsed", "2025-06-01", reason="withdrawn"),
            event("revived", "2025-07-01"),
        )
        status = t.status("c", on=day("2026-06-01"))
        assert (status.stage, status.deadline, status.expires) == (Stage.PROPOSED, None, None)

    def test_a_revival_may_bring_new_terms(self) -> None:
        """`revived` may carry the new deadline and expiry, which then apply as any others."""
        t = tracker(commitment(expires=day("2025-12-31")))
        t.record(
            event("approved", "2025-05-12"),
            event("lapsed", "2025-06-01", reason="breached"),
            event("revived", "2025-07-01", expires="2026-03-01"),
        )
        assert t.status("c", on=day("2026-01-15")).stage is Stage.PROPOSED
        lapse = t.status("c", on=day("2026-03-01"))
        assert (lapse.stage, lapse.reason, lapse.inferred) == (
            Stage.LAPSED,
            LapseReason.EXPIRED,
            True,
        )

    def test_revived_on_a_commitment_that_never_lapsed(self) -> None:
        """On a proposed commitment, `revived` is a corroboration (it would lead where the
        commitment is) and keeps the dates; further up the ladder it is an anomaly, refused in
        strict mode, since it would move the commitment back down."""
        t = tracker(commitment(expires=day("2026-01-01")))
        t.record(event("proposed", "2025-05-01"), event("revived", "2025-05-02"))
        assert t.anomalies() == ()
        assert t.history("c")[1].corroboration
        assert t.status("c", on=day("2025-06-01")).expires == day("2026-01-01")
        t.record(event("approved", "2025-05-03"), event("revived", "2025-05-04"))
        [anomaly] = t.anomalies()
        assert anomaly.event.kind is EventKind.REVIVED
        assert "move back from approved to proposed" in anomaly.message
        strict = tracker(strict=True)
        strict.record(event("approved", "2025-05-03"))
        with pytest.raises(nt.InvalidTransition):
            strict.record(event("revived", "2025-05-04"))


class TestExtension:
    """Rule 4: extended moves the deadline or expiry from its date on, keeping the stage."""

    def test_extension_moves_the_expiry(self) -> None:
        """An extension recorded before the expiry keeps the commitment live past it."""
        t = tracker(commitment(expires=day("2025-08-12")))
        t.record(
            event("implemented", "2025-05-14"),
            event("extended", "2025-08-11", expires="2025-11-10"),
        )
        assert stage_on(t, "2025-08-12") is Stage.IMPLEMENTED
        status = t.status("c", on=day("2025-11-09"))
        assert status.expires == day("2025-11-10")
        assert status.since == day("2025-05-14")
        lapse = t.status("c", on=day("2025-11-10"))
        assert (lapse.stage, lapse.reason, lapse.inferred) == (
            Stage.LAPSED,
            LapseReason.EXPIRED,
            True,
        )

    def test_an_extension_cannot_cut_a_term_short(self) -> None:
        """An `extended` event that would move a date back is an anomaly (refused in strict
        mode): the term stays, and the message says to record the lapse instead."""
        t = tracker(commitment(expires=day("2026-11-10")))
        t.record(
            event("implemented", "2025-11-10"),
            event("extended", "2026-01-01", expires="2026-06-01"),
        )
        assert t.status("c", on=day("2026-07-01")).expires == day("2026-11-10")
        [anomaly] = t.anomalies()
        assert "move expires back from 2026-11-10 to 2026-06-01" in anomaly.message
        assert "record 'lapsed'" in anomaly.message
        strict = tracker(commitment(expires=day("2026-11-10")), strict=True)
        strict.record(event("implemented", "2025-11-10"))
        with pytest.raises(nt.InvalidTransition, match="back from"):
            strict.record(event("extended", "2026-01-01", expires="2026-06-01"))

    def test_extension_applies_from_its_date_only(self) -> None:
        """Before the extension's date, the old expiry is still the one in force."""
        t = tracker(commitment(expires=day("2025-12-01")))
        t.record(
            event("approved", "2025-05-01"),
            event("extended", "2025-10-01", expires="2026-12-01"),
        )
        assert t.status("c", on=day("2025-09-30")).expires == day("2025-12-01")
        assert t.status("c", on=day("2025-10-01")).expires == day("2026-12-01")

    def test_extension_moves_the_deadline(self) -> None:
        """A new deadline replaces the old one; the stage does not change."""
        t = tracker(commitment(deadline=day("2025-06-30")))
        t.record(
            event("approved", "2025-05-01"),
            event("extended", "2025-06-15", deadline="2025-09-30"),
        )
        assert stage_on(t, "2025-07-01") is Stage.APPROVED
        assert t.status("c", on=day("2025-10-01")).reason is LapseReason.DEADLINE_MISSED

    @pytest.mark.parametrize("before", [[], [("lapsed", "2025-05-02")]])
    def test_extension_needs_a_live_commitment(self, before: list[tuple[str, str]]) -> None:
        """Extending a commitment with no stage, or a lapsed one, is an anomaly."""
        t = tracker()
        t.record(
            *(
                [event("approved", "2025-05-01"), *(event(k, d) for k, d in before)]
                if before
                else []
            ),
            event("extended", "2025-06-01", expires="2026-01-01"),
        )
        [anomaly] = t.anomalies()
        assert anomaly.event.kind is EventKind.EXTENDED
        assert EventKind.EXTENDED not in anomaly.expected


class TestCorroboration:
    """Rule 5: an event confirming the current stage is evidence, never an anomaly."""

    def test_corroboration_is_kept_in_the_history(self) -> None:
        """Both reports of the consensus are in the history; the stage dates from the first."""
        t = tracker()
        first = event("consensus_reached", "2025-10-26", actor="Li Chenggang")
        second = event("consensus_reached", "2025-10-27", source="Xinhua", quote="basic consensus")
        t.record(first, second)
        assert t.anomalies() == ()
        history = t.history("c")
        assert [step.event for step in history] == [first, second]
        assert history[1].corroboration
        assert not history[0].corroboration
        assert t.status("c", on=day("2025-10-28")).since == day("2025-10-26")
        assert t.status("c", on=day("2025-10-28")).evidence == first


class TestAnomalies:
    """Rule 6: anything else is kept, leaves the stage unchanged, and is explained."""

    @pytest.mark.parametrize(
        ("events", "bad", "words"),
        [
            (
                [("implemented", "2025-05-01")],
                ("approved", "2025-05-02"),
                "would move back from implemented to approved",
            ),
            (
                [("approved", "2025-05-01"), ("lapsed", "2025-05-02")],
                ("approved", "2025-05-03"),
                "record 'revived' first",
            ),
            ([], ("lapsed", "2025-05-03"), "has no stage yet"),
            ([], ("revived", "2025-05-03"), "has no stage yet"),
        ],
    )
    def test_invalid_event_is_kept_and_explained(
        self, events: list[tuple[str, str]], bad: tuple[str, str], words: str
    ) -> None:
        """The anomaly names the event, says why, and lists what would have been valid."""
        t = tracker()
        t.record(*(event(k, d) for k, d in events))
        before = [t.status("c", on=day(d)) for d in ("2025-05-02", "2025-05-03", "2025-06-01")]
        t.record(event(*bad))
        after = [t.status("c", on=day(d)) for d in ("2025-05-02", "2025-05-03", "2025-06-01")]
        assert after == before
        [anomaly] = t.anomalies()
        assert anomaly.event == event(*bad)
        assert anomaly.commitment == "c"
        assert anomaly.on == day(bad[1])
        assert words in anomaly.message
        assert f"'{bad[0]}' on {bad[1]}" in anomaly.message
        for kind in anomaly.expected:
            assert repr(kind.value) in anomaly.message
        assert event(*bad) in t.events()

    def test_expected_lists_what_was_valid(self) -> None:
        """From lapsed, only a revival (or another report of the lapse) is valid."""
        t = tracker()
        t.record(event("approved", "2025-05-01"), event("lapsed", "2025-05-02"))
        t.record(event("implemented", "2025-05-03"))
        [anomaly] = t.anomalies()
        assert anomaly.stage is Stage.LAPSED
        assert set(anomaly.expected) == {EventKind.LAPSED, EventKind.REVIVED}

    def test_strict_mode_raises_and_changes_nothing(self) -> None:
        """In strict mode the invalid event raises InvalidTransition and nothing is recorded."""
        t = tracker(strict=True)
        t.record(event("implemented", "2025-05-01"))
        before = (t.events(), t.history("c"), t.status("c", on=day("2025-06-01")))
        with pytest.raises(nt.InvalidTransition) as caught:
            t.record(event("lapsed", "2025-05-20"), event("approved", "2025-05-02"))
        assert caught.value.commitment == "c"
        assert caught.value.stage is Stage.IMPLEMENTED
        assert caught.value.event == event("approved", "2025-05-02")
        assert EventKind.LAPSED in caught.value.expected
        assert isinstance(caught.value, ValueError)
        assert (t.events(), t.history("c"), t.status("c", on=day("2025-06-01"))) == before
        assert t.anomalies() == ()

    def test_strict_mode_catches_an_event_made_invalid_by_an_earlier_one(self) -> None:
        """An event dated before recorded ones can make them invalid: strict mode refuses it."""
        t = tracker(strict=True)
        t.record(event("approved", "2025-05-10"))
        with pytest.raises(nt.InvalidTransition):
            t.record(event("implemented", "2025-05-01"))
        assert len(t.events()) == 1

    def test_strict_mode_accepts_valid_events(self) -> None:
        """Strict mode records events that fit."""
        t = tracker(strict=True)
        assert t.record(event("proposed", "2025-05-01"), event("approved", "2025-05-10")) == 2
        assert stage_on(t, "2025-05-10") is Stage.APPROVED


class TestTimeLimits:
    """Rule 7: deadlines and expiries make commitments lapse by themselves."""

    def test_deadline_missed_lapses_the_next_day(self) -> None:
        """Not implemented by its deadline: lapsed (deadline_missed, inferred) the day after."""
        t = tracker(commitment(deadline=day("2025-11-10")))
        t.record(event("approved", "2025-10-30"))
        assert stage_on(t, "2025-11-10") is Stage.APPROVED
        status = t.status("c", on=day("2025-11-11"))
        assert status.stage is Stage.LAPSED
        assert status.reason is LapseReason.DEADLINE_MISSED
        assert status.inferred
        assert status.since == day("2025-11-11")
        assert status.evidence is None
        [*_, last] = t.history("c")
        assert last.inferred
        assert last.event is None

    def test_implemented_on_the_deadline_holds(self) -> None:
        """Implemented on the deadline day: no lapse."""
        t = tracker(commitment(deadline=day("2025-11-10")))
        t.record(event("approved", "2025-10-30"), event("implemented", "2025-11-10"))
        assert stage_on(t, "2026-01-01") is Stage.IMPLEMENTED

    def test_implemented_the_day_after_the_deadline_is_late(self) -> None:
        """The deadline is the last day to implement: implemented the next day is recorded
        (explicit events come first) but the lapse decided at the end of the deadline
        follows it that same day."""
        t = tracker(commitment(deadline=day("2025-11-10")))
        t.record(event("approved", "2025-10-30"), event("implemented", "2025-11-11"))
        steps = [(s.on, s.kind, s.target, s.inferred) for s in t.history("c")]
        assert steps[1:] == [
            (day("2025-11-11"), EventKind.IMPLEMENTED, Stage.IMPLEMENTED, False),
            (day("2025-11-11"), EventKind.LAPSED, Stage.LAPSED, True),
        ]
        status = t.status("c", on=day("2025-11-11"))
        assert (status.stage, status.reason) == (Stage.LAPSED, LapseReason.DEADLINE_MISSED)
        assert t.anomalies() == ()

    def test_an_extension_the_day_after_the_deadline_supersedes_the_lapse(self) -> None:
        """An extension reported on the day the missed deadline would lapse it moves the
        deadline first: the lapse decided under the old one does not happen."""
        t = tracker(commitment(deadline=day("2025-11-10")))
        t.record(
            event("approved", "2025-10-30"),
            event("extended", "2025-11-11", deadline="2025-12-31"),
        )
        status = t.status("c", on=day("2025-12-01"))
        assert (status.stage, status.deadline) == (Stage.APPROVED, day("2025-12-31"))
        assert t.status("c", on=day("2026-01-01")).reason is LapseReason.DEADLINE_MISSED

    def test_an_explicit_lapse_the_day_after_the_deadline_stands(self) -> None:
        """A lapse reported on the day the missed deadline falls is the one kept."""
        t = tracker(commitment(deadline=day("2025-11-10")))
        t.record(event("approved", "2025-10-30"), event("lapsed", "2025-11-11", reason="voided"))
        status = t.status("c", on=day("2025-12-01"))
        assert (status.reason, status.inferred) == (LapseReason.VOIDED, False)
        assert [s.inferred for s in t.history("c")] == [False, False]

    def test_expiry_lapses_on_its_day(self) -> None:
        """A live commitment is lapsed (expired, inferred) on its expires date."""
        t = tracker(commitment(expires=day("2026-11-10")))
        t.record(event("implemented", "2025-11-10"))
        assert stage_on(t, "2026-11-09") is Stage.IMPLEMENTED
        status = t.status("c", on=day("2026-11-10"))
        assert (status.stage, status.reason, status.inferred) == (
            Stage.LAPSED,
            LapseReason.EXPIRED,
            True,
        )

    def test_a_reported_lapse_before_the_expiry_wins(self) -> None:
        """A commitment that already lapsed does not lapse again when its term ends."""
        t = tracker(commitment(expires=day("2026-11-10")))
        t.record(event("implemented", "2025-11-10"), event("lapsed", "2026-02-20", reason="voided"))
        status = t.status("c", on=day("2026-12-01"))
        assert (status.reason, status.inferred, status.since) == (
            LapseReason.VOIDED,
            False,
            day("2026-02-20"),
        )

    def test_a_limit_that_passed_while_lapsed_is_spent(self) -> None:
        """After a revival, an expiry that passed while lapsed does not fire again."""
        t = tracker(commitment(expires=day("2025-06-01")))
        t.record(
            event("approved", "2025-05-01"),
            event("lapsed", "2025-05-15"),
            event("revived", "2025-07-01"),
        )
        assert stage_on(t, "2025-12-01") is Stage.PROPOSED

    def test_no_lapse_before_the_first_event(self) -> None:
        """A commitment with no stage yet cannot lapse."""
        t = tracker(commitment(expires=day("2025-06-01")))
        assert stage_on(t, "2025-12-01") is None


class TestSameDay:
    """Rule 8: events of one date apply in lifecycle order, then recording order."""

    def test_lifecycle_order_within_a_day(self) -> None:
        """Implemented and approved on the same day end implemented, whatever the order."""
        for order in ([0, 1], [1, 0]):
            t = tracker()
            events = [event("approved", "2025-11-10"), event("implemented", "2025-11-10")]
            t.record(*(events[i] for i in order))
            assert stage_on(t, "2025-11-10") is Stage.IMPLEMENTED
            assert t.anomalies() == ()

    def test_lapse_then_revival_on_one_day(self) -> None:
        """A lapse and a revival on one day end proposed, whatever the order."""
        for order in ([0, 1], [1, 0]):
            t = tracker()
            t.record(event("approved", "2025-05-01"))
            events = [event("lapsed", "2025-06-01"), event("revived", "2025-06-01")]
            t.record(*(events[i] for i in order))
            assert stage_on(t, "2025-06-01") is Stage.PROPOSED

    def test_recording_order_breaks_ties(self) -> None:
        """Two events of the same kind and day apply in the order recorded."""
        t = tracker()
        first = event("approved", "2025-05-01", source="a")
        second = event("approved", "2025-05-01", source="b")
        t.record(first, second)
        assert t.status("c", on=day("2025-05-01")).evidence == first
        assert t.history("c")[1].event == second

    def test_explicit_events_come_before_that_days_inferred_lapse(self) -> None:
        """Implemented on the day its expiry falls: implemented, then expired that day."""
        t = tracker(commitment(expires=day("2025-11-10")))
        t.record(event("approved", "2025-10-01"), event("implemented", "2025-11-10"))
        kinds = [(s.kind, s.inferred) for s in t.history("c")]
        assert kinds == [
            (EventKind.APPROVED, False),
            (EventKind.IMPLEMENTED, False),
            (EventKind.LAPSED, True),
        ]
        assert t.status("c", on=day("2025-11-10")).reason is LapseReason.EXPIRED


class TestAsOf:
    """Rule 9: as of D reflects every event dated on or before D."""

    def test_as_of_is_inclusive(self) -> None:
        """An event dated D counts as of D, not as of the day before."""
        t = tracker()
        t.record(event("approved", "2025-10-30"))
        assert stage_on(t, "2025-10-29") is None
        assert stage_on(t, "2025-10-30") is Stage.APPROVED

    def test_snapshot_covers_every_commitment(self) -> None:
        """A snapshot has one status per commitment, in the order added, equal to status()."""
        t = tracker(commitment("b"), commitment("a"))
        t.record(event("approved", "2025-10-30", cid="a"))
        snap = t.snapshot(on=day("2025-10-30"))
        assert list(snap) == ["b", "a"]
        assert snap["a"] == t.status("a", on=day("2025-10-30"))
        assert snap["b"].stage is None

    def test_snapshots_answer_many_dates_at_once(self) -> None:
        """snapshots() keys each asked date once, ascending, to what snapshot() says then,
        as known by the date given."""
        t = tracker(commitment("b"), commitment("a"))
        t.record(
            event("proposed", "2025-10-01", cid="a"),
            event("approved", "2025-10-30", cid="a", reported="2025-11-05"),
            event("approved", "2025-10-15", cid="b"),
        )
        asked = [day("2025-11-01"), day("2025-09-01"), day("2025-10-30"), day("2025-11-01")]
        found = t.snapshots(asked)
        assert list(found) == sorted(set(asked))
        for on, answer in found.items():
            assert answer == t.snapshot(on=on)
        assert found[day("2025-11-01")]["a"].stage is Stage.APPROVED
        assert found[day("2025-09-01")]["b"].stage is None
        known = t.snapshots(asked, known_by=day("2025-11-01"))
        assert known[day("2025-11-01")]["a"].stage is Stage.PROPOSED
        assert t.snapshots([]) == {}

    def test_snapshots_wants_an_iterable_of_dates(self) -> None:
        """One date, a string or a non-date inside is refused, saying what to pass."""
        t = tracker()
        with pytest.raises(TypeError, match=r"iterable of datetime\.date.*snapshot\(on=\.\.\.\)"):
            t.snapshots(day("2025-10-30"))  # type: ignore[arg-type]
        with pytest.raises(TypeError, match=r"iterable of datetime\.date, not str"):
            t.snapshots("2025-10-30")  # type: ignore[arg-type]
        with pytest.raises(TypeError, match=r"dates must be a datetime\.date"):
            t.snapshots([day("2025-10-30"), "2025-10-31"])  # type: ignore[list-item]

    def test_dates_must_be_dates(self) -> None:
        """A datetime or a string is refused with a message naming the argument."""
        t = tracker()
        with pytest.raises(TypeError, match=r"on must be a datetime\.date"):
            t.status("c", on="2025-10-30")  # type: ignore[arg-type]
        with pytest.raises(TypeError, match=r"known_by must be a datetime\.date"):
            t.snapshot(on=day("2025-10-30"), known_by="2025-10-30")  # type: ignore[arg-type]


class TestKnownBy:
    """Rule 10: known_by replays only what had been reported by then."""

    def test_late_report_is_invisible_before_it_is_reported(self) -> None:
        """A ruling of 20 February reported on the 21st is unknown on the 20th."""
        t = tracker()
        t.record(
            event("implemented", "2025-11-10"),
            event("lapsed", "2026-02-20", reason="voided", reported="2026-02-21"),
        )
        assert stage_on(t, "2026-02-20") is Stage.LAPSED
        assert stage_on(t, "2026-02-20", known_by=day("2026-02-20")) is Stage.IMPLEMENTED
        assert stage_on(t, "2026-02-20", known_by=day("2026-02-21")) is Stage.LAPSED

    def test_default_reported_is_the_event_date(self) -> None:
        """An event without `reported` is known from its own date."""
        t = tracker()
        t.record(event("approved", "2025-10-30"))
        assert stage_on(t, "2025-11-01", known_by=day("2025-10-29")) is None
        assert stage_on(t, "2025-11-01", known_by=day("2025-10-30")) is Stage.APPROVED

    def test_inferred_lapses_follow_what_was_known(self) -> None:
        """An extension reported late: the expiry lapse stands in what was known before."""
        t = tracker(commitment(expires=day("2025-11-10")))
        t.record(
            event("implemented", "2025-05-14"),
            event("extended", "2025-11-04", expires="2026-11-10", reported="2025-11-12"),
        )
        then = t.status("c", on=day("2025-11-11"), known_by=day("2025-11-11"))
        assert (then.stage, then.reason, then.inferred) == (
            Stage.LAPSED,
            LapseReason.EXPIRED,
            True,
        )
        assert stage_on(t, "2025-11-11") is Stage.IMPLEMENTED

    def test_anomalies_depend_on_what_was_known(self) -> None:
        """A revival reported late leaves an approval out of place in the earlier view."""
        t = tracker()
        t.record(
            event("approved", "2025-05-01"),
            event("lapsed", "2025-05-02"),
            event("revived", "2025-05-03", reported="2025-06-01"),
            event("approved", "2025-05-10"),
        )
        assert t.anomalies() == ()
        [anomaly] = t.anomalies(known_by=day("2025-05-20"))
        assert anomaly.event == event("approved", "2025-05-10")


class TestLinks:
    """Rule 11: a live commitment whose linked counterpart has lapsed is at risk."""

    def _pair(self, kind: str) -> nt.Tracker:
        t = nt.Tracker()
        t.add(
            commitment("rare-earths", links=(nt.Link(kind, "tariff"),)),
            commitment("tariff"),
        )
        t.record(
            event("approved", "2025-10-30", cid="rare-earths"),
            event("approved", "2025-10-30", cid="tariff"),
            event("lapsed", "2026-02-20", cid="tariff", reason="voided"),
        )
        return t

    def test_reciprocal_links_bind_both_ways(self) -> None:
        """Declared on one side, a reciprocal link puts either side at risk."""
        t = self._pair("reciprocal")
        assert not t.status("rare-earths", on=day("2026-02-19")).at_risk
        status = t.status("rare-earths", on=day("2026-02-20"))
        assert status.at_risk
        assert status.at_risk_from == ("tariff",)
        assert t.snapshot(on=day("2026-02-20"))["rare-earths"].at_risk
        t.record(event("lapsed", "2026-03-01", cid="rare-earths"))
        t.record(event("revived", "2026-03-02", cid="tariff"))
        assert t.status("tariff", on=day("2026-03-02")).at_risk_from == ("rare-earths",)

    def test_conditional_links_bind_one_way(self) -> None:
        """A conditional commitment is at risk when its condition lapses, not the reverse."""
        t = self._pair("conditional_on")
        assert t.status("rare-earths", on=day("2026-02-20")).at_risk
        t.record(event("lapsed", "2026-03-01", cid="rare-earths"))
        t.record(event("revived", "2026-03-02", cid="tariff"))
        assert not t.status("tariff", on=day("2026-03-02")).at_risk

    def test_a_lapsed_commitment_is_not_at_risk(self) -> None:
        """Only live commitments are at risk."""
        t = self._pair("reciprocal")
        t.record(event("lapsed", "2026-02-21", cid="rare-earths"))
        assert not t.status("rare-earths", on=day("2026-02-21")).at_risk

    def test_links_must_name_known_commitments(self) -> None:
        """A link to an id neither tracked nor added in the same call raises UnknownCommitment."""
        t = nt.Tracker()
        with pytest.raises(nt.UnknownCommitment, match="'missing'"):
            t.add(commitment("a", links=(nt.Link("reciprocal", "missing"),)))
        assert len(t) == 0


class TestRecording:
    """Adding and recording: ids, duplicates and atomicity."""

    def test_adding_an_id_twice(self) -> None:
        """A different commitment under a known id raises DuplicateCommitment naming the id;
        nothing of the call is added."""
        t = tracker()
        with pytest.raises(nt.DuplicateCommitment) as caught:
            t.add(commitment("new"), commitment("c", title="other terms"))
        assert caught.value.commitment == "c"
        assert "new" not in t
        assert t.commitment("c") == commitment("c")

    def test_adding_the_same_commitment_again_changes_nothing(self) -> None:
        """Adding a commitment identical to one already tracked is a no-op, as recording
        the same event twice is."""
        t = tracker()
        t.add(commitment("c"), commitment("new"), commitment("new"))
        assert t.commitments() == (commitment("c"), commitment("new"))

    def test_unknown_commitment(self) -> None:
        """UnknownCommitment is a KeyError whose message names the id and how to fix it."""
        t = tracker()
        with pytest.raises(nt.UnknownCommitment) as caught:
            t.record(event("approved", "2025-05-01"), event("approved", "2025-05-01", cid="x"))
        assert isinstance(caught.value, KeyError)
        assert caught.value.commitment == "x"
        assert str(caught.value).startswith("unknown commitment 'x'")
        assert "Tracker.add" in str(caught.value)
        assert t.events() == ()
        with pytest.raises(nt.UnknownCommitment):
            t.status("x", on=day("2025-05-01"))

    def test_recording_the_same_event_twice_is_a_no_op(self) -> None:
        """Equal events are one event; record returns how many were new."""
        t = tracker()
        assert t.record(event("approved", "2025-05-01"), event("approved", "2025-05-01")) == 1
        assert t.record(event("approved", "2025-05-01")) == 0
        assert len(t.events()) == 1

    def test_a_different_event_under_a_recorded_id(self) -> None:
        """ConflictingEvent refuses a second, different event under a given id."""
        t = tracker()
        t.record(event("approved", "2025-05-01", id="e1"))
        with pytest.raises(nt.ConflictingEvent, match="'e1'") as caught:
            t.record(event("implemented", "2025-05-02", id="e1"))
        assert caught.value.recorded == event("approved", "2025-05-01", id="e1")
        assert t.record(event("approved", "2025-05-01", id="e1")) == 0

    def test_record_takes_only_events(self) -> None:
        """Anything but an Event is a TypeError naming what was given."""
        t = tracker()
        with pytest.raises(TypeError, match="record\\(\\) takes Event objects"):
            t.record("approved")  # type: ignore[arg-type]

    def test_events_and_commitments_are_listed_in_order(self) -> None:
        """events() and commitments() keep recording and adding order."""
        t = tracker(commitment("b"), commitment("a"))
        e1, e2 = event("approved", "2025-05-02", cid="a"), event("proposed", "2025-05-01", cid="b")
        t.record(e1, e2)
        assert t.events() == (e1, e2)
        assert t.events("b") == (e2,)
        assert [c.id for c in t.commitments()] == ["b", "a"]
        assert t.commitment("a").id == "a"

    def test_timeline_is_in_date_order(self) -> None:
        """timeline() merges every commitment's steps by date."""
        t = tracker(commitment("b"), commitment("a"))
        t.record(
            event("approved", "2025-05-02", cid="b"),
            event("proposed", "2025-05-01", cid="a"),
            event("approved", "2025-05-03", cid="a"),
        )
        assert [(s.commitment, s.on) for s in t.timeline()] == [
            ("a", day("2025-05-01")),
            ("b", day("2025-05-02")),
            ("a", day("2025-05-03")),
        ]


class TestManyReports:
    """A commitment with many events, many of one day: deduplication stays exact."""

    def test_repeats_are_recognised_among_many_of_one_day(self) -> None:
        """Forty reports of one kind on one day are forty events; recording any of them
        again adds nothing, in any batch, and a refused batch leaves the log as it was."""
        t = tracker()
        reports = [event("proposed", "2025-05-01", note=f"report {n}") for n in range(40)]
        dated = [event("proposed", f"2025-05-{d:02d}") for d in range(2, 20)]
        assert t.record(*reports[:20]) == 20
        assert t.record(*dated, *reports) == 18 + 20
        assert t.record(*reversed(reports), *dated) == 0
        before = t.events()
        extra = event("approved", "2025-06-01")
        with pytest.raises(nt.UnknownCommitment):
            t.record(
                extra,
                event("proposed", "2025-05-01", note="report 99"),
                event("proposed", "2025-06-02", cid="ghost"),
            )
        assert t.events() == before
        assert t.record(extra, event("proposed", "2025-05-01", note="report 99")) == 2
        assert t.events("c") == (*before, extra, event("proposed", "2025-05-01", note="report 99"))
        assert t.history("c")[0].event == reports[0]  # the first recorded of the day


EXAMPLES = Path(__file__).parent.parent / "examples"


@pytest.mark.parametrize("where", ["memory", "store"])
def test_a_tracker_is_freed_by_its_reference_count(where: str, tmp_path: Path) -> None:
    """A tracker holds no reference cycle (its lifecycle engines once held the tracker): once
    the last reference goes, everything it holds is freed at once, and the cyclic collector
    finds nothing to walk. Checked on a scenario with lifecycles of its own, in memory and
    in a store opened again, after first runs have imported and cached what any run needs."""
    loaded = nt.load(EXAMPLES / "eu-us-2025.yaml")

    def make() -> nt.Tracker:
        if where == "memory":
            return nt.load(EXAMPLES / "eu-us-2025.yaml")
        store = nt.open(tmp_path / "s.db", scenario=loaded.scenario)
        store.add(*loaded.commitments())
        store.record(*loaded.events())
        return store

    def run(make: Callable[[], nt.Tracker]) -> int:
        gc.collect()
        gc.disable()
        try:
            made = make()
            made.snapshot(on=date(2025, 12, 1))
            made.snapshot(on=date(2025, 9, 1), known_by=date(2025, 8, 30))
            made.close()
            del made
            return gc.collect()
        finally:
            gc.enable()

    run(make)  # imports and caches: a first store's writing,
    run(make)  # and a first reading of its records (cattrs builds its functions once)
    assert run(make) == 0
