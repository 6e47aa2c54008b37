"""The store seam: a recorder keeps a tracker's records, in one order, for every reader.

A recorder is small and one-directional, in the style of eventsourcing's recorders: the
tracker appends a batch of records in one transaction and selects what comes after a
position; the recorder never calls back, and keeps no reader's position (the tracker owns its
cursor). Records are already encoded (`negotrack._codec` makes and checks them), so a
recorder stores and returns text: it needs to know nothing about commitments or events.
Beside the records it keeps packs, the same records again in bulk (`negotrack._packs`): a
cache it may refuse to keep, never the truth.

Every recorder passes the same contract suite (`tests/test_contract.py`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple, Protocol

from ._exceptions import StoreBusy


class Stored(NamedTuple):
    """One record as a store keeps it.

    `kind` is ``scenario``, ``commitment`` or ``event``; `id` the commitment's or event's id
    (None for a scenario record); `payload` JSON text; `digest` the codec's checksum (None for
    an event whose id is itself the digest of its payload). `position` is where the record
    stands in the store's one order (0 until it is stored).
    """

    kind: str
    id: str | None
    payload: str
    digest: str | None
    position: int = 0


class Pack(NamedTuple):
    """Records kept again in bulk: all those at positions `first` to `last` (`negotrack._packs`).

    `anchor` names the record at `last` as the store keeps it; `body` is JSON text; `digest`
    a SHA-256 digest of the whole pack (`negotrack._packs`).
    """

    first: int
    last: int
    anchor: str
    body: str
    digest: str

    @classmethod
    def of(cls, row: Sequence[object] | None) -> Pack | None:
        """The pack a store's row holds, or None for no row or one of the wrong shape."""
        if row is None or len(row) != 5:
            return None
        first, last, *text = row
        if type(first) is not int or type(last) is not int or not 0 < first <= last:
            return None
        if not all(type(t) is str for t in text):
            return None
        return cls(first, last, *text)  # type: ignore[arg-type]


class Stale(StoreBusy):
    """Another writer appended since the position a batch was checked against.

    Nothing was written; the tracker reads what was appended, checks its batch again, and
    retries.
    """


class Recorder(Protocol):
    """Where a tracker keeps its records (see the module docstring)."""

    @property
    def location(self) -> str:
        """What to name in messages: a file's path, or a URL without its password."""
        ...

    @property
    def timeout(self) -> float:
        """How long a writer may wait for the store (its lock, or other writers) in seconds."""
        ...

    def append(self, records: Sequence[Stored], *, after: int) -> int:
        """Append `records` in one transaction and return the new last position.

        The records were checked against the store's first `after` positions: if anything
        was appended since, nothing is written and `Stale` is raised. Ids are unique per
        kind; once this returns, the records are durable.
        """
        ...

    def select(self, *, after: int, limit: int) -> list[Stored]:
        """Up to `limit` records after position `after`, in order, each with its position.

        Positions only grow, and a record becomes visible only with every record before it,
        so that what a reader has taken in is always a prefix of the one order.
        """
        ...

    def wait(self, *, after: int, timeout: float) -> bool:
        """Wait up to `timeout` seconds for a record after `after`; True if one is there."""
        ...

    def pack(self, *, after: int) -> Pack | None:
        """The pack that starts right after position `after`, or None (see `Pack`)."""
        ...

    def keep(self, pack: Pack) -> bool:
        """Keep `pack` (replacing one that starts at the same position) if the store can now.

        A pack is a cache: when the store is busy, read-only or failing, nothing is kept and
        False is returned, without waiting and without an error.
        """
        ...

    def integrity(self) -> list[str]:
        """The storage's own check of itself (SQLite's integrity_check): [] when sound."""
        ...

    def close(self) -> None:
        """Release the store; the recorder can no longer be used."""
        ...
