"""The transitions engine: the only module that touches the `transitions` library.

What transitions does here, and what it does not:

- It *defines and validates* the lifecycle's machine: `Engine` builds one `Machine` per
  lifecycle (never one per commitment, never `add_model`, which is quadratic and cannot drive
  frozen attrs instances), from the states and triggers `machine_spec` derives from the
  `Lifecycle` data.
- It *compiles* the replay table: the outcome of every (stage, event) is read from the Machine
  through its public introspection (`get_triggers`, `get_transitions`), once. Replaying an
  event is then one dict lookup in that table, not a trigger call.
- It *draws* the lifecycle (`diagram`, through transitions' own Mermaid and Graphviz support).

At run time, replay does not call transitions at all. The testing hook `through_machine`
makes the trackers created inside it fire every event through the Machine instead; the
property suite checks that the two agree on every generated log.
"""

from __future__ import annotations

import contextlib
import contextvars
import copy
import functools
import importlib.util
from collections.abc import Callable, Container, Iterator, Mapping, Sequence
from typing import Any, Literal, NamedTuple, TypeVar, overload

from transitions import Machine, MachineError

from ._exceptions import InvalidValue, NegotrackError, install_hint
from ._lifecycle import LIFECYCLE, AnyKind, AnyStage, EventKind, LapseReason, Lifecycle, Stage

_V = TypeVar("_V")

START = "start"
"""Name of the machine state that stands for "no stage yet"."""

DiagramFormat = Literal["mermaid", "dot"]

# A time limit as replay uses it: (the field it watches, as an index in _FIELDS, delay in
# days, reason, exempt stages).
CompiledLimit = tuple[int, int, LapseReason, frozenset[AnyStage]]
_FIELDS = ("deadline", "expires", "target")


def _name(stage: AnyStage | None) -> str:
    return START if stage is None else stage.value


def machine_spec(
    lifecycle: Lifecycle, *, corroboration: bool = True
) -> tuple[list[str], list[dict[str, Any]]]:
    """Return the states and transitions (in transitions' own format) of `lifecycle`.

    Each rule becomes one transitions trigger per destination. With `corroboration`, the
    loops that keep a commitment at the stage it already has are included (the engine needs
    them; a diagram is clearer without them).
    """
    states = [START, *(stage.value for stage in lifecycle.stages)]
    grouped: dict[tuple[AnyKind, str | None], list[str]] = {}
    for source, event, target in lifecycle.edges():
        if lifecycle.rule(event).target is None:
            continue  # the rules that keep the stage come below
        if source == target and not corroboration:
            continue
        grouped.setdefault((event, _name(target)), []).append(_name(source))
    for rule in lifecycle.rules:
        # Internal transitions; evidence that moves no date (a measurement) is not drawn.
        if rule.target is None and (corroboration or rule.dates != "keep"):
            sources = sorted(
                rule.sources, key=lambda s: -1 if s is None else lifecycle.stages.index(s)
            )
            grouped[rule.event, None] = [_name(s) for s in sources]
    transitions = [
        {"trigger": event.value, "source": sources, "dest": dest}
        for (event, dest), sources in grouped.items()
    ]
    return states, transitions


class _Cursor:
    """The single stand-in model that `Engine.step` moves through the Machine."""

    state: str


