"""The `negotrack` commands: what each does once its arguments are read.

Each command takes the parsed arguments and the stream to print to, and returns the exit
status; faults are raised as `NegotrackError` or `UsageError` for `negotrack._cli.main` to
report. What they read comes through `negotrack._cli.inputs`; what is printed is made by
`negotrack._cli.text`.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shlex
import sys
from datetime import date
from pathlib import Path
from typing import TextIO

from negotrack import _words
from negotrack._checks import iso
from negotrack._engine import diagram as draw
from negotrack._exceptions import NegotrackError
from negotrack._files import dump
from negotrack._files.read import load_with_lines
from negotrack._lifecycle import LIFECYCLE
from negotrack._lifecycles import LIFECYCLES
from negotrack._parts import LastStep, lapsed_parts, measured_targets, mismatches
from negotrack._report import report as write_report
from negotrack._store import open as negotrack_open
from negotrack._store import verify
from negotrack._store.conninfo import is_postgres
from negotrack._store.transfer import check_same, merge
from negotrack._store.transfer import copy as copy_record
from negotrack._targets import add_months, upcoming
from negotrack._tracker import Tracker

from . import inputs, text
from .inputs import UsageError
from .sheets import export_csv, print_csv
from .spent import spent_limits

EXIT_OK = 0
EXIT_ANOMALIES = 1
EXIT_INVALID = 2


def check(args: argparse.Namespace, out: TextIO) -> int:
    if args.db is not None and args.file is None:
        problems = verify(args.db)
        if problems:
            for problem in problems:
                text.fail(f"negotrack: {inputs.shown(args.db)}: damaged: {problem}")
            return EXIT_INVALID
    tracker, lines, path = inputs.open_source(args)
    with tracker:
        spent = spent_limits(tracker)
        for limit in spent:
            _warn(path, lines.commitments.get((limit.commitment, limit.field)), limit.message)
        for whole, why in mismatches(tracker.commitments()):
            _warn(path, lines.commitments.get((whole, "target")), why)
        for whole, why in lapsed_parts(tracker.commitments(), lambda cid: _last(tracker, cid)):
            _warn(path, lines.commitments.get((whole, "id")), why)
        anomalies = tracker.anomalies()
        for anomaly in anomalies:
            _warn(path, lines.events.get(anomaly.event), anomaly.message)
        n_c, n_e = len(tracker.commitments()), len(tracker.events())
        dates = f", {_count(len(spent), 'spent date')}" if spent else ""
        print(
            f"{_words.safe(path)}: valid: {_count(n_c, 'commitment')}, {_count(n_e, 'event')}, "
            f"{len(anomalies)} anomal{'y' if len(anomalies) == 1 else 'ies'}{dates}",
            file=out,
        )
    return EXIT_ANOMALIES if args.strict and (anomalies or spent) else EXIT_OK


def _last(tracker: Tracker, commitment: str) -> LastStep | None:
    """The last step of `commitment`'s history, as `lapsed_parts` reads it."""
    steps = tracker.history(commitment)
    if not steps:
        return None
    step = steps[-1]
    lapsed = step.target == tracker.lifecycle_of(commitment).lapsed
    why = None if step.reason is None else step.reason.value
    return (step.target.value, step.on, lapsed, why)


def _warn(path: str, line: int | None, message: str) -> None:
    where = f"{path}:{line}" if line else path
    print(f"{_words.safe(where)}: warning: {_words.safe(message)}", file=sys.stderr)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def record(args: argparse.Namespace, out: TextIO) -> int:
    given = shlex.quote(str(args.scenario))
    target = "STORE" if is_postgres(args.db) else shlex.quote(args.db)  # no password shown
    hint = f"to copy a store into another, use negotrack copy --from {given} --to {target}"
    source, _ = inputs.load(args.scenario, hint)
    with negotrack_open(args.db) as store:
        commitments, added, known = merge(store, source)
    # Each count next to its noun: "(N already recorded)" is the file's events already there.
    there = len(source.commitments()) - commitments
    print(
        f"{inputs.shown(args.db)}: recorded {_count(commitments, 'new commitment')} and "
        f"{_count(added, 'new event')} ({known} already recorded) from "
        f"{_words.safe(str(args.scenario))}; "
        f"{_count(there, 'commitment')} of the file already recorded",
        file=out,
    )
    return EXIT_OK


def export(args: argparse.Namespace, out: TextIO) -> int:
    if not is_postgres(args.db):
        _refuse_overwriting_the_store(Path(args.db), args.output)
    with negotrack_open(args.db, create=False) as tracker:
        if args.output.suffix.lower() == ".csv":  # the events alone, for a spreadsheet
            return export_csv(tracker, args.output, inputs.shown(args.db), out)
        dump(tracker, args.output)
        n_c, n_e = len(tracker.commitments()), len(tracker.events())
    print(
        f"{_words.safe(str(args.output))}: wrote {_count(n_c, 'commitment')} and "
        f"{_count(n_e, 'event')} from {inputs.shown(args.db)}",
        file=out,
    )
    return EXIT_OK


