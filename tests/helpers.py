"""Small builders shared by the example tests."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import negotrack as nt
from negotrack._cli import main


def day(text: str) -> date:
    """Parse an ISO date."""
    return date.fromisoformat(text)


def commitment(cid: str = "c", **kw: Any) -> nt.Commitment:
    """A commitment with placeholder title and parties."""
    kw.setdefault("title", f"commitment {cid}")
    kw.setdefault("by", "A")
    kw.setdefault("to", "B")
    return nt.Commitment(id=cid, **kw)


def event(kind: str, on: str, cid: str = "c", **kw: Any) -> nt.Event:
    """An event of `kind` on the ISO date `on`."""
    for key in ("reported", "deadline", "expires"):
        if isinstance(kw.get(key), str):
            kw[key] = day(kw[key])
    return nt.Event(commitment=cid, kind=kind, on=day(on), **kw)


def tracker(*commitments: nt.Commitment, strict: bool = False) -> nt.Tracker:
    """A tracker holding `commitments` (one plain commitment "c" by default)."""
    t = nt.Tracker(strict=strict)
    t.add(*(commitments or (commitment(),)))
    return t


def stage_on(t: nt.Tracker, on: str, cid: str = "c", **kw: Any) -> nt.Stage | None:
    """The stage of `cid` on the ISO date `on`."""
    return t.status(cid, on=day(on), **kw).stage


def cli(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the `negotrack` command in this process, as `main(argv)`, capturing its output.

    It gives what the console script would (exit status, stdout, stderr) without starting
    a process; a few tests still run the real console script, to keep that path honest.
    """
    out, err = io.StringIO(), io.StringIO()
    previous = Path.cwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main([str(a) for a in args])
            except SystemExit as stop:  # --help and --version exit through argparse
                code = stop.code if isinstance(stop.code, int) else 0
    finally:
        os.chdir(previous)
    argv = ["negotrack", *map(str, args)]
    return subprocess.CompletedProcess(argv, code, out.getvalue(), err.getvalue())


def latest_reports(
    measures: list[tuple[date, int, nt.Event]],
) -> list[tuple[date, int, nt.Event]]:
    """The reference models' vintage rule: of each figure (a date's total, or its amount, in
    one account), only the measurements of its latest report date count."""
    last: dict[tuple[date, str | None, bool], date] = {}
    for on, _, e in measures:
        which = (on, e.account, e.total is not None)
        last[which] = max(last.get(which, e.known_on), e.known_on)
    return [
        m for m in measures if m[2].known_on == last[(m[0], m[2].account, m[2].total is not None)]
    ]
