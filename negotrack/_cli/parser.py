"""The `negotrack` command's arguments, as one table: each command, its words and its options.

A command is a `Command` row: its name, its help and description, the function that runs it,
and its options in the order ``--help`` lists them, each either the name of an option several
commands share (`SHARED`: where the answers come from, ``--as-of``, ``--known-by``...) or an
`arg` of its own. `build` makes the argparse parser from the table, given the date the
command line reads from the wall clock once: the default of ``--as-of`` and, as ``today``, of
``changes --until``.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import Any, NoReturn, TextIO

import attrs

from negotrack import __version__
from negotrack._checks import iso_date

from . import commands, history, sheets
from .inputs import UsageError

Run = Callable[[argparse.Namespace, TextIO], int]


@attrs.frozen
class Arg:
    """One argument: argparse's flags (or a positional's name) and its keyword arguments."""

    flags: tuple[str, ...]
    options: Mapping[str, Any]


def arg(*flags: str, **options: Any) -> Arg:
    """An argument of one command, as `argparse.ArgumentParser.add_argument` takes it."""
    return Arg(flags, options)


@attrs.frozen
class Command:
    """One command: its name, its words, what runs it, and its arguments in help order."""

    name: str
    help: str
    description: str
    run: Run
    arguments: tuple[str | Arg, ...] = ()


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


_FORMAT = arg(
    "--format",
    choices=("table", "json", "csv"),
    default="table",
    help="table (default), json (the same as --json) or csv: the columns of --json, "
    "a row per answer, for a spreadsheet",
)

SHARED: dict[str, tuple[Arg, ...]] = {
    "source": (
        arg("file", type=_path, nargs="?", help="scenario file (.yaml, .yml or .json)"),
        arg(
            "--db",
            type=_store_location,
            metavar="STORE",
            help="read a store (made by `record`) instead of a file",
        ),
    ),
    "as_of": (
        arg(
            "--as-of",
            type=_day,
            metavar="DATE",
            help="the date to answer for, YYYY-MM-DD, inclusive (default: today)",
        ),
    ),
    "known_by": (
        arg(
            "--known-by",
            type=_day,
            metavar="DATE",
            help="use only events reported on or before this date, YYYY-MM-DD",
        ),
    ),
    "according_to": (
        arg(
            "--according-to",
            metavar="PARTY",
            help="answer on this party's word: the neutral events and that party's account only",
        ),
    ),
    "json": (arg("--json", action="store_true", help="print JSON instead of a table"),),
    "format": (_FORMAT,),
    "store": (arg("--db", type=_store_location, required=True, metavar="STORE", help="the store"),),
}
"""The options several commands share, by the name a `Command` gives them."""

# The answers on a date: where from, as of, as known by, on whose word, and how printed.
_ANSWERS = ("source", "as_of", "known_by", "according_to", "json", "format")

COMMANDS: tuple[Command, ...] = (
    Command(
        "check",
        "validate a scenario file and list its warnings",
        "Validate a scenario file and print warnings: its anomalies, and every "
        "deadline or expiry date before its commitment's first event (spent: it can never "
        "make the commitment lapse). Exit 0 when valid, 1 with --strict when there are "
        "warnings, 2 when invalid.",
        commands.check,
        (
            "source",
            arg(
                "--strict",
                action="store_true",
                help="exit 1 when there are warnings (anomalies or spent dates)",
            ),
        ),
    ),
    Command(
        "status",
        "where every commitment stands on a date",
        "One row per commitment (id, stage, since, reason, inferred, at risk), then the anomalies.",
        commands.status,
        _ANSWERS,
    ),
    Command(
        "timeline",
        "every transition in date order, with its evidence",
        "Every transition in date order, one row each: date, commitment, event, "
        "from -> to, and the evidence (actor / source, cut to keep rows short, then the date it "
        "was reported if that differs); inferred lapses are marked as such. With --as-of, "
        "inferred steps after that date are marked projected and the anomalies dated by then "
        "appear in place, marked. --json gives each "
        "step whole, quote included. The filters apply to both.",
        history.timeline,
        (
            "source",
            arg(
                "--commitment",
                action="append",
                metavar="ID",
                help="only the steps of this commitment (repeat for several)",
            ),
            arg(
                "--since",
                type=_day,
                metavar="DATE",
                help="only steps on or after this date, YYYY-MM-DD",
            ),
            arg(
                "--until",
                type=_day,
                metavar="DATE",
                help="only steps on or before this date, YYYY-MM-DD",
            ),
            "known_by",
            "according_to",
            arg(
                "--as-of",
                type=_day,
                metavar="DATE",
                help="mark inferred steps after this date as projected, and show the anomalies "
                "dated by then in place",
            ),
            "json",
            "format",
        ),
    ),
    Command(
        "changes",
        "what changed between two dates",
        "Every stage change with SINCE < date <= UNTIL, and every commitment that "
        "became or stopped being at risk, in date order, with its evidence. With "
        "--known-since instead: everything that became known after that date (up to "
        "--known-by), whatever the date it happened, retroactive steps and steps taken back "
        "marked.",
        history.changes,
        (
            "source",
            arg("--since", type=_day, metavar="DATE", help="after this date, YYYY-MM-DD"),
            arg(
                "--known-since",
                type=_day,
                metavar="DATE",
                help="list what became known after this date, YYYY-MM-DD (instead of --since)",
            ),
            arg(
                "--until",
                type=_day,
                metavar="DATE",
                help="up to this date, inclusive (default: today)",
            ),
            "known_by",
            "according_to",
            "json",
            "format",
        ),
    ),
    Command(
        "due",
        "what falls due next",
        "Deadlines, expiries and target period ends in the days after --as-of, "
        "with what happens if nothing more is reported.",
        commands.due,
        (
            "source",
            "as_of",
            arg(
                "--within",
                type=_span,
                default=90,
                metavar="SPAN",
                help="how far ahead: days (90d, or 90), weeks (12w), months (6m), years (3y); "
                "default 90d",
            ),
            "json",
            "format",
        ),
    ),
    Command(
        "progress",
        "deliveries against the targets of quantitative commitments",
        "One row per period of every commitment with a target: what was due, "
        "what was delivered, and whether it was met (or how the current one is paced).",
        commands.progress,
        _ANSWERS,
    ),
    Command(
        "report",
        "write an HTML report with charts",
        "Write one self-contained HTML file (it fetches nothing when opened): every "
        "commitment's status with its evidence, the timeline of their stages, the targets "
        "charts, the changes of the 30 days up to --as-of, what falls due in the 90 days after "
        "it, and the anomalies. Needs the report extra: pip install '.[report]' in a clone "
        "of negotrack.",
        commands.report,
        (
            "source",
            "as_of",
            "known_by",
            "according_to",
            arg(
                "-o",
                "--output",
                type=_path,
                required=True,
                metavar="OUT",
                help="the HTML file to write",
            ),
        ),
    ),
    Command(
        "disputes",
        "where the parties' accounts disagree",
        "Every commitment whose parties' accounts put it in different stages on "
        "--as-of, with each side's stage, date and evidence. A source declares whose account "
        "it gives with party:, an event with account:.",
        history.disputes,
        ("source", "as_of", "known_by", "json"),
    ),
    Command(
        "diagram",
        "draw the lifecycle",
        "Draw the commitment lifecycle from its one definition, through "
        "transitions' own diagram support (mermaid needs nothing else installed).",
        commands.diagram,
        (
            arg("--format", choices=("mermaid", "dot"), default="mermaid", help="default: mermaid"),
            arg(
                "--lifecycle",
                metavar="NAME",
                help="the lifecycle to draw: negotiation (the default), treaty, legislation, or "
                "one that the scenario FILE declares",
            ),
            arg("file", type=_path, nargs="?", help="a scenario file declaring NAME"),
        ),
    ),
    Command(
        "record",
        "import a scenario file into a store",
        "Record a scenario's commitments and events into a store (an SQLite file, "
        "created if missing), in one transaction. Running it twice changes nothing.",
        commands.record,
        ("store", arg("scenario", type=_path, help="scenario file (.yaml, .yml or .json)")),
    ),
    Command(
        "import-csv",
        "record the events of a CSV file into a store",
        "Record the events of a CSV file (a spreadsheet's export: a header row of "
        "event keys, such as on,commitment,event,source, then one row per event) into a store "
        "that holds their commitments, all or none; faults are reported as FILE:LINE. "
        "Running it twice changes nothing.",
        sheets.import_csv,
        ("store", arg("events", type=_path, help="the CSV file of events")),
    ),
    Command(
        "export",
        "write a store out as a scenario file",
        "Write everything a store holds as a scenario file that loads back to the same answers.",
        commands.export,
        (
            "store",
            arg(
                "-o",
                "--output",
                type=_path,
                required=True,
                metavar="OUT",
                help="OUT.yaml or OUT.json",
            ),
        ),
    ),
    Command(
        "copy",
        "copy a whole record into an empty store",
        "Copy everything a store or a scenario file holds into an empty store (an "
        "SQLite file or a PostgreSQL URL; created if missing) in one transaction, then check "
        "that both give the same answers.",
        commands.copy,
        (
            arg(
                "--from",
                dest="source",
                required=True,
                metavar="SOURCE",
                help="a store (file or URL), or a scenario file (.yaml, .yml or .json)",
            ),
            arg("--to", dest="target", required=True, metavar="TARGET", help="an empty store"),
        ),
    ),
)
"""Every command, in the order ``negotrack --help`` lists them."""


def build(today: date) -> argparse.ArgumentParser:
    """The parser of every command in `COMMANDS`, answering as of `today` by default.

    Every command also finds the date as ``args.today``.
    """
    parser = _Parser(
        prog="negotrack",
        description="Track negotiated commitments from proposal to lapse, date by date.",
    )
    parser.add_argument("--version", action="version", version=f"negotrack {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        one = sub.add_parser(command.name, help=command.help, description=command.description)
        for argument in command.arguments:
            for each in SHARED[argument] if isinstance(argument, str) else (argument,):
                options = dict(each.options)
                if argument == "as_of":
                    options["default"] = today
                one.add_argument(*each.flags, **options)
        one.set_defaults(run=command.run, today=today)
    return parser
