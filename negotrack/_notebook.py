"""Answers in a notebook: the compact HTML tables that ``_repr_html_`` methods return.

Jupyter shows an object by its ``_repr_html_``; here is the one way those tables are made:
a caption, a header row, a row per answer, every piece of text escaped (never trusted as
HTML). The cells come from the answers' plain rows (`negotrack._rows`), so a notebook says
what ``--json`` says. With matplotlib (the ``[report]`` extra), a tracker adds its timeline and
a progress of several periods a chart of them, as inline SVG (`svg`); without it, the tables
stand alone. matplotlib is imported only when a chart is drawn, never by ``import negotrack``.
"""

from __future__ import annotations

import html
import io
from collections.abc import Callable, Iterable, Mapping, Sequence
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


CHART_LANES = 40
"""The most commitments a tracker draws its timeline for (`negotrack.plot.LANES_PER_PAGE`)."""

TIMELINE: list[Callable[[Any, date], Any]] = []
"""The timeline's way in: `negotrack.plot.timeline`, put here by `negotrack._report`.

The plot module sits above the tracker (it draws one), so the tracker's table cannot import
it; the layer above both hands it down. It raises ImportError without matplotlib.
"""


def svg(draw: Callable[[], Any]) -> str:
    """The matplotlib figure ``draw()`` returns, as inline SVG; "" without matplotlib.

    The figure has an Agg canvas of its own (no pyplot, no global state): drawn, written,
    cleared.
    """
    try:
        figure = draw()
    except ImportError:  # no [report] extra: the table alone
        return ""
    out = io.StringIO()
    try:
        figure.savefig(out, format="svg", metadata={"Date": None})
    finally:
        figure.clear()
    text = out.getvalue()
    return text[text.index("<svg") :]  # no XML declaration or doctype inside HTML


def snapshot(found: Any, caption: str = "") -> str:
    """A `Snapshot` as HTML: a row per commitment, its id, title, parties and status."""
    if not caption:
        caption = f"{len(found)} commitments as of {cell(found.on)}"
        if found.known_by is not None:
            caption += f", as known by {cell(found.known_by)}"
        if found.according_to is not None:
            caption += f", according to {found.according_to}"
    header = ("id", "title", "by", "to", *STATUS_COLUMNS)
    rows = [[row[k] for k in header] for row in found.to_dict()["commitments"]]
    return table(header, rows, caption)


def tracker(found: Any) -> str:
    """A `Tracker` as HTML: each commitment as it stands on its last event's date.

    With matplotlib, and at most `CHART_LANES` commitments, the timeline up to that date
    comes first, as inline SVG.
    """
    events, commitments = found.events(), found.commitments()
    last = max((e.on for e in events), default=None)
    caption = f"{len(commitments)} commitments, {len(events)} events"
    if last is None:
        return table(("id", "title", "by", "to"), (), caption)
    page = snapshot(found.snapshot(on=last), f"{caption}; as of {cell(last)}")
    if len(commitments) > CHART_LANES or not TIMELINE:
        return page
    return svg(lambda: TIMELINE[0](found, last)) + page


def periods(found: Any) -> str:
    """A chart of a progress's periods, as inline SVG: delivered against the target in each.

    "" for a progress of one period (its caption says it all) or without matplotlib.
    """
    if len(found.periods) < 2:
        return ""
    return svg(lambda: _periods_figure(found))


def _periods_figure(found: Any) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(min(2.0 + 0.45 * len(found.periods), 10.0), 2.4))
    FigureCanvasAgg(figure)
    ax = figure.add_axes((0.12, 0.2, 0.85, 0.7))
    colours = {True: "#1b7837", False: "#b2182b", None: "#2166ac"}
    places = range(len(found.periods))
    for place, period in zip(places, found.periods, strict=True):
        if period.delivered is not None:
            ax.bar(place, period.delivered, width=0.7, color=colours[period.met], alpha=0.8)
        ax.hlines(period.target, place - 0.42, place + 0.42, color="#333333", linewidth=1.6)
    ax.set_xticks(list(places), [f"{p.start:%Y-%m}" for p in found.periods], fontsize=7)
    ax.set_ylabel(found.unit, fontsize=8, parse_math=False)
    ax.tick_params(axis="y", labelsize=7)
    ax.set_title("delivered (bars) against the target (lines)", fontsize=8, loc="left")
    return figure
