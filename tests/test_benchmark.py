"""The benchmark keeps working: run at a tiny size, it agrees with the floor (no timings)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).parent.parent / "benchmarks" / "replay.py"


@pytest.mark.slow  # a whole benchmark run: under CI
def test_benchmark_runs_and_agrees_with_the_floor() -> None:
    """At a tiny size the benchmark exits 0 and negotrack equals the floor everywhere."""
    result = subprocess.run(
        [
            sys.executable,
            str(BENCH),
            *("--commitments", "300", "--dates", "7", "--naive", "30"),
            *("--store-events", "1000", "--repeat", "1"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    match = re.search(r"negotrack equals the floor on (\d+) of (\d+)", result.stdout)
    assert match is not None, result.stdout
    assert match.group(1) == match.group(2) == str(300 * 7)
    for ratio in ("replay   negotrack / floor", "as-of    negotrack / floor", "store    open"):
        assert ratio in result.stdout
