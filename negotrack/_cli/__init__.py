"""The `negotrack` command: its arguments, and the one place faults become exit statuses.

Every fault in the input ends in lines on stderr that name the file and the line, and exit
status 2; never a traceback (a bug gives one line and exit 3). The commands themselves live in
`negotrack._cli.commands`.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import NoReturn, TextIO

from negotrack import __version__
from negotrack._checks import iso_date
from negotrack._exceptions import NegotrackError

from . import commands, history, sheets, text
from .commands import EXIT_INVALID, EXIT_OK
from .inputs import UsageError

EXIT_BUG = 3


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, like every other error here."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see {self.prog} --help)")


def _path(text: str) -> Path:
    if "\x00" in text:
        raise argparse.ArgumentTypeError(f"{text!r} holds a NUL character; expected a file path")
    return Path(text)


def _store_location(text: str) -> str:
    _path(text)
    return text


def _span(text: str) -> int:
    """A number of days (`90`, `90d` or `12w`), or of calendar months (`6m`, `3y`)."""
    number, unit = (text[:-1], text[-1]) if text[-1:] in ("d", "w", "m", "y") else (text, "d")
    if not number.isdigit():
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a span; expected days or weeks such as 90d, 90 or 12w, or "
            "months or years such as 6m or 3y"
        )
    if unit in ("m", "y"):
        return commands.Months(int(number) * (12 if unit == "y" else 1))
    return int(number) * (7 if unit == "w" else 1)


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
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = sub.add_parser(
        "check",
        help="validate a scenario file and list its warnings",
        description="Validate a scenario file and print warnings: its anomalies, and every "
        "deadline or expiry date before its commitment's first event (spent: it can never "
        "make the commitment lapse). Exit 0 when valid, 1 with --strict when there are "
        "warnings, 2 when invalid.",
    )
    _source(check)
    check.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 when there are warnings (anomalies or spent dates)",
    )
    check.set_defaults(run=commands.check)

    status = sub.add_parser(
        "status",
        help="where every commitment stands on a date",
        description="One row per commitment (id, stage, since, reason, inferred, at risk), "
        "then the anomalies.",
    )
    _source(status)
    _as_of(status)
    _known_by(status)
    _according_to(status)
    _json_flag(status)
    status.set_defaults(run=commands.status)

    timeline = sub.add_parser(
        "timeline",
        help="every transition in date order, with its evidence",
        description="Every transition in date order, one row each: date, commitment, event, "
        "from -> to, and the evidence (actor / source, cut to keep rows short, then the date it "
        "was reported if that differs); inferred lapses are marked as such. With --as-of, "
        "inferred steps after that date are marked projected and the anomalies dated by then "
        "appear in place, marked. --json gives each "
        "step whole, quote included. The filters apply to both.",
    )
    _source(timeline)
    timeline.add_argument(
        "--commitment",
        action="append",
        metavar="ID",
        help="only the steps of this commitment (repeat for several)",
    )
    timeline.add_argument(
        "--since", type=_day, metavar="DATE", help="only steps on or after this date, YYYY-MM-DD"
    )
    timeline.add_argument(
        "--until", type=_day, metavar="DATE", help="only steps on or before this date, YYYY-MM-DD"
    )
    _known_by(timeline)
    _according_to(timeline)
    timeline.add_argument(
        "--as-of",
        type=_day,
        metavar="DATE",
        help="mark inferred steps after this date as projected, and show the anomalies "
        "dated by then in place",
    )
    _json_flag(timeline)
    timeline.set_defaults(run=history.timeline)

    changes = sub.add_parser(
        "changes",
        help="what changed between two dates",
        description="Every stage change with SINCE < date <= UNTIL, and every commitment that "
        "became or stopped being at risk, in date order, with its evidence. With "
        "--known-since instead: everything that became known after that date (up to "
        "--known-by), whatever the date it happened, retroactive steps and steps taken back "
        "marked.",
    )
    _source(changes)
    changes.add_argument("--since", type=_day, metavar="DATE", help="after this date, YYYY-MM-DD")
    changes.add_argument(
        "--known-since",
        type=_day,
        metavar="DATE",
        help="list what became known after this date, YYYY-MM-DD (instead of --since)",
    )
    changes.add_argument(
        "--until", type=_day, metavar="DATE", help="up to this date, inclusive (default: today)"
    )
    _known_by(changes)
    _according_to(changes)
    _json_flag(changes)
    changes.set_defaults(run=history.changes)

    due = sub.add_parser(
        "due",
        help="what falls due next",
        description="Deadlines, expiries and target period ends in the days after --as-of, "
        "with what happens if nothing more is reported.",
    )
    _source(due)
    _as_of(due)
    due.add_argument(
        "--within",
        type=_span,
        default=90,
        metavar="SPAN",
        help="how far ahead: days (90d, or 90), weeks (12w), months (6m), years (3y); default 90d",
    )
    _json_flag(due)
    due.set_defaults(run=commands.due)

    progress = sub.add_parser(
        "progress",
        help="deliveries against the targets of quantitative commitments",
        description="One row per period of every commitment with a target: what was due, "
        "what was delivered, and whether it was met (or how the current one is paced).",
    )
    _source(progress)
    _as_of(progress)
    _known_by(progress)
    _according_to(progress)
    _json_flag(progress)
    progress.set_defaults(run=commands.progress)

    # -- report (issue 13): the HTML report, with the [report] extra ---------------------------
    reporting = sub.add_parser(
        "report",
        help="write an HTML report with charts",
        description="Write one self-contained HTML file (it fetches nothing when opened): every "
        "commitment's status with its evidence, the timeline of their stages, the targets "
        "charts, the changes of the 30 days up to --as-of, what falls due in the 90 days after "
        "it, and the anomalies. Needs the report extra: pip install '.[report]' in a clone "
        "of negotrack.",
    )
    _source(reporting)
    _as_of(reporting)
    _known_by(reporting)
    _according_to(reporting)
    reporting.add_argument(
        "-o", "--output", type=_path, required=True, metavar="OUT", help="the HTML file to write"
    )
    reporting.set_defaults(run=commands.report)
    # -- end of report ---------------------------------------------------------------------------

    disputes = sub.add_parser(
        "disputes",
        help="where the parties' accounts disagree",
        description="Every commitment whose parties' accounts put it in different stages on "
        "--as-of, with each side's stage, date and evidence. A source declares whose account "
        "it gives with party:, an event with account:.",
    )
    _source(disputes)
    _as_of(disputes)
    _known_by(disputes)
    _json_flag(disputes, csv=False)
    disputes.set_defaults(run=history.disputes)

    drawing = sub.add_parser(
        "diagram",
        help="draw the lifecycle",
        description="Draw the commitment lifecycle from its one definition, through "
        "transitions' own diagram support (mermaid needs nothing else installed).",
    )
    drawing.add_argument(
        "--format", choices=("mermaid", "dot"), default="mermaid", help="default: mermaid"
    )
    drawing.add_argument(
        "--lifecycle",
        metavar="NAME",
        help="the lifecycle to draw: negotiation (the default), treaty, legislation, or one "
        "that the scenario FILE declares",
    )
    drawing.add_argument("file", type=_path, nargs="?", help="a scenario file declaring NAME")
    drawing.set_defaults(run=commands.diagram)

    record = sub.add_parser(
        "record",
        help="import a scenario file into a store",
        description="Record a scenario's commitments and events into a store (an SQLite file, "
        "created if missing), in one transaction. Running it twice changes nothing.",
    )
    record.add_argument(
        "--db", type=_store_location, required=True, metavar="STORE", help="the store"
    )
    record.add_argument("scenario", type=_path, help="scenario file (.yaml, .yml or .json)")
    record.set_defaults(run=commands.record)

    importing = sub.add_parser(
        "import-csv",
        help="record the events of a CSV file into a store",
        description="Record the events of a CSV file (a spreadsheet's export: a header row of "
        "event keys, such as on,commitment,event,source, then one row per event) into a store "
        "that holds their commitments, all or none; faults are reported as FILE:LINE. "
        "Running it twice changes nothing.",
    )
    importing.add_argument(
        "--db", type=_store_location, required=True, metavar="STORE", help="the store"
    )
    importing.add_argument("events", type=_path, help="the CSV file of events")
    importing.set_defaults(run=sheets.import_csv)

    export = sub.add_parser(
        "export",
        help="write a store out as a scenario file",
        description="Write everything a store holds as a scenario file that loads back to "
        "the same answers.",
    )
    export.add_argument(
        "--db", type=_store_location, required=True, metavar="STORE", help="the store"
    )
    export.add_argument(
        "-o", "--output", type=_path, required=True, metavar="OUT", help="OUT.yaml or OUT.json"
    )
    export.set_defaults(run=commands.export)

    copying = sub.add_parser(
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
    copying.set_defaults(run=commands.copy)
    return parser


def _source(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=_path, nargs="?", help="scenario file (.yaml, .yml or .json)")
    parser.add_argument(
        "--db",
        type=_store_location,
        metavar="STORE",
        help="read a store (made by `record`) instead of a file",
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


def _according_to(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--according-to",
        metavar="PARTY",
        help="answer on this party's word: the neutral events and that party's account only",
    )


def _json_flag(parser: argparse.ArgumentParser, csv: bool = True) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    if csv:
        parser.add_argument(
            "--format",
            choices=("table", "json", "csv"),
            default="table",
            help="table (default), json (the same as --json) or csv: the columns of --json, "
            "a row per answer, for a spreadsheet",
        )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    try:
        args = _parser().parse_args(argv)
        if getattr(args, "format", None) == "json":
            args.json = True
        run: Callable[[argparse.Namespace, TextIO], int] = args.run
        out = sys.stdout
        if out is None:  # started with its standard output closed (`>&-`)
            raise UsageError("negotrack: standard output is closed; nothing can be printed")
        return run(args, out)
    except UsageError as err:
        text.fail(str(err))
        return EXIT_INVALID
    except NegotrackError as err:
        # One line per problem (a scenario file's faults), each naming the command.
        text.fail("\n".join(f"negotrack: {line}" for line in str(err).splitlines()))
        return EXIT_INVALID
    except BrokenPipeError:
        raise
    except OSError as err:
        text.fail(f"negotrack: {err.filename or ''}{': ' if err.filename else ''}{err.strerror}")
        return EXIT_INVALID
    except KeyboardInterrupt:
        text.fail("negotrack: interrupted")
        return 130
    except Exception as err:  # a bug: still one line, but say how to see more
        if os.environ.get("NEGOTRACK_DEBUG"):
            raise
        text.fail(
            f"negotrack: internal error ({type(err).__name__}: {err}); "
            "rerun with NEGOTRACK_DEBUG=1 for details and please report it"
        )
        return EXIT_BUG


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
