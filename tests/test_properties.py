"""Property tests: the tracker against a reference model, and the laws of the contract.

The reference model (`Reference`) is written from the contract and reads the lifecycle table of
the true `nt.LIFECYCLE` (or of the lifecycle it is given, and of those its commitments name), and
simulates each commitment day by day. Each law is a plain function
``check_*(lifecycle, ...)`` that builds the tracker under test with `lifecycle` and asserts the
law, always judging by the true lifecycle; the tests here run every law on `nt.LIFECYCLE`, and
tests/test_teeth.py runs them on lifecycles with planted bugs to show that they catch them.
"""

from __future__ import annotations

import functools
import importlib
import subprocess
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from helpers import latest_reports
from hypothesis import example, given, settings
from hypothesis import strategies as st
from strategies import (
    Negotiation,
    broken_files,
    cases,
    cutoffs,
    dates,
    json_text,
    negotiations,
    objects_of,
    reorderings,
    scenario_cases,
    yaml_text,
)
from strategies import commitments as commitment_lists
from strategies import events as single_events

import negotrack as nt
from negotrack import EventKind, LapseReason, Stage
from negotrack.testing import through_machine

# -- the reference model ---------------------------------------------------------------------------

LC = nt.LIFECYCLE
TABLE = LC.outcomes()  # (stage or None, event kind) -> resulting stage, corroborations included
LIVE = LC.live
DAY = timedelta(days=1)


@functools.cache
def table_of(lifecycle: nt.Lifecycle) -> Mapping[tuple[Any, Any], Any]:
    """`lifecycle.outcomes()`, read once: (stage or None, event kind) -> resulting stage."""
    return lifecycle.outcomes()


def evidence_only(kind: EventKind, lifecycle: nt.Lifecycle = LC) -> bool:
    """True for a kind that moves nothing (a measurement): its rule keeps stage and dates."""
    rule = lifecycle.rule(kind)
    return rule.target is None and rule.dates == "keep"


def valid_from(stage: Stage | None, lifecycle: nt.Lifecycle = LC) -> tuple[EventKind, ...]:
    """The moves valid from `stage`, in same-day order (or rule order, when the lifecycle has
    none), evidence that moves nothing aside."""
    table = table_of(lifecycle)
    return tuple(
        kind
        for kind in lifecycle.same_day_order or lifecycle.kinds()
        if (stage, kind) in table and not evidence_only(kind, lifecycle)
    )


def delivered_by(
    measures: Sequence[tuple[date, int, nt.Event]], start: date, end: date
) -> float | None:
    """What measurements dated from `start` to `end` say was delivered: each figure (a date's
    total, or its amount, in one account) counts only in its latest report; then the latest
    total (of several on its day, the largest, whatever the recording order) plus the
    increments dated after it; without a total, the sum of the increments; without any
    figure, None."""
    inside = sorted((m for m in measures if start <= m[0] <= end), key=lambda m: m[:2])
    if not inside:
        return None
    inside = latest_reports(inside)
    level, since = 0.0, None
    for on, _, e in inside:
        if e.total is not None:
            level = max(level, e.total) if on == since else e.total
            since = on
    return level + sum(
        e.amount for on, _, e in inside if e.amount is not None and (since is None or on > since)
    )


@dataclass(frozen=True)
class State:
    """Where a commitment stands at the end of one day."""

    stage: Stage | None
    since: date | None = None
    reason: LapseReason | None = None
    inferred: bool = False
    evidence: nt.Event | None = None
    deadline: date | None = None
    expires: date | None = None


@dataclass(frozen=True)
class Expected:
    """What a `Status` should say (compared field by field with `observed`)."""

    stage: Stage | None
    since: date | None
    reason: LapseReason | None
    inferred: bool
    evidence: nt.Event | None
    deadline: date | None
    expires: date | None
    at_risk_from: tuple[str, ...]


def observed(status: nt.Status) -> Expected:
    """The fields of a tracker's `Status` that the contract defines, as an `Expected`."""
    assert status.at_risk == bool(status.at_risk_from)
    return Expected(
        stage=status.stage,
        since=status.since,
        reason=status.reason,
        inferred=status.inferred,
        evidence=status.evidence,
        deadline=status.deadline,
        expires=status.expires,
        at_risk_from=status.at_risk_from,
    )


def observed_snapshot(snapshot: Mapping[str, nt.Status]) -> list[tuple[str, Expected]]:
    """A tracker's snapshot as (id, `Expected`) pairs, in its order."""
    return [(cid, observed(status)) for cid, status in snapshot.items()]


@dataclass(frozen=True)
class Step:
    """What one `Transition` should say (compared field by field with `observed_steps`)."""

    commitment: str
    on: date
    kind: EventKind
    source: Stage | None
    target: Stage
    event: nt.Event | None
    reason: LapseReason | None
    deadline: date | None
    expires: date | None

    @property
    def inferred(self) -> bool:
        """True for a lapse no event reported."""
        return self.event is None


def observed_steps(transitions: Iterable[nt.Transition]) -> tuple[Step, ...]:
    """A tracker's transitions as `Step`s, checking their derived properties on the way."""
    steps = []
    for t in transitions:
        assert t.inferred == (t.event is None)
        assert t.corroboration == (t.source == t.target and t.kind is not EventKind.EXTENDED)
        steps.append(
            Step(
                commitment=t.commitment,
                on=t.on,
                kind=t.kind,
                source=t.source,
                target=t.target,
                event=t.event,
                reason=t.reason,
                deadline=t.deadline,
                expires=t.expires,
            )
        )
    return tuple(steps)


@dataclass
class Course:
    """A commitment simulated day by day: `days[i]` is the state at the end of `first + i`."""

    commitment: nt.Commitment
    first: date | None = None
    days: list[State] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    anomalies: list[tuple[nt.Event, Stage | None]] = field(default_factory=list)

    def state_on(self, day: date) -> State:
        """The state at the end of `day` (inclusive)."""
        c = self.commitment
        if self.first is None or day < self.first:
            return State(None, deadline=c.deadline, expires=c.expires)
        return self.days[min((day - self.first).days, len(self.days) - 1)]


