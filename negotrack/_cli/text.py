"""What the command line prints: tables and lines for people, JSON for programs.

JSON comes from the codec (`negotrack._codec`), so it says what files and stores say. Text is
made safe before it reaches a terminal: control characters in ids, titles, quotes and notes
are written as escapes, so that a newline cannot forge a row and an ANSI sequence cannot
reach the screen.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from datetime import date
from typing import Any, TextIO

from negotrack import _codec
from negotrack._status import Status
from negotrack._targets import Period, Progress
from negotrack._words import amount, delivered_cell, pace, safe, stage


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


def period_rows(
    cid: str, progress: Progress, on: date, upcoming: Sequence[Period] = ()
) -> list[tuple[str, ...]]:
    """`progress` as table rows: one per period, the current one with its pace.

    Given `upcoming` (the periods that start after `on`), those instead, not started.
    """
    rows: list[tuple[str, ...]] = []
    for period in upcoming or progress.periods:
        state = period.phase(on)
        if state is None:
            state = f"running, {pace(progress)} (expected {amount(progress.expected)})"
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
