"""What the charts show, as plain values: lanes of stages over time, and deliveries over time.

`lanes` reads a tracker through its public API (its timeline, its changes, its events) into
one `Lane` per commitment: the stage bands up to the as-of date, the reported events, the
inferred lapses and the spans at risk. `deliveries` does the same for a commitment's target:
what was delivered, period by period, as its measurements were known. Both are pure reads; the
drawing is `negotrack.plot`'s, which needs matplotlib. Keeping the data apart keeps it
testable without it.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from datetime import date

import attrs

from negotrack._changes import ChangeKind
from negotrack._exceptions import InvalidValue
from negotrack._lifecycle import AnyStage, EventKind
from negotrack._status import Transition
from negotrack._tracker import Tracker


def shift(day: date, days: float) -> date:
    """`day` moved by `days` (whole days, rounded), kept within the dates Python has."""
    moved = date.toordinal(day) + round(days)
    return date.fromordinal(min(max(moved, 1), date.max.toordinal()))


class Mark(enum.StrEnum):
    """How a dated step is marked on its lane."""

    STEP = "reported step"
    """A reported event that moved the stage."""
    CORROBORATION = "corroboration"
    """A report of the stage the commitment already had."""
    EXTENSION = "extension"
    """A reported extension of its dates."""
    LAPSE = "lapse (reported)"
    """A lapse that a source reported."""
    INFERRED = "lapse (inferred)"
    """A lapse inferred from a deadline, an expiry or a missed target: no source reported it."""
    MEASURED = "delivery reported"
    """A measurement of deliveries against a target."""


@attrs.frozen
class Band:
    """A stage held from `start` up to, not including, `end`."""

    stage: AnyStage
    start: date
    end: date


@attrs.frozen
class Lane:
    """One commitment's row in the timeline: its bands, its marks and its spans at risk.

    `index` is the commitment's position in the order added (from 0); `risk` holds
    (start, end) spans, `end` excluded.
    """

    commitment: str
    index: int
    bands: tuple[Band, ...]
    marks: tuple[tuple[date, Mark], ...]
    risk: tuple[tuple[date, date], ...]


def lanes(
    tracker: Tracker, *, on: date, known_by: date | None, according_to: str | None = None
) -> tuple[Lane, ...]:
    """One `Lane` per commitment, in the order added, up to `on` as known by `known_by`.

    With `according_to`, the stages and risk are that party's account (see `Tracker.status`).
    """
    ids = [c.id for c in tracker.commitments()]
    end = shift(on, 1)  # bands run through the as-of date
    steps: dict[str, list[tuple[date, AnyStage, Mark | None]]] = {cid: [] for cid in ids}
    lapsed = {cid: tracker.lifecycle_of(cid).lapsed for cid in ids}
    for step in tracker.timeline(known_by=known_by, according_to=according_to):
        if step.on > on:
            continue
        mark = _mark(step, lapsed[step.commitment])
        steps[step.commitment].append((step.on, step.target, mark))
    measured: dict[str, list[date]] = {cid: [] for cid in ids}
    for event in tracker.events():
        if (
            event.kind is EventKind.MEASURED
            and event.on <= on
            and (known_by is None or event.known_on <= known_by)
        ):
            measured[event.commitment].append(event.on)
    risk = _risk(tracker, steps, on=on, known_by=known_by, according_to=according_to)
    found = []
    for index, cid in enumerate(ids):
        bands: list[Band] = []
        for day, stage, _ in steps[cid]:
            if bands and bands[-1].stage is stage:
                continue  # a corroboration or an extension: the band goes on
            if bands:
                bands[-1] = attrs.evolve(bands[-1], end=day)
            bands.append(Band(stage, day, end))
        marks = [(day, mark) for day, _, mark in steps[cid] if mark is not None]
        marks += [(day, Mark.MEASURED) for day in sorted(set(measured[cid]))]
        found.append(
            Lane(
                commitment=cid,
                index=index,
                bands=tuple(b for b in bands if b.end > b.start),
                marks=tuple(marks),
                risk=tuple(risk.get(cid, ())),
            )
        )
    return tuple(found)


def _mark(step: Transition, lapsed: AnyStage | None) -> Mark:
    if step.inferred:
        return Mark.INFERRED
    if step.kind is EventKind.EXTENDED:
        return Mark.EXTENSION
    if step.corroboration:
        return Mark.CORROBORATION
    return Mark.LAPSE if step.target == lapsed else Mark.STEP


def _risk(
    tracker: Tracker,
    steps: dict[str, list[tuple[date, AnyStage, Mark | None]]],
    *,
    on: date,
    known_by: date | None,
    according_to: str | None,
) -> dict[str, list[tuple[date, date]]]:
    """The spans each commitment was at risk, up to `on`, from the tracker's changes."""
    days = [day for found in steps.values() for day, _, _ in found]
    if not days:
        return {}
    spans: dict[str, list[tuple[date, date]]] = {}
    opened: dict[str, date] = {}
    # Nothing is at risk before the first step: the changes from then on say it all.
    for change in tracker.changes(
        shift(min(days), -1), on, known_by=known_by, according_to=according_to
    ):
        if change.kind is ChangeKind.AT_RISK:
            opened.setdefault(change.commitment, change.on)
        elif change.kind is ChangeKind.NO_LONGER_AT_RISK and change.commitment in opened:
            start = opened.pop(change.commitment)
            spans.setdefault(change.commitment, []).append((start, change.on))
    for cid, start in opened.items():
        spans.setdefault(cid, []).append((start, shift(on, 1)))
    return spans


