"""The scale benchmark keeps working: at a tiny size it agrees with the floor (no timings)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).parent.parent / "benchmarks" / "scale.py"


def test_scale_benchmark_runs_and_agrees_with_the_floor() -> None:
    """At 2,000 events it prints every goal and negotrack's answers equal the floor's."""
    result = subprocess.run(
        [sys.executable, str(BENCH), "--events", "2000", "--repeat", "1"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    # Goals may fail at this size (they are set at 70k to 1M events): the run must finish.
    assert result.returncode in (0, 1), result.stdout + result.stderr
    match = re.search(r"negotrack equals the floor on ([\d,]+) \(commitment, date\)", result.stdout)
    assert match is not None, result.stdout
    assert int(match.group(1).replace(",", "")) > 2000
    for goal in ("replay:", "known-by:", "monitoring:", "many dates:", "store:", "memory:"):
        assert re.search(
            rf"^  {goal}.*x  \(goal (<=|>=) [\d.]+\)  (pass|FAIL)$", result.stdout, re.M
        )