def last_limit_day(c: nt.Commitment, log: Iterable[nt.Event]) -> date | None:
    """The last day on which a time limit of `c` could fall, given the dates events set."""
    ends = None if c.target is None else c.target.end
    found = [d + DAY for d in (c.deadline, c.expires, ends) if d is not None]
    for e in log:
        found += [d + DAY for d in (e.deadline, e.expires) if d is not None]
    return max(found, default=None)


def simulate(c: nt.Commitment, log: Sequence[nt.Event], lifecycle: nt.Lifecycle = LC) -> Course:
    """Fold `log` (in recording order) into `c`'s course through `lifecycle`, day by day.

    Each day: that day's events in same-day order, then recording order, each through the
    table (an event with no entry is an anomaly); then the time limits (see `limits_at_end`).
    An event whose rule moves the dates sets those it gives; one whose rule resets them sets
    exactly those it gives, and drops any lapse decided under the old terms. Only a move to
    the lapse stage keeps the event's reason. An event of a kind the lifecycle does not have
    moves nothing: it is an anomaly, met at the stage of the end of its day, listed after the
    others in recording order.
    """
    course = Course(c)
    kinds = set(lifecycle.kinds())
    foreign = [e for e in log if e.kind not in kinds]
    log = [e for e in log if e.kind in kinds]
    if log:
        simulate_known(course, log, lifecycle)
    course.anomalies += [(e, course.state_on(e.on).stage) for e in foreign]
    return course


def simulate_known(course: Course, log: Sequence[nt.Event], lifecycle: nt.Lifecycle) -> None:
    """`simulate`'s walk, of a non-empty `log` of the lifecycle's own kinds."""
    c = course.commitment
    table = table_of(lifecycle)
    order = lifecycle.same_day_order
    lapsed = lifecycle.lapsed
    by_day: dict[date, list[tuple[int, int, nt.Event]]] = defaultdict(list)
    for index, e in enumerate(log):
        by_day[e.on].append((order.index(e.kind) if order else 0, index, e))
    course.first = min(by_day)
    last = max([*by_day, last_limit_day(c, log) or course.first])
    now = State(None, deadline=c.deadline, expires=c.expires)
    day = course.first
    pending: dict[date, list[int]] = defaultdict(list)  # lapses decided, by the day they fall
    measures: list[tuple[date, int, nt.Event]] = []  # (date, recording order, the event)
    while day <= last:
        for _, index, e in sorted(by_day.get(day, ()), key=lambda item: item[:2]):
            if evidence_only(e.kind, lifecycle):
                if now.stage in lifecycle.rule(e.kind).sources:
                    measures.append((e.on, index, e))  # a delivery: no step, no move
                else:
                    course.anomalies.append((e, now.stage))
                continue
            target = table.get((now.stage, e.kind))
            if target is None:
                course.anomalies.append((e, now.stage))
                continue
            reason = e.reason if target == lapsed else None
            effect = lifecycle.rule(e.kind).dates
            shortens = [
                new < old
                for new, old in ((e.deadline, now.deadline), (e.expires, now.expires))
                if new is not None and old is not None
            ]
            if effect == "move" and any(shortens):
                course.anomalies.append((e, now.stage))  # a term cut short is no extension
                continue
            if effect == "move":
                now = replace(
                    now,
                    deadline=e.deadline if e.deadline is not None else now.deadline,
                    expires=e.expires if e.expires is not None else now.expires,
                )
            elif effect == "reset" and target != now.stage:
                now = replace(now, deadline=e.deadline, expires=e.expires)
                pending.clear()
            step = Step(
                commitment=c.id,
                on=day,
                kind=e.kind,
                source=now.stage,
                target=target,
                event=e,
                reason=reason,
                deadline=now.deadline,
                expires=now.expires,
            )
            course.steps.append(step)
            if target != now.stage:
                now = State(target, day, reason, False, e, now.deadline, now.expires)
        now = limits_at_end(c, now, day, pending, course, measures, lifecycle)
        course.days.append(now)
        day += DAY


def limits_at_end(
    c: nt.Commitment,
    now: State,
    day: date,
    pending: dict[date, list[int]],
    course: Course,
    measures: Sequence[tuple[date, int, nt.Event]] = (),
    lifecycle: nt.Lifecycle = LC,
) -> State:
    """The state at the end of `day`, once its events are in: the time limits.

    A limit is decided by the stage at the end of its date (deadline or expiry): if the
    commitment is live and not exempt then, it lapses `delay` days later, after the events of
    that day, if still live and that date still in force (an extension reported in between
    supersedes it). The target's end lapses it only when its final period ended short. Lapses
    falling on one day apply in the order the limits are listed; the first that applies wins.
    """
    if now.stage not in lifecycle.live:
        pending.clear()
        return now

    def value_of(field: str) -> date | None:
        if field == "target":
            return None if c.target is None else c.target.end
        return now.deadline if field == "deadline" else now.expires

    def short() -> bool:
        assert c.target is not None
        first, final = c.target.periods()[-1]
        got = delivered_by(measures, first, final)
        return c.target.lapse_without_figures if got is None else got < c.target.amount

    for index, limit in enumerate(lifecycle.time_limits):
        value = value_of(limit.field)
        decided = value == day and now.stage not in limit.exempt
        if decided and (limit.field != "target" or short()):
            pending[day + limit.delay * DAY].append(index)

    def in_force(index: int) -> bool:
        limit = lifecycle.time_limits[index]
        value = value_of(limit.field)
        return value is not None and value + limit.delay * DAY == day

    due = sorted(i for i in pending.pop(day, []) if in_force(i))
    if not due:
        return now
    limit = lifecycle.time_limits[due[0]]
    lapsed, lapse = lifecycle.lapsed, lifecycle.lapse
    assert lapsed is not None
    assert lapse is not None
    course.steps.append(
        Step(
            commitment=c.id,
            on=day,
            kind=lapse,
            source=now.stage,
            target=lapsed,
            event=None,
            reason=limit.reason,
            deadline=now.deadline,
            expires=now.expires,
        )
    )
    pending.clear()
    return State(lapsed, day, limit.reason, True, None, now.deadline, now.expires)


