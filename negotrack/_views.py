"""Views: the answers folded from the event log, as of a date and as known by a date.

A view is one fold per commitment (`Course`), for one knowledge date (None: everything
recorded). Views are built on first use and kept, up to `_VIEWS_KEPT` known-by views, least
recently used evicted first; a change to one commitment drops only that commitment's folds.
Risk from links is computed in one place (`_with_risk`), for one status or a whole snapshot.
"""

from __future__ import annotations

import contextlib
import gc
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from datetime import date

import attrs

from ._engine import Engine
from ._events import Event
from ._lifecycle import EventKind, Lifecycle, Stage
from ._log import EventLog
from ._targets import progress
from ._timeline import Anomaly, Course, Status, Transition, earlier, replay_many

# A commitment's stage on the day in question.
_StageOf = Callable[[str], "Stage | None"]

_VIEWS_KEPT = 16  # known-by views cached at once; each holds one fold per commitment


class Views:
    """The folded answers of one event log (see the module docstring)."""

    def __init__(self, log: EventLog, engine: Engine) -> None:
        self._log = log
        self._engine = engine
        # known_by -> commitment id -> its fold; in least recently used order.
        self._views: dict[date | None, dict[str, Course]] = {}
        # Per view, (id, course) in the order added, once every course is folded.
        self._rows: dict[date | None, list[tuple[str, Course]]] = {}

    # -- keeping them current -------------------------------------------------------------

    def changed(self, commitments: Iterable[str]) -> None:
        """Forget the folds of `commitments` (their events changed, or they are new)."""
        self._rows.clear()
        for view in self._views.values():
            for cid in commitments:
                view.pop(cid, None)

    def reset(self) -> None:
        """Forget every fold."""
        self._views.clear()
        self._rows.clear()

    # -- answers --------------------------------------------------------------------------

    def status(self, commitment: str, day: int, known_by: date | None) -> Status:
        """Where `commitment` stood on `day` (an ordinal), with its risk and progress."""
        course = self.course(commitment, known_by)
        status = course.status(course.position(day))
        status = self._with_risk(
            commitment, status, lambda other: self.course(other, known_by).stage_on(day)
        )
        return self._with_progress(course, status, day)

    def snapshot(self, day: int, known_by: date | None) -> dict[str, Status]:
        """The status of every commitment on `day`, in the order added."""
        rows = self._rows.get(known_by)
        if rows is None:
            view = self._fold_all(known_by)
            rows = [(cid, view[cid]) for cid in self._log.commitments]
            self._rows[known_by] = rows
        # The hot loop of a chart over many dates: one bisection and one index per
        # commitment, statuses built once and shared between dates.
        result = {
            cid: course.statuses[i] or course.status(i)
            for cid, course in rows
            for i in (bisect_right(course.points, day),)
        }
        # Risk comes last: a counterpart's stage on this day is already in the result.
        for cid in self._log.counterparts:
            result[cid] = self._with_risk(cid, result[cid], lambda other: result[other].stage)
        if self._log.targets:
            view = self._views[known_by]
            for cid in self._log.targets:
                result[cid] = self._with_progress(view[cid], result[cid], day)
        return result

    def _with_progress(self, course: Course, status: Status, day: int) -> Status:
        """`status` with the progress of its commitment's target on `day`, if it has one."""
        goal = course.commitment.target
        if goal is None:
            return status
        return attrs.evolve(status, progress=progress(goal, course.measures, date.fromordinal(day)))

    def history(self, commitment: str, known_by: date | None) -> tuple[Transition, ...]:
        """Every step of `commitment`, with its evidence."""
        return self._replay([commitment], known_by, with_steps=True)[0].transitions()

    def timeline(self, known_by: date | None) -> tuple[Transition, ...]:
        """Every step of every commitment, in date order (ties in the order added)."""
        order = {cid: i for i, cid in enumerate(self._log.commitments)}
        with collector_paused():
            courses = self._replay(None, known_by, with_steps=True)
            steps = [t for course in courses for t in course.transitions()]
        steps.sort(key=lambda t: (t.on, order[t.commitment]))
        return tuple(steps)

    def anomalies(self, on: date | None, known_by: date | None) -> tuple[Anomaly, ...]:
        """Events kept but out of place, dated on or before `on` (all when None)."""
        with collector_paused():
            view = self._fold_all(known_by)
            found = [
                self.anomaly(course, index)
                for cid in self._log.commitments
                for course in (view[cid],)
                for index, (event, _, _) in enumerate(course.anomalies)
                if on is None or event.on <= on
            ]
        order = {cid: i for i, cid in enumerate(self._log.commitments)}
        found.sort(key=lambda a: (a.on, order[a.commitment]))
        return tuple(found)

    def anomalous(self, commitments: Iterable[str]) -> set[Event]:
        """The events of `commitments` that are anomalies in the full view."""
        return {a[0] for cid in commitments for a in self.course(cid, None).anomalies}

    def new_anomaly(self, commitments: Iterable[str], before: set[Event]) -> Anomaly | None:
        """The first anomaly of `commitments` whose event is not in `before`, if any."""
        for cid in commitments:
            course = self.course(cid, None)
            for index, (event, _stage, _state) in enumerate(course.anomalies):
                if event not in before:
                    return self.anomaly(course, index)
        return None

    def anomaly(self, course: Course, index: int) -> Anomaly:
        """The `index`-th anomaly of `course`, with its message."""
        event, stage, state = course.anomalies[index]
        expected = self._engine.expected[stage]
        return Anomaly(
            event=event,
            stage=stage,
            expected=expected,
            message=explain(self._engine.lifecycle, event, course, state, expected),
        )

    # -- folds ----------------------------------------------------------------------------

    def course(self, commitment: str, known_by: date | None) -> Course:
        """The fold of `commitment` as known by `known_by`."""
        view = self._view(known_by)
        course = view.get(commitment)
        if course is None:
            course = view[commitment] = self._replay([commitment], known_by)[0]
        return course

    def _with_risk(self, cid: str, status: Status, stage_of: _StageOf) -> Status:
        """`status` with the lapsed counterparts of `cid` that put it at risk, if live."""
        others = self._log.counterparts.get(cid)
        if not others or status.stage not in self._engine.live:
            return status
        lapsed = self._engine.lapsed
        risk = tuple(other for other in others if stage_of(other) is lapsed)
        return attrs.evolve(status, at_risk_from=risk) if risk else status

    def _view(self, known_by: date | None) -> dict[str, Course]:
        view = self._views.pop(known_by, None)
        if view is None:
            view = {}
            if len(self._views) >= _VIEWS_KEPT:
                oldest = next(k for k in self._views if k is not None)
                del self._views[oldest]
                self._rows.pop(oldest, None)
        self._views[known_by] = view  # now the most recently used
        return view

    def _fold_all(self, known_by: date | None) -> dict[str, Course]:
        """The view for `known_by`, with every commitment folded (in one replay)."""
        view = self._view(known_by)
        commitments = self._log.commitments
        if not view:  # everything to fold, as after a bulk record
            view.update(zip(commitments, self._replay(None, known_by), strict=True))
        elif len(view) < len(commitments):
            missing = [cid for cid in commitments if cid not in view]
            view.update(zip(missing, self._replay(missing, known_by), strict=True))
        return view

    def _replay(
        self, commitments: list[str] | None, known_by: date | None, *, with_steps: bool = False
    ) -> list[Course]:
        """Fold the named commitments, or all of them (in the order added) when None."""
        log = self._log
        ids = log.commitments if commitments is None else commitments
        logs = [(log.commitments[cid], log.entries(cid, known_by)) for cid in ids]
        return replay_many(logs, self._engine, with_steps=with_steps)


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector during a bulk fold.

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