class Engine:
    """A lifecycle's transitions `Machine` and the outcome table compiled from it.

    `table` is every (stage, event) -> stage read from the Machine; `kept` holds the (stage,
    event) valid for the rules that keep the stage (extensions, measurements), no stage
    included. `coded` is what the fold looks moves up in: the same, by code, or, for an
    engine made inside `through_machine`, sequences that fire the Machine on every lookup.
    """

    def __init__(self, lifecycle: Lifecycle, *, fire: bool = False) -> None:
        self.lifecycle = lifecycle
        # Codes: a stage's is its place here (0 is "no stage yet"), a kind's its place in
        # `kinds`; the default lifecycle's are those of `STAGES` and `KINDS`.
        self.stages: tuple[AnyStage | None, ...] = (None, *lifecycle.stages)
        self.kinds: tuple[AnyKind, ...] = KINDS if lifecycle.classic else lifecycle.kinds()
        self._named = {_name(stage): stage for stage in self.stages}
        states, transitions = machine_spec(lifecycle)
        self._cursor = _Cursor()
        self.machine = Machine(
            model=self._cursor,
            states=states,
            transitions=transitions,
            initial=START,
            auto_transitions=False,
            ignore_invalid_triggers=False,
        )
        self.kept: set[tuple[AnyStage | None, AnyKind]] = set()
        self.table: Mapping[tuple[AnyStage | None, AnyKind], AnyStage] = self._compile(states)
        self.time_limits: tuple[CompiledLimit, ...] = tuple(
            (_FIELDS.index(limit.field), limit.delay, limit.reason, limit.exempt)
            for limit in lifecycle.time_limits
        )
        self.live = lifecycle.live
        self.lapsed = lifecycle.lapsed
        self.lapse = lifecycle.lapse
        # Kinds that keep the stage (extensions); those that move or reset the dates.
        self.keeps = frozenset(r.event for r in lifecycle.rules if r.target is None)
        self.moves = frozenset(r.event for r in lifecycle.rules if r.dates == "move")
        self.resets = frozenset(r.event for r in lifecycle.rules if r.dates == "reset")
        self.rank = lifecycle.same_day_rank()
        self.coded = _coded(self, fire)
        # What an anomaly's message lists as valid: the moves (evidence that moves nothing,
        # a measurement, is valid everywhere and says nothing about where a commitment is).
        evidence = self.keeps - self.moves
        order = [kind for kind in lifecycle.event_order() if kind not in evidence]
        self.expected: Mapping[AnyStage | None, tuple[AnyKind, ...]] = {
            stage: tuple(kind for kind in order if (stage, kind) in self.table)
            for stage in (None, *lifecycle.stages)
        }

    def _compile(self, states: list[str]) -> dict[tuple[AnyStage | None, AnyKind], AnyStage]:
        """Read every (stage, event) -> stage from the Machine's public introspection."""
        table: dict[tuple[AnyStage | None, AnyKind], AnyStage] = {}
        kinds = {kind.value: kind for kind in self.lifecycle.kinds()}
        named = self._named
        for state in states:
            for trigger in self.machine.get_triggers(state):
                for move in self.machine.get_transitions(trigger, source=state):
                    kind = kinds[trigger]
                    if move.dest is None:  # internal: the stage is kept
                        self.kept.add((named[state], kind))
                        if state == START:
                            continue
                    target = named[move.dest if move.dest is not None else state]
                    assert target is not None  # nothing leads back to "no stage"
                    table[named[state], kind] = target
        return table

    def allows(self, stage: AnyStage | None, event: AnyKind) -> bool:
        """Fire `event` through the Machine at `stage`: True when the Machine accepts it."""
        self.machine.set_state(_name(stage), model=self._cursor)
        try:
            self.machine.dispatch(event.value)
        except MachineError:
            return False
        return True

    def step(self, stage: AnyStage | None, event: AnyKind) -> AnyStage | None:
        """Fire `event` through the Machine at a commitment in `stage`; None if invalid."""
        self.machine.set_state(_name(stage), model=self._cursor)
        try:
            # One model, the cursor: dispatch fires the trigger on it.
            self.machine.dispatch(event.value)
        except MachineError:
            return None
        return self._named[self._cursor.state]


# -- the fold's codes ---------------------------------------------------------------------------

STAGES: tuple[Stage | None, ...] = (None, *Stage)
"""Every stage of the default lifecycle by its code: its place in `Stage` plus 1; 0 is "no
stage yet" (an engine's `stages` are its lifecycle's, coded alike)."""
KINDS: tuple[EventKind, ...] = tuple(EventKind)
"""Every event kind by its code: its place in `EventKind` (an engine's `kinds`, likewise)."""
assert len(STAGES) <= 8, "a stage's code has 3 bits"
assert len(KINDS) <= 8, "a kind's code has 3 bits"


class Coded(NamedTuple):
    """An engine's tables by code, for the fold (see `negotrack._course`).

    A move is looked up at ``stage code << 3 | kind code``, a list index rather than a dict
    lookup: enum members hash in Python, and a fold does this once per event. Sets of kinds
    or stages are bit masks by code.
    """

    outcomes: Sequence[int]  # the target's code, 0 for an anomaly
    kept: Sequence[bool]  # valid moves of the kinds that keep the stage
    keeps: int  # kinds that keep the stage
    moves: int  # kinds that move the dates
    resets: int  # kinds that reset the dates
    live: int  # live stages
    lapsed: int  # the code of the stage a lapse leads to (0: the lifecycle has none)
    limits: tuple[tuple[int, int, LapseReason, int], ...]  # (field, delay, reason, exempt)


