"""The `negotrack` command: check, question, record and draw scenarios from the shell.

Every fault in the input ends in lines on stderr that name the file and the line, and exit
status 2; never a traceback (a bug gives one line and exit 3). `date.today()` appears here
only, as the default "as of". What is printed is made by `negotrack._output`.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import NoReturn, TextIO

from . import __version__, _output
from ._checks import iso, iso_date
from ._engine import diagram
from ._events import Event
from ._exceptions import NegotrackError
from ._files import dump
from ._format import load_with_lines
from ._store import open as negotrack_open
from ._tracker import Tracker
from ._transfer import merge

EXIT_OK = 0
EXIT_ANOMALIES = 1
EXIT_INVALID = 2
EXIT_BUG = 3


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, like every other error here."""

    def error(self, message: str) -> NoReturn:
        raise _UsageError(f"{self.prog}: {message} (see {self.prog} --help)")


class _UsageError(Exception):
    pass


def _day(text: str) -> date:
    try:
        return iso_date(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _parser() -> _Parser:
    parser = _Parser(
        prog="negotrack",
        description="Track negotiated commitments from proposal to lapse, date by date.",
    )
    parser.add_argument("--version", action="version", version=f"negotrack {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = commands.add_parser(
        "check",
        help="validate a scenario file and list its anomalies",
        description="Validate a scenario file and print its anomalies as warnings. Exit 0 "
        "when valid, 1 with --strict when there are anomalies, 2 when invalid.",
    )
    _source(check)
    check.add_argument("--strict", action="store_true", help="exit 1 when the file has anomalies")
    check.set_defaults(run=_check)

    status = commands.add_parser(
        "status",
        help="where every commitment stands on a date",
        description="One row per commitment (id, stage, since, reason, inferred, at risk), "
        "then the anomalies.",
    )
    _source(status)
    _as_of(status)
    _known_by(status)
    _json_flag(status)
    status.set_defaults(run=_status)

    timeline = commands.add_parser(
        "timeline",
        help="every transition in date order, with its evidence",
        description="Every transition in date order with its evidence (actor, source, quote, "
        "reported date); inferred lapses are marked as such.",
    )
    _source(timeline)
    _known_by(timeline)
    _json_flag(timeline)
    timeline.set_defaults(run=_timeline)

    drawing = commands.add_parser(
        "diagram",
        help="draw the lifecycle",
        description="Draw the commitment lifecycle from its one definition, through "
        "transitions' own diagram support (mermaid needs nothing else installed).",
    )
    drawing.add_argument(
        "--format", choices=("mermaid", "dot"), default="mermaid", help="default: mermaid"
    )
    drawing.set_defaults(run=_diagram)

    record = commands.add_parser(
        "record",
        help="import a scenario file into a store",
        description="Record a scenario's commitments and events into a store (an SQLite file, "
        "created if missing), in one transaction. Running it twice changes nothing.",
    )
    record.add_argument("--db", required=True, metavar="STORE", help="the store")
    record.add_argument("scenario", type=Path, help="scenario file (.yaml, .yml or .json)")
    record.set_defaults(run=_record)

    export = commands.add_parser(
        "export",
        help="write a store out as a scenario file",
        description="Write everything a store holds as a scenario file that loads back to "
        "the same answers.",
    )
    export.add_argument("--db", required=True, metavar="STORE", help="the store")
    export.add_argument(
        "-o", "--output", type=Path, required=True, metavar="OUT", help="OUT.yaml or OUT.json"
    )
    export.set_defaults(run=_export)

    copying = commands.add_parser(
        "copy",
        help="copy a whole record into an empty store",
        description="Copy everything a store or a scenario file holds into an empty store (an "
        "SQLite file or a PostgreSQL URL; created if missing) in one transaction, then check "
        "that both give the same answers.",
    )
    copying.add_argument(
        "--from",
        dest="source",
        required=True,
        metavar="SOURCE",
        help="a store (file or URL), or a scenario file (.yaml, .yml or .json)",
    )
    copying.add_argument(
        "--to", dest="target", required=True, metavar="TARGET", help="an empty store"
    )
    copying.set_defaults(run=_copy)
    return parser


def _source(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, nargs="?", help="scenario file (.yaml, .yml or .json)")
    parser.add_argument(
        "--db", metavar="STORE", help="read a store (made by `record`) instead of a file"
    )


def _as_of(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--as-of",
        type=_day,
        metavar="DATE",
        help="the date to answer for, YYYY-MM-DD, inclusive (default: today)",
    )


def _known_by(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--known-by",
        type=_day,
        metavar="DATE",
        help="use only events reported on or before this date, YYYY-MM-DD",
    )


def _json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    try:
        args = _parser().parse_args(argv)
        run: Callable[[argparse.Namespace, TextIO], int] = args.run
        out = sys.stdout
        if out is None:  # started with its standard output closed (`>&-`)
            raise _UsageError("negotrack: standard output is closed; nothing can be printed")
        return run(args, out)
    except _UsageError as err:
        _fail(str(err))
        return EXIT_INVALID
    except NegotrackError as err:
        _fail(f"negotrack: {err}")
        return EXIT_INVALID
    except BrokenPipeError:
        raise
    except OSError as err:
        _fail(f"negotrack: {err.filename or ''}{': ' if err.filename else ''}{err.strerror}")
        return EXIT_INVALID
    except KeyboardInterrupt:
        _fail("negotrack: interrupted")
        return 130
    except Exception as err:  # a bug: still one line, but say how to see more
        if os.environ.get("NEGOTRACK_DEBUG"):
            raise
        _fail(
            f"negotrack: internal error ({type(err).__name__}: {err}); "
            "rerun with NEGOTRACK_DEBUG=1 for details and please report it"
        )
        return EXIT_BUG


def _fail(message: str) -> None:
    """Print an error, each of its lines as one line (a file's faults are one per line)."""
    if sys.stderr is None:
        return
    for line in message.splitlines() or [""]:
        print(_output.safe(" ".join(line.split())), file=sys.stderr)


def _open_source(args: argparse.Namespace) -> tuple[Tracker, dict[Event, int], str]:
    """The tracker named on the command line: a scenario file, or a store with --db."""
    if (args.file is None) == (args.db is None):
        raise _UsageError(
            f"negotrack {args.command}: give a scenario FILE or --db STORE (one of them) "
            f"(see negotrack {args.command} --help)"
        )
    if args.db is not None:
        return negotrack_open(args.db, create=False), {}, str(args.db)
    tracker, lines = load_with_lines(args.file)
    return tracker, lines, str(args.file)


def _check(args: argparse.Namespace, out: TextIO) -> int:
    tracker, lines, path = _open_source(args)
    with tracker:
        anomalies = tracker.anomalies()
        for anomaly in anomalies:
            line = lines.get(anomaly.event)
            where = f"{path}:{line}" if line else path
            print(f"{where}: warning: {_output.safe(anomaly.message)}", file=sys.stderr)
        n_c, n_e = len(tracker.commitments()), len(tracker.events())
        print(
            f"{path}: valid: {_count(n_c, 'commitment')}, {_count(n_e, 'event')}, "
            f"{len(anomalies)} anomal{'y' if len(anomalies) == 1 else 'ies'}",
            file=out,
        )
    return EXIT_ANOMALIES if args.strict and anomalies else EXIT_OK


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _record(args: argparse.Namespace, out: TextIO) -> int:
    source, _ = load_with_lines(args.scenario)
    with negotrack_open(args.db) as store:
        commitments, added, known = merge(store, source)
    print(
        f"{args.db}: recorded {_count(commitments, 'new commitment')} and "
        f"{_count(added, 'new event')} from {args.scenario} ({known} already recorded)",
        file=out,
    )
    return EXIT_OK


def _export(args: argparse.Namespace, out: TextIO) -> int:
    with negotrack_open(args.db, create=False) as tracker:
        dump(tracker, args.output)
        n_c, n_e = len(tracker.commitments()), len(tracker.events())
    print(
        f"{args.output}: wrote {_count(n_c, 'commitment')} and {_count(n_e, 'event')} "
        f"from {args.db}",
        file=out,
    )
    return EXIT_OK


def _status(args: argparse.Namespace, out: TextIO) -> int:
    tracker, _, path = _open_source(args)
    with tracker:
        return _print_status(tracker, args, path, out)


def _print_status(tracker: Tracker, args: argparse.Namespace, path: str, out: TextIO) -> int:
    as_of: date = args.as_of or date.today()
    known_by: date | None = args.known_by
    snapshot = tracker.snapshot(on=as_of, known_by=known_by)
    anomalies = tracker.anomalies(on=as_of, known_by=known_by)
    titles = {c.id: c.title for c in tracker.commitments()}
    scenario = tracker.scenario
    if args.json:
        document = {
            "scenario": _scenario_id(tracker, path),
            "as_of": as_of.isoformat(),
            "known_by": iso(known_by),
            "commitments": [
                _output.status_json(cid, titles[cid], s) for cid, s in snapshot.items()
            ],
            "anomalies": [_output.anomaly_json(a) for a in anomalies],
        }
        _output.print_json(document, out)
        return EXIT_OK
    heading = _output.safe(_scenario_id(tracker, path))
    if scenario is not None:
        heading += f": {_output.safe(scenario.title)}"
    knowledge = "all that is known" if known_by is None else f"known by {known_by.isoformat()}"
    print(f"{heading}\nas of {as_of.isoformat()}, from {knowledge}\n", file=out)
    rows: list[tuple[str, ...]] = [("id", "stage", "since", "reason", "inferred", "at risk")]
    for cid, status in snapshot.items():
        rows.append(
            (
                _output.safe(cid),
                "-" if status.stage is None else status.stage.value,
                _output.day(status.since),
                "-" if status.reason is None else status.reason.value,
                "yes" if status.inferred else "no",
                ", ".join(_output.safe(c) for c in status.at_risk_from) or "-",
            )
        )
    _output.table(rows, out)
    print(file=out)
    if not anomalies:
        print("anomalies: none", file=out)
    else:
        print(f"anomalies ({len(anomalies)}):", file=out)
        for anomaly in anomalies:
            print(f"  {_output.safe(anomaly.message)}", file=out)
    return EXIT_OK


def _timeline(args: argparse.Namespace, out: TextIO) -> int:
    tracker, _, path = _open_source(args)
    known_by: date | None = args.known_by
    with tracker:
        steps = tracker.timeline(known_by=known_by)
        scenario_id = _scenario_id(tracker, path)
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
    for step in steps:
        print(_output.transition_line(step), file=out)
    return EXIT_OK


def _diagram(args: argparse.Namespace, out: TextIO) -> int:
    print(diagram(args.format), file=out)
    return EXIT_OK


def _scenario_id(tracker: Tracker, path: str) -> str:
    scenario = tracker.scenario
    return scenario.id if scenario is not None else Path(path).stem


def entry() -> NoReturn:
    """Console-script entry point."""
    try:
        code = main()
        if sys.stdout is not None:
            sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (`negotrack timeline ... | head`): not an error of ours.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        code = EXIT_OK
    raise SystemExit(code)


def _copy(args: argparse.Namespace, out: TextIO) -> int:
    """`negotrack copy`: a whole record into an empty store, checked by reading it back."""
    from ._conninfo import is_postgres
    from ._transfer import check_same, copy

    given = str(args.source)
    if not is_postgres(given) and Path(given).suffix.lower() in (".yaml", ".yml", ".json"):
        source, _ = load_with_lines(Path(given))
    else:
        source = negotrack_open(given, create=False)
    with source:
        with negotrack_open(args.target) as target:
            commitments, events = copy(source, target)
            where = target.location
        # Read back by a new reader, as the next process will see it.
        with negotrack_open(args.target, create=False) as again:
            check_same(source, again)
        print(
            f"{where}: copied {_count(commitments, 'commitment')} and {_count(events, 'event')} "
            f"from {source.location or given}; the answers of both are the same",
            file=out,
        )
    return EXIT_OK
