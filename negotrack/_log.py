"""The event log: commitments, their events in recording order, and the indexes over them.

`EventLog` is the truth a tracker holds: what it was given, deduplicated and checked, in the
order it was recorded. It answers nothing about stages (that is `negotrack._views`'s fold)
and knows no store (that is the tracker's unit of work). Every change can be undone back to a
`mark`, so that a failed write leaves the log as it was.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date
from typing import NamedTuple

from ._commitments import Commitment, LinkKind
from ._events import ConflictingEvent, Event
from ._exceptions import DuplicateCommitment, InvalidValue, UnknownCommitment, excerpt
from ._lifecycle import EventKind
from ._scenario import Scenario

# A commitment with more events than this gets an index by date for deduplication; below it,
# scanning its events is cheaper than keeping an index (most commitments have a handful).
_SCAN = 8


class Mark(NamedTuple):
    """How far the log went at one moment (see `EventLog.mark`)."""

    commitments: int
    events: int
    scenario: Scenario | None


class EventLog:
    """Commitments and their events, deduplicated, in the order they were recorded."""

    def __init__(self) -> None:
        self.scenario: Scenario | None = None
        self.commitments: dict[str, Commitment] = {}
        # The commitments' ids in the order added, and each one's place in that order.
        self.ids: list[str] = []
        self.position: dict[str, int] = {}
        # The commitments each one is linked to, in the order declared (a dict as an ordered
        # set); only commitments with links have an entry.
        self.counterparts: dict[str, dict[str, None]] = {}
        # The commitments with a target, in the order added (a dict as an ordered set).
        self.targets: dict[str, None] = {}
        # The parts of each whole, by the whole's id, in the order added (ordered sets); only
        # a whole has an entry, so that a log without parts pays nothing for them.
        self.parts: dict[str, dict[str, None]] = {}
        # Every event in recording order, and each commitment's in recording order.
        self.events: list[Event] = []
        self._mine: dict[str, list[Event]] = {}
        # Deduplication: equal events share their commitment and date, so a commitment's
        # events are scanned, or, past _SCAN of them, looked up by date (a list of the
        # events of that date, a set once there are many).
        self._by_date: dict[str, dict[date, list[Event] | set[Event]]] = {}
        self._named: dict[str, Event] = {}

    # -- reading --------------------------------------------------------------------------

    def require(self, commitment: object) -> Commitment:
        """The commitment with id `commitment`, or `UnknownCommitment`."""
        try:
            return self.commitments[commitment]  # type: ignore[index]
        except (KeyError, TypeError):
            raise UnknownCommitment(commitment, known=list(self.commitments)) from None

    def events_of(self, commitment: str) -> list[Event]:
        """The events of `commitment`, in recording order (the log's own list: read only)."""
        return self._mine[commitment]

    def mark(self) -> Mark:
        """Where the log stands now, to `rollback` to."""
        return Mark(len(self.commitments), len(self.events), self.scenario)

    # -- changing it ----------------------------------------------------------------------

    def add(self, commitments: Sequence[Commitment]) -> list[Commitment]:
        """Take in new commitments, all or none; return those that were not there yet.

        A commitment identical to one already tracked is skipped; a different one under a
        known id raises `DuplicateCommitment`. A link may name a commitment added earlier or
        in the same call; a link to an unknown id raises `UnknownCommitment`.
        """
        batch: dict[str, Commitment] = {}
        for c in commitments:
            if not isinstance(c, Commitment):
                raise InvalidValue(
                    "commitments",
                    c,
                    "Commitment objects",
                    message=f"add() takes Commitment objects, got {excerpt(c)} "
                    f"({type(c).__name__})",
                )
            known = self.commitments.get(c.id, batch.get(c.id))
            if known is not None:
                if known != c:
                    raise DuplicateCommitment(c.id)
                continue
            batch[c.id] = c
        for c in batch.values():
            for link in c.links:
                if link.target not in self.commitments and link.target not in batch:
                    raise UnknownCommitment(link.target, known=[*self.commitments, *batch])
        for c in batch.values():
            self.commitments[c.id] = c
            self.position[c.id] = len(self.ids)
            self.ids.append(c.id)
            self._mine[c.id] = []
            if c.target is not None:
                self.targets[c.id] = None
            if c.part_of is not None:
                self.parts.setdefault(c.part_of, {})[c.id] = None
            for link in c.links:
                self.counterparts.setdefault(c.id, {})[link.target] = None
                if link.kind is LinkKind.RECIPROCAL:
                    self.counterparts.setdefault(link.target, {})[c.id] = None
        return list(batch.values())

    def take(self, events: Iterable[Event], *, trusted: bool = False) -> list[Event]:
        """Take in the events not recorded yet, all or none; return them.

        An event for an unknown commitment, or a different event under a recorded id, undoes
        what this call took in and raises. `trusted` events (a store's, written by negotrack
        and verified) are known to be new and checked: they are only indexed. One pass:
        bulk recording is the hot path.
        """
        mine_of = self._mine
        named = self._named
        by_date = self._by_date
        start = len(self.events)
        log = self.events.append
        measured = EventKind.MEASURED
        try:
            for event in events:
                if type(event) is not Event and not isinstance(event, Event):
                    raise InvalidValue(
                        "events",
                        event,
                        "Event objects",
                        message=f"record() takes Event objects, got {excerpt(event)} "
                        f"({type(event).__name__})",
                    )
                cid = event.commitment
                mine = mine_of.get(cid)
                if mine is None:
                    raise UnknownCommitment(cid, known=list(mine_of))
                given = event.given_id
                if not trusted:
                    if event.kind is measured:
                        self._check_measure(event)
                    index = by_date.get(cid)
                    if index is None:
                        on = event.on
                        for other in mine:
                            if other.on == on and other == event:
                                break
                        else:
                            other = None
                        if other is not None:
                            continue
                    else:
                        same = index.get(event.on)
                        if same is not None and event in same:
                            continue
                    if given is not None:
                        earlier = named.get(given)
                        if earlier is not None:
                            if earlier != event:
                                raise ConflictingEvent(given, recorded=earlier, offered=event)
                            continue
                if given is not None:
                    named[given] = event
                mine.append(event)
                if len(mine) > _SCAN:
                    self._index(cid, mine, event)
                log(event)
        except BaseException:
            self._drop_events(start)
            raise
        return self.events[start:]

    def _index(self, cid: str, mine: list[Event], event: Event) -> None:
        """Index `event`, the last of `cid`'s events, by date (all of them, the first time)."""
        index = self._by_date.get(cid)
        if index is None:
            index = self._by_date[cid] = {}
            added: Iterable[Event] = mine
        else:
            added = (event,)
        for e in added:
            same = index.get(e.on)
            if same is None:
                index[e.on] = [e]
            elif isinstance(same, list):
                same.append(e)
                if len(same) > _SCAN:
                    index[e.on] = set(same)
            else:
                same.add(e)

    def _check_measure(self, event: Event) -> None:
        """A measurement must name a commitment with a target, in the target's unit."""
        target = self.commitments[event.commitment].target
        if target is None:
            raise InvalidValue(
                "commitment",
                event.commitment,
                "a commitment with a target",
                message=f"a 'measured' event reports a delivery against a target, and "
                f"{event.commitment!r} has none; give the commitment a target, or record "
                "another kind of event",
            )
        if event.unit is not None and event.unit != target.unit:
            raise InvalidValue(
                "unit",
                event.unit,
                f"the target's unit {target.unit!r}",
                message=f"a 'measured' event of {event.commitment!r} is in {event.unit!r}, but "
                f"its target is in {target.unit!r}; convert it, or leave the unit out",
            )

    def rollback(self, mark: Mark) -> set[str]:
        """Undo everything after `mark`; return the ids of the commitments it touched."""
        touched = {event.commitment for event in self.events[mark.events :]}
        self._drop_events(mark.events)
        while len(self.commitments) > mark.commitments:
            cid, c = self.commitments.popitem()
            touched.add(cid)
            del self._mine[cid]
            self._by_date.pop(cid, None)
            del self.position[cid]
            self.ids.pop()
            self.targets.pop(cid, None)
            if c.part_of is not None:
                parts = self.parts[c.part_of]
                del parts[cid]
                if not parts:
                    del self.parts[c.part_of]
            self.counterparts.pop(cid, None)
            for link in c.links:
                others = self.counterparts.get(link.target)
                if others is not None:
                    others.pop(cid, None)
                    if not others:
                        del self.counterparts[link.target]
        self.scenario = mark.scenario
        return touched

    def _drop_events(self, start: int) -> None:
        """Forget the events logged from position `start` on.

        They are the last ones of each of their commitments: events are only ever appended.
        """
        dropped = self.events[start:]
        for event in dropped:
            if event.given_id is not None:
                del self._named[event.given_id]
            index = self._by_date.get(event.commitment)
            if index is not None:
                same = index[event.on]
                if isinstance(same, list):
                    same.remove(event)
                else:
                    same.discard(event)
                if not same:
                    del index[event.on]
        for cid, count in Counter(event.commitment for event in dropped).items():
            mine = self._mine[cid]
            del mine[len(mine) - count :]
            if len(mine) <= _SCAN:
                self._by_date.pop(cid, None)
        del self.events[start:]
