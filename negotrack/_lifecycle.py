"""The commitment lifecycle, defined once as data.

Everything else is derived from a `Lifecycle`: the transitions `Machine` that is the engine
(`negotrack._engine`), the diagrams, the table in the README, and the reference model of the
property tests. The definition is validated when it is built, so a broken lifecycle fails at
import with `InvalidDefinition` rather than at the first odd event.

`LIFECYCLE` is the default one, whose stages and events are the `Stage` and `EventKind`
members. A lifecycle of your own (a treaty's, a law's) names its stages and events with
strings: a name that is a member's value is that member, any other is a `Name`, a `str`.
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Literal

import attrs

from ._exceptions import InvalidDefinition, InvalidValue, excerpt


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


def _stages(values: Iterable[AnyStage | str | None]) -> frozenset[AnyStage | None]:
    return frozenset(None if v is None else stage_of(v) for v in values)


def _stage_set(values: Iterable[AnyStage | str]) -> frozenset[AnyStage]:
    return frozenset(stage_of(v) for v in values)


def _stage_tuple(values: Iterable[AnyStage | str]) -> tuple[AnyStage, ...]:
    if isinstance(values, str):
        values = [values]
    return tuple(stage_of(v) for v in values)


def _event_tuple(values: Iterable[AnyKind | str]) -> tuple[AnyKind, ...]:
    return tuple(kind_of(v) for v in values)


def _optional_stage(value: AnyStage | str | None) -> AnyStage | None:
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
    sources: frozenset[AnyStage | None] = attrs.field(converter=_stages)
    target: AnyStage | None = attrs.field(converter=_optional_stage)
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
    exempt: frozenset[AnyStage] = attrs.field(default=frozenset(), converter=_stage_set)


def _rule_tuple(values: Iterable[Rule]) -> tuple[Rule, ...]:
    return tuple(values)


def _limit_tuple(values: Iterable[TimeLimit]) -> tuple[TimeLimit, ...]:
    return tuple(values)


def _optional_kind(value: AnyKind | str | None) -> AnyKind | None:
    return None if value is None else kind_of(value)


def _lifecycle_name(value: Any) -> str:
    return word(value, "lifecycle")


MAX_STAGES = 7
"""The most stages a lifecycle may have (the fold packs a stage, or none yet, in 3 bits)."""
MAX_EVENTS = 8
"""The most events a lifecycle may have (the fold packs an event's kind in 3 bits)."""


@attrs.frozen(repr=False)
class Lifecycle:
    """A complete lifecycle: stages, the rule of each event kind, and the time limits.

    `stages` lists every stage in ladder order, starting with `initial` (by default the first),
    where a commitment starts and where a revival takes it back; `live` are those in which a
    commitment is in play (by default every stage but the `final` ones and the one a lapse
    leads to); `final` are stages allowed to have no way out. `rules` holds one rule per event
    kind. `same_day_order` is the order in which events of one date apply (an empty tuple
    means recording order only). `time_limits` are checked in order when two fall on one day;
    the lapse they infer is a `lapse` event (by default `lapsed`). `name` is what scenario
    files call it (``lifecycle: treaty``).

    The default lifecycle is `LIFECYCLE`; one of your own names its stages and events with
    strings (see `LIFECYCLES` for those shipped). A lifecycle made only of `EventKind`'s
    events must give each of them a rule.
    """

    stages: tuple[AnyStage, ...] = attrs.field(converter=_stage_tuple)
    initial: AnyStage | None = attrs.field(default=None, converter=_optional_stage)
    live: frozenset[AnyStage] = attrs.field(default=frozenset(), converter=_stage_set)
    rules: tuple[Rule, ...] = attrs.field(default=(), converter=_rule_tuple)
    same_day_order: tuple[AnyKind, ...] = attrs.field(default=(), converter=_event_tuple)
    time_limits: tuple[TimeLimit, ...] = attrs.field(default=(), converter=_limit_tuple)
    final: frozenset[AnyStage] = attrs.field(default=frozenset(), converter=_stage_set)
    lapse: AnyKind | None = attrs.field(default=EventKind.LAPSED, converter=_optional_kind)
    name: str = attrs.field(default="negotiation", converter=_lifecycle_name)

    def __attrs_post_init__(self) -> None:
        if self.initial is None and self.stages:
            object.__setattr__(self, "initial", self.stages[0])
        if not self.live:
            leads = {r.target for r in self.rules if r.event == self.lapse}
            live = frozenset(s for s in self.stages if s not in self.final and s not in leads)
            object.__setattr__(self, "live", live)
        from ._definition import problems as defects  # it reads this module's names

        problems = list(defects(self))
        if problems:
            raise InvalidDefinition(problems)
        _DECLARED.update(k for k in self.kinds() if type(k) is Name)

    def __repr__(self) -> str:
        # The full definition runs to kilobytes; help() and signatures show this instead.
        ladder = " -> ".join(stage.value for stage in self.stages)
        return f"<Lifecycle {ladder}: {len(self.rules)} rules, {len(self.time_limits)} time limits>"

    def rule(self, event: AnyKind | str) -> Rule:
        """Return the rule for `event`."""
        for rule in self.rules:
            if rule.event == event:
                return rule
        raise KeyError(event)

    def kinds(self) -> tuple[AnyKind, ...]:
        """The lifecycle's events, in the order of its rules."""
        return tuple(rule.event for rule in self.rules)

    def edges(self) -> Iterator[tuple[AnyStage | None, AnyKind, AnyStage]]:
        """Yield every valid (stage, event, resulting stage), corroborations included."""
        for rule in self.rules:
            sources = set(rule.sources)
            if rule.target is not None:
                sources.add(rule.target)
            for source in sorted(sources, key=self._stage_rank):
                target = rule.target if rule.target is not None else source
                if target is not None:
                    yield source, rule.event, target

    def kept(self) -> frozenset[tuple[AnyStage | None, AnyKind]]:
        """Each valid (stage, event) of the rules that keep the stage (no stage included)."""
        return frozenset(
            (source, rule.event)
            for rule in self.rules
            if rule.target is None
            for source in rule.sources
        )

    def outcomes(self) -> Mapping[tuple[AnyStage | None, AnyKind], AnyStage]:
        """Map each valid (stage, event) to the stage that results."""
        return {(source, event): target for source, event, target in self.edges()}

    def event_order(self) -> tuple[AnyKind, ...]:
        """Event kinds in display order: the same-day order, or rule order when none is set.

        Which events of one date apply first is `same_day_rank`'s to say.
        """
        return self.same_day_order or self.kinds()

    def same_day_rank(self) -> Mapping[AnyKind, int]:
        """Each kind's rank among events of one date (all equal: recording order decides)."""
        order = self.same_day_order
        kinds = tuple(EventKind) if self.classic else self.kinds()
        return {kind: order.index(kind) if order else 0 for kind in kinds}

    @property
    def classic(self) -> bool:
        """True when every event is one of `EventKind`'s (as in `LIFECYCLE` and its variants)."""
        return all(type(rule.event) is EventKind for rule in self.rules)

    def markdown(self) -> str:
        """Draw the lifecycle as a Markdown table: what each event does from each stage.

        A stage name is where the event leads; ``=`` is a corroboration (the stage it already
        has); ``kept`` is an extension (the stage does not change); ``-`` is an anomaly.
        """
        events = self.event_order()
        outcomes = self.outcomes()
        lines = [
            "| from \\ event | " + " | ".join(e.value for e in events) + " |",
            "|---" * (len(events) + 1) + "|",
        ]
        kept = self.kept()
        for stage in (None, *self.stages):
            cells = []
            for event in events:
                target = outcomes.get((stage, event))
                if self.rule(event).target is None:
                    cells.append("kept" if (stage, event) in kept else "-")
                elif target is None:
                    cells.append("-")
                elif target == stage:
                    cells.append("=")
                else:
                    cells.append(target.value)
            name = "(no stage yet)" if stage is None else stage.value
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
        return "\n".join(lines) + "\n"

    @property
    def lapsed(self) -> AnyStage | None:
        """The stage a lapse leads to (None for a lifecycle without a `lapse` event)."""
        rule = next((r for r in self.rules if r.event == self.lapse), None)
        return None if rule is None else rule.target

    def _stage_rank(self, stage: AnyStage | None) -> int:
        return -1 if stage is None else self.stages.index(stage)


_LIVE = (Stage.PROPOSED, Stage.PRELIMINARY_CONSENSUS, Stage.APPROVED, Stage.IMPLEMENTED)

LIFECYCLE = Lifecycle(
    stages=(*_LIVE, Stage.LAPSED),
    initial=Stage.PROPOSED,
    live=_LIVE,
    rules=(
        # Forward moves climb the ladder, skipping rungs if need be; any of them may be first.
        Rule(EventKind.PROPOSED, sources=(None,), target=Stage.PROPOSED),
        Rule(
            EventKind.CONSENSUS_REACHED,
            sources=(None, Stage.PROPOSED),
            target=Stage.PRELIMINARY_CONSENSUS,
        ),
        Rule(
            EventKind.APPROVED,
            sources=(None, Stage.PROPOSED, Stage.PRELIMINARY_CONSENSUS),
            target=Stage.APPROVED,
        ),
        Rule(EventKind.IMPLEMENTED, sources=(None, *_LIVE[:3]), target=Stage.IMPLEMENTED),
        # An extension keeps the stage and moves the dates it gives.
        Rule(EventKind.EXTENDED, sources=_LIVE, target=None, dates="move"),
        Rule(EventKind.LAPSED, sources=_LIVE, target=Stage.LAPSED),
        # A revived commitment comes back with new terms: the dates it gives, or none.
        Rule(EventKind.REVIVED, sources=(Stage.LAPSED,), target=Stage.PROPOSED, dates="reset"),
        # A measured delivery is evidence at any stage, before the first too: it moves nothing.
        Rule(EventKind.MEASURED, sources=(None, *_LIVE, Stage.LAPSED), target=None),
    ),
    same_day_order=(
        EventKind.PROPOSED,
        EventKind.CONSENSUS_REACHED,
        EventKind.APPROVED,
        EventKind.IMPLEMENTED,
        EventKind.EXTENDED,
        EventKind.LAPSED,
        EventKind.REVIVED,
        EventKind.MEASURED,
    ),
    # A time limit is decided by the stage at the end of the day before it falls, and its
    # lapse applies at the start of its day, before that day's events.
    time_limits=(
        # The deadline is the last day to implement: the lapse falls on the day after.
        TimeLimit(
            "deadline", delay=1, reason=LapseReason.DEADLINE_MISSED, exempt=(Stage.IMPLEMENTED,)
        ),
        # `expires` is the first day no longer in force: the lapse falls on that day.
        TimeLimit("expires", delay=0, reason=LapseReason.EXPIRED),
        # A target whose final period ended short: the lapse falls on the day after its end.
        TimeLimit("target", delay=1, reason=LapseReason.TARGET_MISSED),
    ),
)
"""The lifecycle of a negotiated commitment."""
