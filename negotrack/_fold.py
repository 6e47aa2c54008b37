"""The fold: a commitment's dated events into its `Course` of stages.

`replay_many` is a pure function of commitments, their events (in recording order) and a
lifecycle engine. It sorts each commitment's events by day and same-day rank, walks the days
once, applies each event through the engine's outcome table, and lets the time limits fire on
their day. The courses it makes are `negotrack._course`'s.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from datetime import date

from ._commitments import Commitment
from ._course import Course, PartyOf, neutral
from ._engine import Engine
from ._events import Event
from ._lifecycle import AnyStage, LapseReason
from ._targets import Measure, Target, final_shortfall

# An event's sort key: its day ordinal (22 bits, to 9999-12-31), the same-day rank of its
# kind (3 bits), its place in its commitment's events (30 bits: recording order breaks ties)
# and the code of its kind (3 bits), packed into one int under 2**60. Sorting ints is faster
# than sorting tuples, and keys that small are two of CPython's 30-bit digits.
DAY_SHIFT = 36
_RANK_SHIFT = 33
_PLACE_MASK = (1 << 30) - 1
_END = 1 << (DAY_SHIFT + 23)  # a key after every real day: the last time limits fire there


def replay_many(
    logs: Iterable[tuple[Commitment, Sequence[Event]]],
    engine: Engine,
    *,
    known_by: date | None = None,
    party: str | None = None,
    party_of: PartyOf = neutral,
    with_steps: bool = False,
) -> list[Course]:
    """Fold each commitment's events (in recording order) into its `Course`.

    Only the events known by `known_by` count, when it is given; only the neutral events and
    those of `party`'s account, when it is given (`party_of` says whose account an event
    gives; each account keeps its own vintages of a target's figures). Each event is looked up in
    the engine's outcome table by code (or fired through its Machine, for an engine made by
    the testing hook). `with_steps` keeps every step for the history. Folding many
    commitments in one call saves a call and a set-up per commitment, which counts when there
    are tens of thousands.

    Time limits: a limit is decided by the stage at the end of its date (the deadline, or
    the expiry date), and its lapse falls `delay` days later, after that day's explicit
    events, if the commitment is still live and that date still in force then. So a
    commitment not implemented by the end of its deadline lapses the next day even if an
    implementation is reported that day (an extension reported that day supersedes the lapse),
    and one live on its expiry date lapses that day after the day's events. A limit whose date
    passed while the commitment was not live is spent. Decisions happen at each change of
    day, before the new day's events; the end of the log is a day after every other.
    """
    coded = engine.coded
    outcomes, kept, limits = coded.outcomes, coded.kept, coded.limits
    # The lifecycle's stages and kinds by code, named as the default lifecycle's tables are.
    STAGES, KINDS, lapse = engine.stages, engine.kinds, engine.lapse
    sort = _sort_bits(engine)
    keeps, moves, resets, live, lapsed = (
        coded.keeps, coded.moves, coded.resets, coded.live, coded.lapsed
    )  # fmt: skip
    courses = []
    for commitment, events in logs:
        course = Course(commitment, [] if with_steps else None, STAGES)
        courses.append(course)
        foreign: Sequence[Event] = ()  # events not of the lifecycle (rare): anomalies
        try:
            if party is not None:
                limit = date.max if known_by is None else known_by
                keys = [
                    e.on.toordinal() << DAY_SHIFT | sort[e.kind._value_] | i << 3
                    for i, e in enumerate(events)
                    if e.known_on <= limit and party_of(e) in (None, party)
                ]
            elif known_by is None:
                keys = [
                    e.on.toordinal() << DAY_SHIFT | sort[e.kind._value_] | i << 3
                    for i, e in enumerate(events)
                ]
            else:
                keys = [
                    e.on.toordinal() << DAY_SHIFT | sort[e.kind._value_] | i << 3
                    for i, e in enumerate(events)
                    if (e.reported or e.on) <= known_by  # `Event.known_on`, inlined: hot
                ]
        except KeyError:
            keys, foreign = _known_kinds(events, sort, known_by, party, party_of)
        if not keys:
            if foreign:
                course.anomalies = [(e, None, -1) for e in foreign]
            continue
        keys.sort()
        keys.append(_END)
        points = course.points
        states = course.states
        steps = course.steps
        anomalies: list[tuple[Event, AnyStage | None, int]] | None = None
        stage = 0  # the code of the stage: none yet
        since = -1
        base_deadline = deadline = commitment.deadline
        base_expires = expires = commitment.expires
        goal = commitment.target
        ends = None if goal is None else goal.end
        # The measurements seen so far, for a commitment with a target.
        measures: list[Measure] | None = None if goal is None else []
        today = -1
        # A lapse decided but not applied yet: (day it falls, order listed, reason, the date
        # that decided it, the field holding that date).
        pending: tuple[int, int, LapseReason, int, int] | None = None
        for key in keys:
            day = key >> DAY_SHIFT
            if day != today:
                if not live >> stage & 1:
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
                        if value is not None and not exempt >> stage & 1:
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
                    if best is not None:
                        if best[0] >= day:
                            pending = best
                        else:
                            due, _, why, _, _ = best
                            if steps is not None:
                                steps.append(
                                    (due, lapse, STAGES[stage], STAGES[lapsed],  # type: ignore[arg-type]
                                     None, why, deadline, expires)
                                )  # fmt: skip
                            stage = lapsed
                            since = due
                            points.append(due << 3 | lapsed)
                            states.append((due, why, True, None, deadline, expires))
                if key == _END:
                    break
                today = day
            event = events[key >> 3 & _PLACE_MASK]
            code = key & 7
            move = stage << 3 | code
            if keeps >> code & 1:
                if not kept[move]:
                    anomalies = anomalies if anomalies is not None else []
                    anomalies.append((event, STAGES[stage], len(states) - 1))
                    continue
                if not moves >> code & 1:
                    # Evidence only (a measurement): it moves nothing but the target's count.
                    if measures is not None:
                        measures.append(
                            (event.on, key, event.amount, event.total,
                             event.known_on.toordinal(), party_of(event))
                        )  # fmt: skip
                    continue
                if earlier(event.deadline, deadline) or earlier(event.expires, expires):
                    # An extension moves dates later; a term cut short is a lapse.
                    anomalies = anomalies if anomalies is not None else []
                    anomalies.append((event, STAGES[stage], len(states) - 1))
                    continue
                if event.deadline is not None:
                    deadline = event.deadline
                if event.expires is not None:
                    expires = event.expires
                if steps is not None:
                    same = STAGES[stage]
                    assert same is not None
                    steps.append((day, KINDS[code], same, same, event, None, deadline, expires))
                # The stage, its start and its evidence stay; only the dates in force move.
                last = states[-1]
                evidence = last if type(last) is Event else last[3]  # type: ignore[index]
                points.append(day << 3 | stage)
                states.append((since, None, False, evidence, deadline, expires))
                continue
            target = outcomes[move]
            if not target:
                anomalies = anomalies if anomalies is not None else []
                anomalies.append((event, STAGES[stage], len(states) - 1))
                continue
            reason = event.reason if target == lapsed else None
            if resets >> code & 1 and target != stage:
                deadline, expires = event.deadline, event.expires
                pending = None  # new terms: what the old ones decided is moot
            if steps is not None:
                steps.append(
                    (day, KINDS[code], STAGES[stage], STAGES[target], event, reason,  # type: ignore[arg-type]
                     deadline, expires)
                )  # fmt: skip
            if target != stage:
                stage = target
                since = day
                points.append(day << 3 | target)
                if reason is event.reason and deadline is base_deadline and expires is base_expires:
                    states.append(event)
                else:
                    states.append((day, reason, False, event, deadline, expires))

        if foreign:
            anomalies = anomalies if anomalies is not None else []
            for e in foreign:  # where each falls, once the course is known
                i = course.position(e.on.toordinal())
                anomalies.append((e, course.stage_on(e.on.toordinal()), i - 1))
        if anomalies:
            course.anomalies = anomalies
        if measures:
            course.measures = measures
    return courses


@functools.cache
def _sort_bits(engine: Engine) -> dict[str, int]:
    """Each kind's bits in a sort key (its same-day rank and code), by the kind's value.

    The value is a str, which hashes in C, where the member would hash in Python.
    """
    return {
        kind.value: rank << _RANK_SHIFT | engine.kinds.index(kind)
        for kind, rank in engine.rank.items()
    }


def _known_kinds(
    events: Sequence[Event],
    sort: dict[str, int],
    known_by: date | None,
    party: str | None,
    party_of: PartyOf,
) -> tuple[list[int], list[Event]]:
    """The sort keys of the events of kinds the lifecycle has, and the events of others.

    Only the events known by `known_by` count, and on `party`'s word, its and the neutral.
    """
    keys, foreign = [], []
    for i, e in enumerate(events):
        if known_by is not None and e.known_on > known_by:
            continue
        if party is not None and party_of(e) not in (None, party):
            continue
        bits = sort.get(e.kind.value)
        if bits is None:
            foreign.append(e)
        else:
            keys.append(e.on.toordinal() << DAY_SHIFT | bits | i << 3)
    # By date and kind, so that only events of one date and kind keep their recording order.
    foreign.sort(key=lambda e: (e.on, e.kind.value))
    return keys, foreign


_LAST_DAY = date.max.toordinal()
_TARGET = 2  # the index of the target's end among the fields time limits watch


def _short(goal: Target | None, measures: list[Measure] | None) -> bool:
    """True when the target's final period ended short (by the measurements seen)."""
    return goal is not None and measures is not None and final_shortfall(goal, measures)


def earlier(new: date | None, current: date | None) -> bool:
    """True when an extension would move a date in force back to an earlier one."""
    return new is not None and current is not None and new < current
