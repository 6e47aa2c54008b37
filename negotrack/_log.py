"""The event log: commitments, their events in recording order, and the indexes over them.

`EventLog` is the truth a tracker holds: what it was given, deduplicated and checked, in the
order it was recorded. It answers nothing about stages (that is `negotrack._views`'s fold)
and knows no store (that is the tracker's unit of work). Every change can be undone back to a
`mark`, so that a failed write leaves the log as it was.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import NamedTuple

from ._commitments import Commitment, LinkKind
from ._events import ConflictingEvent, Event
from ._exceptions import DuplicateCommitment, InvalidValue, UnknownCommitment, excerpt
from ._lifecycle import EventKind
from ._scenario import Scenario
from ._timeline import DAY_SHIFT, RANK_SHIFT, SEQ_SHIFT, Entry, entry_key

_SEQ_MASK = ((1 << (RANK_SHIFT - SEQ_SHIFT)) - 1) << SEQ_SHIFT  # the sequence bits of a key


class Mark(NamedTuple):
    """How far the log went at one moment (see `EventLog.mark`)."""

    commitments: int
    events: int
    scenario: Scenario | None


class EventLog:
    """Commitments and their events, deduplicated, in the order they were recorded."""

    def __init__(self, rank: Mapping[EventKind, int]) -> None:
        # Each kind's same-day rank and index, already in place in an entry's key.
        self._shifted_rank = {kind: entry_key(0, r, kind, 0) for kind, r in rank.items()}
        self.scenario: Scenario | None = None
        self.commitments: dict[str, Commitment] = {}
        # The commitments' ids in the order added, and each one's place in that order.
        self.ids: list[str] = []
        self.position: dict[str, int] = {}
        # Each commitment's report dates (ordinals), sorted: built when first asked for.
        self._known: dict[str, list[int]] = {}
        # The commitments each one is linked to, in the order declared (a dict as an ordered
        # set); only commitments with links have an entry.
        self.counterparts: dict[str, dict[str, None]] = {}
        # The commitments with a target, in the order added (a dict as an ordered set).
        self.targets: dict[str, None] = {}
        self._entries: dict[str, list[Entry]] = {}
        self.events: list[Event] = []
        # Recorded events by (commitment, kind, date): a tuple of three cached hashes is
        # cheaper to look up than a whole event. The value is the event, or the set of
        # events when several share the key (a set: deduplication stays one hash lookup
        # however many reports of one kind a day brings).
        self._seen: dict[tuple[str, EventKind, date], Event | set[Event]] = {}
        self._named: dict[str, Event] = {}

    # -- reading --------------------------------------------------------------------------

    def require(self, commitment: object) -> Commitment:
        """The commitment with id `commitment`, or `UnknownCommitment`."""
        try:
            return self.commitments[commitment]  # type: ignore[index]
        except (KeyError, TypeError):
            raise UnknownCommitment(commitment, known=list(self.commitments)) from None

    def known(self, commitment: str) -> list[int]:
        """The dates its events became known (ordinals), sorted; the known-by index."""
        found = self._known.get(commitment)
        if found is None:
            found = self._known[commitment] = sorted(
                event.known_on.toordinal() for _, event in self._entries[commitment]
            )
        return found

    def entries(self, commitment: str, known_by: date | None = None) -> list[Entry]:
        """The entries of `commitment` in the order they apply (those known by `known_by`)."""
        entries = self._entries[commitment]
        # Recording appends; sorting here is cheap, as the list is mostly in order.
        entries.sort()
        if known_by is None:
            return entries
        return [entry for entry in entries if entry[1].known_on <= known_by]

    def events_of(self, commitment: str) -> tuple[Event, ...]:
        """The events of `commitment`, in recording order: O(its events)."""
        entries = self._entries[commitment]
        return tuple(event for _, event in sorted(entries, key=lambda e: e[0] & _SEQ_MASK))

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
            self._entries[c.id] = []
            if c.target is not None:
                self.targets[c.id] = None
            for link in c.links:
                self.counterparts.setdefault(c.id, {})[link.target] = None
                if link.kind is LinkKind.RECIPROCAL:
                    self.counterparts.setdefault(link.target, {})[c.id] = None
        return list(batch.values())

    def take(self, events: Iterable[Event]) -> list[Event]:
        """Take in the events not recorded yet, all or none; return them.

        An event for an unknown commitment, or a different event under a recorded id, undoes
        what this call took in and raises. One pass, one hash lookup per event: bulk
        recording is the hot path.
        """
        entries = self._entries
        seen = self._seen
        named = self._named
        rank = self._shifted_rank
        # The sequence sits above the kind's bits in the key (see entry_key).
        seq = len(self.events) << SEQ_SHIFT
        step = 1 << SEQ_SHIFT
        start = len(self.events)
        log = self.events.append
        known = self._known
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
                mine = entries.get(event.commitment)
                if mine is None:
                    raise UnknownCommitment(event.commitment, known=list(entries))
                if event.kind is measured:
                    self._check_measure(event)
                on = event.on
                key = (event.commitment, event.kind, on)
                same = seen.get(key)
                if same is not None and (event in same if type(same) is set else same == event):
                    continue
                given = event.given_id
                if given is not None:
                    earlier = named.get(given)
                    if earlier is not None:
                        if earlier != event:
                            raise ConflictingEvent(given, recorded=earlier, offered=event)
                        continue
                    named[given] = event
                if same is None:
                    seen[key] = event
                elif isinstance(same, set):
                    same.add(event)
                else:
                    seen[key] = {same, event}
                # entry_key, inlined: this loop runs once per event recorded.
                mine.append(((on.toordinal() << DAY_SHIFT) | rank[event.kind] | seq, event))
                known.pop(event.commitment, None)
                seq += step
                log(event)
        except BaseException:
            self._drop_events(start)
            raise
        return self.events[start:]

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
            del self._entries[cid]
            del self.position[cid]
            self.ids.pop()
            self.targets.pop(cid, None)
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
        """Forget the events logged from position `start` on (the last ones)."""
        dropped = self.events[start:]
        for event in dropped:
            key = (event.commitment, event.kind, event.on)
            same = self._seen[key]
            if type(same) is set and len(same) > 1:
                same.discard(event)
            else:
                del self._seen[key]
            if event.given_id is not None:
                del self._named[event.given_id]
        first = start << SEQ_SHIFT
        for cid in {event.commitment for event in dropped}:
            self._entries[cid] = [e for e in self._entries[cid] if e[0] & _SEQ_MASK < first]
            self._known.pop(cid, None)
        del self.events[start:]
