"""Lifecycles of your own: the built-ins, a commitment's lifecycle, files, the CLI, and the laws
of the contract on generated lifecycles."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from helpers import cli, commitment, day, event
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import lifecycles, reorderings
from test_properties import (
    DAY,
    Negotiation,
    build,
    check_batching,
    check_kept_views,
    check_known_by,
    check_machine_agrees,
    check_recording_order,
    raises,
    state_of,
)

import negotrack as nt
from negotrack import _codec
from negotrack.testing import negotiations

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
EXAMPLE = ROOT / "examples" / "eu-us-2025.yaml"


def treaty_tracker(**options: object) -> nt.Tracker:
    t = nt.Tracker(**options)  # type: ignore[arg-type]
    t.add(commitment("t", lifecycle="treaty", expires=day("2026-06-01")))
    return t


def test_the_builtins_are_named_and_shipped() -> None:
    """LIFECYCLES holds the default negotiation lifecycle, a treaty's and a law's, by name."""
    assert dict(nt.LIFECYCLES) == {
        "negotiation": nt.LIFECYCLE,
        "treaty": nt.TREATY,
        "legislation": nt.LEGISLATION,
    }
    assert [s.value for s in nt.TREATY.stages] == [
        "signed",
        "ratified",
        "in_force",
        "withdrawn",
        "terminated",
    ]
    assert [s.value for s in nt.LEGISLATION.stages] == [
        "proposed",
        "adopted",
        "in_force",
        "repealed",
    ]
    assert nt.TREATY.live == {"signed", "ratified", "in_force"}
    assert nt.LEGISLATION.lapsed == "repealed"


@pytest.mark.parametrize("name", ["treaty", "legislation"])
def test_readme_tables_of_the_builtins_are_generated(name: str) -> None:
    """The README's table of each built-in is exactly its markdown()."""
    table = README.split(f"<!-- lifecycle-table {name} -->\n")[1].split("<!-- /lifecycle-table")[0]
    assert table == nt.LIFECYCLES[name].markdown()


def test_a_lifecycle_of_strings_says_how_to_finish_it() -> None:
    """Lifecycle(stages=[...]) alone raises InvalidDefinition saying what to add, and with
    rules it works, its stages and events plain strings."""
    with pytest.raises(nt.InvalidDefinition, match="no rules; give each event a Rule") as caught:
        nt.Lifecycle(stages=["signed", "ratified"])
    assert isinstance(caught.value, nt.NegotrackError)
    made = nt.Lifecycle(
        name="pledge",
        stages=["pledged", "kept", "broken"],
        final=["kept", "broken"],
        rules=[
            nt.Rule("pledged", sources=[None], target="pledged"),
            nt.Rule("kept", sources=["pledged"], target="kept"),
            nt.Rule("broken", sources=["pledged"], target="broken"),
        ],
        lapse=None,
    )
    assert made.initial == "pledged"
    assert made.live == {"pledged"}
    assert all(type(s) is nt.Name and isinstance(s, str) for s in made.stages)


def test_too_many_stages_is_a_definition_error() -> None:
    """A lifecycle past the fold's 7 stages says how to fix it."""
    stages = [f"s{i}" for i in range(8)]
    rules = [nt.Rule(f"e{i}", sources=[None], target=s) for i, s in enumerate(stages)]
    with pytest.raises(nt.InvalidDefinition, match="more than the 7 a lifecycle may have"):
        nt.Lifecycle(stages=stages, rules=rules, final=stages)


def test_a_treaty_follows_its_own_lifecycle() -> None:
    """A commitment naming `treaty` climbs its stages, and its expiry infers the lapse event
    the treaty names, with the lifecycle's own names in the history's plain data."""
    t = treaty_tracker()
    t.record(event("signed", "2025-01-01", "t"), event("ratified", "2025-03-01", "t"))
    assert t.status("t", on=day("2025-03-05")).stage == "ratified"
    lapsed = t.status("t", on=day("2026-06-01"))
    assert (lapsed.stage, lapsed.inferred, lapsed.reason) == ("terminated", True, "expired")
    data = [_codec.unstructure(step) for step in t.history("t")]
    assert [(d["event"], d["from"], d["to"]) for d in data] == [
        ("signed", None, "signed"),
        ("ratified", "signed", "ratified"),
        ("terminated", "ratified", "terminated"),
    ]
    assert json.loads(json.dumps(data))[1]["to"] == "ratified"
    assert t.lifecycle_of("t") is nt.TREATY
    assert t.due(day("2026-01-01"), 365)[0].lapses_on == day("2026-06-01")


