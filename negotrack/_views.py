"""Views: the answers folded from the event log, as of a date and as known by a date.

A view is one fold (`Course`) per commitment, for one knowledge date (None: everything
recorded), held in a list in the order the commitments were added. Folds are made when first
needed and kept; a change to some commitments marks only their places, and the next answer
folds those again: recording one event and asking again costs one fold, not a new view.

Known-by views share what they can. A commitment whose events were all known by R has the
full view's fold, the same object (statuses included, since a state becomes its status in
place): a new view starts as a copy of the full view's list, and folds again only the
commitments with an event known after R (`negotrack._knowledge` finds them by bisection).
One with none known yet has an empty fold, one per commitment, shared by every view; one
with some events known is folded from those, for that view alone. Known-by views are kept up
to `_VIEWS_KEPT`, least recently used evicted first.

Risk from links is computed in one place (`_with_risk`), for one status or for a snapshot.
"""

from __future__ import annotations

from bisect import bisect_right, insort
from collections.abc import Callable, Iterable, Sequence
from datetime import date

import attrs

from ._anomalies import anomaly
from ._course import Course
from ._events import Event
from ._knowledge import Knowledge
from ._lifecycle import AnyStage
from ._lifecycles import Engines
from ._log import EventLog
from ._targets import progress
from ._timeline import Anomaly, Status, Transition, collector_paused

# A commitment's stage on the day in question.
_StageOf = Callable[[str], "AnyStage | None"]

_VIEWS_KEPT = 16  # known-by views kept at once (each a list of references to shared folds)


class _View:
    """One knowledge date's folds, one per commitment (None: not folded yet)."""

    __slots__ = ("courses", "dirty", "found", "fresh", "index", "pending")

    def __init__(self, size: int) -> None:
        self.courses: list[Course | None] = [None] * size
        # The places to fold again before a whole-view answer; None: every empty place.
        self.pending: set[int] | None = None
        self.fresh = True  # nothing folded in it yet
        # Every point of every course packed in sorted ints, with the bits of a point's
        # number and of a place, for `snapshots` (None until asked for).
        self.index: tuple[list[int], int, int] | None = None
        # The anomalies found, by place, and the places changed since (None until asked).
        self.found: dict[int, tuple[Anomaly, ...]] | None = None
        self.dirty: set[int] = set()

    def forget(self, places: Iterable[int], size: int) -> None:
        """Make the view `size` long and mark `places` to fold again."""
        courses = self.courses
        if len(courses) > size:
            del courses[size:]
        elif len(courses) < size:
            if self.pending is not None:
                self.pending.update(range(len(courses), size))
            courses.extend([None] * (size - len(courses)))
        for place in places:
            if place < size:
                courses[place] = None
                if self.pending is not None:
                    self.pending.add(place)
                self.dirty.add(place)
        self.index = None


class _Timeline:
    """Every step of every commitment for one knowledge date, kept to be patched."""

    __slots__ = ("changed", "known_by", "ordered", "size", "steps")

    def __init__(
        self,
        known_by: date | None,
        steps: dict[int, tuple[Transition, ...]],
        ordered: list[Transition],
    ) -> None:
        self.known_by = known_by
        self.steps = steps
        self.ordered = ordered
        self.size = len(steps)
        self.changed: set[int] = set()


