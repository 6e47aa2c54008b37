"""The transitions engine: the only module that touches the `transitions` library.

One `Machine` is built per lifecycle, never one per commitment and never with `add_model`
(which is quadratic in the number of models and cannot drive frozen attrs instances). Its
events are compiled once into a plain table that replay uses, so a lookup costs a dict access
instead of a trigger call. `Engine.step` fires the real Machine for one move; the property
suite checks that the table and the Machine agree on every generated log.
"""

from __future__ import annotations

import copy
import functools
import importlib.util
from collections.abc import Mapping
from typing import Any, Literal

from transitions import Machine, MachineError

from ._exceptions import NegotrackError
from ._lifecycle import LIFECYCLE, EventKind, Lifecycle, Stage
from ._timeline import compile_limits

START = "start"
"""Name of the machine state that stands for "no stage yet"."""

DiagramFormat = Literal["mermaid", "dot"]


def _name(stage: Stage | None) -> str:
    return START if stage is None else stage.value


def _stage(name: str) -> Stage | None:
    return None if name == START else Stage(name)


def machine_spec(
    lifecycle: Lifecycle, *, corroboration: bool = True
) -> tuple[list[str], list[dict[str, Any]]]:
    """Return the states and transitions (in transitions' own format) of `lifecycle`.

    Each rule becomes one transitions trigger per destination. With `corroboration`, the
    loops that keep a commitment at the stage it already has are included (the engine needs
    them; a diagram is clearer without them).
    """
    states = [START, *(stage.value for stage in lifecycle.stages)]
    grouped: dict[tuple[EventKind, str | None], list[str]] = {}
    for source, event, target in lifecycle.edges():
        keeps_stage = lifecycle.rule(event).target is None
        if source == target and not keeps_stage and not corroboration:
            continue
        dest = None if keeps_stage else _name(target)
        grouped.setdefault((event, dest), []).append(_name(source))
    transitions = [
        {"trigger": event.value, "source": sources, "dest": dest}
        for (event, dest), sources in grouped.items()
    ]
    return states, transitions


class _Cursor:
    """The single stand-in model that `Engine.step` moves through the Machine."""

    __slots__ = ("state",)

    def __init__(self, state: str) -> None:
        self.state = state


class Engine:
    """A lifecycle's transitions `Machine` and the outcome table compiled from it."""

    __slots__ = (
        "expected",
        "lapsed",
        "lifecycle",
        "live",
        "machine",
        "outcomes",
        "rank",
        "time_limits",
    )

    def __init__(self, lifecycle: Lifecycle) -> None:
        self.lifecycle = lifecycle
        states, transitions = machine_spec(lifecycle)
        self.machine = Machine(
            model=None,
            states=states,
            transitions=transitions,
            initial=START,
            auto_transitions=False,
            ignore_invalid_triggers=False,
        )
        outcomes: dict[tuple[Stage | None, EventKind], Stage] = {}
        for trigger, event in self.machine.events.items():
            kind = EventKind(trigger)
            for source_name, moves in event.transitions.items():
                for move in moves:
                    dest = move.dest if move.dest is not None else source_name
                    target = _stage(dest)
                    assert target is not None  # nothing leads back to "no stage"
                    outcomes[_stage(source_name), kind] = target
        self.outcomes: Mapping[tuple[Stage | None, EventKind], Stage] = outcomes
        self.time_limits = compile_limits(lifecycle)
        self.live = lifecycle.live
        self.lapsed = lifecycle.lapsed
        self.rank = lifecycle.same_day_rank()
        order = lifecycle.event_order()
        self.expected: Mapping[Stage | None, tuple[EventKind, ...]] = {
            stage: tuple(kind for kind in order if (stage, kind) in outcomes)
            for stage in (None, *lifecycle.stages)
        }

    def step(self, stage: Stage | None, event: EventKind) -> Stage | None:
        """Fire `event` through the Machine at a commitment in `stage`; None if invalid."""
        cursor = _Cursor(_name(stage))
        try:
            self.machine.events[event.value].trigger(cursor)
        except MachineError:
            return None
        return _stage(cursor.state)


@functools.cache
def engine(lifecycle: Lifecycle = LIFECYCLE) -> Engine:
    """Return the engine of `lifecycle`, built once."""
    return Engine(lifecycle)


def diagram(fmt: DiagramFormat = "mermaid", lifecycle: Lifecycle = LIFECYCLE) -> str:
    """Draw `lifecycle` with transitions' own diagram support, as Mermaid or Graphviz dot.

    Mermaid needs nothing else installed. Dot needs the `graphviz` Python package
    (``pip install 'negotrack[diagrams]'``), but not the Graphviz programs.
    """
    if fmt not in ("mermaid", "dot"):
        raise ValueError(f"unknown diagram format {fmt!r}; expected 'mermaid' or 'dot'")
    if fmt == "dot" and importlib.util.find_spec("graphviz") is None:
        raise NegotrackError(
            "drawing dot needs the graphviz package; install it with "
            "pip install 'negotrack[diagrams]', or use --format mermaid"
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
        title="negotrack commitment lifecycle",
        graph_engine="mermaid" if fmt == "mermaid" else "graphviz",
    )
    source: str = graph.get_graph().source
    return source