class Reference:
    """An obviously correct tracker: it keeps the log and simulates on every question.

    A commitment that names no lifecycle follows `lifecycle` (by default the true one); one
    that names a lifecycle follows that one of `lifecycles`, or a built-in.
    """

    def __init__(
        self, lifecycle: nt.Lifecycle = LC, lifecycles: Iterable[nt.Lifecycle] = ()
    ) -> None:
        self.lifecycle = lifecycle
        self.named = {**nt.LIFECYCLES, **{each.name: each for each in lifecycles}}
        self.commitments: dict[str, nt.Commitment] = {}
        self.counterparts: dict[str, list[str]] = {}
        self.log: list[nt.Event] = []
        self._courses: dict[tuple[str, date | None], Course] = {}

    def add(self, *commitments: nt.Commitment) -> None:
        """Track `commitments` (assumed valid: new ids, links to known ones)."""
        for c in commitments:
            self.commitments[c.id] = c
            self.counterparts[c.id] = []
        for c in commitments:
            for link in c.links:
                pairs = [(c.id, link.target)]
                if link.kind is nt.LinkKind.RECIPROCAL:
                    pairs.append((link.target, c.id))
                for one, other in pairs:
                    if other not in self.counterparts[one]:
                        self.counterparts[one].append(other)

    def lifecycle_of(self, cid: str) -> nt.Lifecycle:
        """The lifecycle `cid` follows."""
        name = self.commitments[cid].lifecycle
        return self.lifecycle if name is None else self.named[name]

    def fresh(self, events: Iterable[nt.Event]) -> list[nt.Event]:
        """The events not recorded yet (equal ones count once)."""
        new: list[nt.Event] = []
        for e in events:
            if e not in self.log and e not in new:
                new.append(e)
        return new

    def record(self, *events: nt.Event) -> int:
        """Record `events`; return how many were new."""
        new = self.fresh(events)
        self.log += new
        self._courses.clear()
        return len(new)

    def course(self, cid: str, known_by: date | None = None) -> Course:
        """The simulated course of `cid` from the events known by `known_by`."""
        key = (cid, known_by)
        if key not in self._courses:
            log = [
                e
                for e in self.log
                if e.commitment == cid and (known_by is None or e.known_on <= known_by)
            ]
            self._courses[key] = simulate(self.commitments[cid], log, self.lifecycle_of(cid))
        return self._courses[key]

    def status(self, cid: str, on: date, known_by: date | None = None) -> Expected:
        """The expected `Tracker.status`."""
        s = self.course(cid, known_by).state_on(on)
        risk: tuple[str, ...] = ()
        if s.stage in self.lifecycle_of(cid).live:
            risk = tuple(
                other
                for other in self.counterparts[cid]
                if (lapsed := self.lifecycle_of(other).lapsed) is not None
                and self.course(other, known_by).state_on(on).stage == lapsed
            )
        return Expected(
            stage=s.stage,
            since=s.since,
            reason=s.reason,
            inferred=s.inferred,
            evidence=s.evidence,
            deadline=s.deadline,
            expires=s.expires,
            at_risk_from=risk,
        )

    def snapshot(self, on: date, known_by: date | None = None) -> dict[str, Expected]:
        """The expected `Tracker.snapshot`."""
        return {cid: self.status(cid, on, known_by) for cid in self.commitments}

    def history(self, cid: str, known_by: date | None = None) -> tuple[Step, ...]:
        """The expected `Tracker.history`."""
        return tuple(self.course(cid, known_by).steps)

    def timeline(self, known_by: date | None = None) -> tuple[Step, ...]:
        """The expected `Tracker.timeline`: date order, ties in the order added."""
        order = {cid: i for i, cid in enumerate(self.commitments)}
        steps = [t for cid in self.commitments for t in self.history(cid, known_by)]
        return tuple(sorted(steps, key=lambda t: (t.on, order[t.commitment])))

    def anomalies(
        self, on: date | None = None, known_by: date | None = None
    ) -> tuple[tuple[nt.Event, Stage | None, tuple[EventKind, ...]], ...]:
        """The expected `Tracker.anomalies`, as (event, stage met, expected kinds)."""
        order = {cid: i for i, cid in enumerate(self.commitments)}
        found = [
            (e, stage, valid_from(stage, self.lifecycle_of(cid)))
            for cid in self.commitments
            for e, stage in self.course(cid, known_by).anomalies
            if on is None or e.on <= on
        ]
        return tuple(sorted(found, key=lambda a: (a[0].on, order[a[0].commitment])))


def anomaly_triples(
    anomalies: Iterable[nt.Anomaly],
) -> tuple[tuple[nt.Event, Stage | None, tuple[EventKind, ...]], ...]:
    """`Tracker.anomalies` as (event, stage met, expected kinds), checking each message."""
    result = []
    for a in anomalies:
        assert isinstance(a.message, str)
        assert a.event.kind.value in a.message, a.message
        result.append((a.event, a.stage, a.expected))
    return tuple(result)


# -- helpers shared by the laws --------------------------------------------------------------------


def build(
    lifecycle: nt.Lifecycle,
    commitments: Sequence[nt.Commitment],
    events: Sequence[nt.Event],
    **options: Any,
) -> nt.Tracker:
    """A tracker with `lifecycle` holding `commitments` and `events` (recorded as one batch)."""
    t = nt.Tracker(lifecycle=lifecycle, **options)
    t.add(*commitments)
    t.record(*events)
    return t


def reference(commitments: Sequence[nt.Commitment], events: Sequence[nt.Event]) -> Reference:
    """The reference model holding `commitments` and `events`."""
    model = Reference()
    model.add(*commitments)
    model.record(*events)
    return model


def query_days(commitments: Iterable[nt.Commitment], events: Iterable[nt.Event]) -> list[date]:
    """Every day worth asking about: from the day before anything happens to after it all."""
    found: list[date] = []
    for c in commitments:
        found += [d for d in (c.deadline, c.expires) if d is not None]
    for e in events:
        found += [d for d in (e.on, e.reported, e.deadline, e.expires) if d is not None]
    if not found:
        return [date(2025, 1, 1)]
    first, last = min(found) - DAY, max(found) + 2 * DAY
    return [first + n * DAY for n in range((last - first).days + 1)]


