"""The commitment lifecycle, defined once as data.

Everything else is derived from `LIFECYCLE`: the transitions `Machine` that is the engine
(`negotrack._engine`), the diagrams, the table in the README, and the reference model of the
property tests. The definition is validated when it is built, so a broken lifecycle fails at
import with `InvalidDefinition` rather than at the first odd event.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Mapping
from typing import Literal

import attrs

from ._exceptions import InvalidDefinition


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


def _stages(values: Iterable[Stage | str | None]) -> frozenset[Stage | None]:
    return frozenset(None if v is None else Stage(v) for v in values)


def _stage_set(values: Iterable[Stage | str]) -> frozenset[Stage]:
    return frozenset(Stage(v) for v in values)


def _stage_tuple(values: Iterable[Stage | str]) -> tuple[Stage, ...]:
    return tuple(Stage(v) for v in values)


def _event_tuple(values: Iterable[EventKind | str]) -> tuple[EventKind, ...]:
    return tuple(EventKind(v) for v in values)


def _optional_stage(value: Stage | str | None) -> Stage | None:
    return None if value is None else Stage(value)


@attrs.frozen
class Rule:
    """How one kind of event moves a commitment.

    `sources` are the stages the event is valid from (`None` stands for a commitment that has
    no stage yet); `target` is where it leads, or `None` when the event leaves the stage as it
    is (an extension). Arriving at the stage a commitment already has is always valid: it is
    corroboration, kept as evidence. `dates` says what the event does to the commitment's
    deadline and expiry date: ``keep`` them, ``move`` those it gives (an extension), or
    ``reset`` them to those it gives, none if none (a revival: new terms).
    """

    event: EventKind = attrs.field(converter=EventKind)
    sources: frozenset[Stage | None] = attrs.field(converter=_stages)
    target: Stage | None = attrs.field(converter=_optional_stage)
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
    exempt: frozenset[Stage] = attrs.field(default=frozenset(), converter=_stage_set)


def _rule_tuple(values: Iterable[Rule]) -> tuple[Rule, ...]:
    return tuple(values)


def _limit_tuple(values: Iterable[TimeLimit]) -> tuple[TimeLimit, ...]:
    return tuple(values)


@attrs.frozen(repr=False)
class Lifecycle:
    """A complete lifecycle: stages, the rule of each event kind, and the time limits.

    `stages` lists every stage in ladder order, starting with `initial`, where a commitment
    starts and where a revival takes it back; `live` are those in which a commitment is in
    play; `final` are stages allowed to have no way out. `rules` holds one rule per event
    kind. `same_day_order` is the order in which events of one date apply (an empty tuple
    means recording order only). `time_limits` are checked in order when two fall on one day.
    """

    stages: tuple[Stage, ...] = attrs.field(converter=_stage_tuple)
    initial: Stage = attrs.field(converter=Stage)
    live: frozenset[Stage] = attrs.field(converter=_stage_set)
    rules: tuple[Rule, ...] = attrs.field(converter=_rule_tuple)
    same_day_order: tuple[EventKind, ...] = attrs.field(converter=_event_tuple)
    time_limits: tuple[TimeLimit, ...] = attrs.field(converter=_limit_tuple)
    final: frozenset[Stage] = attrs.field(default=frozenset(), converter=_stage_set)

    def __attrs_post_init__(self) -> None:
        problems = list(_problems(self))
        if problems:
            raise InvalidDefinition(problems)

    def __repr__(self) -> str:
        # The full definition runs to kilobytes; help() and signatures show this instead.
        ladder = " -> ".join(stage.value for stage in self.stages)
        return f"<Lifecycle {ladder}: {len(self.rules)} rules, {len(self.time_limits)} time limits>"

    def rule(self, event: EventKind) -> Rule:
        """Return the rule for `event`."""
        for rule in self.rules:
            if rule.event is event:
                return rule
        raise KeyError(event)  # unreachable for a validated lifecycle

    def edges(self) -> Iterator[tuple[Stage | None, EventKind, Stage]]:
        """Yield every valid (stage, event, resulting stage), corroborations included."""
        for rule in self.rules:
            sources = set(rule.sources)
            if rule.target is not None:
                sources.add(rule.target)
            for source in sorted(sources, key=self._stage_rank):
                target = rule.target if rule.target is not None else source
                if target is not None:
                    yield source, rule.event, target

    def kept(self) -> frozenset[tuple[Stage | None, EventKind]]:
        """Each valid (stage, event) of the rules that keep the stage (no stage included)."""
        return frozenset(
            (source, rule.event)
            for rule in self.rules
            if rule.target is None
            for source in rule.sources
        )

    def outcomes(self) -> Mapping[tuple[Stage | None, EventKind], Stage]:
        """Map each valid (stage, event) to the stage that results."""
        return {(source, event): target for source, event, target in self.edges()}

    def event_order(self) -> tuple[EventKind, ...]:
        """Event kinds in display order: the same-day order, or rule order when none is set.

        Which events of one date apply first is `same_day_rank`'s to say.
        """
        return self.same_day_order or tuple(rule.event for rule in self.rules)

    def same_day_rank(self) -> Mapping[EventKind, int]:
        """Each kind's rank among events of one date (all equal: recording order decides)."""
        order = self.same_day_order
        return {kind: order.index(kind) if order else 0 for kind in EventKind}

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
    def lapsed(self) -> Stage:
        """The stage a lapse leads to."""
        target = self.rule(EventKind.LAPSED).target
        assert target is not None  # checked by validation
        return target

    def _stage_rank(self, stage: Stage | None) -> int:
        return -1 if stage is None else self.stages.index(stage)


