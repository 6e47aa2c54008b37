"""What the command line prints: tables and lines for people, JSON for programs.

JSON comes from the codec (`negotrack._codec`), so it says what files and stores say. Text is
made safe before it reaches a terminal: control characters in ids, titles, quotes and notes
are written as escapes, so that a newline cannot forge a row and an ANSI sequence cannot
reach the screen.
"""

from __future__ import annotations

import json
import sys
import unicodedata
from collections.abc import Sequence
from datetime import date
from typing import Any, TextIO

from . import _codec
from ._targets import Period, Progress
from ._timeline import Status

NO_STAGE = "(none)"
"""How every text output spells "no stage yet"."""


def safe(text: str) -> str:
    """`text` with control, format and line-separator characters written as escapes."""
    if text.isprintable():
        return text
    return "".join(_escape(ch) for ch in text)


_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(ch: str) -> str:
    if ch in _NAMED:
        return _NAMED[ch]
    # Control, format and separator characters, and the lone surrogates a file name that is
    # not UTF-8 brings (Python's surrogateescape).
    if ch == " " or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Zl", "Zp"):
        return ch
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def day(value: date | None) -> str:
    """A date for a table cell."""
    return "-" if value is None else value.isoformat()


def stage(value: Any) -> str:
    """A stage for text output."""
    return NO_STAGE if value is None else str(value.value)


def knowledge(known_by: date | None, party: str | None = None) -> str:
    """What answers are drawn from, to end a heading: `as known on R`, or everything.

    On one party's word, `, according to P` follows.
    """
    found = "with everything recorded" if known_by is None else f"as known on {known_by}"
    return found if party is None else f"{found}, according to {safe(party)}"


def as_of(on: date, known_by: date | None, party: str | None = None) -> str:
    """The heading of answers as of `on`: `as of D, as known on R` (or with everything)."""
    return f"as of {on.isoformat()}, {knowledge(known_by, party)}"


def accounts_cell(status: Status) -> str:
    """The parties' stages of a disputed commitment, `US: approved / CN: lapsed`; else "-"."""
    if not status.disputed:
        return "-"
    return " / ".join(f"{safe(party)}: {stage(s)}" for party, s in status.accounts.items())


def table(rows: Sequence[Sequence[str]], out: TextIO) -> None:
    """Print `rows` as columns, the first row as the header."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = (cell.ljust(w) for cell, w in zip(row, widths, strict=True))
        print("  ".join(cells).rstrip(), file=out)


def print_json(document: Any, out: TextIO) -> None:
    """Print `document` as indented JSON (UTF-8, escapes only where JSON needs them)."""
    json.dump(document, out, indent=2, ensure_ascii=False)
    out.write("\n")


# -- JSON shapes (the command line's contract) --------------------------------------------------


def progress_json(
    cid: str, title: str, progress: Progress, upcoming: Sequence[Period] = ()
) -> dict[str, Any]:
    """One commitment of `progress --json`: its id, title, progress and `upcoming` periods."""
    later = [_codec.unstructure(period) for period in upcoming]
    return {"id": cid, "title": title, **progress.to_dict(), "upcoming": later}


def lens(party: str | None) -> dict[str, Any]:
    """The key a JSON document gains when it answers on one party's word (none otherwise)."""
    return {} if party is None else {"according_to": party}


# -- text ---------------------------------------------------------------------------------------


def amount(value: float) -> str:
    """A quantity for people: no trailing zeros, at most three decimals."""
    return f"{round(value, 3):g}"


def delivered_cell(value: float | None) -> str:
    """A delivered amount for people: the amount, or "-" without any figure."""
    return "-" if value is None else amount(value)


def progress_cell(progress: Progress | None) -> str:
    """A progress in a table cell: `7/12 MMT (58%), ahead` (or behind)."""
    if progress is None:
        return "-"
    if progress.delivered is None or progress.share is None:
        return f"no data yet (target {amount(progress.target)} {safe(progress.unit)})"
    pace = "ahead" if progress.on_track else "behind"
    percent = round(progress.share * 100)
    return (
        f"{amount(progress.delivered)}/{amount(progress.target)} {safe(progress.unit)} "
        f"({percent}%), {pace}"
    )


def period_phase(period: Period, on: date) -> str | None:
    """Where `period` stands on `on`: met, missed, not started or no data; None while it runs.

    A period without any figure has "no data yet" while it runs and "no data" once it has
    ended: neither is a miss. A running period's pace is worded by the caller: the terminal
    and the page differ.
    """
    if period.met is True:
        return "met"
    if period.met is False:
        return "missed"
    if period.start > on:
        return "not started"
    if period.delivered is None:
        return "no data yet" if period.end >= on else "no data"
    return None


def period_rows(
    cid: str, progress: Progress, on: date, upcoming: Sequence[Period] = ()
) -> list[tuple[str, ...]]:
    """`progress` as table rows: one per period, the current one with its pace.

    Given `upcoming` (the periods that start after `on`), those instead, not started.
    """
    rows: list[tuple[str, ...]] = []
    for period in upcoming or progress.periods:
        state = period_phase(period, on)
        if state is None:
            pace = "ahead" if progress.on_track else "behind"
            state = f"running, {pace} (expected {amount(progress.expected)})"
        rows.append(
            (
                safe(cid),
                f"{period.start.isoformat()}..{period.end.isoformat()}",
                f"{delivered_cell(period.delivered)}/{amount(period.target)} {safe(progress.unit)}",
                "-"
                if period.delivered is None
                else f"{round(period.delivered / period.target * 100)}%",
                state,
            )
        )
    return rows


def fail(message: str) -> None:
    """Print an error, each of its lines as one line (a file's faults are one per line)."""
    if sys.stderr is None:
        return
    for line in message.splitlines() or [""]:
        print(safe(" ".join(line.split())), file=sys.stderr)
