"""The answers' value objects: a commitment's status, its steps, its anomalies.

`Status` is where a commitment stands on a date, `Snapshot` every commitment's status on one
date, `Transition` one dated step of its history, `Anomaly` an event kept out of place.

The fold that makes them is `negotrack._course`'s.
"""

from __future__ import annotations

from collections.abc import ItemsView, Iterator, KeysView, Mapping, ValuesView
from datetime import date
from types import MappingProxyType
from typing import Any

import attrs

from . import _codec, _notebook, _rows
from ._commitments import Commitment
from ._events import Event
from ._lifecycle import AnyKind, AnyStage, EventKind, LapseReason
from ._targets import Progress

NO_ACCOUNTS: Mapping[str, AnyStage | None] = MappingProxyType({})
"""The accounts of a commitment no party gave an account of (shared: it is read only)."""

NO_PARTS: Mapping[str, AnyStage | None] = MappingProxyType({})
"""The parts of a commitment that has none (shared: it is read only)."""


@attrs.frozen
class Status:
    """Where a commitment stands on a date, and why.

    `stage` is None before its first event. `since` is the date the stage began; `reason`
    says why a lapsed commitment lapsed; `inferred` is True when the stage comes from a
    deadline or an expiry rather than a reported event. `evidence` is the event that moved it
    into the stage (None when inferred). `deadline` and `expires` are the dates in force,
    after any extension. `at_risk_from` names the linked commitments that have lapsed while
    this one is live. `progress` is how deliveries measure up to the commitment's target on
    the date (None without a target). `accounts` maps each party that gave its own account
    of the commitment by the date (events naming that party, or citing its sources) to the
    stage that account puts it in, in the scenario's order of parties; it is empty when no
    party did. `parts` maps each part of a whole (the commitments `part_of` it, in the order
    added) to its stage on the date; it is empty for a commitment with no parts, and a
    whole's `progress` adds up its parts' (see `negotrack._parts`). A status does not repeat
    its commitment's id: it is the value under that id in a snapshot, and two commitments in
    the same state have equal statuses.
    """

    stage: AnyStage | None
    since: date | None = None
    reason: LapseReason | None = None
    inferred: bool = False
    evidence: Event | None = None
    deadline: date | None = None
    expires: date | None = None
    at_risk_from: tuple[str, ...] = ()
    progress: Progress | None = None
    accounts: Mapping[str, AnyStage | None] = attrs.field(default=NO_ACCOUNTS, hash=False)
    parts: Mapping[str, AnyStage | None] = attrs.field(default=NO_PARTS, hash=False)

    @property
    def disputed(self) -> bool:
        """True when the parties' accounts put the commitment in different stages."""
        accounts = self.accounts
        return len(accounts) > 1 and len(set(accounts.values())) > 1

    @property
    def at_risk(self) -> bool:
        """True when the commitment is live and a commitment it is linked to has lapsed."""
        return bool(self.at_risk_from)

    def to_dict(self, commitment: Commitment | None = None) -> dict[str, Any]:
        """The status as plain data: its row of ``status --json``.

        Given its `Commitment`, the whole row (id, title, by, to and subject included);
        without, the status's own keys. JSON-ready: dates are ``YYYY-MM-DD`` text.
        """
        return _rows.status(self, commitment)

    def _repr_html_(self) -> str:
        """The status as a one-row table, for notebooks."""
        return _notebook.record(self.to_dict(), _notebook.STATUS_COLUMNS, "status")


BEFORE_ANY_EVENT = Status(None)
"""The status of a commitment without dates before its first event (shared: it is frozen)."""


