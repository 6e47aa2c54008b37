"""Spreadsheets on the command line: answers as CSV (``--format csv``), and ``import-csv``.

The answers are `negotrack.tables`' tables, written by `negotrack._files.spreadsheet`: the
columns of ``--json``, one row per answer. ``import-csv`` records an events file into a store,
all of it or nothing, with a scenario file's messages.
"""

from __future__ import annotations

import argparse
import os
from datetime import date
from pathlib import Path
from typing import TextIO

from negotrack import _words, tables
from negotrack._events import Event
from negotrack._exceptions import ScenarioError
from negotrack._files import spreadsheet
from negotrack._store import open as negotrack_open
from negotrack._tracker import Tracker

from . import inputs


def print_csv(command: str, tracker: Tracker, args: argparse.Namespace, out: TextIO) -> int:
    """Print the answer of `command` (status, timeline, changes, progress, due) as CSV."""
    known_by: date | None = getattr(args, "known_by", None)
    party: str | None = getattr(args, "according_to", None)
    if command == "status":
        table = tables.snapshot(tracker, on=args.as_of, known_by=known_by, according_to=party)
    elif command == "progress":
        table = tables.progress(tracker, on=args.as_of, known_by=known_by, according_to=party)
    elif command == "changes":
        until: date = args.until or args.today
        table = tables.changes(tracker, args.since, until, known_by=known_by, according_to=party)
    elif command == "due":
        table = tables.due(tracker, args.as_of, args.within)
    else:
        table = tables.timeline(tracker, known_by=known_by, according_to=party)
        wanted = inputs.commitment_ids(tracker, args.commitment, "timeline")
        keep = [
            (wanted is None or cid in wanted)
            and (args.since is None or on >= args.since)
            and (args.until is None or on <= args.until)
            for cid, on in zip(table["commitment"], table["on"], strict=True)
        ]
        table = tables.Table(
            {
                k: [v for v, kept in zip(column, keep, strict=True) if kept]
                for k, column in table.items()
            },
            table.categories,
        )
    spreadsheet.write_columns(table, out)
    return 0


def import_csv(args: argparse.Namespace, out: TextIO) -> int:
    """`negotrack import-csv`: an events file into a store, in one transaction."""
    lines = spreadsheet.read_events(args.events)
    where = str(args.events)
    with negotrack_open(args.db) as store, store.transaction():
        known = {c.id for c in store.commitments()}
        scenario = store.scenario
        sources = () if scenario is None else tuple(scenario.sources)
        problems = [
            (line, problem) for line, event in lines for problem in _refusals(event, known, sources)
        ]
        if problems:
            (line, first), *more = problems
            raise ScenarioError(where, line, first, more=more)
        added = store.record(*(event for _, event in lines))
    print(
        f"{inputs.shown(args.db)}: recorded {added} new event{'' if added == 1 else 's'} "
        f"({len(lines) - added} already recorded) from {_words.safe(where)}",
        file=out,
    )
    return 0


def _refusals(event: Event, known: set[str], sources: tuple[str, ...]) -> list[str]:
    """What keeps `event` out of a store holding the commitments `known`, citing `sources`."""
    found = []
    if event.commitment not in known:
        found.append(
            f"commitment {event.commitment!r} is not in the store; record the scenario file "
            "that declares it first (negotrack record --db STORE FILE)"
        )
    if sources and event.source is not None and event.source not in sources:
        found.append(
            f"source {event.source!r} is not declared; cite a key declared under sources "
            f"(declared: {', '.join(sources)}), and put free text in note"
        )
    return found


def export_csv(tracker: Tracker, path: Path, where: str, out: TextIO) -> int:
    """`negotrack export -o OUT.csv`: the store's events as an events file, in recording order.

    `import-csv` reads it back into a store holding the same commitments (and scenario).
    """
    events = tracker.events()
    temporary = path.with_name(f".{path.name}.tmp")
    with temporary.open("w", encoding="utf-8", newline="") as file:
        spreadsheet.write_events(events, file)
    os.replace(temporary, path)  # in one step: a failure leaves the old file as it was
    print(
        f"{_words.safe(str(path))}: wrote {len(events)} event{'' if len(events) == 1 else 's'} "
        f"from {where} (the commitments stay in the store: import-csv reads it back into one)",
        file=out,
    )
    return 0
