"""The transitions engine: one Machine per lifecycle, compiled into the replay table."""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from transitions import Machine

import negotrack as nt
from negotrack import LIFECYCLE, EventKind, Stage
from negotrack._engine import KINDS, STAGES, START, engine, machine_spec


def test_one_machine_per_lifecycle() -> None:
    """The engine is built once per lifecycle and holds a real transitions Machine."""
    assert engine(LIFECYCLE) is engine(LIFECYCLE)
    assert isinstance(engine().machine, Machine)
    # One stand-in model for `step`, never one per commitment.
    assert len(engine().machine.models) == 1


def test_trackers_made_through_the_machine_fire_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """Inside the testing hook, a tracker's replay fires the Machine for every event."""
    from negotrack.testing import through_machine

    fired: list[str] = []
    real = Machine.dispatch
    monkeypatch.setattr(
        Machine,
        "dispatch",
        lambda self, trigger, *a, **k: fired.append(trigger) or real(self, trigger, *a, **k),
    )
    with through_machine():
        t = nt.Tracker()
    t.add(nt.Commitment(id="c", title="t", by="A", to="B"))
    t.record(nt.Event(commitment="c", kind="approved", on=date(2025, 1, 1)))
    assert t.status("c", on=date(2025, 1, 2)).stage is Stage.APPROVED
    assert fired == ["approved"]
    plain = nt.Tracker()
    plain.add(nt.Commitment(id="c", title="t", by="A", to="B"))
    plain.record(nt.Event(commitment="c", kind="approved", on=date(2025, 1, 1)))
    assert plain.status("c", on=date(2025, 1, 2)).stage is Stage.APPROVED
    assert fired == ["approved"]  # the compiled table does not call transitions


def test_table_is_compiled_from_the_machine() -> None:
    """The outcome table equals the lifecycle's edges, read back from the Machine's events."""
    assert dict(engine().table) == dict(LIFECYCLE.outcomes())


@pytest.mark.parametrize(
    ("stage", "kind"), list(itertools.product([None, *Stage], list(EventKind)))
)
def test_machine_and_table_agree_on_every_move(stage: Stage | None, kind: EventKind) -> None:
    """Firing the Machine, looking up the table and the fold's codes give the same result
    for every move."""
    e = engine()
    assert e.step(stage, kind) == e.table.get((stage, kind))
    index = STAGES.index(stage) << 3 | KINDS.index(kind)
    assert STAGES[e.coded.outcomes[index]] == e.step(stage, kind)
    assert e.coded.kept[index] == ((stage, kind) in e.kept)


def test_machine_spec_states() -> None:
    """The Machine has a start state for "no stage yet" and one state per stage."""
    states, transitions = machine_spec(LIFECYCLE)
    assert states == [START, *(s.value for s in Stage)]
    assert {t["trigger"] for t in transitions} == {k.value for k in EventKind}


def test_mermaid_diagram_is_drawn_by_transitions() -> None:
    """The Mermaid diagram has every forward edge and no corroboration loop."""
    text = nt.diagram("mermaid")
    assert text.count("stateDiagram-v2") == 1
    assert "start --> approved: approved" in text
    assert "lapsed --> proposed: revived" in text
    assert "approved --> approved: approved" not in text
    assert "approved --> approved: extended [internal]" in text


def test_dot_diagram() -> None:
    """The dot diagram names every stage and the revival edge."""
    text = nt.diagram("dot")
    assert text.startswith("digraph")
    assert "lapsed -> proposed [label=revived]" in text
    for stage in Stage:
        assert f"{stage.value} [" in text


def test_unknown_diagram_format() -> None:
    """An unknown format is a ValueError listing the valid ones."""
    with pytest.raises(ValueError, match="expected 'mermaid' or 'dot'"):
        nt.diagram("svg")  # type: ignore[arg-type]


def test_dot_without_graphviz_says_how_to_get_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the graphviz package, dot is refused with the extra to install."""
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "graphviz" else real(name, *a)
    )
    with pytest.raises(nt.NegotrackError, match=r"negotrack\[diagrams\]"):
        nt.diagram("dot")
    assert "stateDiagram-v2" in nt.diagram("mermaid")
