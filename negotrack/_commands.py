"""The `negotrack` commands: what each does once its arguments are read.

Each command takes the parsed arguments and the stream to print to, and returns the exit
status; faults are raised as `NegotrackError` or `UsageError` for `negotrack._cli.main` to
report. What they read comes through `negotrack._inputs`; what is printed is made by
`negotrack._output`.
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

from . import _inputs, _output
from ._checks import iso
from ._conninfo import is_postgres
from ._engine import diagram as draw
from ._exceptions import NegotrackError
from ._files import dump
from ._format import load_with_lines
from ._inputs import UsageError
from ._lifecycle import LIFECYCLE
from ._lifecycles import LIFECYCLES
from ._limits import spent_limits
from ._reporting import report as write_report
from ._store import open as negotrack_open
from ._store import verify
from ._targets import add_months
from ._tracker import Tracker
from ._transfer import check_same, merge
from ._transfer import copy as copy_record

EXIT_OK = 0
EXIT_ANOMALIES = 1
EXIT_INVALID = 2


def check(args: argparse.Namespace, out: TextIO) -> int:
    if args.db is not None and args.file is None:
        problems = verify(args.db)
        if problems:
            for problem in problems:
                _output.fail(f"negotrack: {_inputs.shown(args.db)}: damaged: {problem}")
            return EXIT_INVALID
    tracker, lines, path = _inputs.open_source(args)
    with tracker:
        spent = spent_limits(tracker)
        for limit in spent:
            _warn(path, lines.commitments.get((limit.commitment, limit.field)), limit.message)
        anomalies = tracker.anomalies()
        for anomaly in anomalies:
            _warn(path, lines.events.get(anomaly.event), anomaly.message)
        n_c, n_e = len(tracker.commitments()), len(tracker.events())
        dates = f", {_count(len(spent), 'spent date')}" if spent else ""
        print(
            f"{_output.safe(path)}: valid: {_count(n_c, 'commitment')}, {_count(n_e, 'event')}, "
            f"{len(anomalies)} anomal{'y' if len(anomalies) == 1 else 'ies'}{dates}",
            file=out,
        )
    return EXIT_ANOMALIES if args.strict and (anomalies or spent) else EXIT_OK


def _warn(path: str, line: int | None, message: str) -> None:
    where = f"{path}:{line}" if line else path
    print(f"{_output.safe(where)}: warning: {_output.safe(message)}", file=sys.stderr)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def record(args: argparse.Namespace, out: TextIO) -> int:
    given = shlex.quote(str(args.scenario))
    target = "STORE" if is_postgres(args.db) else shlex.quote(args.db)  # no password shown
    hint = f"to copy a store into another, use negotrack copy --from {given} --to {target}"
    source, _ = _inputs.load(args.scenario, hint)
    with negotrack_open(args.db) as store:
        commitments, added, known = merge(store, source)
    print(
        f"{_inputs.shown(args.db)}: recorded {_count(commitments, 'new commitment')} and "
        f"{_count(added, 'new event')} from {_output.safe(str(args.scenario))} "
        f"({known} already recorded)",
        file=out,
    )
    return EXIT_OK


def export(args: argparse.Namespace, out: TextIO) -> int:
    if not is_postgres(args.db):
        _refuse_overwriting_the_store(Path(args.db), args.output)
    with negotrack_open(args.db, create=False) as tracker:
        dump(tracker, args.output)
        n_c, n_e = len(tracker.commitments()), len(tracker.events())
    print(
        f"{_output.safe(str(args.output))}: wrote {_count(n_c, 'commitment')} and "
        f"{_count(n_e, 'event')} from {_inputs.shown(args.db)}",
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
    tracker, _, path = _inputs.open_source(args)
    with tracker:
        return _print_status(tracker, args, path, out)


def _print_status(tracker: Tracker, args: argparse.Namespace, path: str, out: TextIO) -> int:
    as_of: date = args.as_of or date.today()  # the only wall clock: the default "as of"
    known_by: date | None = args.known_by
    snapshot = tracker.snapshot(on=as_of, known_by=known_by)
    anomalies = tracker.anomalies(on=as_of, known_by=known_by)
    titles = {c.id: c.title for c in tracker.commitments()}
    scenario = tracker.scenario
    if args.json:
        document = {
            "scenario": _inputs.scenario_id(tracker, path),
            "as_of": as_of.isoformat(),
            "known_by": iso(known_by),
            "commitments": [
                _output.status_json(cid, titles[cid], s) for cid, s in snapshot.items()
            ],
            "anomalies": [_output.anomaly_json(a) for a in anomalies],
        }
        _output.print_json(document, out)
        return EXIT_OK
    heading = _output.safe(_inputs.scenario_id(tracker, path))
    if scenario is not None:
        heading += f": {_output.safe(scenario.title)}"
    print(f"{heading}\n{_output.as_of(as_of, known_by)}\n", file=out)
    header = ("id", "stage", "since", "reason", "inferred", "at risk")
    quantitative = any(status.progress is not None for status in snapshot.values())
    rows: list[tuple[str, ...]] = [(*header, "progress") if quantitative else header]
    for cid, status in snapshot.items():
        row = (
            _output.safe(cid),
            _output.stage(status.stage),
            _output.day(status.since),
            "-" if status.reason is None else status.reason.value,
            "yes" if status.inferred else "no",
            ", ".join(_output.safe(c) for c in status.at_risk_from) or "-",
        )
        rows.append((*row, _output.progress_cell(status.progress)) if quantitative else row)
    _output.table(rows, out)
    print(file=out)
    if not anomalies:
        print("anomalies: none", file=out)
    else:
        print(f"anomalies ({len(anomalies)}):", file=out)
        for anomaly in anomalies:
            print(f"  {_output.safe(anomaly.message)}", file=out)
    return EXIT_OK


def progress(args: argparse.Namespace, out: TextIO) -> int:
    tracker, _, path = _inputs.open_source(args)
    as_of: date = args.as_of or date.today()  # the only wall clock: the default "as of"
    known_by: date | None = args.known_by
    with tracker:
        snapshot = tracker.snapshot(on=as_of, known_by=known_by)
        titles = {c.id: c.title for c in tracker.commitments()}
        measured = {cid: s.progress for cid, s in snapshot.items() if s.progress is not None}
        scenario_id = _inputs.scenario_id(tracker, path)
    if args.json:
        document = {
            "scenario": scenario_id,
            "as_of": as_of.isoformat(),
            "known_by": iso(known_by),
            "commitments": [
                _output.progress_json(cid, titles[cid], p) for cid, p in measured.items()
            ],
        }
        _output.print_json(document, out)
        return EXIT_OK
    print(f"{_output.safe(scenario_id)}: {_output.as_of(as_of, known_by)}\n", file=out)
    if not measured:
        print("no commitment has a target", file=out)
        return EXIT_OK
    rows: list[tuple[str, ...]] = [("id", "period", "delivered", "share", "state")]
    for cid, p in measured.items():
        rows += _output.period_rows(cid, p, as_of)
    _output.table(rows, out)
    return EXIT_OK


def changes(args: argparse.Namespace, out: TextIO) -> int:
    tracker, _, path = _inputs.open_source(args)
    since: date = args.since
    until: date = args.until or date.today()  # the only other wall clock: the default "until"
    with tracker:
        found = tracker.changes(since, until, known_by=args.known_by)
        scenario_id = _inputs.scenario_id(tracker, path)
    if args.json:
        _output.print_json(
            {
                "scenario": scenario_id,
                "since": since.isoformat(),
                "until": until.isoformat(),
                "known_by": iso(args.known_by),
                "changes": [_output.change_json(c) for c in found],
            },
            out,
        )
        return EXIT_OK
    print(
        f"{_output.safe(scenario_id)}: changes after {since.isoformat()} up to "
        f"{until.isoformat()}, {_output.knowledge(args.known_by)}\n",
        file=out,
    )
    if not found:
        print("nothing changed", file=out)
        return EXIT_OK
    _output.table(_output.change_rows(found), out)
    return EXIT_OK


class Months(int):
    """A span of `--within` in calendar months (``6m``, ``3y``), not days."""


def due(args: argparse.Namespace, out: TextIO) -> int:
    tracker, _, path = _inputs.open_source(args)
    as_of: date = args.as_of or date.today()
    within = args.within
    if isinstance(within, Months):  # as many days as those months have after --as-of
        within = (add_months(as_of, int(within)) - as_of).days
    with tracker:
        found = tracker.due(as_of, within)
        scenario_id = _inputs.scenario_id(tracker, path)
    if args.json:
        _output.print_json(
            {
                "scenario": scenario_id,
                "as_of": as_of.isoformat(),
                "within": within,
                "due": [_output.due_json(d) for d in found],
            },
            out,
        )
        return EXIT_OK
    print(
        f"{_output.safe(scenario_id)}: due in the {within} days after {as_of.isoformat()}\n",
        file=out,
    )
    if not found:
        print("nothing falls due", file=out)
        return EXIT_OK
    rows: list[tuple[str, ...]] = [("date", "commitment", "what", "if nothing more is reported")]
    for d in found:
        rows.append((d.on.isoformat(), _output.safe(d.commitment), d.kind.value, d.outcome))
    _output.table(rows, out)
    return EXIT_OK


# -- report (issue 13) --------------------------------------------------------------------------


def report(args: argparse.Namespace, out: TextIO) -> int:
    """`negotrack report`: the HTML report, written over OUT in one step (never over the input)."""
    given = args.file if args.file is not None else args.db
    with contextlib.suppress(OSError, TypeError):
        if given is not None and args.output.exists() and os.path.samefile(given, args.output):
            raise UsageError(
                f"negotrack report: {_output.safe(str(args.output))} is the input itself; "
                "nothing was written: give another output file (OUT.html)"
            )
    tracker, _, path = _inputs.open_source(args)
    as_of: date = args.as_of or date.today()  # the only wall clock: the default "as of"
    with tracker:
        write_report(tracker, args.output, on=as_of, known_by=args.known_by)
        n = len(tracker.commitments())
        scenario_id = _inputs.scenario_id(tracker, path)
    print(
        f"{_output.safe(str(args.output))}: wrote the report of {_output.safe(scenario_id)} as of "
        f"{as_of.isoformat()} ({_count(n, 'commitment')})",
        file=out,
    )
    return EXIT_OK


# -- end of report ---------------------------------------------------------------------------------


def timeline(args: argparse.Namespace, out: TextIO) -> int:
    since: date | None = args.since
    until: date | None = args.until
    if since is not None and until is not None and since > until:
        raise UsageError(
            f"negotrack timeline: --since {since.isoformat()} is after --until "
            f"{until.isoformat()}; give a span that runs forward (see negotrack timeline --help)"
        )
    tracker, _, path = _inputs.open_source(args)
    known_by: date | None = args.known_by
    with tracker:
        wanted = _inputs.commitment_ids(tracker, args.commitment, "timeline")
        steps = [
            step
            for step in tracker.timeline(known_by=known_by)
            if (wanted is None or step.commitment in wanted)
            and (since is None or step.on >= since)
            and (until is None or step.on <= until)
        ]
        scenario_id = _inputs.scenario_id(tracker, path)
    if args.json:
        _output.print_json(
            {
                "scenario": scenario_id,
                "known_by": iso(known_by),
                "transitions": [_output.transition_json(t) for t in steps],
            },
            out,
        )
        return EXIT_OK
    if not steps:
        print("no steps", file=out)
        return EXIT_OK
    _output.table(_output.timeline_rows(steps), out)
    return EXIT_OK


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
            f"{_output.safe(str(where))}: copied {_count(commitments, 'commitment')} and "
            f"{_count(events, 'event')} from {_output.safe(source.location or given)}; the "
            "answers of both are the same",
            file=out,
        )
    return EXIT_OK
