"""The checks of a lifecycle's definition: each a small function yielding what is wrong.

`problems` runs them all when a `Lifecycle` is built; a broken definition raises
`InvalidDefinition` listing every defect, each with how to fix it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from ._rules import AnyKind, AnyStage, EventKind, Rule, TimeLimit

MAX_STAGES = 7
"""The most stages a lifecycle may have (the fold packs a stage, or none yet, in 3 bits)."""
MAX_EVENTS = 8
"""The most events a lifecycle may have (the fold packs an event's kind in 3 bits)."""


class Lifecycle(Protocol):
    """What the checks read of a `negotrack.Lifecycle`."""

    @property
    def stages(self) -> tuple[AnyStage, ...]: ...
    @property
    def initial(self) -> AnyStage | None: ...
    @property
    def live(self) -> frozenset[AnyStage]: ...
    @property
    def final(self) -> frozenset[AnyStage]: ...
    @property
    def rules(self) -> tuple[Rule, ...]: ...
    @property
    def same_day_order(self) -> tuple[AnyKind, ...]: ...
    @property
    def time_limits(self) -> tuple[TimeLimit, ...]: ...
    @property
    def lapse(self) -> AnyKind | None: ...
    @property
    def classic(self) -> bool: ...


def problems(lc: Lifecycle) -> Iterator[str]:
    """Yield a sentence for each defect of `lc`; nothing when it is consistent."""
    known = set(lc.stages)
    yield from _check_size(lc)
    if len(known) != len(lc.stages):
        yield "stages are listed more than once; list each stage once"
    if lc.initial is None:
        yield "no stages; list the stages in ladder order, e.g. stages=['signed', 'ratified']"
    elif lc.initial not in known:
        yield f"initial stage {lc.initial.value!r} is not among the stages"
    for name, group in (("live", lc.live), ("final", lc.final)):
        stray = sorted(s.value for s in group - known)
        if stray:
            yield f"{name} stages {stray} are not among the stages"

    events = [rule.event for rule in lc.rules]
    if not events:
        yield (
            "no rules; give each event a Rule, e.g. Rule('ratified', sources=[None, 'signed'], "
            "target='ratified')"
        )
    missing = sorted(k.value for k in set(EventKind) - set(events))
    if events and lc.classic and missing:
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

    yield from _check_roles(lc)
    for rule in lc.rules:
        if rule.dates not in ("keep", "move", "reset"):
            yield f"rule {rule.event.value!r} has dates={rule.dates!r}; use keep, move or reset"

    if lc.stages and lc.initial is not None and lc.initial != lc.stages[0]:
        yield f"initial stage {lc.initial.value!r} must be the first rung, {lc.stages[0].value!r}"
    if lc.initial is not None and not any(
        None in r.sources and r.target == lc.initial for r in lc.rules
    ):
        yield (
            f"initial stage {lc.initial.value!r} must be entered by a rule valid before the first "
            "event (a source of None)"
        )
    revive = next((r for r in lc.rules if r.event is EventKind.REVIVED), None)
    if revive is not None and lc.initial is not None and revive.target not in (lc.initial, None):
        yield f"the 'revived' rule must lead back to the initial stage {lc.initial.value!r}"
    yield from _check_paths(lc, known)
    yield from _check_limits(lc, known)


def _check_size(lc: Lifecycle) -> Iterator[str]:
    if len(lc.stages) > MAX_STAGES:
        yield (
            f"{len(lc.stages)} stages, more than the {MAX_STAGES} a lifecycle may have; merge "
            "stages, or track a longer path as two commitments (one part_of the other)"
        )
    if len(lc.rules) > MAX_EVENTS:
        yield (
            f"{len(lc.rules)} events, more than the {MAX_EVENTS} a lifecycle may have; merge "
            "events that lead to the same stage"
        )


def _check_roles(lc: Lifecycle) -> Iterator[str]:
    """The events with a role (lapse, extension) do what the role needs."""
    lapse = next((r for r in lc.rules if r.event == lc.lapse), None)
    if lapse is not None and (lapse.target is None or lapse.target in lc.live):
        yield f"the {lapse.event.value!r} rule must lead to a stage that is not live"
    if lapse is None and lc.time_limits:
        shown = "none" if lc.lapse is None else repr(lc.lapse.value)
        yield (
            f"time limits lapse a commitment by the lapse event ({shown}), which has no rule; "
            "add its rule, or name the event that ends the commitment with lapse="
        )
    extend = next((r for r in lc.rules if r.event is EventKind.EXTENDED), None)
    if extend is not None and extend.target is not None:
        yield "the 'extended' rule must keep the stage (target None)"


def _check_paths(lc: Lifecycle, known: set[AnyStage]) -> Iterator[str]:
    """Every stage can be reached from the start, and left unless it is final."""
    edges = [(s, t) for s, _, t in _safe_edges(lc) if s != t]
    reached: set[AnyStage | None] = {None}
    frontier: list[AnyStage | None] = [None]
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


def _check_limits(lc: Lifecycle, known: set[AnyStage]) -> Iterator[str]:
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


def _safe_edges(lc: Lifecycle) -> Iterator[tuple[AnyStage | None, AnyKind, AnyStage]]:
    # edges() is only trusted on a valid lifecycle; here unknown stages must not crash.
    for rule in lc.rules:
        for source in rule.sources:
            target = rule.target if rule.target is not None else source
            if target is not None:
                yield source, rule.event, target
