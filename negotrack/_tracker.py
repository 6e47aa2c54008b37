"""The tracker: commitments, their dated events, and the answers derived from them.

`Tracker` is a facade over three parts: the event log (`negotrack._log`), the folded views
(`negotrack._views`) and the session that keeps the log in step with a store, if it has one
(`negotrack._session`). It owns the public API and the strict policy. Answers do not depend on the
order in which events were recorded (except that events of one commitment, date and kind apply
in recording order, as the lifecycle contract says), and nothing depends on the wall clock:
every question carries its own date.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, timedelta

from . import _changes, _checks
from ._changes import Change, Due, Revision
from ._commitments import Commitment
from ._engine import firing
from ._events import Event, InvalidTransition
from ._exceptions import InvalidValue
from ._lifecycle import LIFECYCLE, Lifecycle
from ._lifecycles import LIFECYCLES, Engines
from ._log import EventLog
from ._recorder import Recorder
from ._scenario import Scenario
from ._session import Session, Write
from ._timeline import Anomaly, Status, Transition, collector_paused
from ._views import Views


class Tracker:
    """Commitments and their dated events, with as-of and known-by answers.

    By default an event that does not fit the lifecycle is kept and reported by `anomalies`;
    with ``strict=True``, recording it raises `InvalidTransition` and changes nothing.
    `lifecycle` defaults to `LIFECYCLE`: it is the lifecycle of the commitments that name none.
    One that names a lifecycle (``Commitment(..., lifecycle="treaty")``) follows one of
    `lifecycles`, or of its scenario's, or a built-in (`LIFECYCLES`), found by name in that
    order. A tracker made by `negotrack.open` is backed by a
    store (its `recorder`): every change is written there before it returns, and every
    question first takes in what other processes appended.

    A tracker caches its answers and is not meant to be shared between threads without a
    lock; processes sharing a store each open their own.
    """

    def __init__(
        self,
        *,
        strict: bool = False,
        lifecycle: Lifecycle = LIFECYCLE,
        scenario: Scenario | None = None,
        recorder: Recorder | None = None,
        lifecycles: Iterable[Lifecycle] = (),
    ) -> None:
        if not isinstance(lifecycle, Lifecycle):
            raise InvalidValue("lifecycle", lifecycle, "a Lifecycle, such as negotrack.LIFECYCLE")
        own = tuple(lifecycles) if isinstance(lifecycles, Iterable) else (lifecycles,)
        for each in own:
            if not isinstance(each, Lifecycle):
                raise InvalidValue("lifecycles", each, "Lifecycle objects, such as nt.TREATY")
        self._lifecycles = {each.name: each for each in own}
        self._strict = bool(strict)
        self._engines = Engines(lifecycle, self._named, fire=firing())
        self._log = EventLog()
        self._views = Views(self._log, self._engines)
        self._session = Session(self._log, self._views, recorder)
        if scenario is not None:
            self.scenario = scenario
        self._session.refresh()

    # -- what the tracker holds ------------------------------------------------------------

    @property
    def scenario(self) -> Scenario | None:
        """What the tracker's data describes (id, title, parties, sources), if known."""
        self._session.refresh()
        return self._log.scenario

    @scenario.setter
    def scenario(self, scenario: Scenario | None) -> None:
        if scenario is not None and not isinstance(scenario, Scenario):
            raise InvalidValue("scenario", scenario, "a Scenario or None")

        def change(records: list[Write]) -> None:
            self._log.scenario = scenario
            self._engines.forget()
            records.append(("scenario", scenario, None))

        self._session.write(change)

    @property
    def strict(self) -> bool:
        """True when anomalies raise instead of being kept."""
        return self._strict

    @property
    def lifecycle(self) -> Lifecycle:
        """The lifecycle the tracker applies to the commitments that name none."""
        return self._engines.default.lifecycle

    @property
    def lifecycles(self) -> Mapping[str, Lifecycle]:
        """Every lifecycle a commitment may name, by name.

        The tracker's own win over its scenario's, which win over the built-ins.
        """
        scenario = self._log.scenario
        declared = {} if scenario is None else scenario.lifecycles
        return {**LIFECYCLES, **declared, **self._lifecycles}

    def lifecycle_of(self, commitment: str) -> Lifecycle:
        """The lifecycle that `commitment` follows."""
        self._session.refresh()
        return self._engines.of(self._log.require(commitment)).lifecycle

    def _named(self, name: str) -> Lifecycle:
        known = self.lifecycles
        if name not in known:
            raise InvalidValue(
                "lifecycle",
                name,
                "the name of a declared lifecycle",
                message=f"no lifecycle is named {name!r}; name one of {', '.join(known)}, or "
                "declare it (Tracker(lifecycles=...), or lifecycles: in the scenario file)",
            )
        return known[name]

    @property
    def location(self) -> str | None:
        """Where the tracker's store is (a path, or a URL without its password), or None."""
        recorder = self._session.recorder
        return None if recorder is None else recorder.location

    def __repr__(self) -> str:
        where = "" if self.location is None else f", store={self.location!r}"
        return (
            f"<Tracker {len(self._log.commitments)} commitments, {len(self._log.events)} events"
            f"{', strict' if self._strict else ''}{where}>"
        )

    def __len__(self) -> int:
        self._session.refresh()
        return len(self._log.commitments)

    def __contains__(self, commitment: object) -> bool:
        self._session.refresh()
        try:
            return commitment in self._log.commitments
        except TypeError:  # unhashable: no commitment has such an id
            return False

    def commitments(self) -> tuple[Commitment, ...]:
        """Every commitment, in the order they were added."""
        self._session.refresh()
        return tuple(self._log.commitments.values())

    def commitment(self, commitment: str) -> Commitment:
        """The commitment with id `commitment`."""
        self._session.refresh()
        return self._log.require(commitment)

    def events(self, commitment: str | None = None) -> tuple[Event, ...]:
        """Every recorded event (of one commitment, if named), in recording order."""
        self._session.refresh()
        if commitment is None:
            return tuple(self._log.events)
        return tuple(self._log.events_of(self._log.require(commitment).id))

    # -- changing it -----------------------------------------------------------------------

    def add(self, *commitments: Commitment) -> None:
        """Track new commitments; all of them or none.

        Adding a commitment identical to one already tracked changes nothing (so adding is
        safe to repeat, and safe under concurrent writers); a different commitment under a
        tracked id raises `DuplicateCommitment`. A link may name a commitment added earlier
        or in the same call; a link to an unknown id raises `UnknownCommitment`.
        """
        for c in commitments:
            if isinstance(c, Commitment) and c.lifecycle is not None:
                self._named(c.lifecycle)

        def change(records: list[Write]) -> None:
            new = self._log.add(commitments)
            self._views.changed(c.id for c in new)
            records.extend(("commitment", c, None) for c in new)

        self._session.write(change)

    def record(self, *events: Event) -> int:
        """Record events, in any order; return how many were new.

        Recording an event already recorded (equal, or under the same given id) is a no-op; a
        different event under a recorded id raises `ConflictingEvent`. An event for an unknown
        commitment raises `UnknownCommitment`. In strict mode an event that leaves any event
        out of place raises `InvalidTransition`. Either all the events are recorded or none.
        """

        def change(records: list[Write]) -> int:
            if self._strict:
                # In the order the events name them: the first anomaly reported is the
                # same whatever else the tracker holds.
                touched = list(
                    dict.fromkeys(
                        e.commitment
                        for e in events
                        if isinstance(e, Event) and e.commitment in self._log.commitments
                    )
                )
                before = self._views.anomalous(touched)
            added = self._log.take(events)
            self._views.changed_by(added)
            if self._strict and added:
                anomaly = self._views.new_anomaly(touched, before)
                if anomaly is not None:
                    raise InvalidTransition(
                        f"{anomaly.message} (strict mode: nothing was recorded)",
                        event=anomaly.event,
                        stage=anomaly.stage,
                        expected=anomaly.expected,
                    )
            if self._session.recorder is not None:  # an in-memory tracker keeps no records
                records.extend(("event", e, e.given_id) for e in added)
            return len(added)

        with collector_paused():
            return self._session.write(change)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Tracker]:
        """Make the changes inside one unit: written together at the end, or not at all.

        Inside the block, answers include the changes made so far, and come from one state
        of the store (what others append is taken in after the block). If the block raises,
        nothing of it is kept. A tracker with a store appends everything in one transaction
        at the end; if another process wrote to the store meanwhile, nothing is written and
        `StoreBusy` is raised: run the block again (it sees what the other process wrote).
        A transaction inside another one joins it.
        """
        with self._session.transaction():
            yield self

    def refresh(self, *, wait: float = 0.0) -> bool:
        """Take in what other processes appended to the store; True if there was anything.

        Every question does this by itself; call it to learn of news without asking. With
        `wait`, block up to that many seconds until another writer appends (a PostgreSQL
        store is told at once, through LISTEN/NOTIFY; an SQLite store checks a few times a
        second). An in-memory tracker has no news.
        """
        if isinstance(wait, bool) or not isinstance(wait, (int, float)) or not wait >= 0:
            raise InvalidValue("wait", wait, "a number of seconds, 0 or more")
        return self._session.wait(wait)

    def close(self) -> None:
        """Close the tracker's store, if it has one; an in-memory tracker stays usable."""
        self._session.close()

    def __enter__(self) -> Tracker:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- answers ---------------------------------------------------------------------------

    def status(self, commitment: str, *, on: date, known_by: date | None = None) -> Status:
        """Where `commitment` stood on `on` (inclusive), from what was known by `known_by`."""
        day = _checks.ordinal("on", on)
        _check_known_by(known_by)
        self._session.refresh()
        return self._views.status(self._log.require(commitment).id, day, known_by)

    def snapshot(self, *, on: date, known_by: date | None = None) -> Mapping[str, Status]:
        """The status of every commitment on `on`, keyed by id in the order they were added."""
        day = _checks.ordinal("on", on)
        _check_known_by(known_by)
        self._session.refresh()
        with collector_paused():
            return self._views.snapshot(day, known_by)

    def snapshots(
        self, dates: Iterable[date], *, known_by: date | None = None
    ) -> dict[date, Mapping[str, Status]]:
        """The snapshot of each of `dates`, keyed by date in ascending order.

        Each answer equals `snapshot(on=day, known_by=known_by)`; asking for many dates at once
        is one sweep over the commitments' change points instead of one lookup per
        commitment and date, which is what a chart or a daily series wants.
        """
        if isinstance(dates, (date, str)) or not isinstance(dates, Iterable):
            raise InvalidValue(
                "dates",
                dates,
                "an iterable of datetime.date",
                message=f"dates must be an iterable of datetime.date, not "
                f"{type(dates).__name__}; for one date, use snapshot(on=...)",
            )
        days = sorted({_checks.ordinal("dates", day) for day in dates})
        _check_known_by(known_by)
        self._session.refresh()
        with collector_paused():
            found = self._views.snapshots(days, known_by)
        return {date.fromordinal(day): answer for day, answer in zip(days, found, strict=True)}

    def history(self, commitment: str, *, known_by: date | None = None) -> tuple[Transition, ...]:
        """Every dated step of `commitment`, with its evidence, in the order applied."""
        _check_known_by(known_by)
        self._session.refresh()
        return self._views.history(self._log.require(commitment).id, known_by)

    def timeline(self, *, known_by: date | None = None) -> tuple[Transition, ...]:
        """Every step of every commitment, in date order (ties in the order added)."""
        _check_known_by(known_by)
        self._session.refresh()
        return self._views.timeline(known_by)

    def changes(
        self, since: date, until: date, *, known_by: date | None = None
    ) -> tuple[Change, ...]:
        """What changed in `(since, until]`, in date order.

        Every stage change, with its step and evidence, and every commitment that became or
        stopped being at risk.
        """
        _checks.ordinal("since", since)
        _checks.ordinal("until", until)
        _check_known_by(known_by)
        self._session.refresh()
        return _changes.changes(self._log, self._views, since, until, known_by)

    def revisions(
        self, before: date, after: date, *, on: date | None = None
    ) -> tuple[Revision, ...]:
        """What the reports that became known in `(before, after]` changed in the record.

        For each commitment whose answer known by `before` differs from the one known by
        `after`: on `on` when given, else the first date the two records disagree.
        """
        _checks.ordinal("before", before)
        _checks.ordinal("after", after)
        if on is not None:
            _checks.ordinal("on", on)
        self._session.refresh()
        return _changes.revisions(self._log, self._views, before, after, on)

    def due(self, on: date, within: int | timedelta = 90) -> tuple[Due, ...]:
        """Deadlines, expiries and target period ends in `(on, on + within]` (days).

        In date order, each with what happens if nothing more is reported after `on`.
        """
        _checks.ordinal("on", on)
        days = within.days if isinstance(within, timedelta) else within
        if isinstance(days, bool) or not isinstance(days, int) or days < 0:
            raise InvalidValue(
                "within", within, "a number of days (an int or a timedelta), 0 or more"
            )
        self._session.refresh()
        return _changes.due(self._log, self._views, on, days)

    def anomalies(
        self, *, on: date | None = None, known_by: date | None = None
    ) -> tuple[Anomaly, ...]:
        """Events kept but out of place, dated on or before `on` (all when None)."""
        if on is not None:
            _checks.ordinal("on", on)
        _check_known_by(known_by)
        self._session.refresh()
        return self._views.anomalies(on, known_by)


def _check_known_by(value: object) -> None:
    if value is not None:
        _checks.ordinal("known_by", value)
