"""The parts of a lifecycle: the names of its stages and events, its rules and time limits.

The default lifecycle's stages and events are the `Stage` and `EventKind` members; a
lifecycle of your own names its own with strings: a name that is a member's value is that
member, any other is a `Name` (a `str`). `negotrack._lifecycle` puts the parts together.
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Iterable
from typing import Any, Literal

import attrs

from ._exceptions import InvalidValue, excerpt


class Stage(enum.StrEnum):
    """Where a commitment stands; the four rungs of the ladder, then `lapsed`."""

    PROPOSED = "proposed"
    PRELIMINARY_CONSENSUS = "preliminary_consensus"
    APPROVED = "approved"
    IMPLEMENTED = "implemented"
    LAPSED = "lapsed"


class EventKind(enum.StrEnum):
    """What happened to a commitment on a date (named in the past tense)."""

    PROPOSED = "proposed"
    CONSENSUS_REACHED = "consensus_reached"
    APPROVED = "approved"
    IMPLEMENTED = "implemented"
    LAPSED = "lapsed"
    REVIVED = "revived"
    EXTENDED = "extended"
    MEASURED = "measured"


class LapseReason(enum.StrEnum):
    """Why a commitment lapsed."""

    EXPIRED = "expired"
    DEADLINE_MISSED = "deadline_missed"
    WITHDRAWN = "withdrawn"
    VOIDED = "voided"
    SUPERSEDED = "superseded"
    BREACHED = "breached"
    TARGET_MISSED = "target_missed"


TimeField = Literal["deadline", "expires", "target"]
DateEffect = Literal["keep", "move", "reset"]


class Name(str):
    """A stage or an event of a lifecycle of your own: a string, with a `value` as a member has."""

    __slots__ = ()

    @property
    def value(self) -> str:
        """The name as a plain `str`."""
        return str.__str__(self)

    @property
    def _value_(self) -> str:
        # The fold reads a kind's `_value_` (a plain str hashes in C), a member's or a Name's.
        return str.__str__(self)


AnyStage = Stage | Name
"""A stage of any lifecycle: a `Stage` member (the default lifecycle's names) or a `Name`."""
AnyKind = EventKind | Name
"""An event of any lifecycle: an `EventKind` member (the default lifecycle's) or a `Name`."""

_WORD = re.compile(r"[a-z][a-z0-9_]{0,39}")
_STAGE_VALUES = frozenset(s.value for s in Stage)
_KIND_VALUES = frozenset(k.value for k in EventKind)
# The event names of every lifecycle built so far: `Event` accepts these besides EventKind's.
_DECLARED: set[str] = set()


def declare(kinds: Iterable[AnyKind]) -> None:
    """Let events be of `kinds` (the events of a lifecycle just built)."""
    _DECLARED.update(kind for kind in kinds if type(kind) is Name)


@functools.cache
def _name(value: str) -> Name:
    return Name(value)


def word(value: Any, what: str) -> str:
    """Check that `value` can name a stage or an event: lower-case letters, digits and _."""
    if not isinstance(value, str) or not _WORD.fullmatch(value) or value == "start":
        raise InvalidValue(
            what,
            value,
            "a name of lower-case letters, digits and _",
            message=f"{what} {excerpt(value)} cannot name a stage or an event; write it in "
            "lower-case letters, digits and _, starting with a letter (at most 40), and not "
            "'start' (the diagram's name for 'no stage yet')",
        )
    return str(value)


def stage_of(value: AnyStage | str) -> AnyStage:
    """The stage named `value`: the `Stage` member of that value, else a `Name`."""
    if type(value) is Stage or type(value) is Name:
        return value
    text = word(value, "stage")
    return Stage(text) if text in _STAGE_VALUES else _name(text)


def kind_of(value: AnyKind | str) -> AnyKind:
    """The event named `value`: the `EventKind` member of that value, else a `Name`."""
    if type(value) is EventKind or type(value) is Name:
        return value
    text = word(value, "event")
    return EventKind(text) if text in _KIND_VALUES else _name(text)


def event_kind(value: Any, name: str = "kind") -> AnyKind:
    """An event's kind: an `EventKind` member, or the event of a lifecycle built so far."""
    if type(value) is EventKind or type(value) is Name:
        return value
    if isinstance(value, str):
        if value in _KIND_VALUES:
            return EventKind(value)
        if value in _DECLARED:
            return _name(value)
    valid = ", ".join(repr(m.value) for m in EventKind)
    raise InvalidValue(
        name,
        value,
        f"one of {valid}",
        message=f"{excerpt(value)} is not a valid EventKind; expected one of {valid}, or an "
        "event of a lifecycle you declared",
    )


def stage_sources(values: Iterable[AnyStage | str | None]) -> frozenset[AnyStage | None]:
    """The stages named, None (no stage yet) included."""
    return frozenset(None if v is None else stage_of(v) for v in values)


def stage_set(values: Iterable[AnyStage | str]) -> frozenset[AnyStage]:
    """The stages named, as a set."""
    return frozenset(stage_of(v) for v in values)


def stage_tuple(values: Iterable[AnyStage | str]) -> tuple[AnyStage, ...]:
    """The stages named, in order (one name alone stands for itself)."""
    if isinstance(values, str):
        values = [values]
    return tuple(stage_of(v) for v in values)


def kind_tuple(values: Iterable[AnyKind | str]) -> tuple[AnyKind, ...]:
    """The events named, in order."""
    return tuple(kind_of(v) for v in values)


def optional_stage(value: AnyStage | str | None) -> AnyStage | None:
    """The stage named, or None."""
    return None if value is None else stage_of(value)


@attrs.frozen
class Rule:
    """How one kind of event moves a commitment.

    `sources` are the stages the event is valid from (`None` stands for a commitment that has
    no stage yet); `target` is where it leads, or `None` when the event leaves the stage as it
    is (an extension). Arriving at the stage a commitment already has is always valid: it is
    corroboration, kept as evidence. `dates` says what the event does to the commitment's
    deadline and expiry date: ``keep`` them, ``move`` those it gives (an extension), or
    ``reset`` them to those it gives, none if none (a revival: new terms). Stages and events
    are members of `Stage` and `EventKind`, or the names of a lifecycle of your own.
    """

    event: AnyKind = attrs.field(converter=kind_of)
    sources: frozenset[AnyStage | None] = attrs.field(converter=stage_sources)
    target: AnyStage | None = attrs.field(converter=optional_stage)
    dates: DateEffect = "keep"


@attrs.frozen
class TimeLimit:
    """A date on a commitment that makes it lapse by itself once it passes.

    The lapse falls `delay` days after the date held in `field` (on the commitment, or as moved
    by an extension), if the commitment is then live and its stage is not `exempt`. It is
    marked inferred: no source reported it. The `target` field is the end of a quantitative
    commitment's target, and that limit applies only when the final period ended short.
    """

    field: TimeField
    delay: int
    reason: LapseReason = attrs.field(converter=LapseReason)
    exempt: frozenset[AnyStage] = attrs.field(default=frozenset(), converter=stage_set)


def rule_tuple(values: Iterable[Rule]) -> tuple[Rule, ...]:
    """The rules, as a tuple."""
    return tuple(values)


def limit_tuple(values: Iterable[TimeLimit]) -> tuple[TimeLimit, ...]:
    """The time limits, as a tuple."""
    return tuple(values)


def optional_kind(value: AnyKind | str | None) -> AnyKind | None:
    """The event named, or None."""
    return None if value is None else kind_of(value)