def answers(t: nt.Tracker, days: Sequence[date], known_bys: Sequence[date | None]) -> Any:
    """Everything `t` says on `days`, as known by each of `known_bys`, in comparable form."""
    ids = [c.id for c in t.commitments()]
    result: dict[Any, Any] = {}
    for r in known_bys:
        for d in days:
            result["snapshot", r, d] = list(t.snapshot(on=d, known_by=r).items())
        for cid in ids:
            result["history", r, cid] = t.history(cid, known_by=r)
        result["timeline", r] = t.timeline(known_by=r)
        result["anomalies", r] = t.anomalies(known_by=r)
    return result


def raises(error: type[BaseException], call: Callable[[], object]) -> BaseException:
    """Call `call` and return the `error` it raises; fail with an AssertionError otherwise."""
    try:
        call()
    except error as err:
        return err
    raise AssertionError(f"expected {error.__name__}, nothing was raised")


def assert_same(left: Mapping[Any, Any], right: Mapping[Any, Any], what: str) -> None:
    """Assert two `answers` are equal, naming the first question on which they differ."""
    assert left.keys() == right.keys()
    for key in left:
        assert left[key] == right[key], f"{what}: answers differ for {key}"


def state_of(t: nt.Tracker) -> Any:
    """Everything `t` holds and says, to check that a refused call changed nothing."""
    days = query_days(t.commitments(), t.events())
    return (t.commitments(), t.events(), answers(t, days, [None]))


# -- the laws --------------------------------------------------------------------------------------


