"""The commitment lifecycle, defined once as data.

Everything else is derived from a `Lifecycle`: the transitions `Machine` that is the engine
(`negotrack._engine`), the diagrams, the table in the README, and the reference model of the
property tests. The definition is validated when it is built (by `negotrack._definition`), so
a broken lifecycle fails at import with `InvalidDefinition` rather than at the first odd event.

`LIFECYCLE` is the default one, whose stages and events are the `Stage` and `EventKind`
members. A lifecycle of your own (a treaty's, a law's) names its stages and events with
strings (see `negotrack._rules`, which holds the parts).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import attrs

from ._definition import problems
from ._exceptions import InvalidDefinition
from ._rules import AnyKind as AnyKind
from ._rules import AnyStage as AnyStage
from ._rules import EventKind as EventKind
from ._rules import LapseReason as LapseReason
from ._rules import Name as Name
from ._rules import Rule as Rule
from ._rules import Stage as Stage
from ._rules import TimeLimit as TimeLimit
from ._rules import (
    declare,
    kind_tuple,
    limit_tuple,
    optional_kind,
    optional_stage,
    rule_tuple,
    stage_set,
    stage_tuple,
    word,
)
from ._rules import event_kind as event_kind
from ._rules import kind_of as kind_of
from ._rules import stage_of as stage_of


def _lifecycle_name(value: Any) -> str:
    return word(value, "lifecycle")


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

    stages: tuple[AnyStage, ...] = attrs.field(converter=stage_tuple)
    initial: AnyStage | None = attrs.field(default=None, converter=optional_stage)
    live: frozenset[AnyStage] = attrs.field(default=frozenset(), converter=stage_set)
    rules: tuple[Rule, ...] = attrs.field(default=(), converter=rule_tuple)
    same_day_order: tuple[AnyKind, ...] = attrs.field(default=(), converter=kind_tuple)
    time_limits: tuple[TimeLimit, ...] = attrs.field(default=(), converter=limit_tuple)
    final: frozenset[AnyStage] = attrs.field(default=frozenset(), converter=stage_set)
    lapse: AnyKind | None = attrs.field(default=EventKind.LAPSED, converter=optional_kind)
    name: str = attrs.field(default="negotiation", converter=_lifecycle_name)

    def __attrs_post_init__(self) -> None:
        if self.initial is None and self.stages:
            object.__setattr__(self, "initial", self.stages[0])
        if not self.live:
            leads = {r.target for r in self.rules if r.event == self.lapse}
            live = frozenset(s for s in self.stages if s not in self.final and s not in leads)
            object.__setattr__(self, "live", live)
        found = list(problems(self))
        if found:
            raise InvalidDefinition(found)
        declare(self.kinds())

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