def _coded(engine: Engine, fire: bool) -> Coded:
    stages, kinds = engine.stages, engine.kinds
    codes = {stage: code for code, stage in enumerate(stages)}
    outcomes: Sequence[int]
    kept: Sequence[bool]
    if fire:
        outcomes = _Fired(engine, lambda stage, kind: codes[engine.step(stage, kind)])
        kept = _Fired(engine, engine.allows)
    else:
        outcomes = [0] * (8 << 3)
        kept = [False] * (8 << 3)
        for (stage, kind), target in engine.table.items():
            outcomes[codes[stage] << 3 | kinds.index(kind)] = codes[target]
        for stage, kind in engine.kept:
            kept[codes[stage] << 3 | kinds.index(kind)] = True
    return Coded(
        outcomes=outcomes,
        kept=kept,
        keeps=_mask(kinds, engine.keeps),
        moves=_mask(kinds, engine.moves),
        resets=_mask(kinds, engine.resets),
        live=_mask(stages, engine.live),
        lapsed=0 if engine.lapsed is None else codes[engine.lapsed],
        limits=tuple(
            (field, delay, reason, _mask(stages, exempt))
            for field, delay, reason, exempt in engine.time_limits
        ),
    )


def _mask(members: Sequence[Any], chosen: Container[Any]) -> int:
    return sum(1 << code for code, member in enumerate(members) if member in chosen)


class _Fired(Sequence[_V]):
    """A table by code answered by firing the Machine on every lookup (the testing hook)."""

    def __init__(self, engine: Engine, answer: Callable[[AnyStage | None, AnyKind], _V]) -> None:
        self._stages, self._kinds = engine.stages, engine.kinds
        self._answer = answer

    @overload
    def __getitem__(self, index: int) -> _V: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[_V]: ...
    def __getitem__(self, index: int | slice) -> _V | Sequence[_V]:
        assert isinstance(index, int)
        stage, code = index >> 3, index & 7
        if stage >= len(self._stages) or code >= len(self._kinds):
            raise IndexError(index)
        return self._answer(self._stages[stage], self._kinds[code])

    def __len__(self) -> int:
        return 8 << 3


_FIRING: contextvars.ContextVar[bool] = contextvars.ContextVar("negotrack_fire", default=False)


@contextlib.contextmanager
def through_machine() -> Iterator[None]:
    """Make the trackers created inside fire every event through the transitions Machine."""
    token = _FIRING.set(True)
    try:
        yield
    finally:
        _FIRING.reset(token)


def engine(lifecycle: Lifecycle = LIFECYCLE, *, fire: bool | None = None) -> Engine:
    """Return the engine of `lifecycle`, built once (one firing the Machine inside the hook).

    `fire` says whether it fires the Machine; None: as the hook says now.
    """
    return _engine(lifecycle, _FIRING.get() if fire is None else fire)


def firing() -> bool:
    """True inside `through_machine`."""
    return _FIRING.get()


@functools.cache
def _engine(lifecycle: Lifecycle, fire: bool) -> Engine:
    return Engine(lifecycle, fire=fire)


def diagram(fmt: DiagramFormat = "mermaid", lifecycle: Lifecycle = LIFECYCLE) -> str:
    """Draw `lifecycle` with transitions' own diagram support, as Mermaid or Graphviz dot.

    Mermaid needs nothing else installed. Dot needs the `graphviz` Python package
    (the ``[diagrams]`` extra: ``pip install '.[diagrams]'`` in a clone), but not the Graphviz
    programs.
    """
    if fmt not in ("mermaid", "dot"):
        raise InvalidValue(
            "fmt",
            fmt,
            "'mermaid' or 'dot'",
            message=f"unknown diagram format {fmt!r}; expected 'mermaid' or 'dot'",
        )
    if fmt == "dot" and importlib.util.find_spec("graphviz") is None:
        raise NegotrackError(
            f"drawing dot needs the graphviz package; {install_hint('diagrams')}, or use "
            "--format mermaid"
        )
    from transitions.extensions.diagrams import GraphMachine

    styles: dict[str, Any] = copy.deepcopy(GraphMachine.style_attributes)
    # A lifecycle has no current state: draw every node alike.
    styles["node"]["active"] = dict(styles["node"]["inactive"])

    class _LifecycleGraph(GraphMachine):
        style_attributes = styles

    states, transitions = machine_spec(lifecycle, corroboration=False)
    graph = _LifecycleGraph(
        states=states,
        transitions=transitions,
        initial=START,
        auto_transitions=False,
        title="negotrack commitment lifecycle"
        if lifecycle.name == LIFECYCLE.name
        else f"negotrack {lifecycle.name} lifecycle",
        graph_engine="mermaid" if fmt == "mermaid" else "graphviz",
    )
    source: str = graph.get_graph().source
    return source
