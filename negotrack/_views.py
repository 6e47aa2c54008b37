"""Views: the answers folded from the event log, as of a date, as known by a date, on whose word.

`Views` reads its answers (status, snapshots, history, timeline, anomalies) from the folds that
`negotrack._folds.Folds` keeps and shares. The parties' accounts of a status are read from the
views on each party's word (`_with_accounts`). Risk from links is computed in one place
(`_with_risk`), for one status or for a snapshot.
"""

from __future__ import annotations

from bisect import bisect_right, insort
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from types import MappingProxyType

import attrs

from ._anomalies import anomaly
from ._collector import collector_paused
from ._course import Course
from ._events import Event
from ._folds import Folds, KeptTimeline, Lens
from ._lifecycle import AnyStage
from ._parts import rolled_progress, rolled_target
from ._status import Anomaly, Snapshot, Status, Transition
from ._targets import progress

# A commitment's stage on the day in question.
_StageOf = Callable[[str], "AnyStage | None"]


class Views(Folds):
    """The folded answers of one event log (see the module docstring)."""

    # -- answers --------------------------------------------------------------------------

    def status(
        self, commitment: str, day: int, known_by: date | None, party: str | None = None
    ) -> Status:
        """Where `commitment` stood on `day` (an ordinal), with its risk, progress, accounts."""
        course = self.course(commitment, known_by, party)
        status = course.status(course.position(day))
        status = self._with_risk(
            commitment, status, lambda other: self.course(other, known_by, party).stage_on(day)
        )
        status = self._with_progress(course, status, day)
        parts = self._log.parts.get(commitment)
        if parts:
            folds = [self.course(part, known_by, party) for part in parts]
            stages = {part: fold.stage_on(day) for part, fold in zip(parts, folds, strict=True)}
            status = self._with_parts(course, status, day, stages, folds)
        return self._with_accounts(commitment, status, day, known_by)

    def snapshot(self, day: int, known_by: date | None, party: str | None = None) -> Snapshot:
        """The status of every commitment on `day`, in the order added."""
        courses = self._complete(known_by, party)
        # The hot loop of a chart over many dates: one bisection and one index per
        # commitment, statuses built once and shared between dates.
        probe = day << 3 | 7  # after every point of the day (see `Course.points`)
        result = {
            cid: course.status(i)
            for cid, course in zip(self._log.ids, courses, strict=True)
            for i in (bisect_right(course.points, probe),)
        }
        self._finish(result, courses, day, known_by)
        return Snapshot(result, date.fromordinal(day), known_by, party, self._log.commitments)

    def snapshots(
        self, days: Sequence[int], known_by: date | None, party: str | None = None
    ) -> list[Snapshot]:
        """The snapshots of `days` (ordinals, ascending), in one sweep over change points.

        A running mapping of statuses starts before every point; for each day in turn, the
        points up to it update it, and a copy of it is that day's answer.
        """
        courses = self._complete(known_by, party)
        view = self._views[known_by, party]
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
        found: list[Snapshot] = []
        commitments = self._log.commitments
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
            self._finish(answer, courses, day, known_by)
            found.append(Snapshot(answer, date.fromordinal(day), known_by, party, commitments))
        return found

    def _finish(
        self, result: dict[str, Status], courses: list[Course], day: int, known_by: date | None
    ) -> None:
        """Add risk, progress and accounts to a snapshot's statuses (only those that have any)."""
        # Risk comes last: a counterpart's stage on this day is already in the result.
        for cid in self._log.counterparts:
            result[cid] = self._with_risk(cid, result[cid], lambda other: result[other].stage)
        position = self._log.position
        for cid in self._log.targets:
            result[cid] = self._with_progress(courses[position[cid]], result[cid], day)
        for cid, parts in self._log.parts.items():
            if cid in position:  # a whole is named before it is added only through the API
                stages = {part: result[part].stage for part in parts}
                folds = [courses[position[part]] for part in parts]
                result[cid] = self._with_parts(
                    courses[position[cid]], result[cid], day, stages, folds
                )
        ids = self._log.ids
        for place in self._accounts.places():
            cid = ids[place]
            result[cid] = self._with_accounts(cid, result[cid], day, known_by)

    def accounted(self) -> list[str]:
        """The commitments with an event of a party's account, in the order added."""
        ids = self._log.ids
        return [ids[place] for place in self._accounts.places()]

    def _with_accounts(self, cid: str, status: Status, day: int, known_by: date | None) -> Status:
        """`status` with the stage each party's account puts `cid` in on `day`, if any.

        A party has an account of a commitment on a day once an event of its account dated
        by then is known.
        """
        marks = self._accounts.marks(self._log.position[cid])
        if not marks:
            return status
        limit = date.max.toordinal() if known_by is None else known_by.toordinal()
        found = {
            party: self.course(cid, known_by, party).stage_on(day)
            for party, dated in marks.items()
            if any(on <= day and known <= limit for on, known in dated)
        }
        return attrs.evolve(status, accounts=MappingProxyType(found)) if found else status

    def _with_progress(self, course: Course, status: Status, day: int) -> Status:
        """`status` with the progress of its commitment's target on `day`, if it has one."""
        goal = course.commitment.target
        if goal is None:
            return status
        return attrs.evolve(status, progress=progress(goal, course.measures, date.fromordinal(day)))

    def _with_parts(
        self,
        course: Course,
        status: Status,
        day: int,
        stages: dict[str, AnyStage | None],
        parts: list[Course],
    ) -> Status:
        """`status` of a whole with its parts' `stages`, and its progress added up from theirs.

        `parts` are the parts' folds; how their progress adds up is `negotrack._parts`'s.
        """
        goal = rolled_target(course.commitment, [fold.commitment for fold in parts])
        if goal is None:
            return attrs.evolve(status, parts=MappingProxyType(stages))
        measures = [
            (fold.commitment.target, fold.measures)
            for fold in parts
            if fold.commitment.target is not None
        ]
        rolled = rolled_progress(goal, course.measures, measures, date.fromordinal(day))
        return attrs.evolve(status, parts=MappingProxyType(stages), progress=rolled)

    def history(
        self, commitment: str, known_by: date | None, party: str | None = None
    ) -> tuple[Transition, ...]:
        """Every step of `commitment`, with its evidence."""
        return self._replay([commitment], known_by, party, with_steps=True)[0].transitions()

    def timeline(self, known_by: date | None, party: str | None = None) -> tuple[Transition, ...]:
        """Every step of every commitment, in date order (ties in the order added).

        Kept for the last knowledge date asked, and patched: a change to some commitments
        replays their steps only, and moves them into place in the ordered list.
        """
        ids, position = self._log.ids, self._log.position
        cached = self._timeline
        lens = (known_by, party)
        if cached is not None and cached.lens == lens:
            if cached.changed:
                changed = sorted(cached.changed)
                cached.changed.clear()
                gone = {id(t) for place in changed for t in cached.steps.pop(place, ())}
                cached.ordered = [t for t in cached.ordered if id(t) not in gone]
                fresh = [place for place in changed if place < len(ids)]
                for place, course in zip(fresh, self._steps(fresh, lens), strict=True):
                    cached.steps[place] = course
                    for step in course:
                        insort(cached.ordered, step, key=lambda t: (t.on, position[t.commitment]))
            return tuple(cached.ordered)
        places = list(range(len(ids)))
        steps = dict(zip(places, self._steps(places, lens), strict=True))
        ordered = [step for place in places for step in steps[place]]
        ordered.sort(key=lambda t: t.on)  # stable: ties stay in the order added
        self._timeline = KeptTimeline(lens, steps, ordered)
        return tuple(ordered)

    def _steps(self, places: list[int], lens: Lens) -> list[tuple[Transition, ...]]:
        ids = self._log.ids
        with collector_paused():
            folded = self._replay([ids[p] for p in places], *lens, with_steps=True)
            return [course.transitions() for course in folded]

    def anomalies(
        self, on: date | None, known_by: date | None, party: str | None = None
    ) -> tuple[Anomaly, ...]:
        """Events kept but out of place, dated on or before `on` (all when None).

        Kept per view, and patched for the commitments changed since.
        """
        courses = self._complete(known_by, party)
        view = self._views[known_by, party]
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
