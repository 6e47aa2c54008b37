"""A commitment's timeline: the fold of its dated events into stages.

`replay_many` is a pure function of commitments, their events (already in application
order) and a lifecycle engine. It walks the days once, applies each event through the
outcome table the engine compiled from its transitions `Machine`, and lets the time limits
fire on their day. Its result answers "as of" questions by bisection and keeps every step
and every anomaly. `Status`, `Transition` and `Anomaly` are the answers' value objects.
"""

from __future__ import annotations

import contextlib
import gc
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from itertools import chain
from typing import Any

import attrs

from . import _codec
from ._commitments import Commitment
from ._engine import Engine
from ._events import Event
from ._lifecycle import EventKind, LapseReason, Stage
from ._targets import Measure, Progress, Target, final_shortfall


@attrs.frozen
class Status:
    """Where a commitment stands on a date, and why.

    `stage` is None before its first event. `since` is the date the stage began; `reason`
    says why a lapsed commitment lapsed; `inferred` is True when the stage comes from a
    deadline or an expiry rather than a reported event. `evidence` is the event that moved it
    into the stage (None when inferred). `deadline` and `expires` are the dates in force,
    after any extension. `at_risk_from` names the linked commitments that have lapsed while
    this one is live. `progress` is how deliveries measure up to the commitment's target on
    the date (None without a target). A status does not repeat its commitment's id: it is
    the value under that id in a snapshot, and two commitments in the same state have equal
    statuses.
    """

    stage: Stage | None
    since: date | None = None
    reason: LapseReason | None = None
    inferred: bool = False
    evidence: Event | None = None
    deadline: date | None = None
    expires: date | None = None
    at_risk_from: tuple[str, ...] = ()
    progress: Progress | None = None

    @property
    def at_risk(self) -> bool:
        """True when the commitment is live and a commitment it is linked to has lapsed."""
        return bool(self.at_risk_from)


NO_STAGE = Status(None)
"""The status of a commitment without dates before its first event (shared: it is frozen)."""


@attrs.frozen(kw_only=True)
class Transition:
    """One dated step of a commitment's history, with its evidence.

    `source` and `target` are the stages before and after (equal for a corroboration or an
    extension). `event` is the evidence; it is None for a lapse inferred from a deadline or
    an expiry. `deadline` and `expires` are the dates in force after the step.
    """

    commitment: str
    on: date
    kind: EventKind = attrs.field(metadata=_codec.key("event"))
    source: Stage | None = attrs.field(metadata=_codec.key("from"))
    target: Stage = attrs.field(metadata=_codec.key("to"))
    event: Event | None = attrs.field(default=None, metadata=_codec.key("evidence"))
    reason: LapseReason | None = None
    deadline: date | None = None
    expires: date | None = None

    @property
    def inferred(self) -> bool:
        """True when no source reported this step: a deadline or an expiry made it."""
        return self.event is None

    @property
    def corroboration(self) -> bool:
        """True when the event confirms the stage the commitment already had."""
        return self.source == self.target and self.kind is not EventKind.EXTENDED


@attrs.frozen(kw_only=True)
class Anomaly:
    """An event kept in the log that does not fit the lifecycle where it falls.

    It leaves the stage unchanged. `stage` is the stage it met; `expected` lists the events
    that would have been valid there; `message` says why it was refused.
    """

    event: Event
    stage: Stage | None
    expected: tuple[EventKind, ...]
    message: str

    @property
    def commitment(self) -> str:
        """The commitment the event names."""
        return self.event.commitment

    @property
    def on(self) -> date:
        """The date of the event."""
        return self.event.on


# One recorded event with its sort key: the day ordinal, the same-day rank of its kind, the
# kind itself and the recording sequence, packed into one int. Sorting ints is faster than
# sorting tuples, and a fold that reads the day and the kind from the key need not touch the
# event itself unless it changes the dates or lapses: that saves a memory access per event.
Entry = tuple[int, "Event"]
# A day ordinal (20 bits until the year 2870) above 3 bits of rank, above 33 bits of
# sequence (8 billion events), above 3 bits of kind, which never decide the order since the
# sequence is unique: keys stay under 2**60, two of CPython's 30-bit digits, which keeps
# the arithmetic and the comparisons cheap.
DAY_SHIFT = 39
RANK_SHIFT = 36
SEQ_SHIFT = 3
KINDS = tuple(EventKind)  # a kind's index in the key
assert len(KINDS) <= 8, "a kind's index has 3 bits in an entry key"


