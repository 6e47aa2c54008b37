"""The tracker: commitments, their dated events, and the answers derived from them.

The event log is the truth; every answer is a fold over it (`negotrack._timeline.replay`),
computed when first asked for and cached until an event touches the commitment again.
Answers do not depend on the order in which events were recorded (except that events of one
commitment, date and kind apply in recording order, as the lifecycle contract says), and
nothing depends on the wall clock: every question carries its own date.
"""

from __future__ import annotations

import contextlib
import gc
import json
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple, Protocol

import attrs

from . import _checks
from ._commitments import Commitment, LinkKind
from ._engine import Engine, engine
from ._events import Event
from ._exceptions import (
    ConflictingEvent,
    DuplicateCommitment,
    InvalidTransition,
    StoreError,
    UnknownCommitment,
)
from ._lifecycle import LIFECYCLE, EventKind, Lifecycle
from ._scenario import Scenario, from_data, to_data
from ._timeline import (
    DAY_SHIFT,
    SEQ_SHIFT,
    Anomaly,
    Course,
    Entry,
    Status,
    Transition,
    entry_key,
    replay_many,
)


class News(NamedTuple):
    """What a store holds that the tracker has not seen yet (`changed` is False if nothing)."""

    changed: bool
    scenario: str | None  # the stored description, as JSON text
    commitments: list[Commitment]
    events: list[Event]
    mark: Any  # where the store is to resume once the tracker has taken this in


class Recorder(Protocol):
    """Where a tracker writes what it is given, so that nothing acknowledged is lost.

    An in-memory tracker has none. `add_commitments`, `append_events` and `save_scenario` run
    inside `transaction` and are durable when it ends; `news` returns what was appended
    since the last call (by anyone), in order, and the scenario description if it changed.
    """

    @property
    def path(self) -> Path: ...

    def transaction(self) -> contextlib.AbstractContextManager[None]: ...

    def add_commitments(self, commitments: Sequence[Commitment]) -> None: ...

    def append_events(self, events: Sequence[Event]) -> None: ...

    def save_scenario(self, document: dict[str, Any] | None) -> None: ...

    def news(self) -> News: ...

    def acknowledge(self, news: News) -> None: ...

    def damaged(self, problem: str) -> Exception: ...

    def rewind(self) -> None: ...

    def close(self) -> None: ...


_UNSEEN = object()  # see Tracker._scenario_text

_VIEWS_KEPT = 16  # known-by views cached at once; each holds one fold per commitment


