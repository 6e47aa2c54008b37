"""The public namespace and the value objects' own checks."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import attrs
import pytest

import negotrack as nt

ROOT = Path(__file__).parent.parent


def test_public_namespace_is_pinned() -> None:
    """`negotrack.__all__` is sorted and lists exactly the public names."""

    def isort_style(name: str) -> tuple[int, str]:
        return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)

    assert nt.__all__ == sorted(nt.__all__, key=isort_style)
    assert set(nt.__all__) == {
        "LEGISLATION",
        "LIFECYCLE",
        "LIFECYCLES",
        "TREATY",
        "Anomaly",
        "Change",
        "ChangeKind",
        "Commitment",
        "ConflictingEvent",
        "Due",
        "Dispute",
        "DueKind",
        "DuplicateCommitment",
        "Event",
        "EventKind",
        "InvalidDefinition",
        "InvalidTransition",
        "InvalidValue",
        "LapseReason",
        "Lifecycle",
        "Link",
        "LinkKind",
        "Name",
        "NegotrackError",
        "Period",
        "Progress",
        "Revision",
        "Rule",
        "Scenario",
        "ScenarioError",
        "Snapshot",
        "Source",
        "Stage",
        "Status",
        "StoreBusy",
        "StoreError",
        "Target",
        "TimeLimit",
        "Tracker",
        "Transition",
        "UnknownCommitment",
        "__version__",
        "diagram",
        "dump",
        "load",
        "open",
        "report",
    }
    for name in nt.__all__:
        assert hasattr(nt, name), name


def test_version_matches_the_changelog() -> None:
    """The version is PEP 440 and the changelog agrees: a dev version has an Unreleased
    section on top and is newer than every release listed; a release heads the changelog."""
    match = re.fullmatch(r"(\d+\.\d+\.\d+)(\.dev\d+)?", nt.__version__)
    assert match is not None, nt.__version__
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    sections = re.findall(r"^## \[([^\]]+)\]", changelog, flags=re.M)
    assert sections, "CHANGELOG.md has no version sections"
    released = [tuple(map(int, s.split("."))) for s in sections if s != "Unreleased"]
    base = tuple(map(int, match[1].split(".")))
    if match[2]:
        assert sections[0] == "Unreleased"
        assert all(version < base for version in released), (base, released)
    else:
        assert sections[0] == match[1]
    assert (ROOT / "negotrack" / "py.typed").exists()


FROZEN = [
    nt.Commitment(id="c", title="t", by="A", to="B"),
    nt.Event(commitment="c", kind="approved", on=date(2025, 1, 1)),
    nt.Link("reciprocal", "d"),
    nt.Status(nt.Stage.APPROVED),
    nt.Transition(
        commitment="c", on=date(2025, 1, 1), kind="approved", source=None, target="approved"
    ),
    nt.Anomaly(
        event=nt.Event(commitment="c", kind="lapsed", on=date(2025, 1, 1)),
        stage=None,
        expected=(),
        message="m",
    ),
    nt.Source(title="t"),
    nt.Scenario(id="s", title="t"),
]


@pytest.mark.parametrize("value", FROZEN, ids=[type(v).__name__ for v in FROZEN])
def test_value_objects_are_frozen(value: object) -> None:
    """Every value object is a frozen attrs class: assigning to a field raises, and
    attrs.evolve makes a changed copy instead."""
    assert attrs.has(type(value))
    field = attrs.fields(type(value))[0]
    before = getattr(value, field.name)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        setattr(value, field.name, "changed")
    assert getattr(value, field.name) == before
    with pytest.raises(AttributeError):
        value.not_a_field = 1  # type: ignore[attr-defined]


def test_errors_subclass_fitting_builtins() -> None:
    """Each error is a NegotrackError and the builtin a caller would catch."""
    assert issubclass(nt.UnknownCommitment, KeyError)
    assert issubclass(nt.DuplicateCommitment, ValueError)
    assert issubclass(nt.InvalidTransition, ValueError)
    assert issubclass(nt.InvalidDefinition, ValueError)
    assert issubclass(nt.ScenarioError, ValueError)
    assert issubclass(nt.StoreError, OSError)
    for name in nt.__all__:
        obj = getattr(nt, name)
        if isinstance(obj, type) and issubclass(obj, Exception):
            assert issubclass(obj, nt.NegotrackError), name


class TestEvent:
    """Event checks its own consistency."""

    def test_reason_only_with_lapsed(self) -> None:
        """A reason on anything but a lapse is refused with a fix."""
        with pytest.raises(ValueError, match="goes only with a 'lapsed' event"):
            nt.Event(commitment="c", kind="approved", on=date(2025, 1, 1), reason="voided")

    def test_extension_needs_a_date(self) -> None:
        """An extension without a new date is refused."""
        with pytest.raises(ValueError, match="needs a new deadline, a new expires date"):
            nt.Event(commitment="c", kind="extended", on=date(2025, 1, 1))

    def test_extension_cannot_go_back_in_time(self) -> None:
        """An extension cannot set a date before its own."""
        with pytest.raises(ValueError, match="cannot set expires to the earlier date"):
            nt.Event(commitment="c", kind="extended", on=date(2025, 1, 2), expires=date(2025, 1, 1))

    def test_dates_only_with_extended(self) -> None:
        """deadline and expires go only with an extension."""
        with pytest.raises(ValueError, match="expires goes only with an 'extended' event"):
            nt.Event(commitment="c", kind="approved", on=date(2025, 1, 1), expires=date(2026, 1, 1))

    def test_unknown_kind_lists_the_valid_ones(self) -> None:
        """A misspelt kind is refused with the list of kinds."""
        with pytest.raises(ValueError, match="'aproved' is not a valid EventKind; expected one of"):
            nt.Event(commitment="c", kind="aproved", on=date(2025, 1, 1))

    def test_datetime_is_not_a_date(self) -> None:
        """A datetime is refused: events are dated to the day."""
        with pytest.raises(TypeError, match=r"on must be a datetime\.date"):
            nt.Event(commitment="c", kind="approved", on=datetime(2025, 1, 1, 12))

    def test_id_is_given_or_derived(self) -> None:
        """The id is the one given, or a digest of the content that evolve recomputes."""
        e = nt.Event(commitment="c", kind="approved", on=date(2025, 1, 1))
        assert e.id.startswith("ev-")
        assert e.id == nt.Event(commitment="c", kind="approved", on=date(2025, 1, 1)).id
        assert attrs.evolve(e, quote="q").id != e.id
        assert attrs.evolve(e, id="mine").id == "mine"

    def test_known_on_defaults_to_the_event_date(self) -> None:
        """known_on is `reported` when given, else `on`."""
        e = nt.Event(commitment="c", kind="approved", on=date(2025, 1, 1))
        assert e.known_on == date(2025, 1, 1)
        assert attrs.evolve(e, reported=date(2025, 1, 3)).known_on == date(2025, 1, 3)


class TestCommitment:
    """Commitment checks its own consistency."""

    def test_self_link(self) -> None:
        """A commitment cannot link to itself."""
        with pytest.raises(ValueError, match="links to itself"):
            nt.Commitment(id="a", title="A", by="US", to="CN", links=(nt.Link("reciprocal", "a"),))

    def test_duplicate_link(self) -> None:
        """The same link twice is refused."""
        link = nt.Link("conditional_on", "b")
        with pytest.raises(ValueError, match="twice"):
            nt.Commitment(id="a", title="A", by="US", to="CN", links=(link, link))

    def test_links_must_be_link_objects(self) -> None:
        """A bare mapping in links is refused with an example of the right form."""
        with pytest.raises(TypeError, match="Link\\(kind='reciprocal'"):
            nt.Commitment(id="a", title="A", by="US", to="CN", links=({"reciprocal": "b"},))  # type: ignore[arg-type]

    def test_empty_id(self) -> None:
        """An empty id is refused."""
        with pytest.raises(TypeError, match="id must be a non-blank str"):
            nt.Commitment(id=" ", title="A", by="US", to="CN")


def test_import_is_light() -> None:
    """`import negotrack` loads neither YAML, cattrs, Hypothesis, graphviz, psycopg,
    matplotlib nor jinja2 (nor the report and the charts that need them)."""
    code = (
        "import sys, negotrack; "
        "loaded = set(sys.modules) | {m.split('.')[0] for m in sys.modules}; "
        "print(sorted(loaded & {'yaml', 'cattrs', 'hypothesis', 'graphviz', 'psycopg', "
        "'matplotlib', 'jinja2', 'markupsafe', 'negotrack._files.read', "
        "'negotrack._store.postgres', 'negotrack._report.page', 'negotrack.plot'}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


class TestReview:
    """Regressions found in review."""

    def test_derived_ids_are_reserved(self) -> None:
        """An id in the derived form must be the event's own; then it is no id at all."""
        a = nt.Event(commitment="c", kind="approved", on=date(2025, 1, 1))
        b = nt.Event(commitment="c", kind="implemented", on=date(2025, 2, 1))
        with pytest.raises(ValueError, match="looks like an id negotrack derives"):
            attrs.evolve(b, id=a.id)
        assert nt.Event(commitment="c", kind="approved", on=date(2025, 1, 1), id=a.id) == a

    def test_blank_optional_text_is_refused(self) -> None:
        """Blank text is refused where None says "nothing", so every dump loads back."""
        with pytest.raises(TypeError, match="actor must be a non-blank str or None"):
            nt.Event(commitment="c", kind="approved", on=date(2025, 1, 1), actor=" ")
        with pytest.raises(TypeError, match="note must be a non-blank str or None"):
            nt.Commitment(id="a", title="A", by="US", to="CN", note="")

    def test_event_subclasses_deduplicate(self) -> None:
        """Events of a subclass are deduplicated like any other."""

        @attrs.frozen(kw_only=True)
        class Report(nt.Event):
            pass

        t = nt.Tracker()
        t.add(nt.Commitment(id="c", title="C", by="US", to="CN"))
        same = {"commitment": "c", "kind": "approved", "on": date(2025, 1, 1)}
        assert t.record(Report(**same, source="a"), Report(**same, source="b")) == 2
        assert t.record(Report(**same, source="b")) == 0

    def test_extension_keeps_the_evidence_of_the_stage(self) -> None:
        """After an extension, the evidence is still the event that set the stage."""
        t = nt.Tracker()
        t.add(nt.Commitment(id="c", title="C", by="US", to="CN", expires=date(2025, 6, 1)))
        approval = nt.Event(commitment="c", kind="approved", on=date(2025, 1, 1))
        t.record(
            approval,
            nt.Event(
                commitment="c", kind="extended", on=date(2025, 5, 1), expires=date(2026, 1, 1)
            ),
        )
        status = t.status("c", on=date(2025, 5, 2))
        assert status.evidence == approval
        assert status.expires == date(2026, 1, 1)

    def test_adding_one_at_a_time_keeps_links(self) -> None:
        """Commitments added one by one still put their counterparts at risk."""
        t = nt.Tracker()
        t.add(nt.Commitment(id="b", title="B", by="US", to="CN"))
        t.add(
            nt.Commitment(id="a", title="A", by="CN", to="US", links=(nt.Link("reciprocal", "b"),))
        )
        t.record(
            nt.Event(commitment="a", kind="lapsed", on=date(2025, 1, 2)),
            nt.Event(commitment="a", kind="approved", on=date(2025, 1, 1)),
            nt.Event(commitment="b", kind="approved", on=date(2025, 1, 1)),
        )
        assert t.snapshot(on=date(2025, 1, 2))["b"].at_risk_from == ("a",)
