"""Knowledge: when each commitment's events became known, indexed for known-by views.

A view as known by R differs from the full view only for the commitments with an event
reported after R; for every other one it is the full view's course. `Knowledge` keeps, for
each commitment (by its place in the log's order), the first and the last date its events
became known, and every commitment sorted by that last date, so that the commitments a view
must fold again are one bisection away. It is built when first asked for and patched when
commitments change, never rebuilt for one record.
"""

from __future__ import annotations

from bisect import bisect_right, insort
from collections.abc import Iterable

from ._log import EventLog

_PLACE_BITS = 32  # a place in the sorted index: up to four billion commitments
_PLACE_MASK = (1 << _PLACE_BITS) - 1


class Knowledge:
    """The first and last report date of each commitment's events (see the module doc)."""

    def __init__(self, log: EventLog) -> None:
        self._log = log
        # Aligned with the log's places: the first and the last ordinal its events became
        # known (0 and 0 without events: nothing to wait for).
        self._first: list[int] | None = None
        self._last: list[int] = []
        # Every place packed with its last ordinal (``last << 32 | place``), sorted.
        self._order: list[int] = []

    def changed(self, places: Iterable[int]) -> None:
        """Patch the index for `places`, and for commitments added or removed since."""
        if self._first is None:
            return  # not built yet
        size = len(self._log.ids)
        while len(self._last) > size:  # commitments rolled back
            self._remove(len(self._last) - 1)
            self._first.pop()
            self._last.pop()
        todo = {place for place in places if place < size}
        todo.update(range(len(self._last), size))
        for place in sorted(todo):
            first, last = self._bounds(place)
            if place < len(self._last):
                self._remove(place)
                self._first[place], self._last[place] = first, last
            else:
                self._first.append(first)
                self._last.append(last)
            insort(self._order, last << _PLACE_BITS | place)

    def later(self, limit: int) -> list[int]:
        """The places of the commitments with an event known after `limit` (an ordinal)."""
        self._build()
        start = bisect_right(self._order, limit << _PLACE_BITS | _PLACE_MASK)
        return [key & _PLACE_MASK for key in self._order[start:]]

    def bounds(self) -> tuple[list[int], list[int]]:
        """The first and the last ordinal each commitment's events became known, by place.

        A commitment without events has 0 and 0. The lists are the index's own: read only.
        """
        self._build()
        assert self._first is not None
        return self._first, self._last

    def _build(self) -> None:
        if self._first is not None:
            return
        bounds = [self._bounds(place) for place in range(len(self._log.ids))]
        self._first = [first for first, _ in bounds]
        self._last = [last for _, last in bounds]
        self._order = sorted(last << _PLACE_BITS | place for place, last in enumerate(self._last))

    def _bounds(self, place: int) -> tuple[int, int]:
        events = self._log.events_of(self._log.ids[place])
        if not events:
            return 0, 0
        known = [(e.reported or e.on).toordinal() for e in events]  # `Event.known_on`, inlined
        return min(known), max(known)

    def _remove(self, place: int) -> None:
        key = self._last[place] << _PLACE_BITS | place
        index = bisect_right(self._order, key) - 1
        assert self._order[index] == key
        del self._order[index]
