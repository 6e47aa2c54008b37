"""Every example script runs, and prints what its docstring promises."""

from __future__ import annotations

import ast
import shlex
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from postgres import postgres_url as postgres_url  # the fixture ("as": ruff's F811)

import negotrack as nt

EXAMPLES = Path(__file__).parent.parent / "examples"
SCRIPTS = sorted(EXAMPLES.glob("*.py"))


def run(script: str, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return result.stdout


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.name for s in SCRIPTS])
def test_every_script_has_a_docstring_and_a_main(script: Path) -> None:
    """Each example documents itself and has a main() (and is covered below)."""
    tree = ast.parse(script.read_text(encoding="utf-8"))
    assert ast.get_docstring(tree)
    assert any(isinstance(n, ast.FunctionDef) and n.name == "main" for n in tree.body)
    assert script.name in {
        "seed_as_of.py",
        "known_by.py",
        "embedding.py",
        "soybeans.py",
        "monitor.py",
    }


def test_seed_as_of() -> None:
    """The seed alone: the meeting falls due, the truce runs out, the extension is exposed."""
    out = run("seed_as_of.py")
    assert "== as of 2025-10-26\n" in out
    first = out.split("== as of 2025-10-31")[0]
    assert "  rare-earth-export-delay: preliminary_consensus since 2025-10-26\n" in first
    assert "  tariff-truce: implemented since 2025-05-14\n" in first
    assert "  leaders-meeting: approved since 2025-10-26\n" in first
    changed = out.split("== what changed")[1].splitlines()[1:]
    assert changed == [
        "  2025-10-31  leaders-meeting: approved -> lapsed (deadline_missed, inferred)",
        "  2025-11-10  tariff-truce: implemented -> lapsed (expired, inferred)",
        "  2025-11-10  cn-tariff-truce: implemented -> lapsed (expired, inferred)",
        "  2025-11-10  tariff-truce-extension: now at risk (tariff-truce lapsed)",
    ]


def test_known_by() -> None:
    """Then against now, and the late reports that revised the record."""
    out = run("known_by.py", "--today", "2026-11-26")
    table = out.split("== revised in hindsight")[0]
    assert "  leaders-meeting: approved -> implemented\n" in table
    assert "  tariff-truce: implemented -> lapsed (voided)\n" in table
    assert (
        "  rare-earth-export-delay: preliminary_consensus -> lapsed (expired, inferred)\n" in table
    )
    assert "  beijing-visit: (not yet on record) -> implemented\n" in table
    revised = out.split("== revised in hindsight")[1]
    assert (
        "2025-11-10  us-affiliates-rule-suspension: on record that day as approved; "
        "since 2025-11-12 known to be implemented" in revised
    )
    assert "2026-01-12  soybean-12mmt-2025" in revised


def test_known_by_defaults_to_today() -> None:
    """Without --today the comparison is made against the real date."""
    assert "== as known on 2025-10-27, against as known on " in run("known_by.py")


def test_embedding() -> None:
    """The monitor logs the approvals, the court's voiding, the risk it creates, the expiry."""
    lines = run("embedding.py").splitlines()
    assert lines == [
        "2025-11-04: moved us-reciprocal-tariff-at-10: (none) -> approved",
        "2025-11-05: moved cn-counter-tariff-at-10: (none) -> approved",
        "2025-11-10: moved us-reciprocal-tariff-at-10: approved -> implemented",
        "2025-11-10: moved cn-counter-tariff-at-10: approved -> implemented",
        "2026-02-20: LAPSED us-reciprocal-tariff-at-10 (voided, as reported) on 2026-02-20",
        "2026-02-20: AT RISK cn-counter-tariff-at-10: linked to lapsed us-reciprocal-tariff-at-10",
        "2026-11-10: LAPSED cn-counter-tariff-at-10 (expired, by itself) on 2026-11-10",
    ]


