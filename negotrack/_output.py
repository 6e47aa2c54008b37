"""What the command line prints: tables and lines for people, JSON for programs.

JSON comes from the codec (`negotrack._codec`), so it says what files and stores say. Text is
made safe before it reaches a terminal: control characters in ids, titles, quotes and notes
are written as escapes, so that a newline cannot forge a row and an ANSI sequence cannot
reach the screen.
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from collections.abc import Sequence
from datetime import date
from typing import Any, TextIO

from . import _codec
from ._changes import Change, ChangeKind
from ._targets import Period, Progress
from ._timeline import Transition

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


def knowledge(known_by: date | None) -> str:
    """What answers are drawn from, to end a heading: `as known on R`, or everything."""
    if known_by is None:
        return "with everything recorded"
    return f"as known on {known_by.isoformat()}"


def as_of(on: date, known_by: date | None) -> str:
    """The heading of answers as of `on`: `as of D, as known on R` (or with everything)."""
    return f"as of {on.isoformat()}, {knowledge(known_by)}"


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


# -- text ---------------------------------------------------------------------------------------


def change_rows(found: Sequence[Change]) -> list[tuple[str, ...]]:
    """`changes` as table rows: date, commitment, the change, and its evidence."""
    rows: list[tuple[str, ...]] = [("date", "commitment", "change", "evidence")]
    for change in found:
        if change.kind is ChangeKind.STAGE:
            assert change.transition is not None
            move = _move(change.transition)
            evidence = _evidence(change.transition)
        else:
            others = ", ".join(safe(c) for c in change.at_risk_from)
            move = (
                f"at risk from {others}"
                if change.kind is ChangeKind.AT_RISK
                else f"no longer at risk from {others}"
            )
            evidence = (
                ""
                if change.cause is None
                else f"{safe(change.cause.commitment)}: {_move(change.cause)}"
            )
        rows.append((change.on.isoformat(), safe(change.commitment), move, evidence))
    return rows


def amount(value: float) -> str:
    """A quantity for people: no trailing zeros, at most three decimals."""
    return f"{round(value, 3):g}"


def progress_cell(progress: Progress | None) -> str:
    """A progress in a table cell: `7/12 MMT (58%), ahead` (or behind)."""
    if progress is None:
        return "-"
    pace = "ahead" if progress.on_track else "behind"
    percent = round(progress.share * 100)
    return (
        f"{amount(progress.delivered)}/{amount(progress.target)} {safe(progress.unit)} "
        f"({percent}%), {pace}"
    )


def period_phase(period: Period, on: date) -> str | None:
    """Where `period` stands on `on`: met, missed or not started; None while it runs.

    A running period's pace is worded by the caller: the terminal and the page differ.
    """
    if period.met is True:
        return "met"
    if period.met is False:
        return "missed"
    if period.start > on:
        return "not started"
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
                f"{amount(period.delivered)}/{amount(period.target)} {safe(progress.unit)}",
                f"{round(period.delivered / period.target * 100)}%",
                state,
            )
        )
    return rows


def _move(step: Transition) -> str:
    if step.corroboration:
        return f"{step.target.value} (corroborated)"
    if step.source == step.target:
        dates = [
            f"{name} {value.isoformat()}"
            for name, value in (("deadline", step.deadline), ("expires", step.expires))
            if value
        ]
        return f"{step.target.value} ({', '.join(dates)})"
    move = f"{stage(step.source)} -> {step.target.value}"
    if step.reason is not None:
        move += f" ({step.reason.value})"
    return move


_SPACES = re.compile(r"\s+")


def _evidence(step: Transition) -> str:
    event = step.event
    if event is None:
        return "[inferred]"
    parts = [safe(x) for x in (event.actor, event.source) if x]
    if event.quote:
        parts.append(f'"{safe(_SPACES.sub(" ", event.quote))}"')
    text = " / ".join(parts)
    if event.reported is not None and event.reported != event.on:
        text += f"{' ' if text else ''}(reported {event.reported.isoformat()})"
    return text


TIMELINE_WIDTH = 120
"""The width a `timeline` row keeps to when it can: the evidence column takes what is left."""
_EVIDENCE_WIDTH = 36  # the least the evidence gets, however wide the other columns are


def timeline_rows(steps: Sequence[Transition]) -> list[tuple[str, ...]]:
    """`timeline` as table rows: date, commitment, event, from -> to, and a short evidence.

    The evidence is who and where (actor / source), cut (with "...") so that a row keeps to
    `TIMELINE_WIDTH` when the other columns leave room and one step stays one line, then the
    date it was reported when that differs from the step's. The quote and the whole
    evidence are in `timeline --json`.
    """
    rows: list[tuple[str, ...]] = [("date", "commitment", "event", "from -> to", "evidence")]
    for step in steps:
        rows.append((step.on.isoformat(), safe(step.commitment), step.kind.value, _move(step)))
    used = sum(max(len(row[i]) for row in rows) + 2 for i in range(4))
    room = max(TIMELINE_WIDTH - used, _EVIDENCE_WIDTH)
    rows[1:] = [(*row, _summary(step, room)) for row, step in zip(rows[1:], steps, strict=True)]
    return rows


def _summary(step: Transition, width: int) -> str:
    event = step.event
    if event is None:
        return "[inferred]"
    actor, source = (safe(_SPACES.sub(" ", x)) if x else "" for x in (event.actor, event.source))
    if actor and source:  # the source keeps at least half the room, the actor what is left
        source = _clip(source, max(width - 3 - len(actor), width // 2))
        who = f"{_clip(actor, width - 3 - len(source))} / {source}"
    else:
        who = _clip(actor or source, width)
    if event.known_on != step.on:  # after the cut: a late report always shows its date
        who += f"{' ' if who else ''}(reported {event.known_on.isoformat()})"
    return who or "-"


_BREAKS = re.compile(r"[ ,;/(]+")


def _clip(text: str, width: int) -> str:
    """`text` cut to `width` characters, "..." marking the cut.

    The cut falls between words if that keeps most of it: `Scott Bessent (US...`, not
    `Scott Bessent (US Tr...`.
    """
    if len(text) <= width:
        return text
    kept = text[: width - 3]
    breaks = [m.start() for m in _BREAKS.finditer(text, 0, width - 2)]
    if breaks and breaks[-1] >= len(kept) * 2 // 3:
        kept = kept[: breaks[-1]]
    return kept.rstrip(" ,;/(") + "..."


def fail(message: str) -> None:
    """Print an error, each of its lines as one line (a file's faults are one per line)."""
    if sys.stderr is None:
        return
    for line in message.splitlines() or [""]:
        print(safe(" ".join(line.split())), file=sys.stderr)
