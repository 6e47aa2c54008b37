"""Dated events: the only way a commitment changes.

An `Event` is immutable and named in the past tense. It carries its evidence (who, where, the
quote) and two dates: `on`, when it happened, and `reported`, when it became known. The two
errors that carry events, `InvalidTransition` and `ConflictingEvent`, live here too, so that
`negotrack._exceptions` depends on nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import attrs

from . import _checks, _codec
from ._exceptions import InvalidValue, NegotrackError
from ._lifecycle import LIFECYCLE, AnyKind, AnyStage, EventKind, LapseReason, event_kind
from ._targets import number


def _kind(value: AnyKind | str) -> AnyKind:
    return event_kind(value)


def _reason(value: LapseReason | str | None) -> LapseReason | None:
    return None if value is None else _checks.member(LapseReason, value, "reason")


def _amount(value: Any) -> float | None:
    return None if value is None else number("amount", value)


def _total(value: Any) -> float | None:
    return None if value is None else number("total", value)


@attrs.frozen(kw_only=True, cache_hash=True)
class Event:
    """Something that happened to one commitment on one date, with its evidence.

    `kind` and `reason` accept a member or its string value. `reported` is the date the event
    became known (by default its own date). `reason` goes only with `lapsed`; `deadline` and
    `expires` with `extended` (which needs at least one of them) and `revived`. A `measured`
    event reports a delivery against the commitment's target: exactly one of `amount` (this
    much more, delivered on `on`) or `total` (the running total of the target's period, as of
    `on`), both 0 or more, and optionally the `unit`, which must be the target's. `account`
    names the party whose account of events the event gives (a party code, such as ``CN``);
    without it, the party of its source, if the source declares one, else none: the event is
    neutral, part of every party's account. `id` is
    optional: when it is not given, it is derived from the content (``ev-`` and a digest),
    so the same event recorded twice is recognised as one; ids starting with ``ev-`` are
    reserved for derived ids. `given_id` is the id given, or None.

    An event of a lifecycle of your own has that lifecycle's name for its `kind` (a `str`;
    a `Lifecycle` must declare it first); its commitment's lifecycle says what it does.
    """

    # The order of these fields is the order of an event's row, which its derived id digests:
    # new fields go at the end, marked _codec.LATER, so that derived ids never change.
    commitment: str
    # Enum members hash in Python, the other fields in C: leaving the two enum fields out of
    # the hash (equality still compares them) makes the first hash of an event, which every
    # record() pays to deduplicate, about half as dear.
    kind: AnyKind = attrs.field(converter=_kind, metadata=_codec.key("event"), hash=False)
    on: date
    reported: date | None = None
    actor: str | None = None
    source: str | None = None
    quote: str | None = None
    note: str | None = None
    reason: LapseReason | None = attrs.field(default=None, converter=_reason, hash=False)
    deadline: date | None = None
    expires: date | None = None
    amount: float | None = attrs.field(default=None, converter=_amount, metadata={_codec.LATER: 1})
    total: float | None = attrs.field(default=None, converter=_total, metadata={_codec.LATER: 1})
    unit: str | None = attrs.field(default=None, metadata={_codec.LATER: 1})
    account: str | None = attrs.field(default=None, metadata={_codec.LATER: 1})
    given_id: str | None = attrs.field(default=None, alias="id", metadata={_codec.NOT_CONTENT: 1})

    def __attrs_post_init__(self) -> None:
        # The usual event passes this one expression; anything else goes through the full
        # checks, which accept subclasses and name what is wrong.
        if not (
            _checks.plain(self.commitment)
            and type(self.on) is date
            and (self.reported is None or type(self.reported) is date)
            and (self.actor is None or _checks.plain(self.actor))
            and (self.source is None or _checks.plain(self.source))
            and (self.quote is None or _checks.plain(self.quote))
            and (self.note is None or _checks.plain(self.note))
            and (self.given_id is None or _checks.plain(self.given_id))
            and (self.account is None or _checks.plain(self.account))
        ):
            _checks.fields(
                self,
                text=("commitment",),
                optional_text=("actor", "source", "quote", "note", "given_id", "account"),
                day=("on",),
                optional_day=("reported", "deadline", "expires"),
            )
        if self.given_id is not None and self.given_id.startswith(_codec.DERIVED):
            derived = _codec.content_id(self, _codec.DERIVED)
            if self.given_id != derived:
                raise InvalidValue(
                    "id",
                    self.given_id,
                    "an id without the 'ev-' prefix",
                    message=f"id {self.given_id!r} looks like an id negotrack derives from an "
                    f"event's content ({_codec.DERIVED}...), but this event's is {derived!r}; "
                    "choose an id without that prefix, or leave the id out",
                )
            object.__setattr__(self, "given_id", None)  # the derived id itself: no id given
        kind = self.kind
        if self.reason is not None and kind is not EventKind.LAPSED and type(kind) is EventKind:
            raise _refused(
                "reason",
                self.reason.value,
                f"reason={self.reason.value!r} goes only with a 'lapsed' event, "
                f"not {kind.value!r}; drop the reason or change the kind to 'lapsed'",
            )
        if self.deadline is not None or self.expires is not None or kind is EventKind.EXTENDED:
            self._check_dates()
        if kind is EventKind.MEASURED:
            self._check_measure()
        elif self.amount is not None or self.total is not None or self.unit is not None:
            name = next(n for n in ("amount", "total", "unit") if getattr(self, n) is not None)
            raise _refused(
                name,
                getattr(self, name),
                f"{name} goes only with a 'measured' event, not {kind.value!r}; record a "
                "'measured' event to report a delivery",
            )

    def _check_measure(self) -> None:
        if (self.amount is None) == (self.total is None):
            raise _refused(
                "amount",
                self.amount,
                "a 'measured' event needs exactly one of amount (this much more was delivered "
                "on its date) or total (the running total of the period, as of its date); "
                f"got {'both' if self.amount is not None else 'neither'}",
            )
        if self.unit is not None:
            _checks.fields(self, optional_text=("unit",))

    def _check_dates(self) -> None:
        kind = self.kind
        if kind not in _DATED and type(kind) is EventKind:
            name = "deadline" if self.deadline is not None else "expires"
            raise _refused(
                name,
                getattr(self, name),
                f"{name} goes only with an 'extended' event (new dates) or a 'revived' one "
                f"(new terms), not {kind.value!r}; record an 'extended' event to move a date",
            )
        if kind is EventKind.EXTENDED and self.deadline is None and self.expires is None:
            raise _refused(
                "deadline",
                None,
                "an 'extended' event needs a new deadline, a new expires date, or both",
            )
        _checks.fields(self, optional_day=("deadline", "expires"))
        for name, value in (("deadline", self.deadline), ("expires", self.expires)):
            if value is not None and value < self.on:
                raise _refused(
                    name,
                    value,
                    f"{kind.value!r} on {self.on.isoformat()} cannot set {name} to the earlier "
                    f"date {value.isoformat()}; expected a date on or after the event",
                )

    @property
    def id(self) -> str:
        """The event's stable id: the one given, or one derived from its content."""
        if self.given_id is not None:
            return self.given_id
        return _codec.content_id(self, _codec.DERIVED)

    @property
    def known_on(self) -> date:
        """The date the event became known: `reported`, or `on` when not reported."""
        return self.on if self.reported is None else self.reported


# The kinds whose rule moves or resets a commitment's dates: only they carry dates.
_DATED = frozenset(rule.event for rule in LIFECYCLE.rules if rule.dates != "keep")


def _refused(name: str, value: object, message: str) -> InvalidValue:
    return InvalidValue(name, value, "a value that fits the event's kind", message=message)


class InvalidTransition(NegotrackError, ValueError):
    """An event does not fit the lifecycle at the point where it falls (raised in strict mode)."""

    def __init__(
        self,
        message: str,
        *,
        event: Event,
        stage: AnyStage | None,
        expected: Sequence[AnyKind],
    ) -> None:
        self.event = event
        self.commitment = event.commitment
        self.stage = stage
        self.expected = tuple(expected)
        super().__init__(message)


class ConflictingEvent(NegotrackError, ValueError):
    """A different event arrives under an id that is already recorded."""

    def __init__(self, event_id: str, *, recorded: Event, offered: Event) -> None:
        self.event_id = event_id
        self.recorded = recorded
        self.offered = offered
        super().__init__(
            f"event id {event_id!r} is already recorded for a different event "
            f"({recorded.kind.value} of {recorded.commitment!r} on {recorded.on.isoformat()}); "
            "events are append-only: record the correction as a new event with its own id"
        )