def _refuse_overwriting_the_store(store: Path, output: Path) -> None:
    """Refuse an output that is the store itself (or its log), by any path or link."""
    for part in (store, *(Path(f"{store}{end}") for end in ("-wal", "-shm", "-journal"))):
        with contextlib.suppress(OSError):
            if output.exists() and os.path.samefile(part, output):
                raise UsageError(
                    f"negotrack export: {output} is the store {store} itself (or its log); "
                    "nothing was written: give another output file"
                )


def status(args: argparse.Namespace, out: TextIO) -> int:
    tracker, _, path = inputs.open_source(args)
    with tracker:
        if args.format == "csv":
            return print_csv("status", tracker, args, out)
        return _print_status(tracker, args, path, out)


def _print_status(tracker: Tracker, args: argparse.Namespace, path: str, out: TextIO) -> int:
    as_of: date = args.as_of  # today unless given: the parser reads the clock
    known_by: date | None = args.known_by
    party: str | None = args.according_to
    snapshot = tracker.snapshot(on=as_of, known_by=known_by, according_to=party)
    anomalies = tracker.anomalies(on=as_of, known_by=known_by, according_to=party)
    about = {c.id: c for c in tracker.commitments()}
    scenario = tracker.scenario
    if args.json:
        document = {
            "scenario": inputs.scenario_id(tracker, path),
            "as_of": as_of.isoformat(),
            "known_by": iso(known_by),
            **text.lens(party),
            "commitments": [s.to_dict(about[cid]) for cid, s in snapshot.items()],
            "anomalies": [a.to_dict() for a in anomalies],
        }
        text.print_json(document, out)
        return EXIT_OK
    heading = _words.safe(inputs.scenario_id(tracker, path))
    if scenario is not None:
        heading += f": {_words.safe(scenario.title)}"
    print(f"{heading}\n{_words.as_of(as_of, known_by, party)}\n", file=out)
    header: tuple[str, ...] = ("id", "stage", "since", "reason", "inferred", "at risk")
    quantitative = any(status.progress is not None for status in snapshot.values())
    disputed = any(status.disputed for status in snapshot.values())
    header += ("progress",) * quantitative + ("disputed: each side's stage",) * disputed
    rows: list[tuple[str, ...]] = [header]
    for cid, status in snapshot.items():
        row: tuple[str, ...] = (
            _words.safe(cid),
            _words.stage(status.stage),
            _words.day(status.since),
            "-" if status.reason is None else status.reason.value,
            "yes" if status.inferred else "no",
            ", ".join(_words.safe(c) for c in status.at_risk_from) or "-",
        )
        row += (_words.progress_cell(status.progress),) * quantitative
        rows.append(row + (text.accounts_cell(status),) * disputed)
    text.table(rows, out)
    print(file=out)
    if not anomalies:
        print("anomalies: none", file=out)
    else:
        print(f"anomalies ({len(anomalies)}):", file=out)
        for anomaly in anomalies:
            print(f"  {_words.safe(anomaly.message)}", file=out)
    return EXIT_OK


def progress(args: argparse.Namespace, out: TextIO) -> int:
    tracker, _, path = inputs.open_source(args)
    as_of: date = args.as_of  # today unless given: the parser reads the clock
    known_by: date | None = args.known_by
    party: str | None = args.according_to
    with tracker:
        if args.format == "csv":
            return print_csv("progress", tracker, args, out)
        snapshot = tracker.snapshot(on=as_of, known_by=known_by, according_to=party)
        titles = {c.id: c.title for c in tracker.commitments()}
        measured = {cid: s.progress for cid, s in snapshot.items() if s.progress is not None}
        goals = measured_targets(tracker.commitments())
        later = {cid: upcoming(goals[cid], as_of) for cid in measured}
        scenario_id = inputs.scenario_id(tracker, path)
    if args.json:
        document = {
            "scenario": scenario_id,
            "as_of": as_of.isoformat(),
            "known_by": iso(known_by),
            **text.lens(party),
            "commitments": [
                text.progress_json(cid, titles[cid], p, later[cid]) for cid, p in measured.items()
            ],
        }
        text.print_json(document, out)
        return EXIT_OK
    print(f"{_words.safe(scenario_id)}: {_words.as_of(as_of, known_by, party)}\n", file=out)
    if not measured:
        print("no commitment has a target", file=out)
        return EXIT_OK
    rows: list[tuple[str, ...]] = [("id", "period", "delivered", "share", "state")]
    for cid, p in measured.items():
        rows += text.period_rows(cid, p, as_of)
    text.table(rows, out)
    coming = [
        row
        for cid, p in measured.items()
        if later[cid]
        for row in text.period_rows(cid, p, as_of, later[cid])
    ]
    if coming:
        print("\nstill to come:", file=out)
        text.table([("", *row) for row in coming], out)
    return EXIT_OK


