"""Folds: one `Course` per commitment for each view, kept, shared and patched.

A view is one fold per commitment for one lens: the events known by a date (None: everything
recorded), on one party's word (None: everyone's). It is a list in the order the commitments
were added. Folds are made when first needed and kept; a change to some commitments marks only
their places, and the next answer folds those again: recording one event and asking again
costs one fold, not a new view.

Views share what they can. A commitment whose events were all known by R has the full view's
fold, the same object (statuses included, since a state becomes its status in place): a new
known-by view starts as a copy of the full view's list, and folds again only the commitments
with an event known after R (`negotrack._known_by` finds them by bisection). One with none
known yet has an empty fold, one per commitment, shared by every view; one with some events
known is folded from those, for that view alone. A view on a party's word starts as a copy of
the plain view for the same date and folds again only the commitments with another party's
events (`negotrack._accounts` lists them). Views are kept up to `_VIEWS_KEPT`, least recently
used evicted first.

The answers read from them are `negotrack._views`'s.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from ._accounts import Accounts
from ._collector import collector_paused
from ._course import Course
from ._events import Event
from ._known_by import Knowledge
from ._lifecycles import Engines
from ._log import EventLog
from ._status import Anomaly, Transition

_VIEWS_KEPT = 16  # known-by views kept at once (each a list of references to shared folds)

# What a view answers from: the events known by a date (None: all), on a party's word (None:
# everyone's).
Lens = tuple["date | None", "str | None"]
_PLAIN: Lens = (None, None)


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
            if self.pending is not None:  # places of commitments rolled back
                self.pending.difference_update(range(size, len(courses)))
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


class KeptTimeline:
    """Every step of every commitment for one knowledge date, kept to be patched."""

    __slots__ = ("changed", "lens", "ordered", "size", "steps")

    def __init__(
        self,
        lens: Lens,
        steps: dict[int, tuple[Transition, ...]],
        ordered: list[Transition],
    ) -> None:
        self.lens = lens
        self.steps = steps
        self.ordered = ordered
        self.size = len(steps)
        self.changed: set[int] = set()


class Folds:
    """The folds of one event log's views (see the module docstring)."""

    def __init__(self, log: EventLog, engines: Engines) -> None:
        self._log = log
        self.engines = engines  # each commitment's engine
        self._views: dict[Lens, _View] = {}  # least recently used first
        self._timeline: KeptTimeline | None = None  # the last timeline asked for
        self._knowledge = Knowledge(log)
        self._accounts = Accounts(log)
        # The fold of a commitment with no event known yet, by id (see the module doc).
        self._empty: dict[str, Course] = {}

    # -- keeping them current -------------------------------------------------------------

    def changed(self, commitments: Iterable[str]) -> None:
        """Forget the folds of `commitments` (their events changed, they are new or gone)."""
        if not (self._views or self._timeline is not None):
            self._knowledge = Knowledge(self._log)  # nothing folded yet: start afresh
            self._accounts = Accounts(self._log)
            return
        position = self._log.position
        commitments = list(commitments)
        places = [position[cid] for cid in commitments if cid in position]
        for cid in commitments:
            self._empty.pop(cid, None)
        self._knowledge.changed(places)
        self._accounts.changed(places)
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
        self._accounts = Accounts(self._log)
        self._timeline = None

    # -- folds ----------------------------------------------------------------------------

    def course(self, commitment: str, known_by: date | None, party: str | None = None) -> Course:
        """The fold of `commitment` as known by `known_by` (on `party`'s word, if given)."""
        view = self._view(known_by, party)
        place = self._log.position[commitment]
        course = view.courses[place]
        if course is None:
            course = view.courses[place] = self._fold([place], known_by, party)[0]
            if party is None:  # a party's view stays fresh: `_start` shares the plain folds
                view.fresh = False
            if view.pending is not None:
                view.pending.discard(place)
        return course

    def _complete(self, known_by: date | None, party: str | None = None) -> list[Course]:
        """Every fold of the view for `known_by` and `party` (what is missing, in one replay)."""
        view = self._view(known_by, party)
        courses = view.courses
        with collector_paused():
            if party is not None and view.fresh:
                todo = self._start_party(courses, known_by, party)
            elif known_by is not None and view.fresh:
                todo = self._start(courses, known_by)
            elif view.pending is None:
                todo = [place for place, course in enumerate(courses) if course is None]
            else:
                todo = sorted(place for place in view.pending if courses[place] is None)
            for place, course in zip(todo, self._fold(todo, known_by, party), strict=True):
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

    def _start_party(
        self, courses: list[Course | None], known_by: date | None, party: str
    ) -> list[int]:
        """Fill a new view on `party`'s word; return the places left to fold.

        It takes the plain view's folds: only a commitment with another party's events can
        differ.
        """
        courses[:] = self._complete(known_by)
        return self._accounts.others(party)

    def _fold(
        self, places: list[int], known_by: date | None, party: str | None = None
    ) -> list[Course]:
        """The folds of the commitments at `places`, sharing the full view's where they can."""
        ids = self._log.ids
        if party is not None:
            marks = self._accounts.marks
            others = [place for place in places if any(p != party for p in (marks(place) or ()))]
            refolded = dict(
                zip(others, self._replay([ids[p] for p in others], known_by, party), strict=True)
            )
            return [
                refolded[place] if place in refolded else self.course(ids[place], known_by)
                for place in places
            ]
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

    def _view(self, known_by: date | None, party: str | None = None) -> _View:
        if not self._accounts.current():
            self.reset()  # the sources now give other parties' accounts: every fold moves
        lens = (known_by, party)
        view = self._views.pop(lens, None)
        if view is None:
            view = _View(len(self._log.ids))
            if len(self._views) >= _VIEWS_KEPT:
                oldest = next(k for k in self._views if k != _PLAIN)
                del self._views[oldest]
        self._views[lens] = view  # now the most recently used
        return view

    def _replay(
        self,
        commitments: list[str],
        known_by: date | None,
        party: str | None = None,
        *,
        with_steps: bool = False,
    ) -> list[Course]:
        """Fold the named commitments from their events known by `known_by`, on `party`'s word."""
        log = self._log
        logs = [(log.commitments[cid], log.events_of(cid)) for cid in commitments]
        return self.engines.replay(
            logs,
            known_by=known_by,
            party=party,
            party_of=self._accounts.party_of,
            with_steps=with_steps,
        )
