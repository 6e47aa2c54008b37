"""Moving a record between trackers, through their public API: merging, and copying.

`merge` adds a scenario file to a store; `copy` moves a whole record into an empty store
(SQLite to PostgreSQL and back) and checks that both give the same answers. Nothing here
reaches into a tracker: it reads with `commitments`, `events` and `scenario`, and writes with
`add`, `record` and `transaction`, so that it works for every kind of store.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

import attrs

from negotrack._exceptions import StoreBusy, StoreError
from negotrack._scenario import Scenario
from negotrack._tracker import Tracker

_ATTEMPTS = 60  # transactions tried before giving up on a store that other writers keep busy


def merge(target: Tracker, source: Tracker) -> tuple[int, int, int]:
    """Add what `source` holds and `target` lacks, in one transaction; nothing twice.

    Commitments already in `target` must be identical; the scenario descriptions must have
    the same id, and parties and sources are merged (a key defined differently is an error).
    Returns (new commitments, new events, events already there). Running it twice changes
    nothing the second time. If other processes write to the store meanwhile, the merge is
    checked again against what they wrote and retried.
    """
    theirs = source.scenario
    commitments = source.commitments()
    events = source.events()
    pause = 0.002
    for attempt in range(_ATTEMPTS):
        try:
            with target.transaction():
                mine = target.scenario
                if theirs is not None:
                    merged = theirs if mine is None else _merged(mine, theirs, _where(target))
                    if merged != mine:
                        target.scenario = merged
                new = [c for c in commitments if c.id not in target]
                for c in commitments:
                    if c.id in target and target.commitment(c.id) != c:
                        raise StoreError(
                            _where(target),
                            f"commitment {c.id!r} differs from the one already recorded; "
                            "commitments are never changed: record an event instead, or give "
                            "it a new id",
                        )
                target.add(*new)
                added = target.record(*events)
            return len(new), added, len(events) - added
        except StoreBusy:
            if attempt == _ATTEMPTS - 1:
                raise
            time.sleep(pause * (1 + random.random()))
            pause = min(pause * 2, 0.1)
    raise AssertionError("unreachable")  # pragma: no cover


def copy(source: Tracker, target: Tracker) -> tuple[int, int]:
    """Copy everything `source` holds into the empty `target`, in one transaction.

    The scenario description, the commitments in the order they were added, and the events in
    their recording order (which the same-day, same-kind rule depends on) are written in one
    `target.transaction()`; then `check_same` compares the answers of both. Returns (the
    commitments, the events) copied. A target that holds anything is refused with nothing
    written: copy into an empty store (`merge` adds to a store that holds something).
    """
    scenario = source.scenario
    commitments = source.commitments()
    events = source.events()
    with target.transaction():
        if len(target) or target.events() or target.scenario is not None:
            raise StoreError(
                _where(target),
                f"is not empty ({len(target)} commitments, {len(target.events())} events); "
                "copy into an empty store",
            )
        if scenario is not None:
            target.scenario = scenario
        target.add(*commitments)
        added = target.record(*events)
    check_same(source, target)
    return len(commitments), added


def check_same(source: Tracker, target: Tracker) -> None:
    """Raise StoreError naming `target` unless both trackers give the same answers.

    Compared: the scenario description, the commitments, the events in recording order, the
    whole timeline and the anomalies.
    """
    answers: dict[str, Callable[[Tracker], object]] = {
        "scenario description": lambda t: t.scenario,
        "commitments": lambda t: t.commitments(),
        "events, in recording order": lambda t: t.events(),
        "timeline": lambda t: t.timeline(),
        "anomalies": lambda t: t.anomalies(),
    }
    for what, answer in answers.items():
        if answer(source) != answer(target):
            raise StoreError(
                _where(target),
                f"does not give the same {what} as {_where(source)} after the copy; "
                "do not use the copy: check both stores (`negotrack check --db`)",
            )


def _where(tracker: Tracker) -> str:
    return tracker.location or "the tracker"


def _merged(mine: Scenario, theirs: Scenario, where: str) -> Scenario:
    if mine.id != theirs.id:
        raise StoreError(
            where,
            f"holds scenario {mine.id!r}, not {theirs.id!r}; record each scenario in its own store",
        )
    for name in ("parties", "sources"):
        held, given = getattr(mine, name), getattr(theirs, name)
        for key in held.keys() & given.keys():
            if held[key] != given[key]:
                raise StoreError(
                    where,
                    f"{name[:-1] if name == 'sources' else 'party'} {key!r} is defined "
                    f"differently in the store ({held[key]!r}) and in the scenario "
                    f"({given[key]!r}); make them agree",
                )
    return attrs.evolve(
        mine,
        parties={**theirs.parties, **mine.parties},
        sources={**theirs.sources, **mine.sources},
    )
