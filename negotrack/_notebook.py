"""Answers in a notebook: the compact HTML tables that ``_repr_html_`` methods return.

Jupyter shows an object by its ``_repr_html_``; here is the one way those tables are made:
a caption, a header row, a row per answer, every piece of text escaped (never trusted as
HTML). The cells come from the answers' plain rows (`negotrack._rows`), so a notebook says
what ``--json`` says.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from . import _codec


def cell(value: Any) -> str:
    """A value as escaped text: dates ``YYYY-MM-DD``, lists joined by commas, None empty."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return html.escape(", ".join(map(str, value)))
    if isinstance(value, bool):
        return "yes" if value else "no"
    return html.escape(str(_codec.unstructure(value)) if isinstance(value, date) else str(value))


def table(header: Sequence[str], rows: Iterable[Sequence[Any]], caption: str = "") -> str:
    """An HTML table: `caption`, a header row, then `rows` (each value escaped)."""
    top = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    head = "".join(f"<th>{html.escape(name)}</th>" for name in header)
    body = "".join("<tr>" + "".join(f"<td>{cell(v)}</td>" for v in row) + "</tr>" for row in rows)
    return f"<table>{top}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def record(data: Mapping[str, Any], keys: Sequence[str], caption: str = "") -> str:
    """One answer's plain row as a one-row table of its `keys`."""
    return table(keys, [[data.get(key) for key in keys]], caption)


STATUS_COLUMNS = ("stage", "since", "reason", "inferred", "at_risk_from", "source")
"""What a status shows of itself in a notebook."""
PERIOD_COLUMNS = ("start", "end", "target", "delivered", "met")
"""What a progress shows of each period."""


def tracker(found: Any) -> str:
    """A `Tracker` as HTML: each commitment as it stands on its last event's date."""
    events, commitments = found.events(), found.commitments()
    last = max((e.on for e in events), default=None)
    caption = f"{len(commitments)} commitments, {len(events)} events"
    if last is None:
        return table(("id", "title", "by", "to"), (), caption)
    snapshot = found.snapshot(on=last)
    header = ("id", "title", "by", "to", *STATUS_COLUMNS)
    rows = []
    for c in commitments:
        data = snapshot[c.id].to_dict(c)
        rows.append([data[k] for k in header])
    return table(header, rows, f"{caption}; as of {cell(last)}")