def test_an_event_of_another_lifecycle_is_an_anomaly() -> None:
    """`approved` on a treaty is kept as an anomaly naming the treaty's events, and refused
    in strict mode with nothing recorded."""
    t = treaty_tracker()
    t.record(event("signed", "2025-01-01", "t"), event("approved", "2025-02-01", "t"))
    (found,) = t.anomalies()
    assert found.stage == "signed"
    assert "not an event of its lifecycle, 'treaty'" in found.message
    assert t.status("t", on=day("2025-03-01")).stage == "signed"
    strict = treaty_tracker(strict=True)
    strict.record(event("signed", "2025-01-01", "t"))
    err = raises(nt.InvalidTransition, lambda: strict.record(event("approved", "2025-02-01", "t")))
    assert isinstance(err, nt.InvalidTransition)
    assert len(strict.events()) == 1


def test_events_of_another_lifecycle_are_listed_whatever_the_recording_order() -> None:
    """Two events of the default lifecycle's on a treaty, on one date, are the same anomalies
    in the same order whichever is recorded first (the contract lets only events of one
    commitment, date and kind depend on their recording order)."""
    found = []
    for kinds in (["approved", "proposed"], ["proposed", "approved"]):
        t = treaty_tracker()
        t.record(*(event(kind, "2025-02-01", "t") for kind in kinds))
        found.append(t.anomalies())
    assert found[0] == found[1]


def test_an_unknown_lifecycle_is_refused_with_the_known_ones() -> None:
    """Adding a commitment that names no known lifecycle raises, listing those known."""
    with pytest.raises(nt.InvalidValue, match="no lifecycle is named 'traety'; name one of"):
        nt.Tracker().add(commitment("x", lifecycle="traety"))


def test_an_unknown_event_name_is_still_refused() -> None:
    """An event kind no lifecycle declares is refused as before, naming the valid ones."""
    with pytest.raises(nt.InvalidValue, match="'ratifyed' is not a valid EventKind"):
        event("ratifyed", "2025-01-01")


def test_the_example_is_written_checked_and_reported(tmp_path: Path) -> None:
    """The EU-US example loads, follows legislation and treaty lifecycles, dumps and loads
    back the same, and reports."""
    t = nt.load(EXAMPLE, strict=True)
    snap = t.snapshot(on=day("2025-12-31"))
    assert snap["eu-industrial-tariffs"].stage == "proposed"
    assert t.lifecycle_of("eu-industrial-tariffs") is nt.LEGISLATION
    assert snap["us-fish-subsidies"].stage == "in_force"
    assert {c.id for c in t.commitments() if c.part_of == "eu-us-framework"} == {
        "eu-industrial-tariffs",
        "eu-lobster",
        "us-tariff-ceiling",
    }
    nt.dump(t, tmp_path / "again.yaml")
    again = nt.load(tmp_path / "again.yaml")
    assert again.snapshot(on=day("2025-12-31")) == snap
    assert cli("status", EXAMPLE, "--as-of", "2025-12-31").returncode == 0
    pytest.importorskip("matplotlib")
    pytest.importorskip("jinja2")
    nt.report(t, tmp_path / "report.html", on=day("2025-12-31"))
    assert "in force" in (tmp_path / "report.html").read_text(encoding="utf-8")


LADDER = """negotrack: 1
id: x
title: X
parties: {EU: European Union, US: United States}
lifecycles:
  ratification:
    stages: [signed, ratified]
    final: [ratified]
    events:
      signed: {from: [start], to: signed}
      ratified: {from: [start, signed], to: ratifed}
commitments:
  - {id: c, title: C, by: EU, to: US, lifecycle: ratification}
"""


def test_a_bad_definition_in_a_file_is_a_file_line_error(tmp_path: Path) -> None:
    """A lifecycle declared wrong in a file raises ScenarioError at its line, saying what is
    wrong; fixed, it loads and the commitment follows it."""
    path = tmp_path / "ladder.yaml"
    path.write_text(LADDER, encoding="utf-8")
    with pytest.raises(nt.ScenarioError) as caught:
        nt.load(path)
    assert f"{path}:6: lifecycle 'ratification': rule 'ratified' leads to unknown stage" in str(
        caught.value
    )
    path.write_text(LADDER.replace("ratifed", "ratified"), encoding="utf-8")
    assert nt.load(path).lifecycle_of("c").name == "ratification"


def test_diagram_draws_a_named_lifecycle(tmp_path: Path) -> None:
    """`diagram --lifecycle treaty` draws the treaty; a file's own lifecycle is drawn from the
    file; an unknown name is one error line."""
    drawn = cli("diagram", "--lifecycle", "treaty")
    assert drawn.returncode == 0
    assert "signed --> ratified: ratified" in drawn.stdout
    path = tmp_path / "ladder.yaml"
    path.write_text(LADDER.replace("ratifed", "ratified"), encoding="utf-8")
    own = cli("diagram", "--lifecycle", "ratification", path)
    assert "start --> signed: signed" in own.stdout
    wrong = cli("diagram", "--lifecycle", "nope")
    assert wrong.returncode != 0
    assert "no lifecycle is named 'nope'" in wrong.stderr


