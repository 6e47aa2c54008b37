"""Answers as tables: columns for pandas, polars, Arrow, spreadsheets and notebooks.

Each function asks a tracker one question and gives the answer as a `Table`: a plain dict of
column name to list, one row per answer, with typed values (dates are `datetime.date`,
numbers are numbers, missing values None) and the columns of stages, events and reasons
marked as categories with their values in lifecycle order. A table's rows are the answers'
``to_dict()`` (the command line's JSON), with nested values spread into columns, so a table
says what ``--json`` says. `Table.to_pandas`, `Table.to_polars` and `Table.to_arrow` need the
``[tables]`` extra (``pip install '.[tables]'`` in a clone); ``import negotrack`` and this
module import none of them.

- `snapshot`: one row per commitment, where it stands on a date (the ``status`` answer).
- `timeline`: one row per step of every commitment, in date order.
- `changes`: one row per change between two dates.
- `progress`: one row per period of every target, those that start after the date included.
- `anomalies`: one row per event kept out of place.
- `due`: one row per date coming up.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

from . import _changes, _lifecycle, _notebook, _targets
from ._exceptions import install_hint
from ._parts import measured_targets
from ._tracker import Tracker

__all__ = ["Table", "anomalies", "changes", "due", "progress", "snapshot", "timeline"]

_STAGES = tuple(s.value for s in _lifecycle.Stage)
_ORDERS: dict[str, tuple[str, ...]] = {
    "stage": _STAGES,
    "from": _STAGES,
    "event": tuple(k.value for k in _lifecycle.EventKind),
    "reason": tuple(r.value for r in _lifecycle.LapseReason),
}
_MOVES = {**_ORDERS, "to": _STAGES}  # in a step, `to` is a stage (in a status, a party)
_DATES = ("since", "on", "reported", "deadline", "expires", "start", "end", "lapses_on")


class Table(dict[str, list[Any]]):
    """Columns of one answer: a dict of column name to list, every list one value per row.

    `categories` maps each categorical column (stages, events, reasons, kinds) to its values
    in order; the conversions make those columns categorical (pandas), enums (polars) or
    dictionary-encoded (Arrow), and dates dates.
    """

    categories: dict[str, tuple[str, ...]]

    def __init__(self, columns: Mapping[str, list[Any]], categories: Mapping[str, Any]) -> None:
        super().__init__(columns)
        self.categories = {k: tuple(v) for k, v in categories.items() if k in columns}

    def rows(self) -> list[dict[str, Any]]:
        """The table row by row, each a dict of column name to value."""
        names = list(self)
        columns = zip(*self.values(), strict=True)
        return [dict(zip(names, values, strict=True)) for values in columns]

    def to_pandas(self) -> Any:
        """A `pandas.DataFrame`: dates as ``datetime64``, categories as ordered categoricals."""
        pd = _need("pandas")
        frame = {}
        for name, values in self.items():
            if name in self.categories:
                frame[name] = pd.Categorical(values, categories=self.categories[name], ordered=True)
            elif name in _DATES:
                frame[name] = pd.to_datetime(pd.Series(values, dtype=object)).astype(
                    "datetime64[s]"
                )
            else:
                frame[name] = pd.Series(values, dtype=object if _nested(values) else None)
        return pd.DataFrame(frame, columns=list(self))

    def to_polars(self) -> Any:
        """A `polars.DataFrame`: dates as ``pl.Date``, categories as ``pl.Enum``."""
        pl = _need("polars")
        schema = {name: pl.Enum(order) for name, order in self.categories.items()}
        schema.update({name: pl.Date for name in self if name in _DATES})
        return pl.DataFrame(dict(self), schema_overrides=schema, strict=False)

    def to_arrow(self) -> Any:
        """A `pyarrow.Table`: dates as ``date32``, categories dictionary-encoded."""
        pa = _need("pyarrow")
        arrays = {}
        for name, values in self.items():
            if name in _DATES:
                arrays[name] = pa.array(values, type=pa.date32())
            elif name in self.categories:
                arrays[name] = pa.array(values, type=pa.string()).dictionary_encode()
            else:
                arrays[name] = pa.array(values)
        return pa.table(arrays)

    def _repr_html_(self) -> str:
        """The table as HTML, for notebooks: a header row, then one row per answer."""
        return _notebook.table(list(self), (list(row.values()) for row in self.rows()))


def _nested(values: list[Any]) -> bool:
    return any(isinstance(v, (list, tuple, dict)) for v in values)


def _need(module: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise ImportError(f"this needs {module}; {install_hint('tables')}", name=module) from err


def table(
    rows: Iterable[Mapping[str, Any]],
    names: Iterable[str],
    categories: Mapping[str, tuple[str, ...]] = _ORDERS,
) -> Table:
    """A `Table` of JSON rows (``to_dict()``): nested values spread, dates made dates.

    `names` are the columns an empty answer has; `categories` the categorical columns.
    """
    flat = [_spread(row) for row in rows]
    columns = list(dict.fromkeys(k for row in flat for k in row)) or list(names)
    found = {name: [row.get(name) for row in flat] for name in columns}
    for name in _DATES:
        if name in found:
            found[name] = [_day(v) for v in found[name]]
    return Table(found, categories)


def _day(value: Any) -> Any:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _spread(row: Mapping[str, Any]) -> dict[str, Any]:
    """A row with its nested mappings spread into columns (`progress`, `evidence`)."""
    flat: dict[str, Any] = {}
    for key, value in row.items():
        if key == "progress":
            inner = value or {}
            for name in ("target", "unit", "delivered", "share", "expected", "on_track"):
                flat[name] = inner.get(name)
        elif key == "evidence":
            inner = value or {}
            for name in ("actor", "source", "quote", "note", "reported"):
                flat[name] = inner.get(name)
        else:
            flat[key] = value
    return flat


_STATUS_NAMES = ("id", "title", "stage", "since", "reason", "inferred", "at_risk", "by", "to")


def snapshot(
    tracker: Tracker, *, on: date, known_by: date | None = None, according_to: str | None = None
) -> Table:
    """Where every commitment stands on `on`: the rows of ``status --json``."""
    about = {c.id: c for c in tracker.commitments()}
    found = tracker.snapshot(on=on, known_by=known_by, according_to=according_to)
    return table((s.to_dict(about[cid]) for cid, s in found.items()), _STATUS_NAMES)


def timeline(
    tracker: Tracker, *, known_by: date | None = None, according_to: str | None = None
) -> Table:
    """Every step of every commitment in date order: the rows of ``timeline --json``."""
    names = ("on", "commitment", "event", "from", "to", "reason", "inferred")
    return table(
        (t.to_dict() for t in tracker.timeline(known_by=known_by, according_to=according_to)),
        names,
        _MOVES,
    )


def changes(
    tracker: Tracker,
    since: date,
    until: date,
    *,
    known_by: date | None = None,
    according_to: str | None = None,
) -> Table:
    """What changed in ``(since, until]``: the rows of ``changes --json``."""
    found = tracker.changes(since, until, known_by=known_by, according_to=according_to)
    kinds = {**_MOVES, "kind": tuple(k.value for k in _changes.ChangeKind)}
    return table((c.to_dict() for c in found), ("on", "commitment", "kind", "from", "to"), kinds)


def anomalies(tracker: Tracker, *, on: date | None = None, known_by: date | None = None) -> Table:
    """The events kept out of place: the anomalies of ``status --json``."""
    found = tracker.anomalies(on=on, known_by=known_by)
    return table((a.to_dict() for a in found), ("commitment", "on", "event", "message"))


def due(tracker: Tracker, on: date, within: int | timedelta = 90) -> Table:
    """What falls due in ``(on, on + within]``: the rows of ``due --json``."""
    names = ("commitment", "on", "kind", "lapses_on", "reason", "outcome")
    kinds = {**_ORDERS, "kind": tuple(k.value for k in _changes.DueKind)}
    return table((d.to_dict() for d in tracker.due(on, within)), names, kinds)


def progress(
    tracker: Tracker, *, on: date, known_by: date | None = None, according_to: str | None = None
) -> Table:
    """Every period of every target, one row each: what was due and what was delivered.

    `state` is ``met``, ``missed``, ``running`` or ``not started`` on `on`; the periods that
    start after `on` are in it, with nothing delivered yet.
    """
    rows = []
    goals = measured_targets(tracker.commitments())
    for cid, status in tracker.snapshot(
        on=on, known_by=known_by, according_to=according_to
    ).items():
        if status.progress is None:
            continue
        later = _targets.upcoming(goals[cid], on)
        for period in (*status.progress.periods, *later):
            data = {"commitment": cid, "unit": status.progress.unit, **_plain(period)}
            data["state"] = _state(period, on)
            rows.append(data)
    names = ("commitment", "unit", "start", "end", "target", "delivered", "met", "state")
    return table(rows, names)


def _plain(period: _targets.Period) -> dict[str, Any]:
    from . import _codec

    data: dict[str, Any] = _codec.unstructure(period)
    return data


def _state(period: _targets.Period, on: date) -> str:
    return period.phase(on) or "running"
