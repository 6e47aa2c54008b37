"""A commitment's course: its replayed timeline, as the fold (`negotrack._fold`) leaves it.

A `Course` answers "as of" questions by bisection and keeps every anomaly, and every step when
asked to. A course is kept for every commitment a tracker holds, so it is laid out to be
small: a point is one int (its day and the code of the stage it starts), and a state that only
says "this event moved it there" is the event itself; only the rarer states (an inferred
lapse, an extension, dates that differ from the commitment's) are tuples.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Callable, Sequence
from datetime import date

from ._commitments import Commitment
from ._engine import STAGES
from ._events import Event
from ._lifecycle import AnyKind, AnyStage, LapseReason
from ._status import BEFORE_ANY_EVENT, Status, Transition
from ._targets import Measure

# (since as a day ordinal, reason, inferred, evidence, deadline, expires)
Detail = tuple[int, LapseReason | None, bool, Event | None, date | None, date | None]
# A state: the event that moved the commitment into its stage (the usual case: the stage
# began on the point's day, with the event's reason and the commitment's own dates), or the
# whole detail.
State = Event | Detail
# (day ordinal, kind, source, target, event, reason, deadline, expires)
Step = tuple[
    int, AnyKind, AnyStage | None, AnyStage, Event | None, LapseReason | None, date | None,
    date | None,
]  # fmt: skip


# Whose account an event gives (a party's code), or None for a neutral one.
PartyOf = Callable[[Event], "str | None"]


def neutral(event: Event) -> str | None:
    """Every event neutral: the fold of a tracker whose scenario names no accounts."""
    return event.account


class Course:
    """The replayed timeline of one commitment (internal).

    `points[i]` packs the day from which `states[i]` holds (``day << 3``) and the code of its
    stage; several points may share a day, the last one wins. A state becomes its `Status`
    the first time that is asked for (most never are), in place: the status is the cache.
    `steps`, the full history, is kept only when asked for. `stages` are the lifecycle's
    stages by code (the engine's).
    """

    __slots__ = (
        "anomalies",
        "commitment",
        "first",
        "measures",
        "points",
        "stages",
        "states",
        "steps",
    )

    def __init__(
        self,
        commitment: Commitment,
        steps: list[Step] | None = None,
        stages: tuple[AnyStage | None, ...] = STAGES,
    ) -> None:
        self.commitment = commitment
        self.stages = stages
        # An array of machine ints: a third of a list of int objects.
        self.points: array[int] = array("q")
        self.states: list[State | Status] = []
        self.steps = steps
        # The status before the first point, once asked for.
        self.first: Status | None = None
        # (event, stage met, index of the state in force, -1 before the first); a shared
        # empty tuple until there is one, like `measures`: most commitments have none.
        self.anomalies: Sequence[tuple[Event, AnyStage | None, int]] = ()
        # The measurements of a commitment with a target (as its progress reads them).
        self.measures: Sequence[Measure] = ()

    def position(self, day: int) -> int:
        """How many points have passed on `day` (an ordinal): an argument of `status`."""
        return bisect_right(self.points, day << 3 | 7)

    def stage_on(self, day: int) -> AnyStage | None:
        """The stage in force on `day` (an ordinal)."""
        i = bisect_right(self.points, day << 3 | 7)
        return None if i == 0 else self.stages[self.points[i - 1] & 7]

    def status(self, i: int) -> Status:
        """The status once `i` points have passed (from `position`), without link risk."""
        if i == 0:
            first = self.first
            if first is None:
                c = self.commitment
                if c.deadline is None and c.expires is None:
                    first = BEFORE_ANY_EVENT
                else:
                    first = Status(None, None, None, False, None, c.deadline, c.expires)
                self.first = first
            return first
        state = self.states[i - 1]
        if type(state) is Status:
            return state
        stage, since, reason, inferred, evidence, deadline, expires = self.state(i - 1)
        status = Status(
            stage, date.fromordinal(since), reason, inferred, evidence, deadline, expires
        )
        self.states[i - 1] = status
        return status

    def state(
        self, index: int
    ) -> tuple[AnyStage, int, LapseReason | None, bool, Event | None, date | None, date | None]:
        """The `index`-th state in full.

        That is (stage, since as an ordinal, reason, inferred, evidence, deadline, expires).
        """
        point = self.points[index]
        stage = self.stages[point & 7]
        assert stage is not None
        state = self.states[index]
        if type(state) is Event:
            c = self.commitment
            return stage, point >> 3, state.reason, False, state, c.deadline, c.expires
        if isinstance(state, Status):
            assert state.since is not None
            since = state.since.toordinal()
            return (
                stage, since, state.reason, state.inferred, state.evidence, state.deadline,
                state.expires,
            )  # fmt: skip
        assert isinstance(state, tuple)
        return (stage, *state)

    def transitions(self) -> tuple[Transition, ...]:
        """Every step as a `Transition` (for a course replayed `with_steps`)."""
        assert self.steps is not None, "replay_many(..., with_steps=True) keeps the history"
        cid = self.commitment.id
        return tuple(
            Transition(
                commitment=cid,
                on=date.fromordinal(day),
                kind=kind,
                source=source,
                target=target,
                event=event,
                reason=reason,
                deadline=deadline,
                expires=expires,
            )
            for day, kind, source, target, event, reason, deadline, expires in self.steps
        )
