"""Hypothesis strategies that generate negotiations, for testing tools that embed negotrack.

This module needs the optional extra ``[testing]`` (``pip install '.[testing]'`` in a clone).
Every strategy builds values that negotrack accepts: `dates`, `commitments` (with deadlines,
expiries and links), `events` of every kind, `negotiations` (commitments and an event log
shaped like a real negotiation, noise included) and `scenario_documents` (plain data ready for
YAML or JSON).

Dates stay within a short span (120 days from 1 January 2025 unless told otherwise), so that
events often share a day and deadlines often pass: that is where the interesting cases are.
Everything shrinks towards fewer commitments, fewer events, earlier dates and no noise.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any, NamedTuple

import attrs

from ._exceptions import install_hint

try:
    from hypothesis import strategies as st
except ImportError as err:  # pragma: no cover - exercised in a test with hypothesis hidden
    raise ImportError(f"negotrack.testing needs Hypothesis; {install_hint('testing')}") from err

from . import _codec
from ._commitments import Commitment
from ._engine import through_machine
from ._engine import through_machine as _machine_hook
from ._events import Event
from ._lifecycle import LIFECYCLE, AnyKind, EventKind, Lifecycle, kind_of
from ._scenario import Source
from ._strategies import (
    _DAYS,
    _OPTIONAL_TEXT,
    _PARTIES,
    _START,
    _TEXT,
    _any_event,
    _chance,
    _commitment_list,
    _day_in,
    _end,
    _negotiations,
)
from ._tracker import Tracker

__all__ = [
    "Negotiation",
    "commitments",
    "dates",
    "events",
    "negotiations",
    "scenario_documents",
    "through_machine",
]


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
        `InvalidTransition` if any of them does not fit. With ``through_machine=True`` the
        tracker fires every event through the lifecycle's transitions `Machine` instead of
        the table compiled from it (see `through_machine`).
        """
        with _machine_hook() if through_machine else contextlib.nullcontext():
            tracker = Tracker(strict=strict, lifecycle=lifecycle)
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
        after its code unless `parties` names it), and so is every source an event cites
        (titled after its key unless `sources` describes it); exact duplicate events are
        written once, as a scenario file must not repeat an event. Loading the document gives
        the same answers as `tracker`.
        """
        declared = dict(parties or {})
        for c in self.commitments:
            for code in (c.by, c.to):
                declared.setdefault(code, code)
        cited = {key: dict(value) for key, value in (sources or {}).items()}
        for event in self.events:
            if event.source is not None:
                cited.setdefault(event.source, {"title": event.source})
        doc: dict[str, Any] = {"negotrack": 1, "id": id, "title": title}
        if note is not None:
            doc["note"] = note
        doc["parties"] = declared
        if cited:
            doc["sources"] = cited
        doc["commitments"] = [_codec.unstructure(c, omit_defaults=True) for c in self.commitments]
        written: set[str] = set()
        items = []
        for event in self.events:
            if event.id not in written:
                written.add(event.id)
                items.append(_codec.unstructure(event, omit_defaults=True))
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
    expiry date between `start` and `end`, a target (an amount to deliver in that span, or
    per month of it), a subject, a note and, with `links`, reciprocal or conditional links to
    other commitments of the list.
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
    kinds: Sequence[AnyKind | str] | None = None,
    late_reports: bool = True,
) -> st.SearchStrategy[Event]:
    """Single events naming one of `commitment_ids`, of any kind but `measured` (or of `kinds`).

    The date falls between `start` and `end`; nothing says the event fits the lifecycle where
    it falls, so many do not. A lapse may carry a reason; an extension sets a deadline, an
    expiry date or both, on or after its own date; a measurement (only when asked for in
    `kinds`, as only commitments with a target take one) an amount or a total. With
    `late_reports`, some events are reported after their date and some before it (a measure
    announced in advance).
    """
    ids = list(commitment_ids)
    if not ids:
        raise ValueError("commitment_ids must name at least one commitment")
    every = [k for k in EventKind if k is not EventKind.MEASURED]
    chosen = tuple(kind_of(k) for k in (kinds if kinds is not None else every))
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
    accounts: bool = False,
    lifecycle: Lifecycle = LIFECYCLE,
) -> st.SearchStrategy[Negotiation]:
    """Negotiations: commitments and an event log shaped like a real negotiation.

    Each commitment follows a random walk through `lifecycle` (by default `LIFECYCLE`; a
    tracker made with ``Tracker(lifecycle=...)`` applies it) of up to `max_steps` events,
    mostly valid moves (climbing the ladder, skipping rungs, extensions, lapses, revivals),
    dated from `start` to `end` with frequent same-day events. With `noise`, the walk also
    produces exact duplicates, corroborations (the same move reported again by someone else),
    backward moves and other events that do not fit. With `late_reports`, some events are
    reported after their date or before it; with `event_ids`, some carry an explicit id. The
    events of all commitments are then interleaved in a random recording order. The walk does
    not know the time limits: events after an inferred lapse do not fit, as in real logs. A
    commitment with a target also gets `measured` deliveries (increments and running totals,
    some reported late) around its target's span. With `accounts`, many events give one
    party's account (`Event.account`, one of `parties`; copies of one event the same one),
    the others stay neutral: the parties then often disagree.
    """
    last = _end(start, end)
    if not 1 <= min_commitments <= max_commitments:
        raise ValueError(
            "expected 1 <= min_commitments <= max_commitments, "
            f"got {min_commitments} and {max_commitments}"
        )
    if max_steps < 0:
        raise ValueError(f"max_steps must be >= 0, got {max_steps}")
    drawn = _negotiations(
        parties=tuple(parties),
        start=start,
        end=last,
        sizes=(min_commitments, max_commitments),
        max_steps=max_steps,
        noise=noise,
        late_reports=late_reports,
        event_ids=event_ids,
        lifecycle=lifecycle,
    ).map(lambda drawn: Negotiation(*drawn))
    if accounts:
        return _with_accounts(drawn, tuple(parties))
    return drawn


@st.composite
def _with_accounts(
    draw: st.DrawFn, negotiations: st.SearchStrategy[Negotiation], parties: tuple[str, ...]
) -> Negotiation:
    """A negotiation whose events give, some of them, one party's account."""
    negotiation = draw(negotiations)
    given: dict[Event, Event] = {}
    for event in negotiation.events:
        if event not in given:
            party = draw(st.sampled_from((None, *parties)))
            given[event] = event if party is None else attrs.evolve(event, account=party)
    return Negotiation(negotiation.commitments, [given[e] for e in negotiation.events])


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


@st.composite
def _documents(draw: st.DrawFn, drawn: st.SearchStrategy[Negotiation]) -> dict[str, Any]:
    negotiation = draw(drawn)
    codes = sorted({code for c in negotiation.commitments for code in (c.by, c.to)})
    names = {code: draw(_TEXT) for code in codes if _chance(draw, 5)}
    sources: dict[str, dict[str, str]] = {}
    for key in draw(st.lists(st.sampled_from(("report", "minutes", "press")), unique=True)):
        last = _START + timedelta(days=_DAYS)
        source = Source(
            title=draw(_TEXT),
            published=_day_in(draw, _START, last) if _chance(draw, 5) else None,
            **{name: draw(_TEXT) for name in ("publisher", "language", "url") if _chance(draw, 3)},
        )
        sources[key] = _codec.unstructure(source, omit_defaults=True)
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
