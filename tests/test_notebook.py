"""The example notebook runs from top to bottom, and answers show themselves as tables."""

from __future__ import annotations

import copy
import json
import sys
from collections.abc import Mapping
from datetime import date
from pathlib import Path

import pytest
from helpers import cli

import negotrack as nt
from negotrack import _notebook

EXAMPLES = Path(__file__).parent.parent / "examples"
NOTEBOOK = EXAMPLES / "notebook.ipynb"


@pytest.mark.slow  # a kernel (or a subprocess per block): under CI, or with --slow
def test_the_example_notebook_runs() -> None:
    """examples/notebook.ipynb executes without an error, each answer shown as HTML."""
    nbformat = pytest.importorskip("nbformat", reason="nbformat is in the test extra")
    nbclient = pytest.importorskip("nbclient", reason="nbclient is in the test extra")
    pytest.importorskip("ipykernel", reason="ipykernel is in the test extra")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbclient.NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": EXAMPLES}}
    ).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    shown = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    assert len(shown) >= 5
    assert "soybean-12mmt-2025" in shown[0]


def test_the_notebook_is_stored_without_outputs() -> None:
    """The notebook is kept clean: no outputs or execution counts in the repository."""
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    code = [c for c in cells if c["cell_type"] == "code"]
    assert code
    assert all(c["outputs"] == [] and c["execution_count"] is None for c in code)


def test_answers_show_themselves_as_tables() -> None:
    """A tracker, a status and a progress have compact HTML tables of their own answers,
    their text escaped."""
    tracker = nt.Tracker()
    tracker.add(
        nt.Commitment(
            id="soy",
            title="China buys <b>12</b> MMT",
            by="CN",
            to="US",
            target=nt.Target(
                amount=12, unit="MMT", start=date(2025, 10, 30), end=date(2026, 2, 28)
            ),
        )
    )
    tracker.record(nt.Event(commitment="soy", kind="approved", on=date(2025, 10, 30)))
    page = tracker._repr_html_()
    assert "&lt;b&gt;12&lt;/b&gt;" in page
    assert "<b>" not in page
    status = tracker.status("soy", on=date(2025, 12, 1))
    assert f"<td>{status.stage.value}</td>" in status._repr_html_()  # type: ignore[union-attr]
    progress = status.progress
    assert progress is not None
    assert progress._repr_html_().count("<tr>") == len(progress.periods) + 1


# -- the snapshot answer ------------------------------------------------------------------------

FOLLOW = EXAMPLES / "us-china-2025-2026.yaml"


def test_a_snapshot_is_a_read_only_mapping() -> None:
    """`snapshot` and each of `snapshots` answer a `Snapshot`: a mapping of the statuses,
    equal to a plain dict of them either way round, that refuses every change and knows the
    question it answers."""
    tracker = nt.load(FOLLOW)
    on, known_by = date(2026, 3, 1), date(2026, 1, 1)
    snap = tracker.snapshot(on=on, known_by=known_by, according_to="CN")
    assert type(snap) is nt.Snapshot
    assert isinstance(snap, Mapping)
    assert (snap.on, snap.known_by, snap.according_to) == (on, known_by, "CN")
    plain = {
        c.id: tracker.status(c.id, on=on, known_by=known_by, according_to="CN")
        for c in tracker.commitments()
    }
    assert snap == plain
    assert plain == snap
    assert snap != {**plain, "tariff-truce": nt.Status(None)}
    assert list(snap.items()) == list(plain.items())
    assert list(snap) == list(plain) == list(snap.keys())
    assert list(reversed(snap)) == list(reversed(plain))
    assert list(snap.values()) == list(plain.values())
    assert "tariff-truce" in snap
    assert snap.get("no-such") is None
    assert len(snap) == len(plain) == 27
    with pytest.raises(TypeError):
        snap["tariff-truce"] = nt.Status(None)  # type: ignore[index]
    with pytest.raises(TypeError):
        del snap["tariff-truce"]  # type: ignore[attr-defined]
    for name in ("pop", "popitem", "clear", "setdefault", "update"):
        assert not hasattr(snap, name), name
    with pytest.raises(TypeError):
        hash(snap)
    mine = dict(snap)
    mine["tariff-truce"] = nt.Status(None)  # a copy is a plain dict, to change at will
    assert snap == plain
    again = copy.copy(snap)
    assert type(again) is nt.Snapshot
    assert again == snap
    assert again.to_dict() == snap.to_dict()
    assert repr(snap).startswith("<Snapshot as of 2026-03-01: {'tariff-truce': Status(")
    dates = [date(2025, 11, 1), date(2026, 3, 1)]
    for day, answer in tracker.snapshots(dates, known_by=known_by).items():
        assert type(answer) is nt.Snapshot
        assert (answer.on, answer.known_by, answer.according_to) == (day, known_by, None)
        assert answer == tracker.snapshot(on=day, known_by=known_by)


@pytest.mark.parametrize(
    ("known_by", "party"),
    [(None, None), ("2025-12-01", None), (None, "US")],
    ids=["plain", "known-by", "according-to"],
)
def test_snapshot_to_dict_is_status_json(known_by: str | None, party: str | None) -> None:
    """`Snapshot.to_dict()` is `negotrack status --json` for the same question, less the
    scenario and the anomalies: the same keys in the same order, the same rows."""
    args: list[str | Path] = ["status", FOLLOW, "--as-of", "2026-03-01", "--json"]
    args += ["--known-by", known_by] if known_by else []
    args += ["--according-to", party] if party else []
    result = cli(*args)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    snap = nt.load(FOLLOW).snapshot(
        on=date(2026, 3, 1),
        known_by=None if known_by is None else date.fromisoformat(known_by),
        according_to=party,
    )
    plain = snap.to_dict()
    assert plain == {k: v for k, v in document.items() if k not in ("scenario", "anomalies")}
    assert list(plain) == [k for k in document if k not in ("scenario", "anomalies")]
    assert len(plain["commitments"]) == len(snap) == 27
    assert json.loads(json.dumps(plain)) == plain


