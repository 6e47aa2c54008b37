"""The example notebook runs from top to bottom, and answers show themselves as tables."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

import negotrack as nt

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