def entry_key(day: int, rank: int, kind: EventKind, seq: int) -> int:
    """The sort key of an event: by day, then same-day rank, then recording order."""
    return (day << DAY_SHIFT) | (rank << RANK_SHIFT) | (seq << SEQ_SHIFT) | KINDS.index(kind)


class Course:
    """The replayed timeline of one commitment (internal).

    `points[i]` is the day ordinal from which `states[i]` holds; several points may share a
    day, the last one wins. Statuses are built on first use and cached. `steps`, the full
    history, is kept only when asked for: answering "as of" does not need it.
    """

    __slots__ = (
        "__weakref__",  # views share courses through weak references
        "anomalies",
        "commitment",
        "measures",
        "points",
        "states",
        "statuses",
        "steps",
    )

    def __init__(self, commitment: Commitment, steps: list[Any] | None = None) -> None:
        self.commitment = commitment
        self.points: list[int] = []
        # (stage, since as a day ordinal, reason, inferred, evidence, deadline, expires)
        self.states: list[
            tuple[Stage, int, LapseReason | None, bool, Event | None, date | None, date | None]
        ] = []
        # (day ordinal, kind, source, target, event, reason, deadline, expires)
        self.steps: (
            list[
                tuple[
                    int,
                    EventKind,
                    Stage | None,
                    Stage,
                    Event | None,
                    LapseReason | None,
                    date | None,
                    date | None,
                ]
            ]
            | None
        ) = steps
        # (event, stage met, index of the state in force, -1 before the first)
        self.anomalies: list[tuple[Event, Stage | None, int]] = []
        # statuses[i] is the status once i points have passed (0: no stage yet); built
        # on first use, because most states are never asked for. Sized by `replay_many`.
        self.statuses: list[Status | None] = [None]
        # The measurements of a commitment with a target (as its progress reads them).
        self.measures: list[Measure] = []

    def position(self, day: int) -> int:
        """How many points have passed on `day` (an ordinal): an index into `statuses`."""
        return bisect_right(self.points, day)

    def stage_on(self, day: int) -> Stage | None:
        """The stage in force on `day` (an ordinal)."""
        i = bisect_right(self.points, day)
        return None if i == 0 else self.states[i - 1][0]

    def status(self, i: int) -> Status:
        """The status at position `i` (from `position`), without link risk."""
        status = self.statuses[i]
        if status is None:
            status = self.statuses[i] = self._build(i)
        return status

    def _build(self, i: int) -> Status:
        if i == 0:
            c = self.commitment
            if c.deadline is None and c.expires is None:
                return NO_STAGE
            return Status(None, None, None, False, None, c.deadline, c.expires)
        # A state holds Status's fields, in order (all but the risk, added on demand).
        stage, since, reason, inferred, evidence, deadline, expires = self.states[i - 1]
        return Status(stage, date.fromordinal(since), reason, inferred, evidence, deadline, expires)

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