class Months(int):
    """A span of `--within` in calendar months (``6m``, ``3y``), not days."""


def due(args: argparse.Namespace, out: TextIO) -> int:
    tracker, _, path = inputs.open_source(args)
    as_of: date = args.as_of  # today unless given: the parser reads the clock
    within = args.within
    if isinstance(within, Months):  # as many days as those months have after --as-of
        within = (add_months(as_of, int(within)) - as_of).days
    with tracker:
        if args.format == "csv":
            return print_csv("due", tracker, args, out)
        found = tracker.due(as_of, within)
        scenario_id = inputs.scenario_id(tracker, path)
    if args.json:
        text.print_json(
            {
                "scenario": scenario_id,
                "as_of": as_of.isoformat(),
                "within": within,
                "due": [d.to_dict() for d in found],
            },
            out,
        )
        return EXIT_OK
    print(
        f"{_words.safe(scenario_id)}: due in the {within} days after {as_of.isoformat()}\n",
        file=out,
    )
    if not found:
        print("nothing falls due", file=out)
        return EXIT_OK
    rows: list[tuple[str, ...]] = [("date", "commitment", "what", "if nothing more is reported")]
    for d in found:
        rows.append((d.on.isoformat(), _words.safe(d.commitment), d.kind.value, d.outcome))
    text.table(rows, out)
    return EXIT_OK


# -- report (issue 13) --------------------------------------------------------------------------


def report(args: argparse.Namespace, out: TextIO) -> int:
    """`negotrack report`: the HTML report, written over OUT in one step (never over the input)."""
    given = args.file if args.file is not None else args.db
    with contextlib.suppress(OSError, TypeError):
        if given is not None and args.output.exists() and os.path.samefile(given, args.output):
            raise UsageError(
                f"negotrack report: {_words.safe(str(args.output))} is the input itself; "
                "nothing was written: give another output file (OUT.html)"
            )
    tracker, _, path = inputs.open_source(args)
    as_of: date = args.as_of  # today unless given: the parser reads the clock
    with tracker:
        write_report(
            tracker,
            args.output,
            on=as_of,
            known_by=args.known_by,
            according_to=args.according_to,
        )
        n = len(tracker.commitments())
        scenario_id = inputs.scenario_id(tracker, path)
    print(
        f"{_words.safe(str(args.output))}: wrote the report of {_words.safe(scenario_id)} as of "
        f"{as_of.isoformat()} ({_count(n, 'commitment')})",
        file=out,
    )
    return EXIT_OK


# -- end of report ---------------------------------------------------------------------------------


def forward(command: str, since: date | None, until: date | None) -> None:
    """Refuse a span whose --since falls after its --until (it could only answer nothing)."""
    if since is not None and until is not None and since > until:
        raise UsageError(
            f"negotrack {command}: --since {since.isoformat()} is after --until "
            f"{until.isoformat()}; give a span that runs forward (see negotrack {command} --help)"
        )


def diagram(args: argparse.Namespace, out: TextIO) -> int:
    if args.lifecycle is None and args.file is None:
        print(draw(args.format), file=out)
        return EXIT_OK
    known = dict(LIFECYCLES)
    if args.file is not None:
        tracker, _ = load_with_lines(args.file)
        known = dict(tracker.lifecycles)
    name = args.lifecycle or LIFECYCLE.name
    if name not in known:
        raise NegotrackError(
            f"no lifecycle is named {name!r}; expected one of {', '.join(known)} (a scenario "
            "file may declare more: negotrack diagram --lifecycle NAME FILE)"
        )
    print(draw(args.format, known[name]), file=out)
    return EXIT_OK


def copy(args: argparse.Namespace, out: TextIO) -> int:
    """`negotrack copy`: a whole record into an empty store, checked by reading it back."""
    given = str(args.source)
    if not is_postgres(given) and Path(given).suffix.lower() in (".yaml", ".yml", ".json"):
        source, _ = load_with_lines(Path(given))
    else:
        source = negotrack_open(given, create=False)
    with source:
        with negotrack_open(args.target) as target:
            commitments, events = copy_record(source, target)
            where = target.location
        # Read back by a new reader, as the next process will see it.
        with negotrack_open(args.target, create=False) as again:
            check_same(source, again)
        print(
            f"{_words.safe(str(where))}: copied {_count(commitments, 'commitment')} and "
            f"{_count(events, 'event')} from {_words.safe(source.location or given)}; the "
            "answers of both are the same",
            file=out,
        )
    return EXIT_OK
