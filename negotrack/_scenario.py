"""Scenarios: what a negotiation says about itself, and the files that hold one.

`Scenario` and `Source` describe a negotiation (its parties and the publications its events
cite). `load` and `dump` read and write whole scenario files; the format itself lives in
`negotrack._format`, imported on first use so that ``import negotrack`` stays light.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import date
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import attrs

from . import _checks

if TYPE_CHECKING:
    from ._tracker import Tracker


def _frozen_mapping(value: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(value))


@attrs.frozen(kw_only=True)
class Source:
    """A publication that events cite by key."""

    title: str = attrs.field(validator=_checks.text)
    publisher: str | None = attrs.field(default=None, validator=_checks.optional_text)
    published: date | None = attrs.field(default=None, validator=_checks.optional_day)
    language: str | None = attrs.field(default=None, validator=_checks.optional_text)
    url: str | None = attrs.field(default=None, validator=_checks.optional_text)


@attrs.frozen(kw_only=True, unsafe_hash=False)
class Scenario:
    """The description of a negotiation: its id and title, the parties and the sources.

    `parties` maps a short code (``US``) to a name; `sources` maps a key that events cite to
    a `Source`.
    """

    id: str = attrs.field(validator=_checks.text)
    title: str = attrs.field(validator=_checks.text)
    note: str | None = attrs.field(default=None, validator=_checks.optional_text)
    parties: Mapping[str, str] = attrs.field(
        factory=dict, converter=_frozen_mapping, validator=_checks.names
    )
    sources: Mapping[str, Source] = attrs.field(factory=dict, converter=_frozen_mapping)


def to_data(scenario: Scenario) -> dict[str, Any]:
    """A scenario's description as plain data: the top of a scenario file, as a store keeps it."""
    data: dict[str, Any] = {"id": scenario.id, "title": scenario.title}
    if scenario.note is not None:
        data["note"] = scenario.note
    data["parties"] = dict(scenario.parties)
    data["sources"] = {
        key: {
            name: value.isoformat() if isinstance(value, date) else value
            for name, value in attrs.asdict(source).items()
            if value is not None
        }
        for key, source in scenario.sources.items()
    }
    return data


def from_data(data: Mapping[str, Any]) -> Scenario:
    """The inverse of `to_data`, for data negotrack wrote itself (files are read by _format)."""
    sources = {}
    for key, fields in data.get("sources", {}).items():
        published = fields.get("published")
        sources[key] = Source(
            **{**fields, "published": None if published is None else date.fromisoformat(published)}
        )
    return Scenario(
        id=data["id"],
        title=data["title"],
        note=data.get("note"),
        parties=data.get("parties", {}),
        sources=sources,
    )


def load(path: str | os.PathLike[str], *, strict: bool = False) -> Tracker:
    """Read a scenario file (.yaml, .yml or .json) into a new `Tracker`.

    The file loads whole or not at all: any fault raises `ScenarioError` with a message that
    reads ``PATH:LINE: what is wrong; what was expected``. With ``strict=True`` an event
    that does not fit the lifecycle raises `InvalidTransition`.
    """
    from ._format import load_with_lines

    return load_with_lines(path, strict=strict)[0]


def dump(tracker: Tracker, path: str | os.PathLike[str]) -> None:
    """Write `tracker` as a scenario file (.yaml, .yml or .json) that loads back the same.

    The file is replaced in one step: a failure leaves the old file as it was.
    """
    from ._format import write_scenario

    write_scenario(tracker, path)