def replay_many(
    logs: Iterable[tuple[Commitment, Sequence[Entry]]],
    engine: Engine,
    *,
    with_steps: bool = False,
) -> list[Course]:
    """Fold each commitment's entries (sorted by day, rank, sequence) into its `Course`.

    Each event is looked up in the engine's outcomes: the table compiled from its Machine
    (or the Machine itself, for an engine made by the testing hook). `with_steps` keeps
    every step for the history. Folding many commitments in one call
    saves a call and a set-up per commitment, which counts when there are tens of
    thousands.

    Time limits: a limit is decided by the stage at the end of its date (the deadline, or
    the expiry date), and its lapse falls `delay` days later, after that day's explicit
    events, if the commitment is still live and that date still in force then. So a
    commitment not implemented by the end of its deadline lapses the next day even if an
    implementation is reported that day (an extension reported that day supersedes the lapse),
    and one live on its expiry date lapses that day after the day's events. A limit whose date
    passed while the commitment was not live is spent. Decisions happen at each change of
    day, before the new day's events; the end of the log is a day after every other.
    """
    outcomes = engine.outcomes
    live = engine.live
    lapsed = engine.lapsed
    limits = engine.time_limits
    keeps, moves, resets = engine.keeps, engine.moves, engine.resets
    allowed = engine.allowed
    shift = DAY_SHIFT
    kinds = KINDS
    courses = []
    for commitment, entries in logs:
        course = Course(commitment, [] if with_steps else None)
        courses.append(course)
        if not entries:
            continue
        points = course.points
        states = course.states
        steps = course.steps
        stage: Stage | None = None
        since = -1
        deadline = commitment.deadline
        expires = commitment.expires
        goal = commitment.target
        ends = None if goal is None else goal.end
        # The measurements seen so far, for a commitment with a target.
        measures: list[Measure] | None = None if goal is None else []
        today = -1
        # A lapse decided but not applied yet: (day it falls, order listed, reason, the date
        # that decided it, the field holding that date).
        pending: tuple[int, int, LapseReason, int, int] | None = None
        for key, event in chain(entries, _END):
            day = key >> shift
            if day != today:
                if stage not in live:
                    pending = None  # lapsed or revived since: what was decided is moot
                elif pending is not None or deadline or expires or ends:
                    # Decide the limits whose date is in [today, day): the stage now is the
                    # stage at the end of that date. The earliest lapse falling before `day`
                    # applies now; one falling on `day` waits for that day's events. A lapse
                    # decided earlier stands if the date that decided it is still in force.
                    values = (deadline, expires, ends)
                    best = None
                    if pending is not None:
                        value = values[pending[4]]
                        if value is not None and value.toordinal() == pending[3]:
                            best = pending
                    for index, (field, delay, cause, exempt) in enumerate(limits):
                        value = values[field]
                        if value is not None and stage not in exempt:
                            watched = value.toordinal()
                            if today <= watched < day:
                                falls = watched + delay
                                if falls > _LAST_DAY:
                                    continue  # it would fall after 9999-12-31: it never does
                                if field == _TARGET and not _short(goal, measures):
                                    continue  # the final period was met
                                if best is None or (falls, index) < best[:2]:
                                    best = (falls, index, cause, watched, field)
                    pending = None
                    why = None
                    if best is not None:
                        if best[0] >= day:
                            pending = best
                        else:
                            due, _, why, _, _ = best
                    if why is not None:
                        if steps is not None:
                            steps.append(
                                (due, EventKind.LAPSED, stage, lapsed, None, why, deadline, expires)
                            )
                        stage = lapsed
                        since = due
                        points.append(due)
                        states.append((lapsed, since, why, True, None, deadline, expires))
                if event is None:
                    break
                today = day
            assert event is not None
            kind = kinds[key & 7]
            if kind in keeps:
                if (stage, kind) not in allowed:
                    course.anomalies.append((event, stage, len(states) - 1))
                    continue
                if kind not in moves:
                    # Evidence only (a measurement): it moves nothing but the target's count.
                    if measures is not None:
                        measures.append((event.on, key, event.amount, event.total))
                    continue
                if earlier(event.deadline, deadline) or earlier(event.expires, expires):
                    # An extension moves dates later; a term cut short is a lapse.
                    course.anomalies.append((event, stage, len(states) - 1))
                    continue
                if event.deadline is not None:
                    deadline = event.deadline
                if event.expires is not None:
                    expires = event.expires
                assert stage is not None
                if steps is not None:
                    steps.append((day, kind, stage, stage, event, None, deadline, expires))
                points.append(day)
                # The stage, its start and its evidence stay; only the dates in force move.
                states.append((stage, since, None, False, states[-1][4], deadline, expires))
                continue
            target = outcomes.get((stage, kind))
            if target is None:
                course.anomalies.append((event, stage, len(states) - 1))
            else:
                reason = event.reason if target is lapsed else None
                if kind in resets and target is not stage:
                    deadline, expires = event.deadline, event.expires
                    pending = None  # new terms: what the old ones decided is moot
                if steps is not None:
                    steps.append((day, kind, stage, target, event, reason, deadline, expires))
                if target is not stage:
                    stage = target
                    since = day
                    points.append(day)
                    states.append((target, since, reason, False, event, deadline, expires))

        course.statuses = [None] * (len(states) + 1)
        if measures:
            course.measures = measures
    return courses


_LAST_DAY = date.max.toordinal()
_TARGET = 2  # the index of the target's end among the fields time limits watch


def _short(goal: Target | None, measures: list[Measure] | None) -> bool:
    """True when the target's final period ended short (by the measurements seen)."""
    return goal is not None and measures is not None and final_shortfall(goal, measures)


def earlier(new: date | None, current: date | None) -> bool:
    """True when an extension would move a date in force back to an earlier one."""
    return new is not None and current is not None and new < current


# Marks the end of a log: its day comes after every real day, so the last time limit fires.
_END: tuple[tuple[int, None], ...] = ((1 << (DAY_SHIFT + 32), None),)


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector during a bulk fold or a bulk record.

    A fold allocates many small tuples that never form cycles. With the collector running,
    each of its full passes walks every object the tracker holds, which cost about twice the
    fold itself on 20,000 commitments. Reference counting still frees everything at once.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