def explain(
    lifecycle: Lifecycle,
    event: Event,
    course: Course,
    state: int,
    expected: tuple[EventKind, ...],
) -> str:
    """Say why `event` does not fit where it falls, and what would have."""
    kind = event.kind.value
    head = f"{kind!r} on {event.on.isoformat()} does not fit {event.commitment!r}"
    valid = ", ".join(repr(e.value) for e in expected) or "none"
    if state < 0:
        return (
            f"{head}: it has no stage yet, and a first event must move it forward; "
            f"expected one of {valid}"
        )
    stage, since_day, reason, inferred, _evidence, deadline, expires = course.states[state]
    since = date.fromordinal(since_day)
    for name, new, current in (
        ("deadline", event.deadline, deadline),
        ("expires", event.expires, expires),
    ):
        if lifecycle.rule(event.kind).dates == "move" and earlier(new, current):
            assert new is not None
            assert current is not None
            return (
                f"{head}: it would move {name} back from {current.isoformat()} to "
                f"{new.isoformat()}, and an extension only moves dates later; to end it "
                f"sooner, record 'lapsed' on the day it ends"
            )
    if stage not in lifecycle.live:
        why = f"it is {stage.value} since {since.isoformat()}"
        if reason is not None:
            why += f" ({reason.value}{', inferred' if inferred else ''})"
        hint = "; record 'revived' first to reopen it" if EventKind.REVIVED in expected else ""
        return f"{head}: {why}; from {stage.value} expected one of {valid}{hint}"
    target = lifecycle.rule(event.kind).target
    ladder = lifecycle.stages
    if target is not None and target in ladder and ladder.index(target) < ladder.index(stage):
        why = f"it would move back from {stage.value} to {target.value}"
    else:
        why = f"it is {stage.value} since {since.isoformat()}"
    return f"{head}: {why}; from {stage.value} expected one of {valid}"
