"""Spent limits: the deadlines and expiry dates that can never make a commitment lapse."""

from __future__ import annotations

from datetime import timedelta

import pytest
from helpers import commitment, day, event, tracker

import negotrack as nt
from negotrack._cli.spent import SpentLimit, spent_limits


@pytest.mark.parametrize("field", ["deadline", "expires"])
@pytest.mark.parametrize("offset", [-400, -1, 0, 1])
def test_a_limit_is_spent_exactly_when_it_can_never_make_the_commitment_lapse(
    field: str, offset: int
) -> None:
    """A date before the first event is reported, and that commitment never lapses by it; a
    date on or after the first event is not reported, and the commitment lapses by it."""
    first = day("2025-06-10")
    t = tracker(commitment("c", **{field: first + timedelta(days=offset)}))
    t.record(event("proposed", "2025-06-10"))
    later = t.status("c", on=first + timedelta(days=500))
    spent = spent_limits(t)
    if offset < 0:
        assert spent == (SpentLimit("c", field, first + timedelta(days=offset), first),)
        assert later.stage is nt.Stage.PROPOSED
    else:
        assert spent == ()
        assert later.stage is nt.Stage.LAPSED
        assert later.inferred


def test_the_first_event_is_the_first_that_gives_a_stage() -> None:
    """Only stage-giving events count: an anomaly or a measurement earlier does not; a
    commitment without any event has nothing to be before."""
    t = tracker(
        commitment("c", deadline=day("2025-03-01")),
        commitment("idle", deadline=day("2020-01-01")),
    )
    t.record(event("extended", "2025-01-01", deadline="2025-04-01"))  # an anomaly: no stage
    t.record(event("proposed", "2025-03-05"))
    assert spent_limits(t) == (SpentLimit("c", "deadline", day("2025-03-01"), day("2025-03-05")),)


def test_the_message_says_what_it_means_and_how_to_fix_it() -> None:
    """The message names the date, the first event's date, the consequence and the fix: the
    year when the years differ, the date otherwise."""
    typo = SpentLimit("a", "deadline", day("2020-01-01"), day("2025-01-01"))
    assert typo.message == (
        "deadline 2020-01-01 is before the first event of 'a' (2025-01-01): the deadline can "
        "never make it lapse; check the year"
    )
    close = SpentLimit("b", "expires", day("2025-02-28"), day("2025-03-02"))
    assert close.message.endswith("the expiry date can never make it lapse; check the date")
