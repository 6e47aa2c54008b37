"""The questions asked every time a tracker is opened: what changed, what we learned, what is due.

`changes` lists the stage changes between two dates and the commitments that became, or stopped
being, at risk; `revisions` what late reports changed in the record; `due` the deadlines,
expiries and target period ends coming up, with what happens if nothing more is reported. Each
answer is a frozen value with its evidence. They work on a tracker's log and views.
"""

from __future__ import annotations

import enum
from datetime import date, timedelta
from typing import Any

import attrs

from . import _rows
from ._events import Event
from ._lifecycle import AnyStage, LapseReason
from ._log import EventLog
from ._status import Status, Transition
from ._targets import Target
from ._views import Views


class ChangeKind(enum.StrEnum):
    """What a `Change` is."""

    STAGE = "stage"
    """The commitment moved to another stage."""
    AT_RISK = "at_risk"
    """A commitment it is linked to lapsed while it is live."""
    NO_LONGER_AT_RISK = "no_longer_at_risk"
    """It stopped being at risk (its counterpart revived, or it lapsed itself)."""
    EVIDENCE = "evidence"
    """New evidence for the stage it already had: a corroboration or new dates (`learned`)."""


@attrs.frozen(kw_only=True)
class Change:
    """One change to one commitment on one date.

    A stage change carries its `transition` (the step, with its evidence, or inferred). A
    change of risk carries `at_risk_from`: the lapsed counterparts (those it is at risk from
    now, or was at risk from until then), and `cause`, the step of the commitment or of a
    counterpart that changed it.

    `known_on` is the date the change became known: its evidence's report date (for a step
    inferred from a deadline, in `Tracker.learned`, the latest report that made the
    difference; otherwise None). `retroactive` and `withdrawn` are `Tracker.learned`'s: a
    step that became known after it happened, on or before the date asked; a step an earlier
    record held and later reports took back.
    """

    commitment: str
    on: date
    kind: ChangeKind
    source: AnyStage | None
    target: AnyStage | None
    transition: Transition | None = None
    at_risk_from: tuple[str, ...] = ()
    cause: Transition | None = None
    known_on: date | None = None
    retroactive: bool = False
    withdrawn: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The change as plain data: its row of ``changes --json``."""
        return _rows.change(self)


@attrs.frozen(kw_only=True)
class Revision:
    """A commitment whose record known by one date differs from the record known by a later one.

    `on` is the first date whose answer differs (or the date asked about), `was` what the
    earlier record said, `now` what the later one says, and `reports` the commitment's events
    that became known between the two dates and made the difference.
    """

    commitment: str
    on: date
    was: Status
    now: Status
    reports: tuple[Event, ...]


class DueKind(enum.StrEnum):
    """What falls due."""

    DEADLINE = "deadline"
    EXPIRY = "expiry"
    PERIOD_END = "period_end"
    TARGET_END = "target_end"


@attrs.frozen(kw_only=True)
class Due:
    """A date coming up for one commitment, and what happens if nothing more is reported.

    `on` is the date itself (the deadline, the expiry date, the end of a target period);
    `lapses_on` and `reason` say when and why the commitment lapses by itself if nothing more
    is reported (None when it does not); `outcome` says it in words.
    """

    commitment: str
    on: date
    kind: DueKind
    lapses_on: date | None
    reason: LapseReason | None
    outcome: str

    def to_dict(self) -> dict[str, Any]:
        """The date as plain data: its row of ``due --json``."""
        return _rows.due(self)


DAY = timedelta(days=1)


def changes(
    log: EventLog,
    views: Views,
    since: date,
    until: date,
    known_by: date | None,
    party: str | None = None,
) -> tuple[Change, ...]:
    """Every stage change with `since < on <= until`, and every change of risk.

    In date order, ties in the order the commitments were added.
    """
    found: list[Change] = []
    steps = {cid: views.history(cid, known_by, party) for cid in log.commitments}
    for cid, history in steps.items():
        for step in history:
            if since < step.on <= until and step.source != step.target:
                found.append(
                    Change(
                        commitment=cid,
                        on=step.on,
                        kind=ChangeKind.STAGE,
                        source=step.source,
                        target=step.target,
                        transition=step,
                        known_on=None if step.event is None else step.event.known_on,
                    )
                )
    for cid, others in log.counterparts.items():
        found += _risk_changes(cid, [cid, *others], steps, views, since, until, known_by, party)
    # On one day, the stage changes first (risk follows from them), then by commitment.
    order = {cid: i for i, cid in enumerate(log.commitments)}
    found.sort(key=lambda c: (c.on, c.kind is not ChangeKind.STAGE, order[c.commitment]))
    return tuple(found)


def _risk_changes(
    cid: str,
    involved: list[str],
    steps: dict[str, tuple[Transition, ...]],
    views: Views,
    since: date,
    until: date,
    known_by: date | None,
    party: str | None,
) -> list[Change]:
    # Risk changes only on a day when the commitment or a counterpart changes stage.
    causes: dict[date, Transition] = {}
    for other in involved:
        for step in steps[other]:
            if since < step.on <= until and step.source != step.target:
                causes.setdefault(step.on, step)
    found = []
    before = views.status(cid, since.toordinal(), known_by, party)
    for day in sorted(causes):
        now = views.status(cid, day.toordinal(), known_by, party)
        if now.at_risk_from != before.at_risk_from:
            kind = ChangeKind.AT_RISK if now.at_risk else ChangeKind.NO_LONGER_AT_RISK
            found.append(
                Change(
                    commitment=cid,
                    on=day,
                    kind=kind,
                    source=before.stage,
                    target=now.stage,
                    at_risk_from=now.at_risk_from or before.at_risk_from,
                    cause=causes[day],
                )
            )
        before = now
    return found


def revisions(
    log: EventLog, views: Views, before: date, after: date, on: date | None
) -> tuple[Revision, ...]:
    """Each commitment whose answer known by `before` differs from the one known by `after`.

    On `on` when given, else on the first date the two records disagree.
    """
    learned: dict[str, list[Event]] = {}
    for event in log.events:
        if before < event.known_on <= after:
            learned.setdefault(event.commitment, []).append(event)
    found = []
    for cid in log.commitments:
        # A commitment's answer depends on its own events and, for its risk, on those of
        # the commitments it is linked to.
        involved = [cid, *log.counterparts.get(cid, ())]
        reports = [e for other in involved for e in learned.get(other, ())]
        if not reports:
            continue
        if on is not None:
            days = [on]
        else:
            # The answer can differ only from the date of a step of either record, of it or
            # of a counterpart, or of a report (a measurement moves no stage but progress).
            days = sorted(
                {s.on for other in involved for s in views.history(other, before)}
                | {s.on for other in involved for s in views.history(other, after)}
                | {r.on for r in reports}
            )
        for day in days:
            was = views.status(cid, day.toordinal(), before)
            now = views.status(cid, day.toordinal(), after)
            if was != now:
                found.append(
                    Revision(commitment=cid, on=day, was=was, now=now, reports=tuple(reports))
                )
                break
    order = {cid: i for i, cid in enumerate(log.commitments)}
    found.sort(key=lambda r: (r.on, order[r.commitment]))
    return tuple(found)


def due(log: EventLog, views: Views, on: date, within: int) -> tuple[Due, ...]:
    """The deadlines, expiries and target period ends in `(on, on + within]`.

    In date order, each with what happens if nothing more is reported after `on`.
    """
    last = date.fromordinal(min(on.toordinal() + within, date.max.toordinal()))
    found = []
    for cid, commitment in log.commitments.items():
        status = views.status(cid, on.toordinal(), None)
        lifecycle = views.engines.of(commitment).lifecycle
        live = status.stage in lifecycle.live
        if status.deadline is not None and on < status.deadline <= last:
            implemented = any(
                status.stage in limit.exempt
                for limit in lifecycle.time_limits
                if limit.field == "deadline"
            )
            # A lapse the day after 9999-12-31 never falls (the calendar ends).
            lapses = live and not implemented and status.deadline < date.max
            found.append(
                Due(
                    commitment=cid,
                    on=status.deadline,
                    kind=DueKind.DEADLINE,
                    lapses_on=status.deadline + DAY if lapses else None,
                    reason=LapseReason.DEADLINE_MISSED if lapses else None,
                    outcome=(
                        f"lapses on {(status.deadline + DAY).isoformat()}, deadline_missed, "
                        "unless implemented by then"
                        if lapses
                        else _quiet(
                            status,
                            "implemented already"
                            if implemented
                            else "the calendar ends that day"
                            if live
                            else None,
                        )
                    ),
                )
            )
        if status.expires is not None and on < status.expires <= last:
            found.append(
                Due(
                    commitment=cid,
                    on=status.expires,
                    kind=DueKind.EXPIRY,
                    lapses_on=status.expires if live else None,
                    reason=LapseReason.EXPIRED if live else None,
                    outcome=(
                        f"lapses on {status.expires.isoformat()}, expired, unless extended"
                        if live
                        else _quiet(status, None)
                    ),
                )
            )
        if commitment.target is not None and status.progress is not None:
            found += _target_due(cid, commitment.target, status, on, last, live)
    order = {cid: i for i, cid in enumerate(log.commitments)}
    found.sort(key=lambda d: (d.on, order[d.commitment]))
    return tuple(found)


def _target_due(
    cid: str, target: Target, status: Status, on: date, last: date, live: bool
) -> list[Due]:
    assert status.progress is not None
    so_far = {(p.start, p.end): p.delivered for p in status.progress.periods}
    periods = target.periods()
    found = []
    for begin, stop in periods:
        if not on < stop <= last:
            continue
        # What that period holds by `on`, if nothing more is reported.
        got = so_far.get((begin, stop)) if begin <= on else None
        final = (begin, stop) == periods[-1]
        if got is None:  # no data is not a miss, unless the target says it is
            lapses = target.lapse_without_figures and live and final and stop < date.max
            outcome = (
                f"lapses on {(stop + DAY).isoformat()}, target_missed, unless a figure is "
                "reported (no data yet)"
                if lapses
                else f"no data yet: no figure reported by {on.isoformat()}"
            )
            found.append(
                Due(
                    commitment=cid,
                    on=stop,
                    kind=DueKind.TARGET_END if final else DueKind.PERIOD_END,
                    lapses_on=stop + DAY if lapses else None,
                    reason=LapseReason.TARGET_MISSED if lapses else None,
                    outcome=outcome,
                )
            )
            continue
        short = got < target.amount
        lapses = short and live and final and stop < date.max
        figures = f"{got:g} of {target.amount:g} {target.unit} delivered by {on.isoformat()}"
        if lapses:
            outcome = (
                f"lapses on {(stop + DAY).isoformat()}, target_missed, unless the rest is "
                f"delivered ({figures})"
            )
        elif short:
            outcome = f"period missed unless the rest is delivered ({figures})"
        else:
            outcome = f"met ({figures})"
        found.append(
            Due(
                commitment=cid,
                on=stop,
                kind=DueKind.TARGET_END if (begin, stop) == periods[-1] else DueKind.PERIOD_END,
                lapses_on=stop + DAY if lapses else None,
                reason=LapseReason.TARGET_MISSED if lapses else None,
                outcome=outcome,
            )
        )
    return found


def _quiet(status: Status, why: str | None) -> str:
    """What a date means for a commitment that does not lapse by it."""
    if why is not None:
        return f"nothing: {why}"
    if status.stage is None:
        return "nothing: no stage yet"
    return f"nothing: {status.stage.value} already"