def test_soybeans() -> None:
    """The 12 MMT tranche: 7 MMT on the record by mid-December, the 12 reported late (20
    January) so that on 15 January the record then looked behind, and the target met."""
    out = run("soybeans.py")
    rows = {line[:10]: line for line in out.splitlines() if line[:4] in ("2025", "2026")}
    assert "7/12 MMT (58%), on track" in rows["2025-12-15"]
    then, now = rows["2026-01-15"][12:50], rows["2026-01-15"][50:]
    assert then.startswith("7/12 MMT (58%), behind")
    assert now.startswith("12/12 MMT (100%), on track")
    assert out.rstrip().endswith("at the end of the period: met")


MONITORED_WRITER = """
    import sys
    from datetime import date
    import negotrack as nt
    with nt.open(sys.argv[1]) as t, t.transaction():
        t.record(
            nt.Event(commitment="us-tariff", kind="implemented", on=date(2025, 11, 10)),
            nt.Event(commitment="cn-tariff", kind="implemented", on=date(2025, 11, 10)),
            nt.Event(commitment="us-tariff", kind="lapsed", on=date(2026, 2, 20),
                     reason="voided", actor="US Supreme Court"),
        )
"""


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_monitor(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """The monitor prints the store, wakes when another process records, says what moved,
    lapsed and became at risk, and stops (--once); with no news it stops after --for."""
    store = str(tmp_path / "watched.db")
    if kind == "postgres":
        store = request.getfixturevalue("postgres_url")
    with nt.open(store) as t:
        t.add(
            nt.Commitment(
                id="us-tariff",
                title="US tariff at 10%",
                by="US",
                to="CN",
                links=(nt.Link("reciprocal", "cn-tariff"),),
            ),
            nt.Commitment(id="cn-tariff", title="CN tariff at 10%", by="CN", to="US"),
        )
        location = t.location
    watch = [sys.executable, str(EXAMPLES / "monitor.py"), store, "--as-of", "2026-03-01"]
    monitor = subprocess.Popen(
        [*watch, "--once", "--for", "60"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert monitor.stdout is not None
    first = monitor.stdout.readline()
    assert first == f"watching {location}: 2 commitments, 0 events, as of 2026-03-01\n"
    started = time.monotonic()
    writer = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(MONITORED_WRITER), store],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert writer.returncode == 0, writer.stderr
    out, err = monitor.communicate(timeout=60)
    assert monitor.returncode == 0, err
    assert time.monotonic() - started < 10  # told of the news, not stopped by --for
    assert out.splitlines() == [
        "news as of 2026-03-01: 3 new events",
        "  LAPSED us-tariff (voided, as reported) on 2026-02-20",
        "  moved cn-tariff: (none) -> implemented",
        "  AT RISK cn-tariff: linked to lapsed us-tariff",
    ]
    idle = run("monitor.py", store, "--for", "0.3")
    assert idle.splitlines()[1:] == ["stopped after 0.3 seconds"]


def test_known_by_prints_each_revision_once() -> None:
    """known_by.py lists each revised day of a commitment once, however many late reports
    of that day became known on the same date."""
    out = run("known_by.py", "--today", "2026-12-01")
    revised = out.split("== revised in hindsight")[1].splitlines()[1:]
    assert revised
    assert len(revised) == len(set(revised))


@pytest.mark.parametrize(
    "script",
    [s for s in SCRIPTS if s.name != "monitor.py"],
    ids=[s.name for s in SCRIPTS if s.name != "monitor.py"],
)
def test_a_reader_that_stops_early_is_no_error(script: Path) -> None:
    """An example piped into a reader that stops after one line (`| head -1`) ends without a
    traceback."""
    result = subprocess.run(
        ["bash", "-c", f"{shlex.quote(sys.executable)} {shlex.quote(str(script))} | head -1"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stdout.count("\n") == 1
    assert "Traceback" not in result.stderr
    assert "BrokenPipeError" not in result.stderr
