"""Scenarios: what a negotiation says about itself (its parties and the sources it cites).

The files that hold a whole scenario are read and written by `negotrack._files`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from datetime import date
from types import MappingProxyType
from typing import Any

import attrs

from . import _checks
from ._exceptions import InvalidValue
from ._lifecycle import Lifecycle


def _frozen_mapping(value: Mapping[str, Any]) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidValue("a scenario's parties and sources", value, "a mapping")
    return MappingProxyType(dict(value))


@attrs.frozen(kw_only=True)
class Source:
    """A publication that events cite by key.

    `party`, when set, is the code of the party whose account of events the source gives (a
    ministry's statements, a government's fact sheet): the events citing it belong to that
    party's account unless they name their own `account`.
    """

    title: str = attrs.field(validator=_checks.text)
    publisher: str | None = attrs.field(default=None, validator=_checks.optional_text)
    published: date | None = attrs.field(default=None, validator=_checks.optional_day)
    language: str | None = attrs.field(default=None, validator=_checks.optional_text)
    url: str | None = attrs.field(default=None, validator=_checks.optional_text)
    party: str | None = attrs.field(default=None, validator=_checks.optional_text)


def _sources(instance: Any, attribute: attrs.Attribute[Any], value: Mapping[str, Any]) -> None:
    for key, source in value.items():
        _checks.text(instance, attribute, key)
        if not isinstance(source, Source):
            raise InvalidValue(
                f"sources[{key!r}]",
                source,
                "a Source",
                message=f"sources[{key!r}] must be a Source, got {source!r} "
                f"({type(source).__name__}); write Source(title=...)",
            )


def _lifecycles(instance: Any, attribute: attrs.Attribute[Any], value: Mapping[str, Any]) -> None:
    for key, lifecycle in value.items():
        if not isinstance(lifecycle, Lifecycle) or lifecycle.name != key:
            raise InvalidValue(
                f"lifecycles[{key!r}]",
                lifecycle,
                "a Lifecycle of that name",
                message=f"lifecycles[{key!r}] must be a Lifecycle named {key!r}, got "
                f"{lifecycle!r}; write Lifecycle(name={key!r}, stages=..., rules=...)",
            )


@attrs.frozen(kw_only=True)
class Scenario:
    """The description of a negotiation: its id and title, the parties and the sources.

    `parties` maps a short code (``US``) to a name; `sources` maps a key that events cite to
    a `Source`; `lifecycles`, the lifecycles of its own that commitments may name, by name.
    """

    id: str = attrs.field(validator=_checks.text)
    title: str = attrs.field(validator=_checks.text)
    note: str | None = attrs.field(default=None, validator=_checks.optional_text)
    parties: Mapping[str, str] = attrs.field(
        factory=dict, converter=_frozen_mapping, validator=_checks.names
    )
    sources: Mapping[str, Source] = attrs.field(
        factory=dict, converter=_frozen_mapping, validator=_sources
    )
    lifecycles: Mapping[str, Lifecycle] = attrs.field(
        factory=dict, converter=_frozen_mapping, validator=_lifecycles
    )


def refuse_undeclared_sources(scenario: Scenario | None, events: Iterable[Any]) -> None:
    """Refuse an event citing a source the scenario does not declare, as a file does."""
    declared = () if scenario is None else scenario.sources
    if not declared:
        return
    for e in events:
        if isinstance(getattr(e, "source", None), str) and e.source not in declared:
            close = difflib.get_close_matches(e.source, list(declared), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise InvalidValue(
                "source",
                e.source,
                "a key declared under the scenario's sources",
                message=f"source {e.source!r} is not declared{hint}; cite a key of the "
                f"scenario's sources ({', '.join(declared)}), or declare it first, and put "
                "free text in note (nothing was recorded)",
            )