def _problems(lc: Lifecycle) -> Iterator[str]:
    """Yield a sentence for each defect of `lc`; nothing when it is consistent."""
    known = set(lc.stages)
    if len(known) != len(lc.stages):
        yield "stages are listed more than once; list each stage once"
    if lc.initial not in known:
        yield f"initial stage {lc.initial.value!r} is not among the stages"
    for name, group in (("live", lc.live), ("final", lc.final)):
        stray = sorted(s.value for s in group - known)
        if stray:
            yield f"{name} stages {stray} are not among the stages"

    events = [rule.event for rule in lc.rules]
    missing = sorted(k.value for k in set(EventKind) - set(events))
    if missing:
        yield f"no rule for events {missing}; give every event kind exactly one rule"
    doubled = sorted({e.value for e in events if events.count(e) > 1})
    if doubled:
        yield f"more than one rule for events {doubled}; merge them into one rule each"
    for rule in lc.rules:
        stray = sorted(s.value for s in rule.sources if s is not None and s not in known)
        if stray:
            yield f"rule {rule.event.value!r} starts from unknown stages {stray}"
        if rule.target is not None and rule.target not in known:
            yield f"rule {rule.event.value!r} leads to unknown stage {rule.target.value!r}"

    if lc.same_day_order and sorted(lc.same_day_order) != sorted(events):
        yield "same_day_order must list every event kind exactly once (or be empty)"

    lapse = next((r for r in lc.rules if r.event is EventKind.LAPSED), None)
    if lapse is not None and (lapse.target is None or lapse.target in lc.live):
        yield "the 'lapsed' rule must lead to a stage that is not live"
    extend = next((r for r in lc.rules if r.event is EventKind.EXTENDED), None)
    if extend is not None and extend.target is not None:
        yield "the 'extended' rule must keep the stage (target None)"
    for rule in lc.rules:
        if rule.dates not in ("keep", "move", "reset"):
            yield f"rule {rule.event.value!r} has dates={rule.dates!r}; use keep, move or reset"

    if lc.stages and lc.initial is not lc.stages[0]:
        yield f"initial stage {lc.initial.value!r} must be the first rung, {lc.stages[0].value!r}"
    if not any(None in r.sources and r.target is lc.initial for r in lc.rules):
        yield (
            f"initial stage {lc.initial.value!r} must be entered by a rule valid before the first "
            "event (a source of None)"
        )
    revive = next((r for r in lc.rules if r.event is EventKind.REVIVED), None)
    if revive is not None and revive.target not in (lc.initial, None):
        yield f"the 'revived' rule must lead back to the initial stage {lc.initial.value!r}"

    edges = [(s, t) for s, _, t in _safe_edges(lc) if s != t]
    reached: set[Stage | None] = {None}
    frontier: list[Stage | None] = [None]
    while frontier:
        here = frontier.pop()
        for source, target in edges:
            if source == here and target not in reached:
                reached.add(target)
                frontier.append(target)
    unreachable = sorted(s.value for s in known - reached)
    if unreachable:
        yield f"stages {unreachable} cannot be reached from the start; add a rule leading there"
    traps = sorted(s.value for s in known - lc.final if not any(src == s for src, _ in edges))
    if traps:
        yield f"stages {traps} have no way out; add a rule leaving them or declare them final"

    for limit in lc.time_limits:
        if limit.field not in ("deadline", "expires", "target"):
            yield (
                f"time limit on unknown field {limit.field!r}; use 'deadline', 'expires' or "
                "'target'"
            )
        if limit.delay < 0:
            yield f"time limit on {limit.field!r} has a negative delay {limit.delay}"
        stray = sorted(s.value for s in limit.exempt - known)
        if stray:
            yield f"time limit on {limit.field!r} exempts unknown stages {stray}"


def _safe_edges(lc: Lifecycle) -> Iterator[tuple[Stage | None, EventKind, Stage]]:
    # edges() is only trusted on a valid lifecycle; here unknown stages must not crash.
    for rule in lc.rules:
        for source in rule.sources:
            target = rule.target if rule.target is not None else source
            if target is not None:
                yield source, rule.event, target


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