@pytest.mark.parametrize(("span", "days"), [("6m", 181), ("3y", 1096), ("2w", 14), ("30", 30)])
def test_due_within_takes_months_and_years(span: str, days: int) -> None:
    """`due --within` counts months and years in calendar days after --as-of."""
    found = cli("due", EXAMPLE, "--as-of", "2025-09-01", "--within", span, "--json")
    assert found.returncode == 0, found.stderr
    assert json.loads(found.stdout)["within"] == days


# -- the laws, on generated lifecycles --------------------------------------------------------


@st.composite
def generated(draw: st.DrawFn) -> tuple[nt.Lifecycle, Negotiation]:
    """A generated lifecycle and a negotiation walking it."""
    lifecycle = draw(lifecycles())
    return lifecycle, draw(negotiations(lifecycle=lifecycle, max_commitments=3, max_steps=6))


KNOWN_BYS = [None, date(2025, 2, 15)]


@settings(max_examples=40)
@given(case=generated(), data=st.data())
def test_recording_order_and_batching_never_matter(
    case: tuple[nt.Lifecycle, Negotiation], data: st.DataObject
) -> None:
    """Laws 1 and 2 on generated lifecycles: any recording order, one at a time or at once."""
    lifecycle, negotiation = case
    reordered = data.draw(reorderings(negotiation.events))
    check_recording_order(lifecycle, negotiation, reordered, KNOWN_BYS)
    check_batching(lifecycle, negotiation, KNOWN_BYS)


@settings(max_examples=40)
@given(case=generated(), cutoff=st.dates(date(2025, 1, 1), date(2025, 5, 1)))
def test_known_by_and_kept_views_on_generated_lifecycles(
    case: tuple[nt.Lifecycle, Negotiation], cutoff: date
) -> None:
    """Laws 4, 8 and 9 on generated lifecycles: known-by sees only what was known, the Machine
    agrees with the compiled table, and kept views equal a rebuild."""
    lifecycle, negotiation = case
    check_known_by(lifecycle, negotiation, cutoff)
    check_machine_agrees(lifecycle, negotiation, KNOWN_BYS)
    check_kept_views(lifecycle, negotiation, len(negotiation.events) // 2)


@settings(max_examples=60)
@given(case=generated())
def test_paths_and_time_limits_on_generated_lifecycles(
    case: tuple[nt.Lifecycle, Negotiation],
) -> None:
    """Every step is an edge of the lifecycle or an inferred lapse from a live stage to its
    lapse stage; a commitment live the day before its expiry, with nothing after, has lapsed
    on that day, inferred."""
    lifecycle, negotiation = case
    t = build(lifecycle, *negotiation)
    table = lifecycle.outcomes()
    for step in t.timeline():
        if step.inferred:
            assert step.kind == lifecycle.lapse
            assert (step.source, step.target) in {(s, lifecycle.lapsed) for s in lifecycle.live}
        else:
            assert table.get((step.source, step.kind)) == step.target, step
    # Events whose rule moves or resets the dates in force (an extension, new terms): after
    # one, the commitment's own expiry may no longer be the one in force.
    dated = {rule.event for rule in lifecycle.rules if rule.dates != "keep"}
    for c in negotiation.commitments:
        mine = [e for e in negotiation.events if e.commitment == c.id]
        if c.expires is None or any(e.kind in dated for e in mine):
            continue
        if any(e.on >= c.expires for e in mine) or c.deadline is not None:
            continue
        before = t.status(c.id, on=c.expires - DAY)
        if before.stage in lifecycle.live and (c.target is None or c.target.end >= c.expires):
            after = t.status(c.id, on=c.expires)
            assert (after.stage, after.inferred) == (lifecycle.lapsed, True), c


@settings(max_examples=40)
@given(case=generated())
def test_strict_mode_refuses_exactly_the_anomalies(case: tuple[nt.Lifecycle, Negotiation]) -> None:
    """Law 6 on generated lifecycles: strict mode refuses, changing nothing, exactly the events
    that a lenient tracker holding the same accepted events keeps as new anomalies."""
    lifecycle, negotiation = case
    strict = nt.Tracker(strict=True, lifecycle=lifecycle)
    strict.add(*negotiation.commitments)
    accepted: list[nt.Event] = []
    for e in negotiation.events:
        lenient = build(lifecycle, negotiation.commitments, [*accepted, e])
        before = state_of(strict)
        if e not in accepted and lenient.anomalies():
            raises(nt.InvalidTransition, lambda e=e: strict.record(e))
            assert state_of(strict) == before
        else:
            strict.record(e)
            if e not in accepted:
                accepted.append(e)
            assert strict.anomalies() == ()
