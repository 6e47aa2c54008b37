"""How `negotrack.testing` draws negotiations: the walks, the noise and the dates.

These are the internals of the public strategies (see `negotrack.testing`, which documents
them); they need Hypothesis, which only `negotrack.testing` and this module import.
"""

from __future__ import annotations

import functools
from datetime import date, timedelta
from typing import Literal

from hypothesis import strategies as st

from ._commitments import Commitment, Link, LinkKind
from ._events import Event
from ._lifecycle import LIFECYCLE, AnyKind, AnyStage, EventKind, LapseReason, Lifecycle
from ._targets import Per, Target

_START = date(2025, 1, 1)
_DAYS = 120
_PARTIES = ("US", "CN", "EU")
# Gaps between consecutive events of one commitment: a gap of 0 puts two events on one day.
_GAPS = (0, 1, 0, 2, 0, 3, 5, 8, 13, 21)

# Any character but a surrogate (which UTF-8 cannot encode), named explicitly: the default
# alphabet of st.text() takes a second to build on first use, which trips Hypothesis's
# too_slow health check in a fresh checkout. Text is never blank (scenario files refuse
# blank text); optional text may also be None.
_SURROGATES: list[Literal["Cs"]] = ["Cs"]
_CHARACTERS = st.characters(exclude_categories=_SURROGATES)
_TEXT = st.text(_CHARACTERS, min_size=1, max_size=16).filter(lambda s: bool(s.strip()))
_OPTIONAL_TEXT = st.none() | _TEXT


def _end(start: date, end: date | None) -> date:
    last = start + timedelta(days=_DAYS - 1) if end is None else end
    if last < start:
        raise ValueError(f"end {last.isoformat()} is before start {start.isoformat()}")
    return last


# Strategies used at every step of a walk, built once.
_TENTHS = st.integers(0, 9)
_GAP = st.sampled_from(_GAPS)
# Quantities: whole and fractional, small enough that periods are often met and often not.
_QUANTITY = st.integers(0, 40) | st.integers(0, 400).map(lambda n: n / 10)
_PER: st.SearchStrategy[Per | None] = st.sampled_from((None, None, "month"))
_LINK_KIND = st.sampled_from(tuple(LinkKind))
_REASON = st.sampled_from(tuple(LapseReason))
_SHIFT = st.integers(-15, 30).filter(lambda n: n != 0)
_DELAY = st.integers(0, 45)
_WHICH = st.sampled_from(("deadline", "expires", "both"))


def _moves(lifecycle: Lifecycle, stage: AnyStage | None) -> tuple[AnyKind, ...]:
    """The events that move a commitment on from `stage` (corroborations left out)."""
    outcomes = lifecycle.outcomes()
    return tuple(
        kind
        for kind in lifecycle.event_order()
        if (stage, kind) in outcomes
        and (outcomes[stage, kind] != stage or kind is EventKind.EXTENDED)
    )


def _backward(lifecycle: Lifecycle, stage: AnyStage | None) -> tuple[AnyKind, ...]:
    """The events leading to the live rungs below `stage`: moves back down the ladder."""
    if stage not in lifecycle.live:
        return ()
    below = lifecycle.stages[: lifecycle.stages.index(stage)]
    return tuple(
        kind
        for kind in lifecycle.event_order()
        if lifecycle.rule(kind).target in below and None in lifecycle.rule(kind).sources
    )


@functools.cache
def _walks(
    lifecycle: Lifecycle,
) -> tuple[
    dict[tuple[AnyStage | None, AnyKind], AnyStage],
    dict[AnyStage | None, st.SearchStrategy[AnyKind]],
    dict[AnyStage | None, st.SearchStrategy[AnyKind]],
]:
    """A lifecycle's outcomes, and by stage what a walk draws there, built once.

    That is a move, or noise: any event at all, or a move back down the ladder from where the
    commitment stands.
    """
    stages = (None, *lifecycle.stages)
    kinds = tuple(EventKind) if lifecycle.classic else lifecycle.kinds()
    # Any kind but a measurement, which only a commitment with a target takes (_draw_measures).
    anything = st.sampled_from(tuple(k for k in kinds if k is not EventKind.MEASURED))
    moves = {
        stage: st.sampled_from(_moves(lifecycle, stage)) if _moves(lifecycle, stage) else anything
        for stage in stages
    }
    noise = {
        stage: anything | st.sampled_from(_backward(lifecycle, stage))
        if _backward(lifecycle, stage)
        else anything
        for stage in stages
    }
    return dict(lifecycle.outcomes()), moves, noise


