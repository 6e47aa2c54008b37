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
import functools
from collections.abc import Iterable, Iterator, Mapping

from . import _notebook
from ._answers import Answers
from ._collector import collector_paused
from ._commitments import Commitment
from ._engine import firing
from ._events import Event, InvalidTransition
from ._exceptions import InvalidValue
from ._lifecycle import LIFECYCLE, Lifecycle
from ._lifecycles import LIFECYCLES, Engines
from ._log import EventLog
from ._recorder import Recorder
from ._scenario import Scenario, refuse_undeclared_sources
from ._session import Session, Write
from ._views import Views


class Tracker(Answers):
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
        self._log = EventLog()
        # Not the bound method self._named: a tracker in a reference cycle is freed only by
        # the cyclic collector, which then walks everything it holds (+10% instructions on
        # the scale workload's replay, most of it at exit).
        self._engines = Engines(
            lifecycle, functools.partial(_named, self._log, self._lifecycles), fire=firing()
        )
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
        return _known(self._log, self._lifecycles)

    def lifecycle_of(self, commitment: str) -> Lifecycle:
        """The lifecycle that `commitment` follows."""
        self._session.refresh()
        return self._engines.of(self._log.require(commitment)).lifecycle

    def _named(self, name: str) -> Lifecycle:
        return _named(self._log, self._lifecycles, name)

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

    def _repr_html_(self) -> str:
        """The tracker in a notebook: each commitment as it stands on its last event's date.

        No clock is read: the date is the latest event's, with everything recorded. With
        matplotlib (the ``[report]`` extra), the timeline up to that date comes first, as
        inline SVG, for a tracker of at most 40 commitments (more would be a tall chart and a
        slow repr; `negotrack.plot.timelines` draws them in pages).
        """
        return _notebook.tracker(self)

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
        try:  # no isinstance per commitment: most name no lifecycle
            named = [c for c in commitments if c.lifecycle is not None]
        except Exception:  # not all are commitments (refused below): check each
            named = list(commitments)
        for c in named:
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
            refuse_undeclared_sources(self._log.scenario, events)
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


def _known(log: EventLog, own: Mapping[str, Lifecycle]) -> dict[str, Lifecycle]:
    """`Tracker.lifecycles` of a tracker with `log` and its own lifecycles `own`."""
    scenario = log.scenario
    declared = {} if scenario is None else scenario.lifecycles
    return {**LIFECYCLES, **declared, **own}


def _named(log: EventLog, own: Mapping[str, Lifecycle], name: str) -> Lifecycle:
    """The lifecycle named `name` of a tracker with `log` and its own lifecycles `own`."""
    known = _known(log, own)
    if name not in known:
        raise InvalidValue(
            "lifecycle",
            name,
            "the name of a declared lifecycle",
            message=f"no lifecycle is named {name!r}; name one of {', '.join(known)}, or "
            "declare it (Tracker(lifecycles=...), or lifecycles: in the scenario file)",
        )
    return known[name]