def test_a_snapshot_shows_itself_as_a_table() -> None:
    """In a notebook a snapshot is a table: a caption with its question, a row per
    commitment with its id, title, parties and status, the text escaped."""
    tracker = nt.Tracker()
    tracker.add(
        nt.Commitment(id="a", title="Buys <i>soy</i>", by="CN", to="US"),
        nt.Commitment(id="b", title="Cuts tariffs", by="US", to="CN"),
    )
    tracker.record(nt.Event(commitment="b", kind="approved", on=date(2025, 10, 30)))
    page = tracker.snapshot(on=date(2025, 11, 1), known_by=date(2025, 11, 1))._repr_html_()
    assert page.startswith("<table><caption>2 commitments as of 2025-11-01, as known by ")
    assert page.count("<tr>") == 3
    assert "<tr><td>a</td><td>Buys &lt;i&gt;soy&lt;/i&gt;</td><td>CN</td><td>US</td><td></td>" in (
        page
    )
    assert "<td>b</td><td>Cuts tariffs</td><td>US</td><td>CN</td><td>approved</td>" in page
    assert "<td>2025-10-30</td>" in page
    assert "<i>" not in page
    assert "<svg" not in page  # a snapshot is a table only


# -- charts, with matplotlib and without --------------------------------------------------------


def monthly(months: int = 3) -> nt.Tracker:
    """A tracker of one commitment with a monthly target, delivered in part."""
    tracker = nt.Tracker()
    tracker.add(
        nt.Commitment(
            id="soy",
            title="China buys <b>1</b> MMT a month",
            by="CN",
            to="US",
            target=nt.Target(
                amount=1, unit="MMT", per="month", start=date(2025, 1, 1), end=date(2025, 12, 31)
            ),
        )
    )
    tracker.record(
        nt.Event(commitment="soy", kind="approved", on=date(2025, 1, 1)),
        nt.Event(commitment="soy", kind="measured", on=date(2025, 1, 20), amount=1.5),
        nt.Event(commitment="soy", kind="measured", on=date(2025, 2, 10), amount=0.25),
    )
    return tracker


def without_matplotlib(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hide matplotlib (and negotrack.plot, which needs it), as if the extra were missing."""
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.delitem(sys.modules, "negotrack.plot", raising=False)
    monkeypatch.delattr(nt, "plot", raising=False)


def test_charts_are_inline_svg_with_matplotlib() -> None:
    """With matplotlib, a tracker shows its timeline above its table, and a progress of
    several periods a chart of them above its table, each as inline SVG, the text escaped."""
    pytest.importorskip("matplotlib", reason="matplotlib is in the report extra")
    from negotrack import plot

    assert _notebook.CHART_LANES == plot.LANES_PER_PAGE
    tracker = monthly()
    page = tracker._repr_html_()
    assert page.startswith("<svg")
    assert page.count("<svg") == 1
    assert page.index("</svg>") < page.index("<table>")
    assert 'id="lane-0"' in page  # the timeline's lane, as negotrack.plot draws it
    assert "<b>" not in page
    assert "<td>soy</td><td>China buys &lt;b&gt;1&lt;/b&gt; MMT a month</td>" in page
    progress = tracker.status("soy", on=date(2025, 3, 15)).progress
    assert progress is not None
    assert len(progress.periods) == 3
    shown = progress._repr_html_()
    assert shown.startswith("<svg")
    assert shown.count("<svg") == 1
    assert shown.count("<tr>") == len(progress.periods) + 1
    assert "<td>2025-02-01</td><td>2025-02-28</td><td>1</td><td>0.25</td><td>no</td>" in shown
    first = tracker.status("soy", on=date(2025, 1, 25)).progress
    assert first is not None
    assert len(first.periods) == 1
    assert "<svg" not in first._repr_html_()  # one period: its caption says it all


def test_a_large_tracker_shows_no_chart() -> None:
    """A tracker of more than CHART_LANES commitments shows its table alone: a timeline of
    that many lanes would be tall and slow to draw."""
    pytest.importorskip("matplotlib", reason="matplotlib is in the report extra")
    tracker = nt.Tracker()
    many = _notebook.CHART_LANES + 1
    tracker.add(*(nt.Commitment(id=f"c{i}", title="t", by="A", to="B") for i in range(many)))
    tracker.record(nt.Event(commitment="c0", kind="approved", on=date(2025, 1, 1)))
    page = tracker._repr_html_()
    assert "<svg" not in page
    assert page.count("<tr>") == many + 1
    tracker = nt.Tracker()
    tracker.add(*(nt.Commitment(id=f"c{i}", title="t", by="A", to="B") for i in range(many - 1)))
    tracker.record(nt.Event(commitment="c0", kind="approved", on=date(2025, 1, 1)))
    assert tracker._repr_html_().count("<svg") == 1


def test_without_matplotlib_the_tables_stand_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without matplotlib, a tracker and a progress show the same tables, and no chart."""
    tracker = monthly()
    progress = tracker.status("soy", on=date(2025, 3, 15)).progress
    assert progress is not None
    with_charts = tracker._repr_html_(), progress._repr_html_()
    without_matplotlib(monkeypatch)
    page, shown = tracker._repr_html_(), progress._repr_html_()
    assert "<svg" not in page
    assert "<svg" not in shown
    assert page.startswith("<table>")
    assert with_charts[0].endswith(page)
    assert with_charts[1].endswith(shown)
    assert shown.count("<tr>") == len(progress.periods) + 1