class Tracker:
    """Commitments and their dated events, with as-of and known-by answers.

    By default an event that does not fit the lifecycle is kept and reported by `anomalies`;
    with ``strict=True``, recording it raises `InvalidTransition` and changes nothing.
    `lifecycle` defaults to `LIFECYCLE`. With ``through_machine=True`` every event is fired
    through the lifecycle's transitions `Machine` instead of the table compiled from it: much
    slower, and meant for checking that the two agree. A tracker made by `negotrack.open`
    writes every change to its store before it returns.

    A tracker caches its answers and is not meant to be shared between threads without a
    lock; processes sharing a store each open their own.
    """

    def __init__(
        self,
        *,
        strict: bool = False,
        lifecycle: Lifecycle = LIFECYCLE,
        scenario: Scenario | None = None,
        through_machine: bool = False,
    ) -> None:
        self._scenario = scenario
        # The stored description this tracker last parsed; _UNSEEN after a change of its
        # own, so that the next read from the store parses it again whatever it says.
        self._scenario_text: str | object | None = _UNSEEN
        self._strict = strict
        self._through_machine = through_machine
        self._engine: Engine = engine(lifecycle)
        # Each kind's same-day rank and index, already in place in an entry's key.
        self._shifted_rank = {
            kind: entry_key(0, rank, kind, 0) for kind, rank in self._engine.rank.items()
        }
        self._store: Recorder | None = None
        self._closed = False
        self._pending = False  # memory holds a change its store has not committed yet
        self._write_depth = 0
        self._clear()

    def _clear(self) -> None:
        self._commitments: dict[str, Commitment] = {}
        # The commitments each one is linked to, in the order declared (a dict as an ordered
        # set); only commitments with links have an entry.
        self._counterparts: dict[str, dict[str, None]] = {}
        self._entries: dict[str, list[Entry]] = {}
        self._log: list[Event] = []
        # Recorded events by (commitment, kind, date): equal events share a key, and a
        # tuple of three cached hashes is cheaper to look up than an event's own hash.
        # The value is the event, or the list of events when several share the key.
        self._seen: dict[tuple[str, EventKind, date], Event | list[Event]] = {}
        self._named: dict[str, Event] = {}
        self._views: dict[date | None, dict[str, Course]] = {}
        # Per view, (id, course) in the order added, once every course is folded.
        self._rows: dict[date | None, list[tuple[str, Course]]] = {}

    # -- what the tracker holds ------------------------------------------------------------

    @property
    def scenario(self) -> Scenario | None:
        """What the tracker's data describes (id, title, parties, sources), if known."""
        self._refresh()
        return self._scenario

    @scenario.setter
    def scenario(self, scenario: Scenario | None) -> None:
        with self._writing():
            if self._store is not None:
                self._store.save_scenario(None if scenario is None else to_data(scenario))
            self._scenario = scenario
            self._scenario_text = _UNSEEN
            self._pending = True

    def close(self) -> None:
        """Close the tracker's store, if it has one; an in-memory tracker stays usable."""
        if self._store is not None and not self._closed:
            self._closed = True
            self._store.close()

    def __enter__(self) -> Tracker:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def strict(self) -> bool:
        """True when anomalies raise instead of being kept."""
        return self._strict

    @property
    def lifecycle(self) -> Lifecycle:
        """The lifecycle the tracker applies."""
        return self._engine.lifecycle

    def __repr__(self) -> str:
        where = "" if self._store is None else f", store={str(self._store.path)!r}"
        return (
            f"<Tracker {len(self._commitments)} commitments, {len(self._log)} events"
            f"{', strict' if self._strict else ''}{where}>"
        )

    def __len__(self) -> int:
        self._refresh()
        return len(self._commitments)

    def __contains__(self, commitment: object) -> bool:
        self._refresh()
        return commitment in self._commitments

    def commitments(self) -> tuple[Commitment, ...]:
        """Every commitment, in the order they were added."""
        self._refresh()
        return tuple(self._commitments.values())

    def commitment(self, commitment: str) -> Commitment:
        """The commitment with id `commitment`."""
        self._refresh()
        return self._require(commitment)

    def events(self, commitment: str | None = None) -> tuple[Event, ...]:
        """Every recorded event (of one commitment, if named), in recording order."""
        self._refresh()
        if commitment is None:
            return tuple(self._log)
        self._require(commitment)
        return tuple(e for e in self._log if e.commitment == commitment)

    # -- changing it -----------------------------------------------------------------------

    def add(self, *commitments: Commitment) -> None:
        """Track new commitments; all of them or none.

        A link may name a commitment added earlier or in the same call. Adding an id that is
        already tracked raises `DuplicateCommitment`; a link to an unknown id raises
        `UnknownCommitment`.
        """
        for c in commitments:
            if not isinstance(c, Commitment):
                raise TypeError(f"add() takes Commitment objects, got {c!r} ({type(c).__name__})")
        if not commitments:
            return
        with self._writing():
            batch: dict[str, Commitment] = {}
            for c in commitments:
                if c.id in self._commitments or c.id in batch:
                    raise DuplicateCommitment(c.id)
                batch[c.id] = c
            for c in commitments:
                for link in c.links:
                    if link.target not in self._commitments and link.target not in batch:
                        raise UnknownCommitment(link.target, known=[*self._commitments, *batch])
            if self._store is not None:
                self._store.add_commitments(commitments)
            self._adopt_commitments(commitments)
            self._pending = True

    def record(self, *events: Event) -> int:
        """Record events, in any order; return how many were new.

        Recording an event already recorded (equal, or under the same given id) is a no-op; a
        different event under a recorded id raises `ConflictingEvent`. An event for an unknown
        commitment raises `UnknownCommitment`. In strict mode an event that leaves any event
        out of place raises `InvalidTransition`. Either all the events are recorded or none.
        """
        with self._writing(), _collector_paused():
            if self._strict:
                # In the order the events name them: the first anomaly reported is the
                # same whatever else the tracker holds.
                touched = dict.fromkeys(
                    e.commitment
                    for e in events
                    if isinstance(e, Event) and e.commitment in self._entries
                )
                before = self._anomalous(touched)
            added = self._take(events)
            if not added:
                return 0
            try:
                if self._strict:
                    self._refuse_new_anomalies(touched, before)
                if self._store is not None:
                    self._store.append_events([entry[1] for entry in added])
            except BaseException:
                self._undo(added)
                raise
            self._pending = True
            return len(added)

    # -- answers ---------------------------------------------------------------------------

    def status(self, commitment: str, *, on: date, known_by: date | None = None) -> Status:
        """Where `commitment` stood on `on` (inclusive), from what was known by `known_by`."""
        day = _checks.ordinal("on", on)
        _check_known_by(known_by)
        self._refresh()
        self._require(commitment)
        return self._status(commitment, day, known_by)

    def snapshot(self, *, on: date, known_by: date | None = None) -> Mapping[str, Status]:
        """The status of every commitment on `on`, keyed by id in the order they were added."""
        day = _checks.ordinal("on", on)
        _check_known_by(known_by)
        self._refresh()
        with _collector_paused():
            return self._snapshot(day, known_by)

    def _snapshot(self, day: int, known_by: date | None) -> dict[str, Status]:
        rows = self._rows.get(known_by)
        if rows is None:
            view = self._fold_all(known_by)
            rows = [(cid, view[cid]) for cid in self._commitments]
            self._rows[known_by] = rows
        # The hot loop of a chart over many dates: one bisection and one index per
        # commitment, statuses built once and shared between dates.
        result = {
            cid: course.statuses[i] or course.status(i)
            for cid, course in rows
            for i in (bisect_right(course.points, day),)
        }
        # Risk comes last: a counterpart's stage on this day is already in the result.
        live, lapsed = self._engine.live, self._engine.lapsed
        for cid, others in self._counterparts.items():
            status = result[cid]
            if status.stage in live:
                risk = tuple(other for other in others if result[other].stage is lapsed)
                if risk:
                    result[cid] = attrs.evolve(status, at_risk_from=risk)
        return result

    def history(self, commitment: str, *, known_by: date | None = None) -> tuple[Transition, ...]:
        """Every dated step of `commitment`, with its evidence, in the order applied."""
        _check_known_by(known_by)
        self._refresh()
        self._require(commitment)
        return self._history(commitment, known_by)

    def timeline(self, *, known_by: date | None = None) -> tuple[Transition, ...]:
        """Every step of every commitment, in date order (ties in the order added)."""
        _check_known_by(known_by)
        self._refresh()
        order = {cid: i for i, cid in enumerate(self._commitments)}
        with _collector_paused():
            courses = self._replay(None, known_by, with_steps=True)
            steps = [t for course in courses for t in course.transitions()]
        steps.sort(key=lambda t: (t.on, order[t.commitment]))
        return tuple(steps)

    def anomalies(
        self, *, on: date | None = None, known_by: date | None = None
    ) -> tuple[Anomaly, ...]:
        """Events kept but out of place, dated on or before `on` (all when None)."""
        if on is not None:
            _checks.ordinal("on", on)
        _check_known_by(known_by)
        self._refresh()
        with _collector_paused():
            view = self._fold_all(known_by)
            found = [
                self._anomaly(course, index)
                for cid in self._commitments
                for course in (view[cid],)
                for index, (event, _, _) in enumerate(course.anomalies)
                if on is None or event.on <= on
            ]
        order = {cid: i for i, cid in enumerate(self._commitments)}
        found.sort(key=lambda a: (a.on, order[a.commitment]))
        return tuple(found)

    # -- internals -------------------------------------------------------------------------

    def _require(self, commitment: str) -> Commitment:
        try:
            return self._commitments[commitment]
        except (KeyError, TypeError):
            raise UnknownCommitment(commitment, known=list(self._commitments)) from None

    def _adopt_commitments(self, commitments: Iterable[Commitment]) -> None:
        for c in commitments:
            self._commitments[c.id] = c
            self._entries[c.id] = []
        for c in commitments:
            for link in c.links:
                self._counterparts.setdefault(c.id, {})[link.target] = None
                if link.kind is LinkKind.RECIPROCAL:
                    self._counterparts.setdefault(link.target, {})[c.id] = None
        self._rows.clear()

    def _take(self, events: Iterable[Event]) -> list[Entry]:
        """Take in the events not recorded yet; return their entries (to undo them).

        An event for an unknown commitment, or a different event under a recorded id, undoes
        what this call took in and raises. One pass, one hash lookup per event: bulk
        recording is the hot path.
        """
        entries = self._entries
        seen = self._seen
        named = self._named
        rank = self._shifted_rank
        # The sequence sits above the kind's bits in the key (see entry_key).
        seq = len(self._log) << SEQ_SHIFT
        step = 1 << SEQ_SHIFT
        added: list[Entry] = []
        append = added.append
        log = self._log.append
        try:
            for event in events:
                if type(event) is not Event and not isinstance(event, Event):
                    raise TypeError(
                        f"record() takes Event objects, got {event!r} ({type(event).__name__})"
                    )
                mine = entries.get(event.commitment)
                if mine is None:
                    raise UnknownCommitment(event.commitment, known=list(entries))
                on = event.on
                key = (event.commitment, event.kind, on)
                same = seen.get(key)
                if same is not None and (event in same if type(same) is list else same == event):
                    continue
                given = event._id
                if given is not None:
                    earlier = named.get(given)
                    if earlier is not None:
                        if earlier != event:
                            raise ConflictingEvent(given, recorded=earlier, offered=event)
                        continue
                    named[given] = event
                if same is None:
                    seen[key] = event
                elif isinstance(same, list):
                    same.append(event)
                else:
                    seen[key] = [same, event]
                # entry_key, inlined: this loop runs once per event recorded.
                entry = ((on.toordinal() << DAY_SHIFT) | rank[event.kind] | seq, event)
                seq += step
                mine.append(entry)
                append(entry)
                log(event)
        except BaseException:
            self._undo(added)
            raise
        if any(self._views.values()):
            self._invalidate({entry[1].commitment for entry in added})
        return added

    def _undo(self, added: list[Entry]) -> None:
        """Forget the entries `_take` returned (they are the last ones logged)."""
        dropped = {id(entry) for entry in added}
        touched: set[str] = set()
        for _key, event in added:
            touched.add(event.commitment)
            key = (event.commitment, event.kind, event.on)
            same = self._seen[key]
            if isinstance(same, list) and len(same) > 1:
                same.remove(event)
            else:
                del self._seen[key]
            if event._id is not None:
                del self._named[event._id]
        for cid in touched:
            self._entries[cid] = [e for e in self._entries[cid] if id(e) not in dropped]
        if added:
            del self._log[len(self._log) - len(added) :]
        self._invalidate(touched)

    def _invalidate(self, commitments: set[str]) -> None:
        self._rows.clear()
        for view in self._views.values():
            for cid in commitments:
                view.pop(cid, None)

    def _anomalous(self, commitments: Iterable[str]) -> set[Event]:
        return {a[0] for cid in commitments for a in self._course(cid, None).anomalies}

    def _refuse_new_anomalies(self, commitments: Iterable[str], before: set[Event]) -> None:
        for cid in commitments:
            course = self._course(cid, None)
            for index, (event, _stage, _state) in enumerate(course.anomalies):
                if event not in before:
                    anomaly = self._anomaly(course, index)
                    raise InvalidTransition(
                        f"{anomaly.message} (strict mode: nothing was recorded)",
                        event=event,
                        stage=anomaly.stage,
                        expected=anomaly.expected,
                    )

    def _view(self, known_by: date | None) -> dict[str, Course]:
        view = self._views.get(known_by)
        if view is None:
            if len(self._views) >= _VIEWS_KEPT:
                oldest = next(k for k in self._views if k is not None)
                del self._views[oldest]
                self._rows.pop(oldest, None)
            view = self._views[known_by] = {}
        return view

    def _course(self, commitment: str, known_by: date | None) -> Course:
        view = self._view(known_by)
        course = view.get(commitment)
        if course is None:
            course = view[commitment] = self._replay([commitment], known_by)[0]
        return course

    def _fold_all(self, known_by: date | None) -> dict[str, Course]:
        """The view for `known_by`, with every commitment folded (in one replay)."""
        view = self._view(known_by)
        if not view:  # everything to fold, as after a bulk record
            view.update(zip(self._commitments, self._replay(None, known_by), strict=True))
        else:
            missing = [cid for cid in self._commitments if cid not in view]
            if missing:
                view.update(zip(missing, self._replay(missing, known_by), strict=True))
        return view

    def _history(self, commitment: str, known_by: date | None) -> tuple[Transition, ...]:
        return self._replay([commitment], known_by, with_steps=True)[0].transitions()

    def _replay(
        self, commitments: list[str] | None, known_by: date | None, *, with_steps: bool = False
    ) -> list[Course]:
        """Fold the named commitments, or all of them (in the order added) when None."""
        pairs: Iterable[tuple[Commitment, list[Entry]]]
        if commitments is None:
            # Both dicts are in the order added: walking them side by side saves two
            # lookups per commitment.
            pairs = zip(self._commitments.values(), self._entries.values(), strict=True)
        else:
            pairs = ((self._commitments[cid], self._entries[cid]) for cid in commitments)
        logs = []
        for commitment, entries in pairs:
            # Recording appends; sorting here is cheap, as the list is mostly in order.
            entries.sort()
            if known_by is not None:
                entries = [e for e in entries if e[1].known_on <= known_by]
            logs.append((commitment, entries))
        return replay_many(
            logs, self._engine, through_machine=self._through_machine, with_steps=with_steps
        )

    def _status(self, commitment: str, day: int, known_by: date | None) -> Status:
        course = self._course(commitment, known_by)
        status = course.status(course.position(day))
        if commitment in self._counterparts and status.stage in self._engine.live:
            lapsed = self._engine.lapsed
            risk = tuple(
                other
                for other in self._counterparts[commitment]
                if self._course(other, known_by).stage_on(day) is lapsed
            )
            if risk:
                status = attrs.evolve(status, at_risk_from=risk)
        return status

    def _anomaly(self, course: Course, index: int) -> Anomaly:
        event, stage, state = course.anomalies[index]
        expected = self._engine.expected[stage]
        return Anomaly(
            event=event,
            stage=stage,
            expected=expected,
            message=_explain(self.lifecycle, event, course, state, expected),
        )

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """Run a change inside the store's write transaction (nothing to do in memory).

        Inside it, the tracker first takes in what other processes appended, so that checks
        see the whole log. If anything fails, the store rolls back and the tracker reloads
        from it, so memory never runs ahead of the file.
        """
        if self._store is None:
            yield
            return
        if self._write_depth:  # a change made inside another one joins its transaction
            self._write_depth += 1
            try:
                yield
            finally:
                self._write_depth -= 1
            return
        self._check_open()
        self._pending = False
        try:
            with self._store.transaction():
                self._refresh()
                # We hold the write lock and have read everything: no one else can append
                # until we are done, so reads inside need not look at the store again.
                self._write_depth = 1
                yield
        except BaseException:
            if self._pending:
                self._reload()
            raise
        finally:
            self._pending = False
            self._write_depth = 0

    def _refresh(self) -> None:
        """Take in what other writers added to the store since we last looked."""
        store = self._store
        if store is None or self._write_depth:
            return
        self._check_open()
        news = store.news()
        if not news.changed:
            return
        # Check the news against negotrack's own rules before taking any of it in: a file
        # edited by hand must not leave the tracker half-updated.
        known = set(self._commitments)
        for c in news.commitments:
            if c.id in known:
                raise store.damaged(f"commitment {c.id!r} is recorded twice")
            known.add(c.id)
        for c in news.commitments:
            for link in c.links:
                if link.target not in known:
                    raise store.damaged(f"commitment {c.id!r} links to unknown {link.target!r}")
        for e in news.events:
            if e.commitment not in known:
                raise store.damaged(f"an event names unknown commitment {e.commitment!r}")
        if news.scenario != self._scenario_text:  # parsed only when it changed
            self._scenario_text = news.scenario
            self._scenario = None if news.scenario is None else from_data(json.loads(news.scenario))
        self._adopt_commitments(news.commitments)
        if news.events:
            with _collector_paused():
                try:
                    self._take(news.events)
                except ConflictingEvent as err:
                    raise store.damaged(str(err)) from None
        store.acknowledge(news)

    def _attach(self, store: Recorder) -> None:
        """Back this (new, empty) tracker with `store`, and load what it holds."""
        assert not self._commitments, "attach a store to an empty tracker"
        self._store = store
        self._refresh()

    def _reload(self) -> None:
        """Forget memory and read the whole store again (after a write that failed late)."""
        assert self._store is not None
        self._clear()
        self._scenario_text = _UNSEEN
        self._store.rewind()
        self._refresh()

    def _check_open(self) -> None:
        if self._closed:
            assert self._store is not None
            raise StoreError(self._store.path, "the store is closed; open it again")


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
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


def _check_known_by(value: object) -> None:
    if value is not None:
        _checks.ordinal("known_by", value)


def _explain(
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
    stage, since_day, reason, inferred, *_ = course.states[state]
    since = date.fromordinal(since_day)
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