class Snapshot(Mapping[str, Status]):
    """Where every commitment stands on one date: commitment id to `Status`, in the order added.

    `Tracker.snapshot` answers with one, and `Tracker.snapshots` with one per date: a
    read-only mapping (``dict(snapshot)`` is a plain copy to change) that equals a plain dict
    of the same statuses. `on`, `known_by` and `according_to` are the question it answers.
    `to_dict()` is its plain form, that of ``status --json`` without the scenario and the
    anomalies; in a notebook it shows itself as the compact status table.
    """

    __slots__ = ("_about", "_known_by", "_on", "_party", "_statuses")

    def __init__(
        self,
        statuses: dict[str, Status],
        on: date,
        known_by: date | None,
        according_to: str | None,
        commitments: Mapping[str, Commitment],
    ) -> None:
        # Held, not copied (a snapshot is a hot path): its maker hands it over.
        self._statuses = statuses
        self._on = on
        self._known_by = known_by
        self._party = according_to
        # The tracker's commitments, read by `to_dict` (not copied either).
        self._about = commitments

    def __getitem__(self, commitment: str) -> Status:
        return self._statuses[commitment]

    def __iter__(self) -> Iterator[str]:
        return iter(self._statuses)

    def __reversed__(self) -> Iterator[str]:
        return reversed(self._statuses)

    def __len__(self) -> int:
        return len(self._statuses)

    def __contains__(self, commitment: object) -> bool:
        return commitment in self._statuses

    # The dict's own views: as fast as a dict's, and read only.
    def keys(self) -> KeysView[str]:
        return self._statuses.keys()

    def values(self) -> ValuesView[Status]:
        return self._statuses.values()

    def items(self) -> ItemsView[str, Status]:
        return self._statuses.items()

    def get(self, commitment: str, default: Any = None) -> Any:
        return self._statuses.get(commitment, default)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Snapshot):
            return self._statuses == other._statuses
        return self._statuses == other if isinstance(other, dict) else super().__eq__(other)

    __hash__ = None  # type: ignore[assignment]  # a mapping: equal by its items

    def __repr__(self) -> str:
        return f"<Snapshot as of {self._on}: {self._statuses!r}>"

    @property
    def on(self) -> date:
        """The date the statuses are as of."""
        return self._on

    @property
    def known_by(self) -> date | None:
        """The date of knowledge the answer rests on (None: everything recorded)."""
        return self._known_by

    @property
    def according_to(self) -> str | None:
        """The party on whose word the answer rests (None: every event)."""
        return self._party

    def to_dict(self) -> dict[str, Any]:
        """The snapshot as plain data: the shape of ``status --json``, for these statuses.

        ``as_of``, ``known_by`` (and ``according_to`` on a party's word), then
        ``commitments``, each commitment's row (`Status.to_dict` with its commitment).
        """
        about = self._about
        lens = {} if self._party is None else {"according_to": self._party}
        return {
            "as_of": _codec.unstructure(self._on),
            "known_by": _codec.unstructure(self._known_by),
            **lens,
            "commitments": [status.to_dict(about[cid]) for cid, status in self.items()],
        }

    def _repr_html_(self) -> str:
        """The snapshot as a table of statuses, one row per commitment, for notebooks."""
        return _notebook.snapshot(self)


@attrs.frozen(kw_only=True)
class Transition:
    """One dated step of a commitment's history, with its evidence.

    `source` and `target` are the stages before and after (equal for a corroboration or an
    extension). `event` is the evidence; it is None for a lapse inferred from a deadline or
    an expiry. `deadline` and `expires` are the dates in force after the step.
    """

    commitment: str
    on: date
    kind: AnyKind = attrs.field(metadata=_codec.key("event"))
    source: AnyStage | None = attrs.field(metadata=_codec.key("from"))
    target: AnyStage = attrs.field(metadata=_codec.key("to"))
    event: Event | None = attrs.field(default=None, metadata=_codec.key("evidence"))
    reason: LapseReason | None = None
    deadline: date | None = None
    expires: date | None = None

    @property
    def inferred(self) -> bool:
        """True when no source reported this step: a deadline or an expiry made it."""
        return self.event is None

    @property
    def corroboration(self) -> bool:
        """True when the event confirms the stage the commitment already had."""
        return self.source == self.target and self.kind is not EventKind.EXTENDED

    def to_dict(self) -> dict[str, Any]:
        """The step as plain data: its row of ``timeline --json``, its evidence flattened in."""
        return _rows.transition(self)


@attrs.frozen(kw_only=True)
class Anomaly:
    """An event kept in the log that does not fit the lifecycle where it falls.

    It leaves the stage unchanged. `stage` is the stage it met; `expected` lists the events
    that would have been valid there; `message` says why it was refused.
    """

    event: Event
    stage: AnyStage | None
    expected: tuple[AnyKind, ...]
    message: str

    @property
    def commitment(self) -> str:
        """The commitment the event names."""
        return self.event.commitment

    @property
    def on(self) -> date:
        """The date of the event."""
        return self.event.on

    def to_dict(self) -> dict[str, Any]:
        """The anomaly as plain data: its row of ``status --json``."""
        return _rows.anomaly(self)
