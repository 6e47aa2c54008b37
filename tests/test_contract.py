"""One contract for every tracker backend: in memory, SQLite and PostgreSQL (as eventsourcing
does).

A new backend is added by giving `Backend` one more implementation; every test here must then
pass unchanged. The PostgreSQL backend uses a fresh database of the test server per test
(`tests/postgres.py`): without a server it is skipped locally, and fails under CI.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from unittest import mock

import pytest
from helpers import commitment, day, event
from postgres import postgres_url as postgres_url  # the fixture ("as": ruff's F811)

import negotrack as nt
from negotrack import Stage, _packs, _session


class Backend:
    """Makes trackers, and reopens them as a later session would."""

    name = "memory"

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.opened: list[nt.Tracker] = []

    def new(self, *, strict: bool = False) -> nt.Tracker:
        return nt.Tracker(strict=strict)

    def reopen(self, tracker: nt.Tracker) -> nt.Tracker:
        return tracker

    def close(self) -> None:
        for tracker in self.opened:
            tracker.close()


class SQLiteBackend(Backend):
    name = "sqlite"

    def new(self, *, strict: bool = False) -> nt.Tracker:
        self.strict = strict
        tracker = nt.open(self.tmp_path / "store.db", strict=strict)
        self.opened.append(tracker)
        return tracker

    def reopen(self, tracker: nt.Tracker) -> nt.Tracker:
        tracker.close()
        return self.new(strict=self.strict)


class PostgresBackend(SQLiteBackend):
    name = "postgres"
    url = ""  # a fresh database, set by the fixture

    def new(self, *, strict: bool = False) -> nt.Tracker:
        self.strict = strict
        tracker = nt.open(self.url, strict=strict)
        self.opened.append(tracker)
        return tracker


@pytest.fixture(
    params=[Backend, SQLiteBackend, PostgresBackend], ids=["memory", "sqlite", "postgres"]
)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    made: Backend = request.param(tmp_path)
    if isinstance(made, PostgresBackend):
        made.url = request.getfixturevalue("postgres_url")
    yield made
    made.close()


def pair() -> tuple[nt.Commitment, nt.Commitment]:
    return (
        commitment(
            "rare-earths", expires=day("2026-11-10"), links=(nt.Link("reciprocal", "tariff"),)
        ),
        commitment("tariff", deadline=day("2025-11-10")),
    )


EVENTS = [
    event(
        "consensus_reached",
        "2025-10-26",
        "rare-earths",
        actor="Li Chenggang",
        quote="preliminary consensus",
    ),
    event("consensus_reached", "2025-10-26", "tariff", actor="Scott Bessent"),
    event("approved", "2025-10-30", "rare-earths"),
    event("approved", "2025-10-30", "tariff", reported="2025-11-01"),
    event("implemented", "2025-11-07", "rare-earths", id="ann-70"),
]


def test_add_and_list(backend: Backend) -> None:
    """Commitments are kept in the order added, and survive a reopen."""
    t = backend.new()
    t.add(*pair())
    t = backend.reopen(t)
    assert [c.id for c in t.commitments()] == ["rare-earths", "tariff"]
    assert t.commitment("rare-earths") == pair()[0]
    assert "tariff" in t
    assert len(t) == 2


def test_duplicate_and_unknown(backend: Backend) -> None:
    """Adding an id twice and linking to an unknown id are refused; nothing is half-added."""
    t = backend.new()
    t.add(*pair())
    with pytest.raises(nt.DuplicateCommitment):
        t.add(commitment("new"), commitment("tariff"))
    with pytest.raises(nt.UnknownCommitment):
        t.add(commitment("other", links=(nt.Link("conditional_on", "missing"),)))
    with pytest.raises(nt.UnknownCommitment):
        t.record(event("approved", "2025-01-01", "missing"))
    t = backend.reopen(t)
    assert [c.id for c in t.commitments()] == ["rare-earths", "tariff"]
    assert t.events() == ()


def test_record_is_idempotent(backend: Backend) -> None:
    """Recording the same events again is a no-op; a different event under a given id is refused."""
    t = backend.new()
    t.add(*pair())
    assert t.record(*EVENTS) == len(EVENTS)
    assert t.record(*EVENTS) == 0
    t = backend.reopen(t)
    assert t.record(*reversed(EVENTS)) == 0
    assert t.events() == tuple(EVENTS)
    with pytest.raises(nt.ConflictingEvent):
        t.record(event("implemented", "2025-11-08", "rare-earths", id="ann-70"))
    assert backend.reopen(t).events() == tuple(EVENTS)


def test_answers_survive_a_reopen(backend: Backend) -> None:
    """Status, snapshot, history, timeline and anomalies are the same after a reopen."""
    t = backend.new()
    t.add(*pair())
    t.record(*EVENTS, event("proposed", "2025-11-08", "rare-earths"))

    def answers(t: nt.Tracker) -> object:
        return (
            [
                t.snapshot(on=d, known_by=k)
                for d in (day("2025-10-30"), day("2025-11-11"))
                for k in (None, day("2025-10-31"))
            ],
            t.history("rare-earths"),
            t.timeline(),
            t.anomalies(),
        )

    before = answers(t)
    assert answers(backend.reopen(t)) == before
    snapshot = before[0][2]  # type: ignore[index]
    assert snapshot["tariff"].stage is Stage.LAPSED
    assert snapshot["tariff"].reason is nt.LapseReason.DEADLINE_MISSED
    assert snapshot["rare-earths"].stage is Stage.IMPLEMENTED
    assert snapshot["rare-earths"].at_risk_from == ("tariff",)
    [anomaly] = before[3]  # type: ignore[misc]
    assert anomaly.event.kind is nt.EventKind.PROPOSED


def test_answers_survive_reopens_through_packs(backend: Backend) -> None:
    """With packs worth writing from two records and records read two at a time, the first
    reopen of a store that keeps packs packs it (a batch of linked commitments kept whole)
    and the second opens from the packs: both answer as the tracker that wrote the records."""
    with mock.patch.object(_packs, "SIZE", 2), mock.patch.object(_session, "_CHUNK", 2):
        t = backend.new()
        t.add(*pair())
        for e in EVENTS:
            t.record(e)

        def answers(t: nt.Tracker) -> object:
            return [t.snapshot(on=d) for d in (day("2025-10-30"), day("2025-11-11"))], t.events()

        before = answers(t)
        t = backend.reopen(t)
        assert answers(t) == before
        assert answers(backend.reopen(t)) == before
    if backend.name == "sqlite":  # the one that keeps packs: the writer's (1-2), the reader's
        with contextlib.closing(sqlite3.connect(backend.tmp_path / "store.db")) as db:
            packs = db.execute("SELECT first, last FROM packs").fetchall()
        assert packs == [(1, 2), (3, 4), (5, 6)]  # record 7 is read alone


def test_known_by(backend: Backend) -> None:
    """An event reported late is absent from earlier knowledge, in every backend."""
    t = backend.new()
    t.add(*pair())
    t.record(*EVENTS)
    t = backend.reopen(t)
    assert t.status("tariff", on=day("2025-10-31"), known_by=day("2025-10-31")).stage is (
        Stage.PRELIMINARY_CONSENSUS
    )
    assert t.status("tariff", on=day("2025-10-31")).stage is Stage.APPROVED


def test_strict_mode_refuses_and_keeps_nothing(backend: Backend) -> None:
    """A strict tracker refuses an anomaly and keeps nothing of the call."""
    t = backend.new(strict=True)
    t.add(*pair())
    t.record(*EVENTS)
    with pytest.raises(nt.InvalidTransition):
        t.record(
            event("lapsed", "2025-12-01", "tariff"), event("proposed", "2025-11-01", "rare-earths")
        )
    assert t.events() == tuple(EVENTS)
    assert backend.reopen(t).events() == tuple(EVENTS)


def test_a_refused_transaction_that_added_a_commitment_keeps_answering(
    backend: Backend,
) -> None:
    """A transaction that adds a commitment and records its events, then raises, leaves
    nothing of itself, and every answer works as before (found by tests/test_stateful_store.py:
    the folds kept the rolled-back commitment's place, and a snapshot raised IndexError)."""
    t = backend.new()
    first, second = pair()
    t.add(second)
    before = t.snapshot(on=day("2025-12-01"))

    def refused() -> None:
        with t.transaction():
            t.add(first)
            assert t.commitment(first.id) == first
            t.record(event("approved", "2025-10-30", first.id))
            t.record(event("approved", "2025-10-30", "no-such-commitment"))

    with pytest.raises(nt.UnknownCommitment):
        refused()
    assert t.snapshot(on=day("2025-12-01")) == before
    assert t.anomalies() == ()
    assert [c.id for c in backend.reopen(t).commitments()] == [second.id]


def test_scenario_description(backend: Backend) -> None:
    """The scenario's description is kept with the data."""
    t = backend.new()
    assert t.scenario is None
    t.scenario = nt.Scenario(
        id="kl",
        title="Kuala Lumpur",
        parties={"US": "United States"},
        sources={"kl-report": nt.Source(title="Report", published=date(2025, 10, 26))},
    )
    t = backend.reopen(t)
    assert t.scenario is not None
    assert t.scenario.sources["kl-report"].published == date(2025, 10, 26)
    assert dict(t.scenario.parties) == {"US": "United States"}


def test_dump_round_trip(backend: Backend, tmp_path: Path) -> None:
    """What a backend holds dumps to a file that loads back to the same answers."""
    t = backend.new()
    t.add(*pair())
    t.record(*EVENTS)
    nt.dump(t, tmp_path / "out.yaml")
    copy = nt.load(tmp_path / "out.yaml")
    assert copy.timeline() == t.timeline()
    assert copy.events()[-1].id == "ann-70"
