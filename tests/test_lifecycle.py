"""The lifecycle definition: its contract, its validation, and the docs derived from it."""

from __future__ import annotations

import html
import re
from pathlib import Path

import attrs
import pytest

import negotrack as nt
from negotrack import LIFECYCLE, EventKind, Rule, Stage

README = Path(__file__).parent.parent / "README.md"
LIVE = (Stage.PROPOSED, Stage.PRELIMINARY_CONSENSUS, Stage.APPROVED, Stage.IMPLEMENTED)


def test_stages_and_events_are_the_contract() -> None:
    """The five stages and the events have the contract's names, in the contract's order: the
    seven of the core, then `measured` (quantitative commitments), which moves no stage."""
    assert [s.value for s in LIFECYCLE.stages] == [
        "proposed",
        "preliminary_consensus",
        "approved",
        "implemented",
        "lapsed",
    ]
    assert [e.value for e in LIFECYCLE.same_day_order] == [
        "proposed",
        "consensus_reached",
        "approved",
        "implemented",
        "extended",
        "lapsed",
        "revived",
        "measured",
    ]
    assert {r.value for r in nt.LapseReason} == {
        "expired",
        "deadline_missed",
        "withdrawn",
        "voided",
        "superseded",
        "breached",
        "target_missed",
    }
    assert LIFECYCLE.live == frozenset(LIVE)
    assert LIFECYCLE.initial is Stage.PROPOSED


def test_lapse_is_reachable_from_every_live_stage() -> None:
    """Every live stage has a lapse edge, and only live stages do (besides corroboration)."""
    outcomes = LIFECYCLE.outcomes()
    for stage in LIVE:
        assert outcomes[stage, EventKind.LAPSED] is Stage.LAPSED
    assert (None, EventKind.LAPSED) not in outcomes


def test_forward_edges_never_go_down_the_ladder() -> None:
    """No event leads to a lower rung, except a revival out of lapsed."""
    rank = {s: i for i, s in enumerate(LIFECYCLE.stages)}
    for source, event, target in LIFECYCLE.edges():
        if source is None or event is EventKind.REVIVED:
            continue
        assert rank[target] >= rank[source], (source, event, target)


def test_revival_is_the_only_way_out_of_lapsed() -> None:
    """From lapsed, every edge but corroboration is a revival to proposed."""
    leaving = {
        (e, t) for s, e, t in LIFECYCLE.edges() if s is Stage.LAPSED and t is not Stage.LAPSED
    }
    assert leaving == {(EventKind.REVIVED, Stage.PROPOSED)}


def _without(event: EventKind) -> tuple[Rule, ...]:
    return tuple(r for r in LIFECYCLE.rules if r.event is not event)


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"rules": _without(EventKind.REVIVED)}, "no rule for events ['revived']"),
        (
            {"rules": (*LIFECYCLE.rules, Rule("approved", sources=(None,), target="approved"))},
            "more than one rule for events ['approved']",
        ),
        (
            {
                "rules": tuple(
                    attrs.evolve(r, sources=()) if r.event is EventKind.REVIVED else r
                    for r in LIFECYCLE.rules
                )
            },
            "stages ['lapsed'] have no way out",
        ),
        (
            {
                "rules": tuple(
                    attrs.evolve(r, sources={s for s in r.sources if s is not None})
                    if r.event is not EventKind.REVIVED
                    else r
                    for r in LIFECYCLE.rules
                )
            },
            "cannot be reached from the start",
        ),
        ({"same_day_order": LIFECYCLE.same_day_order[:-1]}, "same_day_order must list"),
        ({"initial": Stage.APPROVED}, "initial stage 'approved' must be the first rung"),
        (
            {
                "rules": tuple(
                    attrs.evolve(r, target=Stage.APPROVED) if r.event is EventKind.REVIVED else r
                    for r in LIFECYCLE.rules
                )
            },
            "'revived' rule must lead back to the initial stage",
        ),
        ({"live": (*LIVE, Stage.LAPSED)}, "'lapsed' rule must lead to a stage that is not live"),
    ],
)
def test_validation_names_each_defect(changes: dict[str, object], words: str) -> None:
    """A broken copy of the lifecycle raises InvalidDefinition saying what is wrong."""
    with pytest.raises(nt.InvalidDefinition) as caught:
        attrs.evolve(LIFECYCLE, **changes)
    assert any(words in p for p in caught.value.problems), caught.value.problems
    assert isinstance(caught.value, ValueError)


def test_a_final_stage_may_be_a_trap() -> None:
    """Declaring lapsed final makes a lifecycle without revival valid."""
    terminal = attrs.evolve(
        LIFECYCLE,
        rules=tuple(
            attrs.evolve(r, sources=()) if r.event is EventKind.REVIVED else r
            for r in LIFECYCLE.rules
        ),
        final={Stage.LAPSED},
    )
    assert (Stage.LAPSED, EventKind.REVIVED) not in terminal.outcomes()


def test_readme_table_is_generated_from_the_definition() -> None:
    """The lifecycle table in the README is exactly LIFECYCLE.markdown()."""
    text = README.read_text(encoding="utf-8")
    table = text.split("<!-- lifecycle-table -->\n")[1].split("<!-- /lifecycle-table -->")[0]
    assert table == LIFECYCLE.markdown()


def test_readme_picture_is_drawn_from_the_definition() -> None:
    """The README shows docs/lifecycle.svg, drawn from docs/lifecycle.dot, which is what
    transitions draws of LIFECYCLE today (python docs/make_lifecycle.py makes both)."""
    pytest.importorskip("graphviz")
    assert "![" in README.read_text(encoding="utf-8").split("docs/lifecycle.svg")[0][-200:]
    docs = README.parent / "docs"
    source = (docs / "lifecycle.dot").read_text(encoding="utf-8")
    assert source == nt.diagram("dot"), "the lifecycle changed: run python docs/make_lifecycle.py"
    edges = set(re.findall(r"^\t(\w+) -> (\w+) \[label=", source, flags=re.M))
    svg = html.unescape((docs / "lifecycle.svg").read_text(encoding="utf-8"))
    drawn = set(re.findall(r"<title>(\w+)->(\w+)</title>", svg))
    assert drawn == edges
    moves = {(s, t) for (s, _), t in LIFECYCLE.outcomes().items() if s != t}  # not corroborations
    assert {(None if s is None else s.value, t.value) for s, t in moves} <= {
        (None if a == "start" else a, b) for a, b in edges
    }
    assert {s.value for s in LIFECYCLE.stages} <= set(re.findall(r"<title>(\w+)</title>", svg))
