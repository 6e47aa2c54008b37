"""Dated events: the only way a commitment changes.

An `Event` is immutable and named in the past tense. It carries its evidence (who, where, the
quote) and two dates: `on`, when it happened, and `reported`, when it became known.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any

import attrs

from . import _checks
from ._lifecycle import EventKind, LapseReason


def _kind(value: EventKind | str) -> EventKind:
    return _checks.member(EventKind, value)


def _reason(value: LapseReason | str | None) -> LapseReason | None:
    return None if value is None else _checks.member(LapseReason, value)


@attrs.frozen(kw_only=True, cache_hash=True)
class Event:
    """Something that happened to one commitment on one date, with its evidence.

    `kind` and `reason` accept a member or its string value. `reported` is the date the event
    became known (by default its own date). `reason` goes only with `lapsed`; `deadline` and
    `expires` only with `extended`, which needs at least one of them. `id` is optional: when
    it is not given, it is derived from the content (``ev-`` and a digest), so the same
    event recorded twice is recognised as one; ids starting with ``ev-`` are reserved for
    derived ids.
    """

    # Equal events have equal hashes however few fields the hash reads: these three tell
    # almost all events apart, and hashing fewer fields makes deduplication cheaper.
    commitment: str
    kind: EventKind = attrs.field(converter=_kind)
    on: date
    reported: date | None = attrs.field(default=None, hash=False)
    actor: str | None = attrs.field(default=None, hash=False)
    source: str | None = attrs.field(default=None, hash=False)
    quote: str | None = attrs.field(default=None, hash=False)
    note: str | None = attrs.field(default=None, hash=False)
    reason: LapseReason | None = attrs.field(default=None, converter=_reason, hash=False)
    deadline: date | None = attrs.field(default=None, hash=False)
    expires: date | None = attrs.field(default=None, hash=False)
    _id: str | None = attrs.field(default=None, alias="id", hash=False)

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
            and (self._id is None or _checks.plain(self._id))
        ):
            _checks.fields(
                self,
                text=("commitment",),
                optional_text=("actor", "source", "quote", "note", "_id"),
                day=("on",),
                optional_day=("reported", "deadline", "expires"),
            )
        if self._id is not None and self._id.startswith(_DERIVED):
            if self._id != content_id(self):
                raise ValueError(
                    f"id {self._id!r} looks like an id negotrack derives from an event's "
                    f"content ({_DERIVED}...), but this event's is {content_id(self)!r}; "
                    "choose an id without that prefix, or leave the id out"
                )
            object.__setattr__(self, "_id", None)  # the derived id itself: no id given
        kind = self.kind
        if self.reason is not None and kind is not EventKind.LAPSED:
            raise ValueError(
                f"reason={self.reason.value!r} goes only with a 'lapsed' event, "
                f"not {kind.value!r}; drop the reason or change the kind to 'lapsed'"
            )
        if kind is EventKind.EXTENDED:
            self._check_extension()
        elif self.deadline is not None or self.expires is not None:
            name = "deadline" if self.deadline is not None else "expires"
            raise ValueError(
                f"{name} goes only with an 'extended' event, not {kind.value!r}; "
                "record an 'extended' event to move a date"
            )

    def _check_extension(self) -> None:
        if self.deadline is None and self.expires is None:
            raise ValueError(
                "an 'extended' event needs a new deadline, a new expires date, or both"
            )
        _checks.fields(self, optional_day=("deadline", "expires"))
        for name, value in (("deadline", self.deadline), ("expires", self.expires)):
            if value is not None and value < self.on:
                raise ValueError(
                    f"an extension on {self.on.isoformat()} cannot set {name} to the earlier "
                    f"date {value.isoformat()}; expected a date on or after the event"
                )

    @property
    def id(self) -> str:
        """The event's stable id: the one given, or one derived from its content."""
        if self._id is not None:
            return self._id
        return content_id(self)

    @property
    def known_on(self) -> date:
        """The date the event became known: `reported`, or `on` when not reported."""
        return self.on if self.reported is None else self.reported


def content_id(event: Event) -> str:
    """Derive a stable id from everything an event says (its given id aside)."""
    fields: list[Any] = [
        event.commitment,
        event.kind.value,
        event.on.isoformat(),
        None if event.reported is None else event.reported.isoformat(),
        event.actor,
        event.source,
        event.quote,
        event.note,
        None if event.reason is None else event.reason.value,
        None if event.deadline is None else event.deadline.isoformat(),
        None if event.expires is None else event.expires.isoformat(),
    ]
    digest = hashlib.sha256(json.dumps(fields, ensure_ascii=False).encode()).hexdigest()
    return f"{_DERIVED}{digest[:20]}"


_DERIVED = "ev-"  # the prefix of derived ids, reserved for them