class Views:
    """The folded answers of one event log (see the module docstring)."""

    def __init__(self, log: EventLog, engines: Engines) -> None:
        self._log = log
        self.engines = engines  # each commitment's engine
        self._views: dict[date | None, _View] = {}  # least recently used first
        self._timeline: _Timeline | None = None  # the last timeline asked for
        self._knowledge = Knowledge(log)
        # The fold of a commitment with no event known yet, by id (see the module doc).
        self._empty: dict[str, Course] = {}

    # -- keeping them current -------------------------------------------------------------

    def changed(self, commitments: Iterable[str]) -> None:
        """Forget the folds of `commitments` (their events changed, they are new or gone)."""
        if not (self._views or self._timeline is not None):
            self._knowledge = Knowledge(self._log)  # nothing folded yet: start afresh
            return
        position = self._log.position
        commitments = list(commitments)
        places = [position[cid] for cid in commitments if cid in position]
        for cid in commitments:
            self._empty.pop(cid, None)
        self._knowledge.changed(places)
        size = len(self._log.ids)
        for view in self._views.values():
            view.forget(places, size)
        if self._timeline is not None:
            timeline = self._timeline
            timeline.changed.update(places)
            # Places added or removed since it was made.
            timeline.changed.update(range(min(size, timeline.size), max(size, timeline.size)))
            timeline.size = size

    def changed_by(self, events: Sequence[Event], commitments: Iterable[str] = ()) -> None:
        """Forget the folds of the commitments `events` name, and of `commitments`."""
        if self._views or self._timeline is not None:
            self.changed({e.commitment for e in events}.union(commitments))

    def reset(self) -> None:
        """Forget every fold."""
        self._views.clear()
        self._empty.clear()
        self._knowledge = Knowledge(self._log)
        self._timeline = None

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
        courses = self._complete(known_by)
        # The hot loop of a chart over many dates: one bisection and one index per
        # commitment, statuses built once and shared between dates.
        probe = day << 3 | 7  # after every point of the day (see `Course.points`)
        result = {
            cid: course.status(i)
            for cid, course in zip(self._log.ids, courses, strict=True)
            for i in (bisect_right(course.points, probe),)
        }
        self._finish(result, courses, day)
        return result

    def snapshots(self, days: Sequence[int], known_by: date | None) -> list[dict[str, Status]]:
        """The snapshots of `days` (ordinals, ascending), in one sweep over change points.

        A running mapping of statuses starts before every point; for each day in turn, the
        points up to it update it, and a copy of it is that day's answer.
        """
        courses = self._complete(known_by)
        view = self._views[known_by]
        if view.index is None:
            # Each point packed in one int, (day, place, number), so that one sort of ints
            # orders them all: far cheaper than sorting tuples.
            point_bits = max((len(c.points) for c in courses), default=0).bit_length()
            place_bits = len(courses).bit_length()
            shift = place_bits + point_bits
            view.index = (
                sorted(
                    (day << shift) | (place << point_bits) | number
                    for place, course in enumerate(courses)
                    for number, day in enumerate([point >> 3 for point in course.points], 1)
                ),
                point_bits,
                place_bits,
            )
        (index, point_bits, place_bits), ids = view.index, self._log.ids
        shift = place_bits + point_bits
        running = {cid: course.status(0) for cid, course in zip(ids, courses, strict=True)}
        found: list[dict[str, Status]] = []
        at, end = 0, len(index)
        place_mask, number_mask = (1 << place_bits) - 1, (1 << point_bits) - 1
        for day in days:
            limit = (day + 1) << shift
            while at < end and index[at] < limit:
                key = index[at]
                place, number = (key >> point_bits) & place_mask, key & number_mask
                course = courses[place]
                running[ids[place]] = course.status(number)
                at += 1
            answer = dict(running)
            self._finish(answer, courses, day)
            found.append(answer)
        return found

    def _finish(self, result: dict[str, Status], courses: list[Course], day: int) -> None:
        """Add risk and progress to a snapshot's statuses (only linked or measured ones)."""
        # Risk comes last: a counterpart's stage on this day is already in the result.
        for cid in self._log.counterparts:
            result[cid] = self._with_risk(cid, result[cid], lambda other: result[other].stage)
        position = self._log.position
        for cid in self._log.targets:
            result[cid] = self._with_progress(courses[position[cid]], result[cid], day)

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
        """Every step of every commitment, in date order (ties in the order added).

        Kept for the last knowledge date asked, and patched: a change to some commitments
        replays their steps only, and moves them into place in the ordered list.
        """
        ids, position = self._log.ids, self._log.position
        cached = self._timeline
        if cached is not None and cached.known_by == known_by:
            if cached.changed:
                changed = sorted(cached.changed)
                cached.changed.clear()
                gone = {id(t) for place in changed for t in cached.steps.pop(place, ())}
                cached.ordered = [t for t in cached.ordered if id(t) not in gone]
                fresh = [place for place in changed if place < len(ids)]
                for place, course in zip(fresh, self._steps(fresh, known_by), strict=True):
                    cached.steps[place] = course
                    for step in course:
                        insort(cached.ordered, step, key=lambda t: (t.on, position[t.commitment]))
            return tuple(cached.ordered)
        places = list(range(len(ids)))
        steps = dict(zip(places, self._steps(places, known_by), strict=True))
        ordered = [step for place in places for step in steps[place]]
        ordered.sort(key=lambda t: t.on)  # stable: ties stay in the order added
        self._timeline = _Timeline(known_by, steps, ordered)
        return tuple(ordered)

    def _steps(self, places: list[int], known_by: date | None) -> list[tuple[Transition, ...]]:
        ids = self._log.ids
        with collector_paused():
            folded = self._replay([ids[p] for p in places], known_by, with_steps=True)
            return [course.transitions() for course in folded]

    def anomalies(self, on: date | None, known_by: date | None) -> tuple[Anomaly, ...]:
        """Events kept but out of place, dated on or before `on` (all when None).

        Kept per view, and patched for the commitments changed since.
        """
        courses = self._complete(known_by)
        view = self._views[known_by]
        if view.found is None:
            view.found = {
                place: self._anomalies_of(course)
                for place, course in enumerate(courses)
                if course.anomalies
            }
        else:
            for place in view.dirty:
                view.found.pop(place, None)
                if place < len(courses) and courses[place].anomalies:
                    view.found[place] = self._anomalies_of(courses[place])
        view.dirty.clear()
        found = [a for place in sorted(view.found) for a in view.found[place]]
        found.sort(key=lambda a: a.on)  # stable: ties stay in the order added
        return tuple(a for a in found if on is None or a.on <= on)

    def _anomalies_of(self, course: Course) -> tuple[Anomaly, ...]:
        engine = self.engines.of(course.commitment)
        return tuple(anomaly(engine, course, i) for i in range(len(course.anomalies)))

    def anomalous(self, commitments: Iterable[str]) -> set[Event]:
        """The events of `commitments` that are anomalies in the full view."""
        return {a[0] for cid in commitments for a in self.course(cid, None).anomalies}

    def new_anomaly(self, commitments: Iterable[str], before: set[Event]) -> Anomaly | None:
        """The first anomaly of `commitments` whose event is not in `before`, if any."""
        for cid in commitments:
            course = self.course(cid, None)
            for index, (event, _stage, _state) in enumerate(course.anomalies):
                if event not in before:
                    return anomaly(self.engines.of(course.commitment), course, index)
        return None

    # -- folds ----------------------------------------------------------------------------

    def course(self, commitment: str, known_by: date | None) -> Course:
        """The fold of `commitment` as known by `known_by`."""
        view = self._view(known_by)
        place = self._log.position[commitment]
        course = view.courses[place]
        if course is None:
            course = view.courses[place] = self._fold([place], known_by)[0]
            view.fresh = False
            if view.pending is not None:
                view.pending.discard(place)
        return course

    def _complete(self, known_by: date | None) -> list[Course]:
        """Every fold of the view for `known_by` (folding what is missing, in one replay)."""
        view = self._view(known_by)
        courses = view.courses
        with collector_paused():
            if known_by is not None and view.fresh:
                todo = self._start(courses, known_by)
            elif view.pending is None:
                todo = [place for place, course in enumerate(courses) if course is None]
            else:
                todo = sorted(place for place in view.pending if courses[place] is None)
            for place, course in zip(todo, self._fold(todo, known_by), strict=True):
                courses[place] = course
        view.pending = set()
        view.fresh = False
        return courses  # type: ignore[return-value]  # no None left

    def _start(self, courses: list[Course | None], known_by: date) -> list[int]:
        """Fill a new view for `known_by`; return the places left to fold.

        It takes the full view's folds, and empty ones for the commitments nothing was known
        of yet.
        """
        courses[:] = self._complete(None)
        limit = known_by.toordinal()
        firsts = self._knowledge.bounds()[0]
        ids, empty = self._log.ids, self._empty
        todo = []
        for place in self._knowledge.later(limit):
            if firsts[place] <= limit:
                todo.append(place)
            else:  # nothing known yet: the shared empty fold (`_nothing_known`)
                course = empty.get(ids[place])
                courses[place] = self._nothing_known(ids[place]) if course is None else course
        return todo

    def _fold(self, places: list[int], known_by: date | None) -> list[Course]:
        """The folds of the commitments at `places`, sharing the full view's where they can."""
        ids = self._log.ids
        if known_by is None:
            return self._replay([ids[p] for p in places], None)
        limit = known_by.toordinal()
        firsts, lasts = self._knowledge.bounds()
        found: list[Course | None] = []
        partial: list[tuple[int, str]] = []  # (index, id) to fold
        for index, place in enumerate(places):
            cid = ids[place]
            if lasts[place] <= limit:  # all known: the full view's
                found.append(self.course(cid, None))
            elif firsts[place] > limit:  # none known yet
                found.append(self._nothing_known(cid))
            else:
                found.append(None)
                partial.append((index, cid))
        if partial:
            folded = self._replay([cid for _, cid in partial], known_by)
            for (index, _), course in zip(partial, folded, strict=True):
                found[index] = course
        return found  # type: ignore[return-value]  # every place is filled

    def _nothing_known(self, cid: str) -> Course:
        """The fold of `cid` as known before any of its events: one, shared by all views."""
        course = self._empty.get(cid)
        if course is None:
            commitment = self._log.commitments[cid]
            course = Course(commitment, stages=self.engines.of(commitment).stages)
            self._empty[cid] = course
        return course

    def _with_risk(self, cid: str, status: Status, stage_of: _StageOf) -> Status:
        """`status` with the lapsed counterparts of `cid` that put it at risk, if live."""
        others = self._log.counterparts.get(cid)
        of, commitments = self.engines.of, self._log.commitments
        if not others or status.stage not in of(commitments[cid]).live:
            return status
        risk = tuple(
            other
            for other in others
            if stage_of(other) is (lapsed := of(commitments[other]).lapsed) and lapsed is not None
        )
        return attrs.evolve(status, at_risk_from=risk) if risk else status

    def _view(self, known_by: date | None) -> _View:
        view = self._views.pop(known_by, None)
        if view is None:
            view = _View(len(self._log.ids))
            if len(self._views) >= _VIEWS_KEPT:
                oldest = next(k for k in self._views if k is not None)
                del self._views[oldest]
        self._views[known_by] = view  # now the most recently used
        return view

    def _replay(
        self, commitments: list[str], known_by: date | None, *, with_steps: bool = False
    ) -> list[Course]:
        """Fold the named commitments, each from its events known by `known_by`."""
        log = self._log
        logs = [(log.commitments[cid], log.events_of(cid)) for cid in commitments]
        return self.engines.replay(logs, known_by=known_by, with_steps=with_steps)
