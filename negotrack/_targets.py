"""Targets: what a quantitative commitment promises, and how deliveries measure up.

A `Target` promises `amount` of `unit` between `start` and `end` (inclusive), or, with `per`,
that much in each year, quarter or month of that span. `measured` events report deliveries:
an `amount` (this much more, delivered on its date) or a `total` (the running total of the
period that holds its date). `progress` folds them into a `Progress` for any date: delivered,
expected at the pace the target implies, and each period met or missed. It is a pure function
of the target, the measurements and the date.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Callable, Iterable, Sequence
from datetime import date, timedelta
from typing import Any, Literal

import attrs

from . import _checks, _notebook, _rows
from ._exceptions import InvalidValue

Per = Literal["year", "quarter", "month"]
_MONTHS: dict[str, int] = {"year": 12, "quarter": 3, "month": 1}


def number(name: str, value: Any, *, positive: bool = False) -> float:
    """Require a finite number (an int or a float, not a bool), >= 0 or > 0."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InvalidValue(name, value, "a finite number")
    if value < 0 or (positive and value == 0):
        raise InvalidValue(name, value, "a number above 0" if positive else "a number, 0 or more")
    # A whole float is kept as an int, so that 12 and 12.0 are one amount (and one content id).
    return int(value) if isinstance(value, float) and value.is_integer() else value


# The amount of a target written as a baseline and an increase over it, until it is summed.
_UNSET = math.nan


def _amount(value: Any) -> float:
    return _UNSET if value is None else number("amount", value, positive=True)


def _baseline(value: Any) -> float | None:
    return None if value is None else number("baseline", value)


def _additional(value: Any) -> float | None:
    return None if value is None else number("additional", value, positive=True)


