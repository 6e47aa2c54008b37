"""The README: its two commands, and every Python block in it runs."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
BLOCKS = [b for b in re.findall(r"```python\n(.*?)```", README, flags=re.S) if ">>>" not in b]


def test_starts_with_what_it_is_then_two_commands() -> None:
    """The README says what negotrack is, then gives exactly the two documented commands."""
    head = README.split("## ")[0]
    assert "negotrack tracks the commitments" in head
    commands = re.findall(r"```sh\n(.*?)\n```", head, flags=re.S)
    assert commands == [
        "python3 -m venv .venv && .venv/bin/pip install . && "
        ".venv/bin/negotrack status seeds/us-china-kuala-lumpur-2025.yaml",
        "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/python -m pytest",
    ]


@pytest.mark.parametrize("block", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_python_blocks_run(block: str, tmp_path: Path) -> None:
    """Each plain Python block of the README runs as written, twice (it must be idempotent)."""
    for _ in range(2):
        result = subprocess.run(
            [sys.executable, "-c", block], cwd=tmp_path, capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, result.stderr
    assert BLOCKS
