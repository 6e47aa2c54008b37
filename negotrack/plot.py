"""Charts of a negotiation, drawn with matplotlib: stages over time, deliveries against targets.

This module needs the optional extra ``[report]`` (``pip install '.[report]'`` in a clone).
Each function returns a `matplotlib.figure.Figure` (shown as it is in a notebook; save it with
``fig.savefig``), or draws into the `ax` it is given and returns that axes' figure. Figures are
made directly, never through pyplot, so none is left open in a global registry; nothing here
changes matplotlib's settings.

- `timeline`: one lane per commitment, in the order added. Each stage is a band with its own
  colour and hatch pattern (so print in black and white and colour-blind readers still tell
  them apart); reported events, corroborations, extensions and measurements are marked where
  they fall, a lapse inferred from a date (no source reported it) with a hollow red diamond,
  a reported one with a black cross; a red strip under a lane marks the time it was at risk
  (a commitment it is linked to had lapsed); a line marks the as-of date. Each lane is an SVG
  group with the id ``lane-N`` (N its position in the order added, from 0).
- `timelines`: the same in pages of at most `LANES_PER_PAGE` lanes, for many commitments.
- `targets`: for one commitment with a target, the delivered total over time (a step line, from
  the measurements known by `known_by`) against the target and the pace line (0 at each period's
  start, the target at its end), period by period. Its axes is the SVG group ``targets-N``.

Each takes `according_to`, a party's code, to draw that party's account (`Tracker.status`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from ._exceptions import install_hint

try:
    from matplotlib import dates as mdates
    from matplotlib.axes import Axes
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import PolyCollection
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch, Rectangle
except ImportError as err:  # pragma: no cover - exercised in a test with matplotlib hidden
    raise ImportError(
        f"negotrack.plot needs matplotlib; {install_hint('report')}",
        name=err.name,
    ) from err

from . import _checks
from ._exceptions import InvalidValue
from ._lifecycle import AnyStage, Stage
from ._report import charts
from ._report.charts import Lane, Mark, box, label, shift
from ._tracker import Tracker

__all__ = ["LANES_PER_PAGE", "targets", "timeline", "timelines"]

LANES_PER_PAGE = 40
"""The most lanes `timelines` puts in one figure (and the report in one chart)."""

# Each stage: a fill colour (a colour-blind-safe set) and a hatch, so that colour is not the
# only thing that tells them apart.
STAGES: dict[AnyStage, tuple[str, str]] = {
    Stage.PROPOSED: ("#d9d9f3", ".."),
    Stage.PRELIMINARY_CONSENSUS: ("#fdd9a0", "//"),
    Stage.APPROVED: ("#9ecae1", "\\\\"),
    Stage.IMPLEMENTED: ("#7fc97f", ""),
    Stage.LAPSED: ("#c8c8c8", "xx"),
}
# Each mark: marker, size, face colour, edge colour.
MARKS: dict[Mark, tuple[str, float, str, str]] = {
    Mark.STEP: ("o", 4.5, "#222222", "#222222"),
    Mark.CORROBORATION: ("o", 4.5, "white", "#222222"),
    Mark.EXTENSION: (">", 5.5, "#222222", "#222222"),
    Mark.LAPSE: ("X", 7.0, "#222222", "white"),
    Mark.INFERRED: ("D", 6.0, "white", "#b2182b"),
    Mark.MEASURED: ("|", 8.0, "#1b7837", "#1b7837"),
}
RISK = "#d62728"
AS_OF = "#6a3d9a"
LANE_HEIGHT = 0.27  # inches
WIDTH = 10.0  # inches


def timeline(
    tracker: Tracker,
    *,
    on: date,
    known_by: date | None = None,
    ax: Axes | None = None,
    commitments: Sequence[str] | None = None,
    according_to: str | None = None,
) -> Figure:
    """The swimlane timeline of `commitments` (all, by default) up to `on`, as known by `known_by`.

    One lane per commitment, in the order added; the figure grows with the lanes, so for
    many commitments draw pages with `timelines` instead.
    """
    _checks.ordinal("on", on)
    every = charts.lanes(tracker, on=on, known_by=known_by, according_to=according_to)
    if commitments is None:
        chosen = list(every)
    else:
        if isinstance(commitments, str):
            raise InvalidValue("commitments", commitments, "a sequence of commitment ids")
        index = {lane.commitment: lane for lane in every}
        chosen = [index[tracker.commitment(cid).id] for cid in commitments]
    first = _first_day(chosen, on)
    return _timeline(chosen, on=on, known_by=known_by, ax=ax, total=len(every), first=first)


def timelines(
    tracker: Tracker,
    *,
    on: date,
    known_by: date | None = None,
    lanes: int = LANES_PER_PAGE,
    according_to: str | None = None,
) -> tuple[Figure, ...]:
    """The timeline in pages of at most `lanes` lanes each, in the order added (one at least)."""
    _checks.ordinal("on", on)
    if isinstance(lanes, bool) or not isinstance(lanes, int) or lanes < 1:
        raise InvalidValue("lanes", lanes, "a number of lanes per page, 1 or more")
    every = charts.lanes(tracker, on=on, known_by=known_by, according_to=according_to)
    pages = [list(every[i : i + lanes]) for i in range(0, len(every), lanes)] or [[]]
    first = _first_day(list(every), on)  # one time axis for every page, to compare them
    return tuple(
        _timeline(page, on=on, known_by=known_by, ax=None, total=len(every), first=first)
        for page in pages
    )


def _first_day(lanes: list[Lane], on: date) -> date:
    """The first day a timeline of `lanes` shows: its first step, or a month before `on`."""
    days = [b.start for lane in lanes for b in lane.bands]
    days += [d for lane in lanes for d, _ in lane.marks]
    return min(days, default=shift(on, -30))


def _timeline(
    lanes: list[Lane],
    *,
    on: date,
    known_by: date | None,
    ax: Axes | None,
    total: int,
    first: date,
) -> Figure:
    title = f"Stages as of {on:%Y-%m-%d}"
    if known_by is not None:
        title += f", as known on {known_by:%Y-%m-%d}"
    if lanes and len(lanes) < total:
        title += f" (commitments {lanes[0].index + 1}-{lanes[-1].index + 1} of {total:,})"
    styles = charts.styles(lanes, STAGES)
    handles = _legend(styles)
    if ax is None:
        n = max(len(lanes), 1)
        longest = max((len(label(lane.commitment)) for lane in lanes), default=8)
        left, right, top, bottom = 0.3 + 0.065 * longest, 0.25, 1.15, 0.45
        height = top + bottom + n * LANE_HEIGHT
        fig = _figure(WIDTH, height)
        ax = fig.add_axes(
            (left / WIDTH, bottom / height, 1 - (left + right) / WIDTH, n * LANE_HEIGHT / height)
        )
        fig.text(0.01, 1 - 0.12 / height, title, fontsize=11, va="top", weight="bold")
        fig.legend(
            handles=handles,
            loc="upper left",
            bbox_to_anchor=(0.005, 1 - 0.36 / height),
            ncol=7,
            fontsize=7.5,
            frameon=False,
            handlelength=1.6,
            columnspacing=1.2,
        )
    else:
        _check_axes(ax)
        fig = _root(ax)
        ax.set_title(title, fontsize=10, loc="left")
        ax.legend(
            handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=7.5, frameon=False
        )
    _draw_lanes(ax, lanes, on, first, styles)
    return fig


def _draw_lanes(
    ax: Axes, lanes: list[Lane], on: date, first: date, styles: dict[AnyStage, tuple[str, str]]
) -> None:
    n = max(len(lanes), 1)
    last = shift(on, 1)
    pad = max((last - first).days * 0.02, 3)
    x0, x1 = _num(shift(first, -pad)), _num(shift(last, pad))
    ax.set_xlim(x0, x1)
    ax.set_ylim(n - 0.5, -0.5)
    ax.set_yticks([])
    for row, lane in enumerate(lanes):
        ax.add_patch(
            Rectangle(
                (x0, row - 0.5),
                x1 - x0,
                1,
                facecolor="#f4f4f4" if row % 2 else "white",
                edgecolor="none",
                zorder=0,
                gid=f"lane-{lane.index}",
            )
        )
        ax.text(
            -0.008,
            row,
            label(lane.commitment),
            transform=ax.get_yaxis_transform(),
            ha="right",
            va="center",
            fontsize=8,
            parse_math=False,
            clip_on=False,
        )
    for stage, (colour, hatch) in styles.items():
        boxes = [
            box(_num(b.start), _num(b.end), row - 0.3, row + 0.3)
            for row, lane in enumerate(lanes)
            for b in lane.bands
            if b.stage == stage
        ]
        if boxes:
            ax.add_collection(
                PolyCollection(
                    boxes,
                    facecolors=colour,
                    edgecolors="#555555",
                    linewidths=0.4,
                    hatch=hatch or None,
                    zorder=2,
                )
            )
    risky = [
        box(_num(start), _num(end), row + 0.32, row + 0.46)
        for row, lane in enumerate(lanes)
        for start, end in lane.risk
    ]
    if risky:
        ax.add_collection(PolyCollection(risky, facecolors=RISK, edgecolors="none", zorder=2))
    for mark, (marker, size, face, edge) in MARKS.items():
        points = [
            (_num(d) + 0.5, row)
            for row, lane in enumerate(lanes)
            for d, m in lane.marks
            if m is mark
        ]
        if points:
            xs, ys = zip(*points, strict=True)
            ax.plot(
                xs,
                ys,
                linestyle="none",
                marker=marker,
                markersize=size,
                markerfacecolor=face,
                markeredgecolor=edge,
                markeredgewidth=1.1 if mark is Mark.INFERRED else 0.8,
                zorder=4,
            )
    ax.axvline(_num(last), color=AS_OF, linewidth=1.4, zorder=5)
    _dates(ax, top=n > 12)
    ax.grid(axis="x", color="#d0d0d0", linewidth=0.5)
    ax.set_axisbelow(True)


def _legend(styles: dict[AnyStage, tuple[str, str]]) -> list[Any]:
    handles: list[Any] = [
        Patch(
            facecolor=colour, edgecolor="#555555", hatch=hatch, label=stage.value.replace("_", " ")
        )
        for stage, (colour, hatch) in styles.items()
    ]
    handles.append(Patch(facecolor=RISK, label="at risk"))
    for mark, (marker, size, face, edge) in MARKS.items():
        handles.append(
            Line2D(
                [],
                [],
                linestyle="none",
                marker=marker,
                markersize=size,
                markerfacecolor=face,
                markeredgecolor=edge,
                label=mark.value,
            )
        )
    handles.append(Line2D([], [], color=AS_OF, linewidth=1.4, label="as-of date"))
    return handles


def targets(
    tracker: Tracker,
    commitment: str,
    *,
    on: date,
    known_by: date | None = None,
    ax: Axes | None = None,
    according_to: str | None = None,
) -> Figure:
    """Deliveries of `commitment` against its target and the pace, period by period.

    Refuses with `InvalidValue` (a `NegotrackError`) a commitment without a target.
    """
    _checks.ordinal("on", on)
    periods = charts.deliveries(
        tracker, commitment, on=on, known_by=known_by, according_to=according_to
    )
    found = tracker.commitment(commitment)
    assert found.target is not None  # deliveries refuses a commitment without one
    unit = found.target.unit
    index = [c.id for c in tracker.commitments()].index(found.id)
    status = tracker.status(found.id, on=on, known_by=known_by, according_to=according_to)
    progress = status.progress
    met = {(p.start, p.end): p.met for p in (progress.periods if progress else ())}
    title = f"{label(found.id, 48)}: delivered against the target"
    subtitle = f"as of {on:%Y-%m-%d}" + (
        "" if known_by is None else f", as known on {known_by:%Y-%m-%d}"
    )
    if ax is None:
        fig = _figure(8.0, 3.2)
        ax = fig.add_axes((0.085, 0.11, 0.895, 0.66))
        fig.text(0.01, 0.975, title, fontsize=10.5, weight="bold", va="top", parse_math=False)
        fig.text(0.01, 0.885, subtitle, fontsize=8.5, va="top")
        legend: dict[str, Any] = {"loc": "upper right", "bbox_to_anchor": (0.995, 0.915)}
        legend_at: Any = fig
    else:
        _check_axes(ax)
        fig = _root(ax)
        ax.set_title(f"{title} ({subtitle})", fontsize=9.5, loc="left", parse_math=False)
        legend = {"loc": "upper left", "bbox_to_anchor": (1.01, 1.0)}
        legend_at = ax
    ax.set_gid(f"targets-{index}")
    top = max([p.amount for p in periods] + [v for p in periods for _, v in p.steps])
    for p in periods:
        start, end = _num(p.start), _num(shift(p.end, 1))
        state = met.get((p.start, p.end))
        if state is not None:
            ax.axvspan(start, end, color="#1b7837" if state else "#b2182b", alpha=0.07, lw=0)
        ax.plot([start, end], [0, p.amount], color="#777777", linestyle="--", linewidth=1)
        ax.hlines(p.amount, start, end, color="#333333", linewidth=1.6)
        if p.steps:
            xs = [_num(d) for d, _ in p.steps] + [_num(shift(p.steps[-1][0], 1))]
            ys = [v for _, v in p.steps] + [p.steps[-1][1]]
            ax.step(xs, ys, where="post", color="#2166ac", linewidth=2.2, zorder=3)
            words = {True: " (met)", False: " (missed)", None: " so far"}[state]
            # Written towards the middle of the chart, so that it is never cut at an edge.
            right = xs[-1] > (_num(periods[0].start) + _num(periods[-1].end)) / 2
            ax.annotate(
                f"{p.steps[-1][1]:g} of {p.amount:g} {unit}{words}",
                (xs[-1], ys[-1]),
                xytext=(-4 if right else 4, 6),
                textcoords="offset points",
                ha="right" if right else "left",
                fontsize=7.5,
                color="#2166ac",
                parse_math=False,
            )
        if p.start != periods[0].start:
            ax.axvline(start, color="#bbbbbb", linewidth=0.8)
    ax.axvline(_num(shift(on, 1)), color=AS_OF, linewidth=1.4)
    first, last = periods[0].start, shift(periods[-1].end, 1)
    pad = max((last - first).days * 0.03, 2)
    ax.set_xlim(_num(shift(first, -pad)), _num(shift(last, pad)))
    ax.set_ylim(0, top * 1.18)
    ax.set_ylabel(unit, fontsize=8.5, parse_math=False)
    ax.tick_params(labelsize=8)
    _dates(ax, top=False)
    ax.grid(color="#e2e2e2", linewidth=0.5)
    ax.set_axisbelow(True)
    legend_at.legend(
        handles=[
            Line2D([], [], color="#2166ac", linewidth=2.2, label="delivered"),
            Line2D([], [], color="#333333", linewidth=1.6, label="target"),
            Line2D([], [], color="#777777", linestyle="--", linewidth=1, label="pace"),
            Line2D([], [], color=AS_OF, linewidth=1.4, label="as-of date"),
        ],
        ncol=4 if legend_at is fig else 1,
        fontsize=7.5,
        frameon=False,
        **legend,
    )
    return fig


# -- helpers -----------------------------------------------------------------------------------


def _figure(width: float, height: float) -> Figure:
    """A figure of its own, on an Agg canvas: no pyplot, no backend chosen for anyone else."""
    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)
    return fig


def _root(ax: Axes) -> Figure:
    fig = ax.get_figure(root=True)
    assert isinstance(fig, Figure)
    return fig


def _check_axes(ax: object) -> None:
    if not isinstance(ax, Axes):
        raise InvalidValue("ax", ax, "a matplotlib Axes, or None for a figure of its own")


def _num(day: date) -> float:
    return float(mdates.date2num(day))


def _dates(ax: Axes, *, top: bool) -> None:
    locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.tick_params(axis="x", labelsize=8, labeltop=top, top=top)