def _per(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and value not in _MONTHS:
        raise InvalidValue("per", value, "'year', 'quarter', 'month' or None")


@attrs.frozen(kw_only=True)
class Target:
    """`amount` of `unit` to deliver from `start` to `end`, inclusive (in each `per`, if set).

    With `per` ("year", "quarter" or "month") the span is split into consecutive periods of
    that length counted from `start` (the last one ends at `end`), each with the full amount
    as its target.

    A commitment whose final period ends short of its target lapses (target_missed); one
    whose final period ends without any figure reported does not, since no data is not a
    miss, unless `lapse_without_figures` is True.

    A target may be an increase over a `baseline` (a level already reached, 2017's purchases
    say): give `baseline` and `additional` (the increase), and `amount` is their sum, the
    absolute amount to deliver; or give `amount` and `baseline`, and `additional` is the
    difference. Given all three, they must agree. Deliveries are measured in absolute
    figures; `Progress` reports both the absolute and the additional share.
    """

    amount: float = attrs.field(default=None, converter=_amount)
    unit: str = attrs.field(validator=_checks.text)
    start: date
    end: date
    per: Per | None = attrs.field(default=None, validator=_per)
    lapse_without_figures: bool = attrs.field(default=False, validator=_checks.flag)
    baseline: float | None = attrs.field(default=None, converter=_baseline)
    additional: float | None = attrs.field(default=None, converter=_additional)

    def __attrs_post_init__(self) -> None:
        _checks.fields(self, day=("start", "end"))
        _over_baseline(self)
        if self.end < self.start:
            raise InvalidValue(
                "end",
                self.end,
                "a date on or after start",
                message=f"a target ending on {self.end.isoformat()} cannot start later, on "
                f"{self.start.isoformat()}; expected end on or after start",
            )

    def periods(self) -> tuple[tuple[date, date], ...]:
        """The (start, end) of each period, in order (one, without `per`)."""
        if self.per is None:
            return ((self.start, self.end),)
        step = _MONTHS[self.per]
        found = []
        n = 0
        while True:
            begin = add_months(self.start, n * step)
            if begin > self.end:
                break
            stop = min(add_months(self.start, (n + 1) * step) - timedelta(days=1), self.end)
            found.append((begin, stop))
            n += 1
        return tuple(found)


def _over_baseline(target: Target) -> None:
    """Check `amount`, `baseline` and `additional` together; fill in the one derived."""
    amount, baseline, additional = target.amount, target.baseline, target.additional
    given = not math.isnan(amount)
    if baseline is None:
        if additional is not None:
            raise InvalidValue(
                "additional",
                additional,
                "an increase over a baseline",
                message=f"additional {additional:g} is an increase over a baseline, and the "
                "target has none; give baseline too, or write the absolute amount as amount",
            )
        if not given:
            raise InvalidValue(
                "amount",
                None,
                "a number above 0",
                message="a target needs an amount (or a baseline and the additional amount "
                "over it)",
            )
        return
    if additional is None:
        if not given:
            raise InvalidValue(
                "baseline",
                baseline,
                "a baseline with an amount or an additional amount",
                message=f"baseline {baseline:g} needs additional (the increase over it) or "
                "amount (the absolute amount)",
            )
        if amount <= baseline:
            raise InvalidValue(
                "amount",
                amount,
                "an amount above the baseline",
                message=f"amount {amount:g} is not above baseline {baseline:g}; a target "
                "over a baseline promises more than it",
            )
        object.__setattr__(target, "additional", tidy(amount - baseline))
        return
    total = tidy(baseline + additional)
    if given and amount != total:
        raise InvalidValue(
            "amount",
            amount,
            f"baseline + additional ({total:g})",
            message=f"amount {amount:g} contradicts baseline {baseline:g} + additional "
            f"{additional:g} = {total:g}; give amount or additional, or make them agree",
        )
    object.__setattr__(target, "amount", total)


def add_months(day: date, months: int) -> date:
    """`day` moved by whole months, the day of the month kept where the month allows it."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    if year > date.max.year:
        return date.max
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@attrs.frozen(kw_only=True)
class Period:
    """One period of a target up to the date asked: what was due and what was delivered.

    `delivered` is None while no figure dated in the period is known ("no data yet", which is
    not a reported zero). `met` is True once `delivered` reaches `target`; False when the
    period ended short; None while it runs and has not reached it yet, or without a figure.
    """

    start: date
    end: date
    target: float
    delivered: float | None
    met: bool | None

    def phase(self, on: date) -> str | None:
        """Where the period stands on `on`: met, missed, not started, no data; None if running.

        A running period's pace is its progress's (`negotrack._words.pace`). A
        period without any figure has "no data yet" while it runs and "no data" once it has
        ended: neither is a miss.
        """
        if self.met is True:
            return "met"
        if self.met is False:
            return "missed"
        if self.start > on:
            return "not started"
        if self.delivered is None:
            return "no data yet" if self.end >= on else "no data"
        return None


@attrs.frozen(kw_only=True)
class Progress:
    """How deliveries measure up to a target on one date, in the period that holds it.

    `delivered` is this period's delivered amount, `share` that over `target`; `expected` is
    what the pace implies by the date (`target` times the days elapsed, inclusive, over the
    days of the period); `on_track` is `delivered >= expected`. `periods` lists every period
    up to the date. Before the first period, the first one is shown (expected 0); after the
    last, the last one. While no figure of this period is known, `delivered`, `share` and
    `on_track` are None ("no data yet", not zero).

    `figure_on` and `figure_reported` say which figure the answer rests on: the date of the
    latest measurement counted in the period, and the date it became known. A figure
    reported again later for the same date (in the same account) supersedes the earlier one
    from its report date on, lower or higher; `revised_from` is what the period's delivered
    amount was before the latest such revision counted (None when nothing counted was
    revised).

    For a target over a baseline, `baseline` and `additional` are the target's;
    `delivered_additional` is `delivered` less the baseline (below 0 while under it) and
    `additional_share` that over `additional`. All four are None for a target without a
    baseline, and the last two while no figure is known.
    """

    start: date
    end: date
    target: float
    unit: str
    delivered: float | None
    share: float | None
    expected: float
    on_track: bool | None
    periods: tuple[Period, ...]
    figure_on: date | None = None
    figure_reported: date | None = None
    revised_from: float | None = None
    baseline: float | None = None
    additional: float | None = None
    delivered_additional: float | None = None
    additional_share: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """The progress as plain data: as it stands in ``status --json``."""
        return _rows.progress(self)

    def _repr_html_(self) -> str:
        """The progress as a table of its periods, captioned with where it stands.

        With matplotlib, a progress of several periods shows a chart of them first (SVG).
        """
        data = self.to_dict()
        pace = "on track" if self.on_track else "behind"
        if self.delivered is None or self.share is None:
            caption = f"no data yet (target {data['target']:g} {self.unit})"
        else:
            caption = (
                f"{data['delivered']:g}/{data['target']:g} {self.unit} "
                f"({round(self.share * 100)}%), {pace} (expected {round(self.expected, 3):g})"
            )
        columns = _notebook.PERIOD_COLUMNS
        rows = [[p.get(k) for k in columns] for p in data["periods"]]
        return _notebook.periods(self) + _notebook.table(columns, rows, caption)


# A measurement as progress reads it: (date, recording order, amount or None, total or None,
# the ordinal of the date it became known, the party whose account it gives or None).
Measure = tuple[date, int, "float | None", "float | None", int, "str | None"]

# What a span delivered: (amount or None, the figure it rests on, the revised amount), as `tally`.
Tally = tuple["float | None", "Measure | None", "float | None"]


def delivered(measures: Iterable[Measure], start: date, until: date) -> float | None:
    """What was delivered from `start` to `until` inclusive (None: no figure in that span)."""
    return tally(measures, start, until)[0]


def tally(measures: Iterable[Measure], start: date, until: date) -> Tally:
    """What was delivered from `start` to `until`, the figure it rests on, and its revision.

    First each figure (one account's total, or its amount, for one date) keeps only its
    latest report: a later report supersedes an earlier one, whatever its value. Then the
    latest total dated in the span sets the level (of several on one day, the largest: so
    that the answer never depends on the order reports were recorded in); increments dated
    after it are added to it, and those dated on or before it are taken to be in it. Without
    a total, it is the sum of the increments. Without any figure, it is None.

    The figure returned is the latest measurement counted; the revision is what the span's
    delivered amount was from the reports known before the latest report that superseded
    another (None if none did).
    """
    inside = [m for m in measures if start <= m[0] <= until]
    if not inside:
        return None, None, None
    latest: dict[tuple[date, str | None, bool], int] = {}
    for m in inside:
        which = (m[0], m[5], m[3] is not None)
        if m[4] > latest.get(which, -1):
            latest[which] = m[4]
    counted, revised = [], None
    for m in inside:
        last = latest[(m[0], m[5], m[3] is not None)]
        if m[4] == last:
            counted.append(m)
        elif revised is None or last > revised:
            revised = last  # the report that superseded `m`
    level = _level(counted)
    figure = max(counted, key=lambda m: (m[0], m[4], m[1]))
    if revised is None:
        return level, figure, None
    return level, figure, tally([m for m in inside if m[4] < revised], start, until)[0]


def _level(measures: list[Measure]) -> float:
    """The delivered amount of `measures` (see `tally`), each figure its latest report."""
    totals = [(m[0], m[3]) for m in measures if m[3] is not None]
    since, level = max(totals) if totals else (None, 0)
    added = sum(m[2] for m in measures if m[2] is not None and (since is None or m[0] > since))
    return tidy(level + added)


def tidy(value: float) -> float:
    """A sum of amounts, rid of binary noise (0.1 + 0.2 is 0.3) and whole when it is."""
    value = round(value, 9)
    return int(value) if float(value).is_integer() else value


def progress(target: Target, measures: Sequence[Measure], on: date) -> Progress:
    """The `Progress` of `target` on `on`, from `measures` (those dated after `on` ignored)."""
    return progress_by(target, lambda begin, until: tally(measures, begin, until), on)


def progress_by(target: Target, count: Callable[[date, date], Tally], on: date) -> Progress:
    """The `Progress` of `target` on `on`, each span's deliveries counted by `count`."""
    periods = target.periods()
    shown: list[Period] = []
    counted: Tally = (None, None, None)
    for begin, stop in periods:
        if begin > on and shown:
            break
        counted = count(begin, min(stop, on))
        got = counted[0]
        if got is None:
            met = None
        else:
            met = True if got >= target.amount else (False if stop < on else None)
        shown.append(Period(start=begin, end=stop, target=target.amount, delivered=got, met=met))
    current = shown[-1]
    days = (current.end - current.start).days + 1
    elapsed = min(max((on - current.start).days + 1, 0), days)
    expected = tidy(target.amount * elapsed / days)
    got, figure, revised_from = counted
    baseline, additional = target.baseline, target.additional
    over = None if baseline is None or got is None else tidy(got - baseline)
    return Progress(
        start=current.start,
        end=current.end,
        target=target.amount,
        unit=target.unit,
        delivered=got,
        share=None if got is None else tidy(got / target.amount),
        expected=expected,
        on_track=None if got is None else got >= expected,
        periods=tuple(shown),
        figure_on=None if figure is None else figure[0],
        figure_reported=None if figure is None else date.fromordinal(figure[4]),
        revised_from=revised_from,
        baseline=baseline,
        additional=additional,
        delivered_additional=over,
        additional_share=None if over is None or not additional else tidy(over / additional),
    )


def final_shortfall(target: Target, measures: Sequence[Measure]) -> bool:
    """True when the final period ended short of the target (by what `measures` say).

    A final period without any figure is short only when the target says so
    (`lapse_without_figures`): no data is not a miss.
    """
    begin, stop = target.periods()[-1]
    got = delivered(measures, begin, stop)
    if got is None:
        return target.lapse_without_figures
    return got < target.amount


def upcoming(target: Target, on: date) -> tuple[Period, ...]:
    """The periods of `target` that start after `on`: no figure in them yet.

    `Progress.periods` stops at the date asked; a listing of every period (`negotrack
    progress`, `negotrack.tables`) adds these after it.
    """
    return tuple(
        Period(start=begin, end=stop, target=target.amount, delivered=None, met=None)
        for begin, stop in target.periods()
        if begin > on
    )