def check_reference(
    lifecycle: nt.Lifecycle, negotiation: Negotiation, known_bys: Sequence[date | None]
) -> None:
    """Every answer of the tracker equals the reference model's, on every day."""
    commitments, events = negotiation
    t = build(lifecycle, commitments, events)
    model = reference(commitments, events)
    days = query_days(commitments, events)
    for r in known_bys:
        for cid in model.commitments:
            assert observed_steps(t.history(cid, known_by=r)) == model.history(cid, r), (cid, r)
        for d in days:
            got = observed_snapshot(t.snapshot(on=d, known_by=r))
            want = list(model.snapshot(d, r).items())
            assert [cid for cid, _ in got] == [cid for cid, _ in want]
            for (cid, status), (_, expected) in zip(got, want, strict=True):
                assert status == expected, (cid, d, r)
        # Many dates in one sweep say what one date at a time says, in any order asked.
        swept = t.snapshots(reversed(days), known_by=r)
        assert list(swept) == days
        for d, answer in swept.items():
            assert list(answer.items()) == list(t.snapshot(on=d, known_by=r).items()), (d, r)
        assert anomaly_triples(t.anomalies(known_by=r)) == model.anomalies(None, r), r
        middle = days[len(days) // 2]
        assert anomaly_triples(t.anomalies(on=middle, known_by=r)) == model.anomalies(middle, r)
        assert observed_steps(t.timeline(known_by=r)) == model.timeline(r), r


def check_recording_order(
    lifecycle: nt.Lifecycle,
    negotiation: Negotiation,
    reordered: Sequence[nt.Event],
    known_bys: Sequence[date | None],
) -> None:
    """Law 1: recording the same events in another order gives the same answers."""
    commitments, events = negotiation
    days = query_days(commitments, events)
    first = build(lifecycle, commitments, events)
    second = build(lifecycle, commitments, reordered)
    assert_same(answers(first, days, known_bys), answers(second, days, known_bys), "reordered")


def check_batching(
    lifecycle: nt.Lifecycle, negotiation: Negotiation, known_bys: Sequence[date | None]
) -> None:
    """Law 2: one event at a time equals all at once, and a tracker rebuilt from its own
    events says the same."""
    commitments, events = negotiation
    days = query_days(commitments, events)
    at_once = nt.Tracker(lifecycle=lifecycle)
    at_once.add(*commitments)
    distinct = list(dict.fromkeys(events))
    assert at_once.record(*events) == len(distinct)
    one_by_one = nt.Tracker(lifecycle=lifecycle)
    one_by_one.add(*commitments)
    recorded = 0
    for n, e in enumerate(events):
        recorded += one_by_one.record(e)
        # Questions between records keep folds, timelines and anomalies to be patched:
        # the final answers below must not depend on them.
        r = known_bys[n % len(known_bys)]
        one_by_one.snapshot(on=days[n % len(days)], known_by=r)
        one_by_one.timeline(known_by=r)
        one_by_one.anomalies(known_by=r)
    assert recorded == len(distinct)
    assert at_once.events() == one_by_one.events() == tuple(distinct)
    expected = answers(at_once, days, known_bys)
    assert_same(expected, answers(one_by_one, days, known_bys), "one at a time")
    rebuilt = build(lifecycle, at_once.commitments(), at_once.events())
    assert_same(expected, answers(rebuilt, days, known_bys), "rebuilt from events()")
    assert at_once.record(*events) == 0  # all of them again: nothing new


def edge_of_contract(step: nt.Transition | Step) -> bool:
    """True when `step` is a move the true lifecycle allows: a table entry, or a lapse
    inferred from a live stage."""
    if step.inferred:
        return step.kind is EventKind.LAPSED and step.source in LIVE and step.target is Stage.LAPSED
    return TABLE.get((step.source, step.kind)) == step.target


def reachable(source: Stage | None, target: Stage | None) -> bool:
    """True when the true lifecycle leads from `source` to `target` (inferred lapses count)."""
    edges = {(s, t) for (s, _), t in TABLE.items()} | {(s, Stage.LAPSED) for s in LIVE}
    seen, todo = {source}, [source]
    while todo:
        here = todo.pop()
        for s, t in edges:
            if s == here and t not in seen:
                seen.add(t)
                todo.append(t)
    return target in seen


def check_path(lifecycle: nt.Lifecycle, negotiation: Negotiation) -> None:
    """Law 3: over increasing dates a commitment's stages form a path in the lifecycle graph,
    and its history is a chain of the lifecycle's edges."""
    commitments, events = negotiation
    t = build(lifecycle, commitments, events)
    days = query_days(commitments, events)
    for c in commitments:
        history = t.history(c.id)
        stage: Stage | None = None
        for step in history:
            assert step.source == stage, f"{c.id}: a step starts from {step.source}, not {stage}"
            assert edge_of_contract(step), f"{c.id}: {step.source} --{step.kind}--> {step.target}"
            if step.source is Stage.LAPSED and step.target is not Stage.LAPSED:
                assert step.kind is EventKind.REVIVED
            stage = step.target
        before: Stage | None = None
        for d in days:
            now = t.status(c.id, on=d).stage
            assert now is None or now in LC.stages
            assert reachable(before, now), f"{c.id}: {before} then {now} on {d}"
            steps_so_far = [s for s in history if s.on <= d]
            assert now == (steps_so_far[-1].target if steps_so_far else None)
            before = now


def check_known_by(lifecycle: nt.Lifecycle, negotiation: Negotiation, cutoff: date) -> None:
    """Law 4: known_by at or after every known date changes nothing, and an answer as known by
    R never changes when events known after R are added."""
    commitments, events = negotiation
    days = query_days(commitments, events)
    everything = build(lifecycle, commitments, events)
    latest = max((e.known_on for e in events), default=cutoff)
    plain = answers(everything, days, [None])
    for r in (latest, latest + DAY, latest + 40 * DAY):
        late = answers(everything, days, [r])
        assert_same(
            {k[:1] + k[2:]: v for k, v in plain.items()},
            {k[:1] + k[2:]: v for k, v in late.items()},
            f"known by {r}",
        )
    known = [e for e in events if e.known_on <= cutoff]
    partial = build(lifecycle, commitments, known)
    assert_same(answers(partial, days, [cutoff]), answers(everything, days, [cutoff]), "later news")
    assert_same(
        {k[:1] + k[2:]: v for k, v in answers(partial, days, [None]).items()},
        {k[:1] + k[2:]: v for k, v in answers(everything, days, [cutoff]).items()},
        "only what was known",
    )


def check_time(lifecycle: nt.Lifecycle, negotiation: Negotiation) -> None:
    """Law 5: not implemented by its deadline means lapsed (deadline_missed) the next day, live
    on its expiry date means lapsed (expired), and an extension moves the dates in force."""
    commitments, events = negotiation
    t = build(lifecycle, commitments, events)
    days = query_days(commitments, events)
    implemented = Stage.IMPLEMENTED
    for c in commitments:
        for d in days:
            s = t.status(c.id, on=d)
            before = t.status(c.id, on=d - DAY)
            # Not implemented by the end of its deadline: lapsed the next day, whatever that
            # day brings but an extension of that deadline.
            missed = before.stage in LIVE - {implemented} and before.deadline == d - DAY
            if missed and s.deadline == before.deadline:
                assert s.stage is Stage.LAPSED, f"{c.id} missed its deadline: {before} {s}"
            if s.expires is not None and d == s.expires:
                assert s.stage not in LIVE, f"{c.id} is live on its expiry date: {s}"
            if s.inferred:
                assert s.stage is Stage.LAPSED
                assert s.evidence is None
                if s.reason is LapseReason.DEADLINE_MISSED:
                    assert s.deadline is not None
                    assert s.since == s.deadline + DAY
                elif s.reason is LapseReason.TARGET_MISSED:
                    assert c.target is not None
                    assert s.since == c.target.end + DAY
                else:
                    assert s.reason is LapseReason.EXPIRED
                    assert s.since == s.expires
        in_force = (c.deadline, c.expires)
        for step in t.history(c.id):
            if step.kind is EventKind.EXTENDED and step.event is not None:
                moved = (step.event.deadline or in_force[0], step.event.expires or in_force[1])
                assert (step.deadline, step.expires) == moved, f"{c.id}: extension not applied"
            if step.inferred and step.reason is LapseReason.TARGET_MISSED:
                # The target's final period ended short: the lapse falls the day after it.
                assert c.target is not None
                assert step.on == c.target.end + DAY
                progress = t.status(c.id, on=c.target.end).progress
                assert progress is not None
                assert progress.delivered < progress.target
            elif step.inferred:
                falls = step.deadline is not None and step.on == step.deadline + DAY
                # The deadline is decided by the stage at the end of the deadline day.
                missed = t.status(c.id, on=step.on - DAY).stage is not implemented
                if falls and missed:
                    assert step.reason is LapseReason.DEADLINE_MISSED, "deadline_missed wins"
                else:
                    assert step.reason is LapseReason.EXPIRED
                    assert step.on == step.expires
            in_force = (step.deadline, step.expires)


def check_invalid_events(lifecycle: nt.Lifecycle, negotiation: Negotiation) -> None:
    """Law 6: every recorded event is either a step of its history or an anomaly; anomalies
    are exactly the events the lifecycle table rejects where they fall, with the right
    expectations; and leaving an anomaly out changes no other answer."""
    commitments, events = negotiation
    t = build(lifecycle, commitments, events)
    anomalies = t.anomalies()
    used = [s.event for c in commitments for s in t.history(c.id) if s.event is not None]
    measures = [
        e for e in t.events() if evidence_only(e.kind) and e not in {a.event for a in anomalies}
    ]
    kept = used + [a.event for a in anomalies] + measures
    assert sorted(map(repr, kept)) == sorted(map(repr, t.events()))
    for a in anomalies:
        assert a.expected == valid_from(a.stage)
        if (a.stage, a.event.kind) in TABLE:
            # Valid by the table, but an extension that would move a date back.
            assert LC.rule(a.event.kind).dates == "move", f"a valid event was refused: {a}"
            assert "back from" in a.message, a.message
        else:
            assert a.event.kind not in a.expected
    for c in commitments:
        for step in t.history(c.id):
            assert step.inferred or TABLE.get((step.source, step.kind)) == step.target, step
    if anomalies:
        dropped = anomalies[0].event
        rest = [e for e in events if e != dropped]
        without = build(lifecycle, commitments, rest)
        days = query_days(commitments, events)
        left, right = answers(t, days, [None]), answers(without, days, [None])
        assert left.pop(("anomalies", None)) == (anomalies[0], *right.pop(("anomalies", None)))
        assert_same(left, right, "without an anomaly")


def check_strict(lifecycle: nt.Lifecycle, negotiation: Negotiation) -> None:
    """Law 6, strict mode: recording an event that would be an anomaly raises
    InvalidTransition and leaves the tracker exactly as it was; anything else is recorded."""
    commitments, events = negotiation
    strict = nt.Tracker(strict=True, lifecycle=lifecycle)
    strict.add(*commitments)
    accepted: list[nt.Event] = []
    for e in events:
        refused = reference(commitments, [*accepted, e]).anomalies()
        before = state_of(strict)
        if refused:
            err = raises(nt.InvalidTransition, lambda e=e: strict.record(e))
            assert isinstance(err, nt.InvalidTransition)
            assert (err.event, err.stage, err.expected) in refused
            assert state_of(strict) == before, "a refused event changed the tracker"
        else:
            try:
                added = strict.record(e)
            except nt.InvalidTransition as err:
                raise AssertionError(f"a valid event was refused: {err}") from err
            assert added == (0 if e in accepted else 1)
            if e not in accepted:
                accepted.append(e)
            assert strict.anomalies() == ()
    # The same verdict for the whole log as one batch.
    batch = nt.Tracker(strict=True, lifecycle=lifecycle)
    batch.add(*commitments)
    if reference(commitments, events).anomalies():
        raises(nt.InvalidTransition, lambda: batch.record(*events))
        assert batch.events() == ()
    else:
        try:
            batch.record(*events)
        except nt.InvalidTransition as err:
            raise AssertionError(f"a valid log was refused: {err}") from err
        assert batch.events() == tuple(dict.fromkeys(events))


def check_machine_agrees(
    lifecycle: nt.Lifecycle, negotiation: Negotiation, known_bys: Sequence[date | None]
) -> None:
    """Law 8: firing every event through the transitions Machine gives the same answers as the
    compiled table."""
    commitments, events = negotiation
    days = query_days(commitments, events)
    table = build(lifecycle, commitments, events)
    with through_machine():
        machine = build(lifecycle, commitments, events)
    assert_same(answers(table, days, known_bys), answers(machine, days, known_bys), "machine")


def check_kept_views(lifecycle: nt.Lifecycle, negotiation: Negotiation, split: int) -> None:
    """Law 9: answers from the views a tracker keeps and patches (known-by views sharing the
    full view's folds, empty folds, the timeline and anomalies patched) equal those of a
    tracker rebuilt from scratch, after further records and a refused one."""
    commitments, events = negotiation
    days = query_days(commitments, events)[::2]
    reported = sorted({d for e in events for d in (e.known_on, e.known_on - DAY)})
    # More knowledge dates than views are kept, so that some are evicted and made again.
    step = max(1, len(reported) // 20)
    known_bys: list[date | None] = [None, *reported[::step]]
    kept = build(lifecycle, commitments, events[:split])
    answers(kept, days, known_bys)  # every view made, some evicted
    for n, e in enumerate(events[split:]):
        kept.record(e)
        r = known_bys[n % len(known_bys)]
        kept.snapshot(on=days[n % len(days)], known_by=r)
        kept.timeline(known_by=r)
        kept.anomalies(known_by=r)
    if commitments:
        stray = nt.Event(commitment="no-such-commitment", kind="proposed", on=days[0])
        with pytest.raises(nt.UnknownCommitment):
            kept.record(nt.Event(commitment=commitments[0].id, kind="approved", on=days[-1]), stray)
    fresh = build(lifecycle, commitments, events)
    assert kept.events() == fresh.events()
    assert_same(answers(kept, days, known_bys), answers(fresh, days, known_bys), "kept views")


@st.composite
def split_cases(draw: st.DrawFn) -> tuple[Negotiation, int]:
    """A negotiation with late reports, and where to split its events."""
    negotiation = draw(negotiations())
    return negotiation, draw(st.integers(0, len(negotiation.events)))


# -- running the laws on the true lifecycle --------------------------------------------------------


@st.composite
def reordered_cases(
    draw: st.DrawFn,
) -> tuple[Negotiation, list[nt.Event], list[date | None]]:
    """A negotiation, a reordering of its events, and known-by dates."""
    negotiation, known_bys = draw(cases())
    return negotiation, draw(reorderings(negotiation.events)), known_bys


@st.composite
def cutoff_cases(draw: st.DrawFn) -> tuple[Negotiation, date]:
    """A negotiation with late reports, and a known-by date that splits its log."""
    negotiation = draw(negotiations())
    return negotiation, draw(cutoffs(negotiation.events))


# (law, strategy of its arguments after the lifecycle), shared with tests/test_teeth.py.
LAWS: dict[str, tuple[Callable[..., None], st.SearchStrategy[Any]]] = {
    "reference": (check_reference, cases()),
    "recording_order": (check_recording_order, reordered_cases()),
    "batching": (check_batching, cases()),
    "path": (check_path, negotiations().map(lambda n: (n,))),
    "known_by": (check_known_by, cutoff_cases()),
    "time": (check_time, negotiations().map(lambda n: (n,))),
    "invalid_events": (check_invalid_events, negotiations().map(lambda n: (n,))),
    "strict": (check_strict, negotiations(max_commitments=2, max_steps=6).map(lambda n: (n,))),
    "machine": (check_machine_agrees, cases(negotiations(max_commitments=3, max_steps=6))),
    "kept_views": (check_kept_views, split_cases()),
}


def share(fraction: int) -> settings:
    """Settings running 1/`fraction` of the profile's examples (at least 10), to keep the
    whole suite fast; the reference-model test runs them all."""
    return settings(max_examples=max(10, settings.default.max_examples // fraction))


@given(cases())
def test_tracker_matches_reference_model(case: tuple[Negotiation, list[date | None]]) -> None:
    """Every snapshot, history, timeline and anomaly equals the day-by-day reference model's."""
    check_reference(LC, *case)


@share(2)
@given(reordered_cases())
def test_recording_order_never_matters(case: tuple[Any, ...]) -> None:
    """Any recording order of the same events gives the same snapshots, histories, anomalies."""
    check_recording_order(LC, *case)


@share(2)
@given(cases())
def test_one_at_a_time_equals_all_at_once(case: tuple[Any, ...]) -> None:
    """Recording events singly, in one batch, or again from events() gives the same answers."""
    check_batching(LC, *case)


@share(2)
@given(negotiations())
def test_stages_form_a_path_in_the_lifecycle(negotiation: Negotiation) -> None:
    """Over increasing dates the stages follow the lifecycle's edges (or inferred lapses)."""
    check_path(LC, negotiation)


@share(4)
@given(split_cases())
def test_kept_views_equal_a_fresh_rebuild(case: tuple[Negotiation, int]) -> None:
    """Views kept and patched across records say what a tracker built afresh says."""
    check_kept_views(LC, *case)


@share(2)
@given(cutoff_cases())
def test_known_by_sees_only_what_was_known(case: tuple[Negotiation, date]) -> None:
    """known_by after everything changes nothing; later news never changes an earlier view."""
    check_known_by(LC, *case)


@share(2)
@given(negotiations())
def test_time_limits_fire_on_their_day(negotiation: Negotiation) -> None:
    """Missed deadlines and expiries lapse on their day, and extensions move the dates."""
    check_time(LC, negotiation)


@share(2)
@given(negotiations())
def test_invalid_events_are_kept_apart(negotiation: Negotiation) -> None:
    """An invalid event never changes a stage and always appears among the anomalies."""
    check_invalid_events(LC, negotiation)


@share(2)
@given(negotiations(max_commitments=2, max_steps=6))
def test_strict_mode_refuses_and_changes_nothing(negotiation: Negotiation) -> None:
    """In strict mode an invalid event raises and leaves the tracker exactly as it was."""
    check_strict(LC, negotiation)


@share(3)
@given(cases(negotiations(max_commitments=3, max_steps=6)))
def test_machine_agrees_with_the_compiled_table(case: tuple[Any, ...]) -> None:
    """A tracker firing every event through the Machine answers as the compiled table does."""
    check_machine_agrees(LC, *case)


# -- scenario files --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder for the scenario files the tests write (module-scoped, so @given can use it)."""
    return tmp_path_factory.mktemp("scenarios")


def _same_tracker(left: nt.Tracker, right: nt.Tracker) -> None:
    assert left.commitments() == right.commitments()
    assert sorted(map(repr, left.events())) == sorted(map(repr, right.events()))
    days = query_days(left.commitments(), left.events())
    known_bys: list[date | None] = [None, days[len(days) // 2]]
    assert_same(answers(left, days, known_bys), answers(right, days, known_bys), "file")


@share(3)
@given(document=scenario_cases())
def test_scenario_documents_load_as_written(folder: Path, document: dict[str, Any]) -> None:
    """A generated document, written as YAML or JSON, loads to the tracker it describes."""
    commitments, events = objects_of(document)
    expected = build(LC, commitments, events)
    for name, text in (("doc.yaml", yaml_text(document)), ("doc.json", json_text(document))):
        path = folder / name
        path.write_text(text, encoding="utf-8")
        loaded = nt.load(path)
        _same_tracker(loaded, expected)
        assert loaded.events() == expected.events()  # in the file's order
        scenario = loaded.scenario
        assert scenario is not None
        assert (scenario.id, scenario.title, scenario.note) == (
            document["id"],
            document["title"],
            document.get("note"),
        )
        assert dict(scenario.parties) == document["parties"]
        assert sorted(scenario.sources) == sorted(document.get("sources", {}))
        # What was loaded dumps to a file that loads back to the same scenario and answers.
        again = folder / f"again-{name}"
        nt.dump(loaded, again)
        reloaded = nt.load(again)
        _same_tracker(reloaded, expected)
        assert reloaded.scenario == scenario


@share(3)
@given(
    negotiation=negotiations(max_commitments=3, max_steps=6),
    suffix=st.sampled_from([".yaml", ".yml", ".json"]),
)
def test_dump_then_load_gives_the_same_answers(
    folder: Path, negotiation: Negotiation, suffix: str
) -> None:
    """Any tracker dumps to a YAML or JSON file that loads back to the same answers."""
    original = negotiation.tracker()
    path = folder / f"dumped{suffix}"
    nt.dump(original, path)
    loaded = nt.load(path)
    _same_tracker(loaded, original)
    nt.dump(loaded, path)
    _same_tracker(nt.load(path), original)


# Any text at all, lone surrogates included (the alphabet is named for the reason given in
# negotrack.testing: st.text()'s default one is slow to build the first time).
_ANY_TEXT = st.text(st.characters(), max_size=6)
# Required text must be accepted, or there is nothing to dump: no lone surrogates there.
_SOME_TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=6).filter(str.strip)


def accepted(cls: Callable[..., Any], required: dict[str, Any], optional: dict[str, Any]) -> Any:
    """`cls(**required, **optional)`, leaving out each optional value the constructor refuses."""
    kept: dict[str, Any] = {}
    for name, value in optional.items():
        try:
            cls(**required, **kept, **{name: value})
        except (TypeError, ValueError):
            continue
        kept[name] = value
    return cls(**required, **kept)


@st.composite
def accepted_values(draw: st.DrawFn) -> tuple[nt.Commitment, nt.Event]:
    """A commitment and an event holding any text their constructors accept (empty optional
    text, line-break characters and lone surrogates included)."""
    texts = st.fixed_dictionaries
    c = accepted(
        nt.Commitment,
        draw(texts(dict.fromkeys(("id", "title", "by", "to"), _SOME_TEXT))),
        draw(texts(dict.fromkeys(("subject", "note"), _ANY_TEXT))),
    )
    e = accepted(
        nt.Event,
        {"commitment": c.id, "kind": EventKind.PROPOSED, "on": date(2025, 1, 1)},
        draw(texts(dict.fromkeys(("actor", "source", "quote", "note", "id"), _ANY_TEXT))),
    )
    return c, e


def accepted_pair(**notes: str) -> tuple[nt.Commitment, nt.Event]:
    """A plain commitment "c" and its first event, with `commitment_note` and `event_note`
    where the constructors accept them (left out where they refuse them)."""
    c = accepted(
        nt.Commitment,
        {"id": "c", "title": "t", "by": "A", "to": "B"},
        {"note": notes.get("commitment_note")},
    )
    e = accepted(
        nt.Event,
        {"commitment": "c", "kind": EventKind.PROPOSED, "on": date(2025, 1, 1)},
        {"note": notes.get("event_note")},
    )
    return c, e


@share(4)
@given(values=accepted_values(), suffix=st.sampled_from([".yaml", ".json"]))
# NEL is a line break to YAML: it must not be folded into a space.
@example(values=accepted_pair(commitment_note="a\x85b"), suffix=".yaml")
# Empty optional text, if the constructors accept it, must load back.
@example(values=accepted_pair(event_note=""), suffix=".json")
# A lone surrogate, if the constructors accept it, must survive JSON as it survives YAML.
@example(values=accepted_pair(event_note="\ud800"), suffix=".json")
def test_any_accepted_text_dumps_and_loads_back(
    folder: Path, values: tuple[nt.Commitment, nt.Event], suffix: str
) -> None:
    """Whatever text the constructors accept, dump writes a file that loads back unchanged."""
    c, e = values
    original = build(LC, [c], [e])
    path = folder / f"values{suffix}"
    nt.dump(original, path)
    loaded = nt.load(path)
    assert loaded.commitments() == (c,)
    assert loaded.events() == (e,)


@share(2)
@given(case=broken_files())
@example(case=(".yaml", b"- " * 1000 + b"x\n"))  # nested deeper than Python's recursion limit
@example(case=(".json", b"[" * 5000 + b"]" * 5000))
def test_malformed_documents_raise_scenario_error(folder: Path, case: tuple[str, bytes]) -> None:
    """A malformed scenario file raises ScenarioError naming the file, and nothing else."""
    suffix, content = case
    path = folder / f"broken{suffix}"
    path.write_bytes(content)
    with pytest.raises(nt.ScenarioError) as info:
        nt.load(path)
    assert info.value.path == str(path)
    assert info.value.line is None or info.value.line >= 1
    assert str(path) in str(info.value)


# -- the lifecycle table and the public strategies -------------------------------------------------


def test_lifecycle_table_is_the_contract() -> None:
    """The table the model reads from LIFECYCLE is the one the contract spells out."""
    forward = [Stage.PROPOSED, Stage.PRELIMINARY_CONSENSUS, Stage.APPROVED, Stage.IMPLEMENTED]
    leads_to = {
        EventKind.PROPOSED: Stage.PROPOSED,
        EventKind.CONSENSUS_REACHED: Stage.PRELIMINARY_CONSENSUS,
        EventKind.APPROVED: Stage.APPROVED,
        EventKind.IMPLEMENTED: Stage.IMPLEMENTED,
    }
    contract: dict[tuple[Stage | None, EventKind], Stage] = {}
    for kind, target in leads_to.items():
        rung = forward.index(target)
        for source in [None, *forward[:rung]]:
            contract[source, kind] = target  # rule 1: up the ladder, rungs may be skipped
        contract[target, kind] = target  # rule 5: corroboration
    for stage in forward:
        contract[stage, EventKind.LAPSED] = Stage.LAPSED  # rule 2
        contract[stage, EventKind.EXTENDED] = stage  # rule 4
    contract[Stage.LAPSED, EventKind.LAPSED] = Stage.LAPSED  # rule 5
    contract[Stage.LAPSED, EventKind.REVIVED] = Stage.PROPOSED  # rule 3
    contract[Stage.PROPOSED, EventKind.REVIVED] = Stage.PROPOSED  # rule 5
    for stage in Stage:
        contract[stage, EventKind.MEASURED] = stage  # a delivery moves no stage (targets)
    assert dict(TABLE) == contract
    assert (None, EventKind.MEASURED) in LC.kept()  # and is evidence before the first move
    assert LC.same_day_order == (
        EventKind.PROPOSED,
        EventKind.CONSENSUS_REACHED,
        EventKind.APPROVED,
        EventKind.IMPLEMENTED,
        EventKind.EXTENDED,
        EventKind.LAPSED,
        EventKind.REVIVED,
        EventKind.MEASURED,
    )
    assert [(x.field, x.delay, x.reason) for x in LC.time_limits] == [
        ("deadline", 1, LapseReason.DEADLINE_MISSED),
        ("expires", 0, LapseReason.EXPIRED),
        ("target", 1, LapseReason.TARGET_MISSED),  # the targets issue
    ]


def test_testing_module_needs_hypothesis(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without Hypothesis, importing negotrack.testing says to install negotrack[testing]."""
    monkeypatch.setitem(sys.modules, "hypothesis", None)
    monkeypatch.delitem(sys.modules, "negotrack.testing", raising=False)
    with pytest.raises(ImportError, match=r"negotrack\[testing\]"):
        importlib.import_module("negotrack.testing")


def test_importing_negotrack_does_not_import_hypothesis() -> None:
    """`import negotrack` alone never imports Hypothesis."""
    code = "import sys, negotrack; print('hypothesis' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_testing_module_is_documented() -> None:
    """negotrack.testing has a docstring, a sorted __all__, and a docstring on each name."""
    import negotrack.testing as testing

    assert testing.__doc__
    assert testing.__all__ == sorted(testing.__all__, key=lambda n: (not n[0].isupper(), n))
    for name in testing.__all__:
        assert getattr(testing, name).__doc__, name


@share(4)
@given(negotiations())
def test_generated_negotiations_are_accepted(negotiation: Negotiation) -> None:
    """negotiations() builds commitments and events that a tracker takes without error."""
    t = negotiation.tracker()
    assert [c.id for c in t.commitments()] == [c.id for c in negotiation.commitments]
    assert set(t.events()) == set(negotiation.events)
    for e in negotiation.events:
        assert e.commitment in t


@share(4)
@given(data=st.data())
def test_public_strategies_build_what_they_promise(data: st.DataObject) -> None:
    """dates, commitments and events stay in their bounds and build values a tracker takes."""
    start, end = date(2025, 3, 1), date(2025, 3, 31)
    day = data.draw(dates(start, end))
    assert start <= day <= end
    made = data.draw(commitment_lists(ids=["a", "b", "c"], start=start, end=end))
    assert [c.id for c in made] == ["a", "b", "c"]
    for c in made:
        assert all(start <= d <= end for d in (c.deadline, c.expires) if d is not None)
        assert all(link.target in {"a", "b", "c"} - {c.id} for link in c.links)
    event = data.draw(single_events(["a", "b"], start=start, end=end, kinds=["extended", "lapsed"]))
    assert event.commitment in {"a", "b"}
    assert event.kind in (EventKind.EXTENDED, EventKind.LAPSED)
    assert start <= event.on <= end
    if event.kind is EventKind.EXTENDED:
        assert any(d is not None and d >= event.on for d in (event.deadline, event.expires))
    t = nt.Tracker()
    t.add(*made)
    assert t.record(event) == 1