@attrs.frozen
class Delivery:
    """One period of a target: the amount due, and the delivered total over time.

    `steps` holds (date, delivered in the period by then), from the period's start up to the
    as-of date or the period's end, whichever comes first (empty for a period not begun).
    """

    start: date
    end: date
    amount: float
    steps: tuple[tuple[date, float], ...]


def deliveries(
    tracker: Tracker,
    commitment: str,
    *,
    on: date,
    known_by: date | None,
    according_to: str | None = None,
) -> tuple[Delivery, ...]:
    """Every period of `commitment`'s target with what was delivered in it, as known.

    Refuses, with `InvalidValue`, a commitment that has no target.
    """
    target = tracker.commitment(commitment).target
    if target is None:
        with_targets = [c.id for c in tracker.commitments() if c.target is not None]
        listed = ", ".join(repr(c) for c in with_targets[:5]) or "none in this tracker"
        raise InvalidValue(
            "commitment",
            commitment,
            "a commitment with a target",
            message=f"commitment {commitment!r} has no target, so it has no targets chart; "
            f"expected a commitment with a target ({listed})",
        )
    measured = sorted(
        {
            e.on
            for e in tracker.events(commitment)
            if e.kind is EventKind.MEASURED
            and e.on <= on
            and (known_by is None or e.known_on <= known_by)
        }
    )
    found = []
    for start, end in target.periods():
        steps: list[tuple[date, float]] = []
        if start <= on:
            last = min(end, on)
            for day in [*(d for d in measured if start <= d <= last), last]:
                value = _delivered(tracker, commitment, day, known_by, according_to)
                if value is not None:  # no figure yet: no line, rather than a line at 0
                    steps.append((day, value))
            if steps:
                steps.insert(0, (start, 0))
        found.append(Delivery(start=start, end=end, amount=target.amount, steps=tuple(steps)))
    return tuple(found)


def _delivered(
    tracker: Tracker, commitment: str, day: date, known_by: date | None, party: str | None
) -> float | None:
    progress = tracker.status(commitment, on=day, known_by=known_by, according_to=party).progress
    assert progress is not None, "a commitment with a target has progress"
    return progress.delivered


# The stages of other lifecycles, in the order they first appear: colours and hatches unlike
# the default stages', then again with other hatches if there are more.
_MORE = (("#c2a5cf", "++"), ("#fee08b", "oo"), ("#f4a582", "--"), ("#b8e186", ".."))


def styles(
    lanes: Sequence[Lane], base: Mapping[AnyStage, tuple[str, str]]
) -> dict[AnyStage, tuple[str, str]]:
    """The (colour, hatch) of each stage: `base` for the default ones, then others shown.

    The others are the stages of other lifecycles that the lanes show.
    """
    found: dict[AnyStage, tuple[str, str]] = {**base}
    shown = dict.fromkeys(band.stage for lane in lanes for band in lane.bands)
    for i, stage in enumerate(s for s in shown if s not in found):
        colour, hatch = _MORE[i % len(_MORE)]
        found[stage] = (colour, hatch * (1 + i // len(_MORE)))
    return found


LABEL_CHARS = 36  # a longer id is cut, with an ellipsis


def label(text: str, limit: int = LABEL_CHARS) -> str:
    """`text` on one line, cut to `limit` characters with an ellipsis: a chart's label."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "\N{HORIZONTAL ELLIPSIS}"


def box(x0: float, x1: float, y0: float, y1: float) -> list[tuple[float, float]]:
    """The corners of a rectangle, for a polygon collection."""
    return [(x0, y0), (x0, y1), (x1, y1), (x1, y0)]
