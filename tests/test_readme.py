"""The README: its two commands, and every block in it, run in order as a reader would.

The ``>>>`` blocks are run by pytest's doctest collection (``--doctest-glob=README.md``); this
module runs the others: each ``python`` block and each ``sh`` block after the two install
commands, in the order written, in one folder holding a copy of the repository's data. A
``text`` block right after ``<!-- output -->`` is the exact output of the command before it.
``text`` blocks otherwise are illustrations (a PostgreSQL server of yours, pip) and not run.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
FENCE = re.compile(r"^(<!-- output -->\n)?```(\w+)\n(.*?)^```\n", flags=re.S | re.M)
# (language, text, whether it is the output of the command before); doctests left out.
BLOCKS = [
    (lang, body, bool(output))
    for output, lang, body in FENCE.findall(README)
    if not (lang == "python" and body.startswith(">>>"))
]
BIN = Path(sys.executable).parent


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


def reader_folder(tmp_path: Path) -> Path:
    """A folder like the repository's, as far as the README's blocks read it."""
    for name in ("seeds", "examples"):
        shutil.copytree(ROOT / name, tmp_path / name)
    return tmp_path


def run(lang: str, body: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    command = [sys.executable, "-c", body] if lang == "python" else ["bash", "-euo", "pipefail"]
    return subprocess.run(
        command,
        input=None if lang == "python" else body,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow  # a kernel (or a subprocess per block): under CI, or with --slow
def test_every_block_runs_in_order(tmp_path: Path) -> None:
    """Every python and sh block works, in the order written, and prints what it says."""
    folder = reader_folder(tmp_path)
    shell = [body for lang, body, _ in BLOCKS if lang == "sh"]
    ran = 0
    last: subprocess.CompletedProcess[str] | None = None
    for lang, body, is_output in BLOCKS:
        if is_output:
            assert last is not None, "an output block must follow a command"
            assert last.stdout == body, f"the README's output differs for:\n{last.args}"
            continue
        if lang not in ("python", "sh") or (lang == "sh" and body in shell[:2]):
            continue
        last = run(lang, body, folder)
        assert last.returncode == 0, f"{lang} block failed:\n{body}\n{last.stderr}"
        ran += 1
    assert ran >= 8
    assert sum(is_output for *_, is_output in BLOCKS) >= 3


STORE_BLOCK = next(body for lang, body, _ in BLOCKS if lang == "python" and "nt.open(" in body)


@pytest.mark.slow
def test_the_store_block_is_safe_to_run_in_parallel(tmp_path: Path) -> None:
    """Eight processes running the README's store block on one file at once all succeed,
    and the store holds the meeting once, with its one report."""
    folder = reader_folder(tmp_path)
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: run("python", STORE_BLOCK, folder), range(8)))
    assert [r.returncode for r in results] == [0] * 8, [r.stderr for r in results]
    assert {r.stdout for r in results} == {"implemented\n"}
    check = run(
        "python",
        "import negotrack as nt\n"
        "with nt.open('kuala-lumpur.db') as t:\n"
        "    print(len(t.commitments()), len(t.events()))\n",
        folder,
    )
    assert check.stdout == "1 1\n"


def test_the_api_reference_is_current() -> None:
    """docs/api.md is what docs/make_api.py makes of the code today."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "make_api.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


def test_the_venv_is_activated_before_the_commands_that_need_it() -> None:
    """The README says to activate the venv its two commands make, before its first
    command that runs `negotrack` or `python` without `.venv/bin/`."""
    shell = [body for lang, body, _ in BLOCKS if lang == "sh"][2:]
    first = next(body for body in shell if re.search(r"^(negotrack|python) ", body, re.M))
    assert "source .venv/bin/activate" in README[: README.index(first)]


def test_install_hints_work_from_a_clone() -> None:
    """negotrack is on no package index: every install hint in the package, the examples
    and the README installs an extra from the clone (`pip install '.[report]'`), or names
    the folder of a wheel, never `pip install 'negotrack[report]'` alone."""
    files = [*(ROOT / "negotrack").glob("*.py"), *(ROOT / "examples").glob("*.py")]
    offenders = [
        path.name
        for path in [*files, ROOT / "README.md"]
        if re.search(r"pip install '?negotrack\[\w+\]'?(?! --find-links)", path.read_text("utf-8"))
    ]
    assert offenders == []
    from negotrack._exceptions import install_hint

    assert "pip install '.[report]'" in install_hint("report")


def test_the_geneva_walk_through_says_what_it_leaves_out() -> None:
    """The walk-through's Geneva truce says it is simplified and names the 11 August 2025
    extension that the seed records."""
    walk = README.split("## Write your first scenario")[1].split("```sh")[0]
    assert "simplified" in walk
    assert "11 August 2025" in walk
    seed = (ROOT / "seeds" / "us-china-kuala-lumpur-2025.yaml").read_text(encoding="utf-8")
    assert "on: 2025-08-11" in seed
