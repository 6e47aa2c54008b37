"""What a command reads: a scenario file or a store, and the names given on its line.

Input the command line cannot use is a `UsageError` (one line, exit status 2); a store given
where a scenario file is expected is refused with a hint that says how to read it.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import shlex
from collections.abc import Sequence
from pathlib import Path

from negotrack._exceptions import ScenarioError
from negotrack._files.read import Lines, load_with_lines
from negotrack._store import open as negotrack_open
from negotrack._store.conninfo import is_postgres, name, rough_params
from negotrack._tracker import Tracker
from negotrack._words import safe


class UsageError(Exception):
    """The command line was given something it cannot use (one line, exit 2)."""


def open_source(args: argparse.Namespace) -> tuple[Tracker, Lines, str]:
    """The tracker named on the command line: a scenario file, or a store with --db."""
    if (args.file is None) == (args.db is None):
        raise UsageError(
            f"negotrack {args.command}: give a scenario FILE or --db STORE (one of them) "
            f"(see negotrack {args.command} --help)"
        )
    if args.db is not None:
        return negotrack_open(args.db, create=False), Lines(), shown(args.db)
    tracker, lines = load(args.file, f"to read a store, use --db {shlex.quote(str(args.file))}")
    return tracker, lines, str(args.file)


def load(path: Path, hint: str) -> tuple[Tracker, Lines]:
    """A scenario file with the lines of its events; a store given in its place gets `hint`."""
    try:
        return load_with_lines(path)
    except ScenarioError as err:
        if _is_sqlite(path):
            problem = (
                "an SQLite file (a store) where a scenario file (.yaml, .yml or .json) is expected"
            )
            raise ScenarioError(path, None, f"{problem}; {hint}") from None
        if path.suffix.lower() not in STORE_SUFFIXES:
            raise
        (line, problem), *more = err.problems
        raise ScenarioError(err.path, line, f"{problem}; {hint}", more=more) from None


STORE_SUFFIXES = (".db", ".sqlite", ".sqlite3")
"""Names that say "a store": given where a scenario file is expected, the error says --db."""
_SQLITE_HEADER = b"SQLite format 3\x00"


def _is_sqlite(path: Path) -> bool:
    """Whether `path` is a regular file that starts as SQLite's do (never opens a pipe)."""
    with contextlib.suppress(OSError, ValueError):
        if not path.is_file():
            return False
        with path.open("rb") as file:
            return file.read(len(_SQLITE_HEADER)) == _SQLITE_HEADER
    return False


def commitment_ids(
    tracker: Tracker, given: Sequence[str] | None, command: str
) -> frozenset[str] | None:
    """The commitments named by --commitment (None when none is), each checked to exist."""
    if not given:
        return None
    ids = [c.id for c in tracker.commitments()]
    known = set(ids)
    for cid in given:
        if cid not in known:
            close = difflib.get_close_matches(cid, ids, n=1)
            if close:
                hint = f"did you mean {close[0]!r}?"
            elif ids:
                more = f", ... ({len(ids)} in all)" if len(ids) > 8 else ""
                hint = f"expected one of {', '.join(ids[:8])}{more}"
            else:
                hint = "it has no commitments"
            raise UsageError(f"negotrack {command}: unknown commitment {cid!r}; {hint}")
    return frozenset(given)


def scenario_id(tracker: Tracker, path: str) -> str:
    """The scenario's id, or the name of the file it was read from if it has none."""
    scenario = tracker.scenario
    # Without a description, the file's name (escaped if it is not UTF-8).
    return scenario.id if scenario is not None else safe(Path(path).stem)


def shown(location: str | Path) -> str:
    """A store's location for people: a PostgreSQL URL without its password."""
    text = str(location)
    if is_postgres(text):
        return name(rough_params(text))
    return safe(text)
