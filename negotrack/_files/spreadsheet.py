"""CSV: answers and events as spreadsheets write them, and events read back from one.

An events file has one header row of event keys (those of a scenario file's events: ``on``,
``commitment``, ``event``, ``reported``, ``actor``, ``source``...) in any order, then one row
per event; an empty cell is a key left out. Reading is a scenario file's: every row is
checked, every fault is reported as ``PATH:LINE: what is wrong; what was expected`` (LINE
is the file's line, the header being line 1), and the file loads whole or not at all.
Values go through the codec (`negotrack._codec`), as a scenario file's do.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from negotrack import _codec
from negotrack._events import Event
from negotrack._exceptions import NegotrackError, ScenarioError

EVENT_KEYS = _codec.keys(Event)
"""The columns of an events file, in the order written."""
_NUMBERS = ("amount", "total")


def cell(value: Any) -> str:
    """A value as a CSV cell: dates ``YYYY-MM-DD``, lists joined by ``; ``, None empty."""
    if value is None:
        return ""
    if isinstance(value, date):
        text: str = _codec.unstructure(value)
        return text
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "; ".join(cell(v) for v in value)
    return str(value)


def write_columns(columns: Mapping[str, Sequence[Any]], out: TextIO) -> None:
    """Write a table of columns (`negotrack.tables`) as CSV: a header, then a row each."""
    writer = csv.writer(out)  # "\r\n" rows (RFC 4180): a "\r" in a text is then quoted too
    writer.writerow(list(columns))
    for row in zip(*columns.values(), strict=True):
        writer.writerow([cell(v) for v in row])


def write_events(events: Iterable[Event], out: TextIO) -> None:
    """Write `events` as an events file, in the order given."""
    writer = csv.writer(out)  # "\r\n" rows (RFC 4180): a "\r" in a text is then quoted too
    writer.writerow(EVENT_KEYS)
    for event in events:
        data = _codec.unstructure(event, omit_defaults=True)
        writer.writerow([cell(data.get(key)) for key in EVENT_KEYS])


def events_text(events: Iterable[Event]) -> str:
    """`write_events` as a string."""
    out = io.StringIO()
    write_events(events, out)
    return out.getvalue()


def read_events(path: str | os.PathLike[str]) -> list[tuple[int, Event]]:
    """Every event of the events file at `path`, with its line; one `ScenarioError` if not."""
    where = Path(path)
    try:
        text = where.read_text(encoding="utf-8-sig")  # a spreadsheet's byte order mark
    except UnicodeDecodeError as err:
        raise ScenarioError(where, None, f"is not UTF-8 text ({err.reason})") from None
    return parse_events(text, where)


def parse_events(text: str, path: Path) -> list[tuple[int, Event]]:
    """The events of an events file's `text` (read from `path`, for messages)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
    except csv.Error as err:
        raise ScenarioError(path, 1, f"cannot be read as CSV: {err}") from None
    if not header or not any(h.strip() for h in header):
        raise ScenarioError(
            path, 1, "has no header row; expected the event keys, such as on,commitment,event"
        )
    problems = _header_problems([h.strip() for h in header])
    if problems:
        raise ScenarioError(path, 1, problems[0], more=[(1, p) for p in problems[1:]])
    keys = [h.strip() for h in header]
    found: list[tuple[int, Event]] = []
    faults: list[tuple[int | None, str]] = []
    line = reader.line_num
    try:
        for values in reader:
            start, line = line + 1, reader.line_num
            if not any(v.strip() for v in values):
                continue  # a blank row, as spreadsheets leave at the end
            try:
                found.append((start, _event(keys, values)))
            except (ValueError, TypeError, NegotrackError, ExceptionGroup) as err:
                faults.append((start, _said(err)))
    except csv.Error as err:
        faults.append((line + 1, f"cannot be read as CSV: {err}"))
    if faults:
        (first_line, first), *more = faults
        raise ScenarioError(path, first_line, first, more=more)
    return found


def _header_problems(keys: list[str]) -> list[str]:
    problems = []
    for key in keys:
        if key not in EVENT_KEYS:
            problems.append(
                f"unknown column {key!r}; expected only event keys: {', '.join(EVENT_KEYS)}"
            )
    problems += [
        f"column {key!r} appears twice" for key in sorted(set(keys)) if keys.count(key) > 1
    ]
    for key in ("on", "commitment", "event"):
        if key not in keys:
            problems.append(f"has no {key!r} column; every event needs on, commitment and event")
    return problems


def _event(keys: list[str], values: list[str]) -> Event:
    if len(values) > len(keys):
        raise ValueError(f"has {len(values)} cells, more than the {len(keys)} columns")
    data: dict[str, Any] = {}
    for key, value in zip(keys, values, strict=False):
        if value.strip():
            data[key] = _number(key, value) if key in _NUMBERS else value
    return _codec.structure(data, Event)


def _number(key: str, text: str) -> float:
    try:
        number = float(text)
    except ValueError:
        raise ValueError(f"{key}: expected a number, got {text!r}") from None
    return int(number) if number.is_integer() and "." not in text and "e" not in text else number


def _said(err: BaseException) -> str:
    """What is wrong with a row: each faulty cell by its column, as a scenario file says it."""
    if hasattr(err, "group_exceptions"):
        named, others = err.group_exceptions()
        parts = [
            _said(exc)
            if isinstance(exc, KeyError)
            else f"{_codec.key_of(Event, note.name)}: {_said(exc)}"
            for exc, note in named
        ]
        return "; ".join(parts + [_said(exc) for exc in others])
    if isinstance(err, KeyError):
        return f"the required column {_codec.key_of(Event, str(err.args[0]))!r} is empty"
    return str(err)
