"""What a scenario says about itself: its id, title, parties and sources."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from types import MappingProxyType
from typing import Any

import attrs

from . import _checks


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
    parties: Mapping[str, str] = attrs.field(factory=dict, converter=_frozen_mapping)
    sources: Mapping[str, Source] = attrs.field(factory=dict, converter=_frozen_mapping)
