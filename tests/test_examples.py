"""Every example script runs, and prints what its docstring promises."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

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
    assert script.name in {"seed_as_of.py", "known_by.py", "embedding.py", "soybeans.py"}


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
        "2025-11-04: moved us-reciprocal-tariff-at-10: (no stage) -> approved",
        "2025-11-05: moved cn-counter-tariff-at-10: (no stage) -> approved",
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
