"""negotrack.tables: every answer as typed columns, and as pandas, polars and Arrow tables."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

import negotrack as nt
from negotrack import tables

FOLLOW = Path(__file__).parent.parent / "examples" / "us-china-2025-2026.yaml"
AS_OF = date(2026, 3, 1)
STAGES = [s.value for s in nt.Stage]


@pytest.fixture(scope="module")
def tracker() -> nt.Tracker:
    return nt.load(FOLLOW)


def test_import_negotrack_loads_no_dataframe_library() -> None:
    """`import negotrack` (and negotrack.tables) loads none of pandas, polars and pyarrow."""
    code = (
        "import sys, negotrack, negotrack.tables\n"
        "print(sorted(m for m in ('pandas', 'polars', 'pyarrow') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_snapshot_columns_are_the_status_answers(tracker: nt.Tracker) -> None:
    """The snapshot table has one row per commitment, each the status row of its commitment,
    dates as dates."""
    table = tables.snapshot(tracker, on=AS_OF)
    snapshot = tracker.snapshot(on=AS_OF)
    assert table["id"] == list(snapshot)
    assert table["stage"] == [None if s.stage is None else s.stage.value for s in snapshot.values()]
    assert table["since"] == [s.since for s in snapshot.values()]
    assert all(isinstance(d, date) for d in table["since"] if d is not None)
    assert table["by"] == [c.by for c in tracker.commitments()]
    assert table.categories["stage"] == tuple(STAGES)
    assert len({len(column) for column in table.values()}) == 1


def test_timeline_rows_are_the_steps(tracker: nt.Tracker) -> None:
    """The timeline table's rows are the steps' to_dict(), dates made dates."""
    table = tables.timeline(tracker)
    steps = tracker.timeline()
    assert table["on"] == [t.on for t in steps]
    assert table["to"] == [t.target.value for t in steps]
    assert table.rows()[0]["commitment"] == steps[0].commitment
    assert table.categories["to"] == tuple(STAGES)


def test_progress_lists_every_period(tracker: nt.Tracker) -> None:
    """The progress table has a row per period of every target, later periods included."""
    table = tables.progress(tracker, on=AS_OF)
    expected = [
        (c.id, start)
        for c in tracker.commitments()
        if c.target is not None
        for start, _ in c.target.periods()
    ]
    assert list(zip(table["commitment"], table["start"], strict=True)) == expected
    assert "not started" in table["state"]


def test_changes_anomalies_and_due(tracker: nt.Tracker) -> None:
    """changes, anomalies and due give a row per answer of the tracker's."""
    since = date(2025, 11, 1)
    assert tables.changes(tracker, since, AS_OF)["commitment"] == [
        c.commitment for c in tracker.changes(since, AS_OF)
    ]
    assert tables.due(tracker, AS_OF)["on"] == [d.on for d in tracker.due(AS_OF)]
    empty = tables.anomalies(tracker, on=AS_OF)
    assert len(empty["commitment"]) == len(tracker.anomalies(on=AS_OF))


def test_to_pandas_types_its_columns(tracker: nt.Tracker) -> None:
    """In pandas, dates are datetime64 and stages ordered categoricals, values as answered."""
    pd = pytest.importorskip("pandas", reason="pandas is in the [tables] extra")
    frame = tables.snapshot(tracker, on=AS_OF).to_pandas()
    snapshot = tracker.snapshot(on=AS_OF)
    assert isinstance(frame["stage"].dtype, pd.CategoricalDtype)
    assert list(frame["stage"].cat.categories) == STAGES
    assert frame["stage"].cat.ordered
    assert str(frame["since"].dtype).startswith("datetime64")
    assert [d.date() if not pd.isna(d) else None for d in frame["since"]] == [
        s.since for s in snapshot.values()
    ]
    assert list(frame["id"]) == list(snapshot)


def test_to_polars_and_to_arrow_type_their_columns(tracker: nt.Tracker) -> None:
    """In polars dates are pl.Date and stages pl.Enum; in Arrow date32 and dictionaries."""
    pl = pytest.importorskip("polars", reason="polars is in the [tables] extra")
    pa = pytest.importorskip("pyarrow", reason="pyarrow is in the [tables] extra")
    table = tables.timeline(tracker)
    frame = table.to_polars()
    assert frame.schema["on"] == pl.Date
    assert frame.schema["to"] == pl.Enum(STAGES)
    assert frame["on"].to_list() == table["on"]
    arrow = table.to_arrow()
    assert arrow.schema.field("on").type == pa.date32()
    assert pa.types.is_dictionary(arrow.schema.field("to").type)
    assert arrow.column("commitment").to_pylist() == table["commitment"]


def test_a_table_shows_itself_in_a_notebook(tracker: nt.Tracker) -> None:
    """A table's HTML has a header cell per column and a row per answer, text escaped."""
    table = tables.snapshot(tracker, on=AS_OF)
    page = table._repr_html_()
    assert page.count("<th>") == len(table)
    assert page.count("<tr>") == len(tracker.commitments()) + 1