def _chance(draw: st.DrawFn, tenths: int) -> bool:
    """True about `tenths` times in ten; shrinks to False."""
    return draw(_TENTHS) >= 10 - tenths


def _day_in(draw: st.DrawFn, start: date, end: date) -> date:
    return start + timedelta(days=draw(st.integers(0, (end - start).days)))


def _draw_commitments(
    draw: st.DrawFn,
    ids: list[str],
    parties: tuple[str, ...],
    start: date,
    end: date,
    links: bool,
) -> list[Commitment]:
    result = []
    for index, cid in enumerate(ids):
        by = draw(st.sampled_from(parties))
        others = [p for p in parties if p != by] or [by]
        to = draw(st.sampled_from(others))
        declared: list[Link] = []
        if links and len(ids) > 1 and _chance(draw, 4):
            targets = [other for other in ids if other != cid]
            for target in draw(st.lists(st.sampled_from(targets), max_size=2, unique=True)):
                declared.append(Link(draw(_LINK_KIND), target))
        result.append(
            Commitment(
                id=cid,
                title=draw(_TEXT) if _chance(draw, 3) else f"commitment {index}",
                by=by,
                to=to,
                subject=draw(_OPTIONAL_TEXT) if _chance(draw, 2) else None,
                deadline=_day_in(draw, start, end) if _chance(draw, 5) else None,
                expires=_day_in(draw, start, end) if _chance(draw, 5) else None,
                target=_draw_target(draw, start, end) if _chance(draw, 3) else None,
                links=declared,
                note=draw(_OPTIONAL_TEXT) if _chance(draw, 2) else None,
            )
        )
    return result


def _draw_target(draw: st.DrawFn, start: date, end: date) -> Target:
    first = _day_in(draw, start, end)
    return Target(
        amount=draw(st.integers(1, 60)),
        unit=draw(st.sampled_from(("t", "MMT", "units"))),
        start=first,
        end=_day_in(draw, first, end),
        per=draw(_PER),
    )


def _draw_measures(
    draw: st.DrawFn, commitment: Commitment, *, start: date, end: date, late_reports: bool
) -> list[Event]:
    """Deliveries against a commitment's target, dated around its span (a few outside it).

    Increments and running totals, some in the target's unit, some reported late.
    """
    target = commitment.target
    if target is None:
        return []
    first = max(start, target.start - timedelta(days=3))
    last = min(end, target.end + timedelta(days=3))
    found = []
    for _ in range(draw(st.integers(0, 6))):
        on = _day_in(draw, first, max(first, last))
        total = _chance(draw, 3)
        quantity = draw(_QUANTITY)
        found.append(
            Event(
                commitment=commitment.id,
                kind=EventKind.MEASURED,
                on=on,
                reported=on + timedelta(days=draw(_SHIFT))
                if late_reports and _chance(draw, 3)
                else None,
                amount=None if total else quantity,
                total=quantity if total else None,
                unit=target.unit if _chance(draw, 4) else None,
                source=draw(_OPTIONAL_TEXT) if _chance(draw, 2) else None,
            )
        )
    return found


_commitment_list = st.composite(_draw_commitments)


