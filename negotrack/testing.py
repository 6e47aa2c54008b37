"""Hypothesis strategies that generate negotiations, for testing tools that embed negotrack.

This module needs the optional extra: ``pip install 'negotrack[testing]'``. Every strategy
builds values that negotrack accepts: `dates`, `commitments` (with deadlines, expiries and
links), `events` of every kind, `negotiations` (commitments and an event log shaped like a real
negotiation, noise included) and `scenario_documents` (plain data ready for YAML or JSON).

Dates stay within a short span (120 days from 1 January 2025 unless told otherwise), so that
events often share a day and deadlines often pass: that is where the interesting cases are.
Everything shrinks towards fewer commitments, fewer events, earlier dates and no noise.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any, Literal, NamedTuple

import attrs

try:
    from hypothesis import strategies as st
except ImportError as err:  # pragma: no cover - exercised in a test with hypothesis hidden
    raise ImportError(
        "negotrack.testing needs Hypothesis; install it with pip install 'negotrack[testing]'"
    ) from err

from ._commitments import Commitment, Link, LinkKind
from ._events import Event
from ._lifecycle import LIFECYCLE, EventKind, LapseReason, Lifecycle, Stage
from ._tracker import Tracker

__all__ = [
    "Negotiation",
    "commitments",
    "dates",
    "events",
    "negotiations",
    "scenario_documents",
]

_START = date(2025, 1, 1)
_DAYS = 120
_PARTIES = ("US", "CN", "EU")
_FORWARD = (
    EventKind.PROPOSED,
    EventKind.CONSENSUS_REACHED,
    EventKind.APPROVED,
    EventKind.IMPLEMENTED,
)
_FORWARD_STAGES = (
    Stage.PROPOSED,
    Stage.PRELIMINARY_CONSENSUS,
    Stage.APPROVED,
    Stage.IMPLEMENTED,
)
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


class Negotiation(NamedTuple):
    """Commitments and their event log, as `negotiations` generates them.

    `events` is in recording order, which is not date order, and may hold noise: exact
    duplicates, corroborations, events that do not fit the lifecycle, late reports. It unpacks
    as a pair: ``commitments, events = negotiation``.
    """

    commitments: list[Commitment]
    events: list[Event]

    def tracker(
        self,
        *,
        strict: bool = False,
        lifecycle: Lifecycle = LIFECYCLE,
        through_machine: bool = False,
    ) -> Tracker:
        """Return a new `Tracker` holding the commitments and the events, in recording order.

        With ``strict=True`` the events are recorded as one batch, which raises
        `InvalidTransition` if any of them does not fit.
        """
        tracker = Tracker(strict=strict, lifecycle=lifecycle, through_machine=through_machine)
        tracker.add(*self.commitments)
        tracker.record(*self.events)
        return tracker

    def document(
        self,
        *,
        id: str = "generated",
        title: str = "A generated negotiation",
        parties: Mapping[str, str] | None = None,
        sources: Mapping[str, Mapping[str, str]] | None = None,
        note: str | None = None,
    ) -> dict[str, Any]:
        """Return the negotiation as a scenario document: plain data ready for YAML or JSON.

        Dates are written ``YYYY-MM-DD``; every party a commitment names is declared (named
        after its code unless `parties` names it); exact duplicate events are written once, as
        a scenario file must not repeat an event. Loading the document gives the same answers
        as `tracker`.
        """
        declared = dict(parties or {})
        for c in self.commitments:
            for code in (c.by, c.to):
                declared.setdefault(code, code)
        doc: dict[str, Any] = {"negotrack": 1, "id": id, "title": title}
        if note is not None:
            doc["note"] = note
        doc["parties"] = declared
        if sources:
            doc["sources"] = {key: dict(value) for key, value in sources.items()}
        doc["commitments"] = [_commitment_data(c) for c in self.commitments]
        written: set[str] = set()
        items = []
        for event in self.events:
            if event.id not in written:
                written.add(event.id)
                items.append(_event_data(event))
        doc["events"] = items
        return doc


def dates(start: date = _START, end: date | None = None) -> st.SearchStrategy[date]:
    """Dates from `start` to `end` inclusive (by default the 120 days from `start`).

    They shrink towards `start`.
    """
    last = _end(start, end)
    return st.integers(0, (last - start).days).map(lambda n: start + timedelta(days=n))


def commitments(
    ids: Sequence[str] | None = None,
    *,
    parties: Sequence[str] = _PARTIES,
    start: date = _START,
    end: date | None = None,
    min_size: int = 1,
    max_size: int = 4,
    links: bool = True,
) -> st.SearchStrategy[list[Commitment]]:
    """Lists of commitments with distinct ids, ready for one `Tracker.add` call.

    With `ids`, there is one commitment per id, in that order; otherwise the ids are ``c0``,
    ``c1``... and the list holds `min_size` to `max_size` of them. Each has a title, parties
    drawn from `parties` (distinct when there are two or more), and may have a deadline, an
    expiry date between `start` and `end`, a subject, a note and, with `links`, reciprocal or
    conditional links to other commitments of the list.
    """
    last = _end(start, end)
    if not parties:
        raise ValueError("parties must name at least one party")
    if ids is not None:
        chosen = list(ids)
        if len(set(chosen)) != len(chosen):
            raise ValueError(f"ids must be distinct, got {chosen!r}")
        return _commitment_list(chosen, tuple(parties), start, last, links)
    if not 0 <= min_size <= max_size:
        raise ValueError(f"expected 0 <= min_size <= max_size, got {min_size} and {max_size}")
    return st.integers(min_size, max_size).flatmap(
        lambda n: _commitment_list([f"c{i}" for i in range(n)], tuple(parties), start, last, links)
    )


def events(
    commitment_ids: Sequence[str],
    *,
    start: date = _START,
    end: date | None = None,
    kinds: Sequence[EventKind | str] | None = None,
    late_reports: bool = True,
) -> st.SearchStrategy[Event]:
    """Single events naming one of `commitment_ids`, of any kind (or one of `kinds`).

    The date falls between `start` and `end`; nothing says the event fits the lifecycle where
    it falls, so many do not. A lapse may carry a reason; an extension sets a deadline, an
    expiry date or both, on or after its own date. With `late_reports`, some events are
    reported after their date and some before it (a measure announced in advance).
    """
    ids = list(commitment_ids)
    if not ids:
        raise ValueError("commitment_ids must name at least one commitment")
    chosen = tuple(EventKind(k) for k in (kinds if kinds is not None else EventKind))
    if not chosen:
        raise ValueError("kinds must name at least one event kind")
    return _any_event(ids, chosen, start, _end(start, end), late_reports)


def negotiations(
    *,
    parties: Sequence[str] = _PARTIES,
    start: date = _START,
    end: date | None = None,
    min_commitments: int = 1,
    max_commitments: int = 4,
    max_steps: int = 8,
    noise: bool = True,
    late_reports: bool = True,
    event_ids: bool = True,
) -> st.SearchStrategy[Negotiation]:
    """Negotiations: commitments and an event log shaped like a real negotiation.

    Each commitment follows a random walk through `LIFECYCLE` of up to `max_steps` events,
    mostly valid moves (climbing the ladder, skipping rungs, extensions, lapses, revivals),
    dated from `start` to `end` with frequent same-day events. With `noise`, the walk also
    produces exact duplicates, corroborations (the same move reported again by someone else),
    backward moves and other events that do not fit. With `late_reports`, some events are
    reported after their date or before it; with `event_ids`, some carry an explicit id. The
    events of all commitments are then interleaved in a random recording order. The walk does
    not know the time limits: events after an inferred lapse do not fit, as in real logs.
    """
    last = _end(start, end)
    if not 1 <= min_commitments <= max_commitments:
        raise ValueError(
            "expected 1 <= min_commitments <= max_commitments, "
            f"got {min_commitments} and {max_commitments}"
        )
    if max_steps < 0:
        raise ValueError(f"max_steps must be >= 0, got {max_steps}")
    return _negotiations(
        parties=tuple(parties),
        start=start,
        end=last,
        sizes=(min_commitments, max_commitments),
        max_steps=max_steps,
        noise=noise,
        late_reports=late_reports,
        event_ids=event_ids,
    )


_any_negotiations = negotiations  # reachable where a parameter shadows the name


def scenario_documents(
    negotiations: st.SearchStrategy[Negotiation] | None = None,
) -> st.SearchStrategy[dict[str, Any]]:
    """Scenario documents as plain data (dicts, lists, text, ISO dates) ready for YAML or JSON.

    Each is `Negotiation.document` of a negotiation drawn from `negotiations` (by default
    ``negotiations()``), with a generated id, title, note, party names and sources, some of
    which the events cite. Any of them loads with `negotrack.load` once written to a file.
    """
    return _documents(negotiations if negotiations is not None else _any_negotiations())


# -- internals ---------------------------------------------------------------------------------


def _end(start: date, end: date | None) -> date:
    last = start + timedelta(days=_DAYS - 1) if end is None else end
    if last < start:
        raise ValueError(f"end {last.isoformat()} is before start {start.isoformat()}")
    return last


# Strategies used at every step of a walk, built once.
_TENTHS = st.integers(0, 9)
_GAP = st.sampled_from(_GAPS)
_KIND = st.sampled_from(tuple(EventKind))
_LINK_KIND = st.sampled_from(tuple(LinkKind))
_REASON = st.sampled_from(tuple(LapseReason))
_SHIFT = st.integers(-15, 30).filter(lambda n: n != 0)
_DELAY = st.integers(0, 45)
_WHICH = st.sampled_from(("deadline", "expires", "both"))


def _moves(stage: Stage | None) -> tuple[EventKind, ...]:
    """The events that move a commitment on from `stage` (corroborations left out)."""
    outcomes = LIFECYCLE.outcomes()
    return tuple(
        kind
        for kind in LIFECYCLE.event_order()
        if (stage, kind) in outcomes
        and (outcomes[stage, kind] != stage or kind is EventKind.EXTENDED)
    )


_OUTCOMES = LIFECYCLE.outcomes()
_MOVE = {stage: st.sampled_from(_moves(stage)) for stage in (None, *LIFECYCLE.stages)}


def _backward(stage: Stage | None) -> tuple[EventKind, ...]:
    """The forward events of the rungs below `stage`: moves back down the ladder."""
    if stage not in _FORWARD_STAGES:
        return ()
    return _FORWARD[: _FORWARD_STAGES.index(stage)]


# Noise: any event at all, or a move back down the ladder from where the commitment stands.
_NOISE = {
    stage: _KIND | st.sampled_from(_backward(stage)) if _backward(stage) else _KIND
    for stage in (None, *LIFECYCLE.stages)
}


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
                links=declared,
                note=draw(_OPTIONAL_TEXT) if _chance(draw, 2) else None,
            )
        )
    return result


_commitment_list = st.composite(_draw_commitments)


def _draw_event(
    draw: st.DrawFn,
    cid: str,
    kind: EventKind,
    on: date,
    *,
    late_reports: bool,
    event_id: str | None = None,
) -> Event:
    reported = on + timedelta(days=draw(_SHIFT)) if late_reports and _chance(draw, 3) else None
    reason = draw(_REASON) if kind is EventKind.LAPSED and _chance(draw, 6) else None
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
        id=event_id,
    )


@st.composite
def _any_event(
    draw: st.DrawFn,
    ids: list[str],
    kinds: tuple[EventKind, ...],
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
) -> list[Event]:
    stage: Stage | None = None
    # Walks start in the first third of the span, leaving room for what follows.
    day = start + timedelta(days=draw(st.integers(0, (end - start).days // 3)))
    log: list[Event] = []
    for step in range(draw(st.integers(0, max_steps))):
        day = min(end, day + timedelta(days=draw(_GAP)))
        # Mostly a move that fits; with noise, sometimes anything at all.
        kind = draw(_NOISE[stage] if noise and _chance(draw, 2) else _MOVE[stage])
        event_id = f"{commitment.id}/{step}" if event_ids and _chance(draw, 1) else None
        event = _draw_event(
            draw, commitment.id, kind, day, late_reports=late_reports, event_id=event_id
        )
        log.append(event)
        stage = _OUTCOMES.get((stage, kind), stage)
        if noise and _chance(draw, 1):
            log.append(event)  # the same report twice
        if noise and _chance(draw, 1) and kind is not EventKind.EXTENDED:
            # The same move reported by someone else, possibly later.
            log.append(_draw_event(draw, commitment.id, kind, day, late_reports=late_reports))
    return log


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
) -> Negotiation:
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
        )
    if _chance(draw, 8):
        log = draw(st.permutations(log))
    return Negotiation(listed, log)


@st.composite
def _documents(draw: st.DrawFn, drawn: st.SearchStrategy[Negotiation]) -> dict[str, Any]:
    negotiation = draw(drawn)
    codes = sorted({code for c in negotiation.commitments for code in (c.by, c.to)})
    names = {code: draw(_TEXT) for code in codes if _chance(draw, 5)}
    sources: dict[str, dict[str, str]] = {}
    for key in draw(st.lists(st.sampled_from(("report", "minutes", "press")), unique=True)):
        source = {"title": draw(_TEXT)}
        if _chance(draw, 5):
            source["published"] = _day_in(draw, _START, _START + timedelta(days=_DAYS)).isoformat()
        for name in ("publisher", "language", "url"):
            if _chance(draw, 3):
                source[name] = draw(_TEXT)
        sources[key] = source
    if sources:
        # Some events cite a source by its key; copies of one event cite the same one.
        keys = sorted(sources)
        citing: dict[Event, Event] = {}
        for event in negotiation.events:
            if event not in citing:
                cite = event.source is None and _chance(draw, 5)
                cited = draw(st.sampled_from(keys)) if cite else None
                citing[event] = attrs.evolve(event, source=cited) if cite else event
        negotiation = Negotiation(negotiation.commitments, [citing[e] for e in negotiation.events])
    return negotiation.document(
        id=draw(_TEXT),
        title=draw(_TEXT),
        note=draw(_OPTIONAL_TEXT) if _chance(draw, 3) else None,
        parties=names,
        sources=sources,
    )


def _commitment_data(c: Commitment) -> dict[str, Any]:
    data: dict[str, Any] = {"id": c.id, "title": c.title, "by": c.by, "to": c.to}
    optional = {
        "subject": c.subject,
        "deadline": None if c.deadline is None else c.deadline.isoformat(),
        "expires": None if c.expires is None else c.expires.isoformat(),
        "note": c.note,
    }
    data.update({k: v for k, v in optional.items() if v is not None})
    if c.links:
        data["links"] = [{link.kind.value: link.target} for link in c.links]
    return data


def _event_data(e: Event) -> dict[str, Any]:
    data: dict[str, Any] = {
        "on": e.on.isoformat(),
        "commitment": e.commitment,
        "event": e.kind.value,
    }
    optional = {
        "reported": None if e.reported is None else e.reported.isoformat(),
        "actor": e.actor,
        "source": e.source,
        "quote": e.quote,
        "note": e.note,
        "reason": None if e.reason is None else e.reason.value,
        "deadline": None if e.deadline is None else e.deadline.isoformat(),
        "expires": None if e.expires is None else e.expires.isoformat(),
        "id": e._id,
    }
    data.update({k: v for k, v in optional.items() if v is not None})
    return data
