"""Accounts: whose word each event is, indexed for the views that answer on one party's word.

An event gives a party's account when it names one (`Event.account`) or cites a source that
declares one (`Source.party`); every other event is neutral, part of every account. The
answer according to a party is the fold of the neutral events and that party's. Most
commitments have no party's event at all, and for them every account is the plain answer:
`Accounts` keeps, by place in the log's order, only the commitments that have some, with the
day and the report date of each party's events, so that a view on one party's word folds
again only the commitments with another party's events, and a status lists the parties'
accounts only where there are any. It is built when first asked for and patched when
commitments change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ._events import Event
from ._exceptions import InvalidValue
from ._log import EventLog
from ._scenario import Scenario

# For each party with events of one commitment: (day ordinal, known-on ordinal) of each.
Marks = dict[str, list[tuple[int, int]]]


class Accounts:
    """Which commitments have events of a party's account (see the module doc)."""

    def __init__(self, log: EventLog) -> None:
        self._log = log
        self._scenario: Scenario | None = log.scenario
        self._parties: dict[str, str] = _parties_of_sources(log.scenario)
        # place -> party -> marks; only places with some party's event. None: not built.
        self._marks: dict[int, Marks] | None = None
        self._size = 0  # how many commitments the index covers

    def party_of(self, event: Event) -> str | None:
        """The party whose account `event` gives, or None for a neutral event."""
        account = event.account
        if account is not None:
            return account
        source = event.source
        return None if source is None else self._parties.get(source)

    def current(self) -> bool:
        """False when the scenario changed which sources give whose account since made."""
        scenario = self._log.scenario
        if scenario is self._scenario:
            return True
        self._scenario = scenario
        return _parties_of_sources(scenario) == self._parties

    def marks(self, place: int) -> Marks | None:
        """The party events of the commitment at `place` (None without any)."""
        return self._build().get(place)

    def places(self) -> Mapping[int, Marks]:
        """Every place with a party's event, in the order added (read only)."""
        return self._build()

    def others(self, party: str) -> list[int]:
        """The places with an event of a party other than `party`, in order."""
        return [place for place, marks in self._build().items() if any(p != party for p in marks)]

    def changed(self, places: Iterable[int]) -> None:
        """Patch the index for `places`, and for commitments added or removed since."""
        if self._marks is None:
            return
        size = len(self._log.ids)
        todo = {place for place in places if place < size}
        todo.update(place for place in self._marks if place >= size)
        todo.update(range(self._size, size))
        for place in todo:
            self._marks.pop(place, None)
            if place < size:
                marks = self._marks_of(self._log.events_of(self._log.ids[place]))
                if marks:
                    self._marks[place] = marks
        self._marks = dict(sorted(self._marks.items()))
        self._size = size

    def _build(self) -> dict[int, Marks]:
        if self._marks is None:
            # One sweep picks the few events that can give an account (most have none), and
            # only their commitments are looked at: the index costs little when there are none.
            log, parties = self._log, self._parties
            if parties:
                picked = [e for e in log.events if e.account is not None or e.source in parties]
            else:
                picked = [e for e in log.events if e.account is not None]
            mine: dict[str, list[Event]] = {}
            for e in picked:
                mine.setdefault(e.commitment, []).append(e)
            position, found = log.position, {}
            for cid, events in mine.items():
                marks = self._marks_of(events)
                if marks:
                    found[position[cid]] = marks
            self._marks = dict(sorted(found.items()))
            self._size = len(log.ids)
        return self._marks

    def _marks_of(self, events: Iterable[Event]) -> Marks:
        marks: Marks = {}
        parties, party_of = self._parties, self.party_of
        for e in events:
            if e.account is None and (not parties or e.source not in parties):
                continue  # the usual event: neutral, decided without a call
            party = party_of(e)
            if party is not None:
                marks.setdefault(party, []).append((e.on.toordinal(), e.known_on.toordinal()))
        return self._ordered(marks)

    def _ordered(self, marks: Marks) -> Marks:
        """`marks` with the parties in the scenario's order, undeclared ones after, sorted."""
        if len(marks) < 2:
            return marks
        declared = list(self._log.scenario.parties) if self._log.scenario is not None else []
        rank = {party: i for i, party in enumerate(declared)}
        return dict(sorted(marks.items(), key=lambda item: (rank.get(item[0], len(rank)), item[0])))


def _parties_of_sources(scenario: Scenario | None) -> dict[str, str]:
    """The sources of `scenario` that give a party's account: key -> party."""
    if scenario is None:
        return {}
    return {key: s.party for key, s in scenario.sources.items() if s.party is not None}


def party_named(scenario: Scenario | None, according_to: object) -> str | None:
    """`according_to` checked: None, or a party's code (a declared one, if any are)."""
    if according_to is None:
        return None
    if not isinstance(according_to, str) or not according_to.strip():
        raise InvalidValue("according_to", according_to, "a party's code, such as 'US'")
    if scenario is not None and scenario.parties and according_to not in scenario.parties:
        declared = ", ".join(scenario.parties)
        raise InvalidValue(
            "according_to",
            according_to,
            "a declared party",
            message=f"according_to={according_to!r} is not a party of this scenario; "
            f"expected one of {declared}",
        )
    return according_to