def _draw_event(
    draw: st.DrawFn,
    cid: str,
    kind: AnyKind,
    on: date,
    *,
    late_reports: bool,
    event_id: str | None = None,
) -> Event:
    reported = on + timedelta(days=draw(_SHIFT)) if late_reports and _chance(draw, 3) else None
    reason = draw(_REASON) if kind is EventKind.LAPSED and _chance(draw, 6) else None
    amount = total = None
    if kind is EventKind.MEASURED:
        if _chance(draw, 5):
            total = draw(_QUANTITY)
        else:
            amount = draw(_QUANTITY)
    deadline = expires = None
    if kind is EventKind.EXTENDED:
        which = draw(_WHICH)
        if which != "expires":
            deadline = on + timedelta(days=draw(_DELAY))
        if which != "deadline":
            expires = on + timedelta(days=draw(_DELAY))
    # Evidence (who, where, the quote, a note) comes with some events only.
    evidence = _chance(draw, 3)

    def optional() -> str | None:
        return draw(_OPTIONAL_TEXT) if evidence else None

    return Event(
        commitment=cid,
        kind=kind,
        on=on,
        reported=reported,
        actor=optional(),
        source=optional(),
        quote=optional(),
        note=optional(),
        reason=reason,
        deadline=deadline,
        expires=expires,
        amount=amount,
        total=total,
        id=event_id,
    )


@st.composite
def _any_event(
    draw: st.DrawFn,
    ids: list[str],
    kinds: tuple[AnyKind, ...],
    start: date,
    end: date,
    late_reports: bool,
) -> Event:
    cid = draw(st.sampled_from(ids))
    kind = draw(st.sampled_from(kinds))
    on = _day_in(draw, start, end)
    return _draw_event(draw, cid, kind, on, late_reports=late_reports)


def _draw_walk(
    draw: st.DrawFn,
    commitment: Commitment,
    *,
    start: date,
    end: date,
    max_steps: int,
    noise: bool,
    late_reports: bool,
    event_ids: bool,
    lifecycle: Lifecycle = LIFECYCLE,
) -> list[Event]:
    outcomes, moves, noises = _walks(lifecycle)
    stage: AnyStage | None = None
    # Walks start in the first third of the span, leaving room for what follows.
    day = start + timedelta(days=draw(st.integers(0, (end - start).days // 3)))
    log: list[Event] = []
    for step in range(draw(st.integers(0, max_steps))):
        day = min(end, day + timedelta(days=draw(_GAP)))
        # Mostly a move that fits; with noise, sometimes anything at all.
        kind = draw(noises[stage] if noise and _chance(draw, 2) else moves[stage])
        event_id = f"{commitment.id}/{step}" if event_ids and _chance(draw, 1) else None
        event = _draw_event(
            draw, commitment.id, kind, day, late_reports=late_reports, event_id=event_id
        )
        log.append(event)
        stage = outcomes.get((stage, kind), stage)
        if noise and _chance(draw, 1):
            log.append(event)  # the same report twice
        if noise and _chance(draw, 1) and kind is not EventKind.EXTENDED:
            # The same move reported by someone else, possibly later.
            log.append(_draw_event(draw, commitment.id, kind, day, late_reports=late_reports))
    return log + _draw_measures(draw, commitment, start=start, end=end, late_reports=late_reports)


@st.composite
def _negotiations(
    draw: st.DrawFn,
    *,
    parties: tuple[str, ...],
    start: date,
    end: date,
    sizes: tuple[int, int],
    max_steps: int,
    noise: bool,
    late_reports: bool,
    event_ids: bool,
    lifecycle: Lifecycle = LIFECYCLE,
) -> tuple[list[Commitment], list[Event]]:
    count = draw(st.integers(*sizes))
    listed = _draw_commitments(draw, [f"c{i}" for i in range(count)], parties, start, end, True)
    log: list[Event] = []
    for commitment in listed:
        log += _draw_walk(
            draw,
            commitment,
            start=start,
            end=end,
            max_steps=max_steps,
            noise=noise,
            late_reports=late_reports,
            event_ids=event_ids,
            lifecycle=lifecycle,
        )
    if _chance(draw, 8):
        log = draw(st.permutations(log))
    return listed, log
