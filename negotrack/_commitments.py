"""Commitments: what one party undertakes towards another, and how commitments are linked."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import date
from typing import Any

import attrs

from . import _checks, _codec
from ._exceptions import InvalidValue
from ._targets import Target


class LinkKind(enum.StrEnum):
    """How one commitment depends on another."""

    RECIPROCAL = "reciprocal"
    """Each is the price of the other (symmetric: declared once, it binds both ways)."""
    CONDITIONAL_ON = "conditional_on"
    """This commitment holds only while the other one does."""


def _link_kind(value: LinkKind | str) -> LinkKind:
    return _checks.member(LinkKind, value, "kind")


@attrs.frozen
class Link:
    """A dependency of a commitment on another one, named by id.

    In a scenario file a link is written ``{reciprocal: other-id}``.
    """

    kind: LinkKind = attrs.field(converter=_link_kind, metadata={_codec.PAIR: "tag"})
    target: str = attrs.field(validator=_checks.text, metadata={_codec.PAIR: "value"})


def _links(values: Any) -> tuple[Link, ...]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise InvalidValue("links", values, "a tuple of Link objects")
    links = tuple(values)
    for link in links:
        if not isinstance(link, Link):
            raise InvalidValue(
                "links",
                link,
                "Link objects",
                message=f"links must hold Link objects, got {link!r} ({type(link).__name__}); "
                "write Link(kind='reciprocal', target='other-id')",
            )
    return links


def _target(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and not isinstance(value, Target):
        raise InvalidValue(
            "target",
            value,
            "a Target or None",
            message=f"target must be a Target or None, got {value!r} ({type(value).__name__}); "
            "write Target(amount=12, unit='MMT', start=..., end=...)",
        )


@attrs.frozen(kw_only=True)
class Commitment:
    """An undertaking by party `by` towards party `to`, tracked through the lifecycle.

    `deadline` is the last day by which it must be implemented; `expires` is the first day it
    is no longer in force. Either makes the commitment lapse by itself once it passes (see
    `LIFECYCLE.time_limits`); an `extended` event moves them. A quantitative commitment has a
    `target` (an amount to deliver, `measured` events report deliveries); one whose final
    period ends short lapses the next day (`target_missed`). `note` is free text, for
    instance where sources disagree. `lifecycle` names the lifecycle it follows (``treaty``;
    None: its tracker's default), `part_of` the commitment it is a part of (a deal's whole).
    """

    id: str
    title: str
    by: str
    to: str
    subject: str | None = None
    deadline: date | None = None
    expires: date | None = None
    target: Target | None = attrs.field(default=None, validator=_target)
    links: tuple[Link, ...] = attrs.field(default=(), converter=_links)
    note: str | None = None
    lifecycle: str | None = None
    part_of: str | None = None

    def __attrs_post_init__(self) -> None:
        if not (
            _checks.plain(self.id)
            and _checks.plain(self.title)
            and _checks.plain(self.by)
            and _checks.plain(self.to)
            and (self.subject is None or _checks.plain(self.subject))
            and (self.note is None or _checks.plain(self.note))
            and (self.deadline is None or type(self.deadline) is date)
            and (self.expires is None or type(self.expires) is date)
            and (self.lifecycle is None or _checks.plain(self.lifecycle))
            and (self.part_of is None or _checks.plain(self.part_of))
        ):
            _checks.fields(
                self,
                text=("id", "title", "by", "to"),
                optional_text=("subject", "note", "lifecycle", "part_of"),
                optional_day=("deadline", "expires"),
            )
        if self.part_of == self.id:
            raise InvalidValue(
                "part_of",
                self.part_of,
                "the id of another commitment",
                message=f"commitment {self.id!r} is part_of itself; name the whole it is a part of",
            )
        seen: set[Link] = set()
        for link in self.links:
            if link.target == self.id:
                raise InvalidValue(
                    "links",
                    link,
                    "links to other commitments",
                    message=f"commitment {self.id!r} links to itself ({link.kind.value}); "
                    "a link must name another commitment",
                )
            if link in seen:
                raise InvalidValue(
                    "links",
                    link,
                    "each link once",
                    message=f"commitment {self.id!r} declares the {link.kind.value} link to "
                    f"{link.target!r} twice; declare each link once",
                )
            seen.add(link)
