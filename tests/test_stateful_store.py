"""Stateful test: random operations on a tracker backed by an SQLite store.

The machine opens a store (lenient or strict, drawn first) in a fresh folder and keeps an
in-memory `nt.Tracker` beside it, told exactly what the store accepted. It adds commitments of
the default lifecycle and of the built-in treaty and legislation ones, records events (valid,
anomalous, and batches refused as a whole: an unknown commitment, a conflicting id, a strict
refusal), runs transactions (kept, refused, or beaten by another writer), closes and reopens
the store, and lets a second writer, another `nt.open` on the same file, add and record. A
refused batch or transaction must leave the file, the tracker and a fresh reader exactly as
they were. After every step the store-backed tracker's answers (status and snapshot on several
dates, as known by several dates, histories, the timeline, anomalies) equal the in-memory
tracker's.
"""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import attrs
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from strategies import END, START, dates
from test_properties import Reference, raises
from test_stateful import OTHERS, lifecycle_events

import negotrack as nt

DAYS = [START + timedelta(days=n) for n in (0, 25, 50, 80)] + [END, END + timedelta(days=40)]
KNOWN_BYS: list[date | None] = [None, START + timedelta(days=30), START + timedelta(days=70)]
# A commitment names the default lifecycle (None) most of the time, or a built-in one.
LIFECYCLE_NAMES = [None, None, None, "treaty", "legislation"]
REFUSED = (nt.InvalidTransition, nt.UnknownCommitment, nt.ConflictingEvent, nt.DuplicateCommitment)


def answers(t: nt.Tracker) -> dict[Any, Any]:
    """Everything `t` holds and says, on `DAYS`, as known by each of `KNOWN_BYS`."""
    ids = [c.id for c in t.commitments()]
    found: dict[Any, Any] = {
        "commitments": t.commitments(),
        "events": t.events(),
        "len": len(t),
    }
    for r in KNOWN_BYS:
        for d in DAYS:
            found["snapshot", r, d] = list(t.snapshot(on=d, known_by=r).items())
        for cid in ids:
            found["status", r, cid] = t.status(cid, on=DAYS[2], known_by=r)
            found["history", r, cid] = t.history(cid, known_by=r)
        found["snapshots", r] = t.snapshots(DAYS[::2], known_by=r)
        found["timeline", r] = t.timeline(known_by=r)
        found["anomalies", r] = t.anomalies(known_by=r)
    return found


def same_answers(left: dict[Any, Any], right: dict[Any, Any], what: str) -> None:
    """Assert two `answers` are equal, naming the first question on which they differ."""
    assert left.keys() == right.keys(), what
    for key in left:
        assert left[key] == right[key], f"{what}: answers differ for {key}"


def rows(path: Path) -> list[tuple[object, ...]]:
    """Every record in the store's file, read with plain sqlite3."""
    with contextlib.closing(sqlite3.connect(path)) as db:
        return db.execute("SELECT position, kind, id, payload FROM records").fetchall()


class StoreMachine(RuleBasedStateMachine):
    """A store-backed tracker, a second writer on its file, and an in-memory tracker holding
    what the store accepted."""

    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="negotrack-stateful-"))
        self.path = self.folder / "store.db"
        self.store: nt.Tracker | None = None
        self.other: nt.Tracker | None = None  # the second writer, when open
        self.serial = 0

    def teardown(self) -> None:
        for t in (self.store, self.other):
            if t is not None:
                t.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    @initialize(strict=st.booleans())
    def open_store(self, strict: bool) -> None:
        """Open a new store, lenient or strict, and an in-memory tracker alike."""
        self.strict = strict
        self.store = nt.open(self.path, strict=strict)
        self.memory = nt.Tracker(strict=strict)
        self.model = Reference()  # where each commitment stands, to draw plausible events

    @property
    def tracker(self) -> nt.Tracker:
        """The store-backed tracker."""
        assert self.store is not None
        return self.store

    def writer(self, second: bool) -> nt.Tracker:
        """The tracker that writes: the second writer (opened if need be), or the first."""
        if not second:
            return self.tracker
        if self.other is None:
            self.other = nt.open(self.path, strict=self.strict)
        return self.other

    def next_id(self, prefix: str) -> str:
        """A fresh id, never used before in this run."""
        self.serial += 1
        return f"{prefix}{self.serial}"

    def footprint(self) -> tuple[Any, ...]:
        """The file's records, and what the tracker and a fresh reader of the file say."""
        with nt.open(self.path, strict=self.strict) as fresh:
            read = answers(fresh)
        return rows(self.path), answers(self.tracker), read

    def apply(self, commitments: list[nt.Commitment], events: list[nt.Event]) -> None:
        """Tell the in-memory tracker (and the model) what the store accepted."""
        self.memory.add(*commitments)
        self.model.add(*(c for c in commitments if c.id not in self.model.commitments))
        self.memory.record(*events)
        self.model.record(*events)

    # -- drawing ------------------------------------------------------------------------------

    def new_commitments(self, data: st.DataObject, size: int) -> list[nt.Commitment]:
        """One or more new commitments, of several lifecycles, linked to known ones or to each
        other, some with a target (to take deliveries)."""
        new = [self.next_id("k") for _ in range(size)]
        made = []
        for cid in new:
            targets = [*self.model.commitments, *(x for x in new if x != cid)]
            links: list[nt.Link] = []
            if targets:
                pairs = st.tuples(st.sampled_from(list(nt.LinkKind)), st.sampled_from(targets))
                links = [nt.Link(*p) for p in data.draw(st.lists(pairs, max_size=2, unique=True))]
            target = None
            if data.draw(st.integers(0, 9)) < 2:
                first = data.draw(dates(START, END))
                target = nt.Target(
                    amount=data.draw(st.integers(1, 40)),
                    unit="t",
                    start=first,
                    end=data.draw(dates(first, END)),
                )
            made.append(
                nt.Commitment(
                    id=cid,
                    title=f"commitment {cid}",
                    by="A",
                    to="B",
                    deadline=data.draw(st.none() | dates(START, END)),
                    expires=data.draw(st.none() | dates(START, END)),
                    target=target,
                    links=links,
                    lifecycle=data.draw(st.sampled_from(LIFECYCLE_NAMES)),
                )
            )
        return made

    def new_events(self, data: st.DataObject) -> list[nt.Event]:
        """One to three events that mostly fit where their commitments stand, some with an id."""
        batch = data.draw(st.lists(lifecycle_events(self.model, OTHERS), min_size=1, max_size=3))
        for i, event in enumerate(batch):
            if data.draw(st.integers(0, 9)) < 2:
                batch[i] = attrs.evolve(event, id=self.next_id("x"))
        return batch

    def bad_event(self, data: st.DataObject) -> tuple[nt.Event, type[Exception]]:
        """An event refused in any mode: of an unknown commitment, or a different event under
        a recorded id."""
        named = [e for e in self.memory.events() if e.given_id is not None]
        if named and data.draw(st.booleans()):
            event = data.draw(st.sampled_from(named))
            return attrs.evolve(event, note="corrected"), nt.ConflictingEvent
        cid = data.draw(st.sampled_from(list(self.model.commitments)))
        stray = nt.Event(commitment=f"nowhere-{cid}", kind="proposed", on=START)
        return stray, nt.UnknownCommitment

    def record_as_memory_does(self, writer: nt.Tracker, batch: list[nt.Event]) -> None:
        """Record `batch` through `writer`: refused exactly when the in-memory tracker refuses
        it, leaving everything as it was; accepted, the same number of events are new."""
        try:
            added = self.memory.record(*batch)
        except REFUSED as err:
            before = self.footprint()
            raises(type(err), lambda: writer.record(*batch))
            assert self.footprint() == before, "a refused batch left a trace"
            return
        assert writer.record(*batch) == added
        self.model.record(*batch)

    # -- rules --------------------------------------------------------------------------------

    @rule(data=st.data(), size=st.integers(1, 2), second=st.booleans())
    def add_commitments(self, data: st.DataObject, size: int, second: bool) -> None:
        """Either writer adds new commitments, or adds known ones again (a no-op)."""
        made = self.new_commitments(data, size)
        known = list(self.memory.commitments())
        if known and data.draw(st.booleans()):
            made.append(data.draw(st.sampled_from(known)))
        self.writer(second).add(*made)
        self.apply(made, [])

    @precondition(lambda self: self.model.commitments)
    @rule(data=st.data(), duplicate=st.booleans())
    def add_refused(self, data: st.DataObject, duplicate: bool) -> None:
        """A batch holding a different commitment under a known id, or a link to an unknown
        id, is refused as a whole, leaving the file and the tracker as they were."""
        fresh = nt.Commitment(id=self.next_id("fresh"), title="fresh", by="A", to="B")
        if duplicate:
            cid = data.draw(st.sampled_from(list(self.model.commitments)))
            bad = nt.Commitment(id=cid, title="again, otherwise", by="A", to="B")
            error: type[Exception] = nt.DuplicateCommitment
        else:
            link = nt.Link("conditional_on", "nowhere")
            bad = nt.Commitment(id=self.next_id("bad"), title="bad", by="A", to="B", links=[link])
            error = nt.UnknownCommitment
        batch = data.draw(st.permutations([fresh, bad]))
        before = self.footprint()
        raises(error, lambda: self.tracker.add(*batch))
        assert self.footprint() == before, "a refused batch of commitments left a trace"

    @precondition(lambda self: self.model.commitments)
    @rule(data=st.data(), second=st.booleans())
    def record(self, data: st.DataObject, second: bool) -> None:
        """Either writer records a batch; a strict one takes it only if all of it fits."""
        self.record_as_memory_does(self.writer(second), self.new_events(data))

    @precondition(lambda self: self.model.commitments)
    @rule(data=st.data())
    def record_refused(self, data: st.DataObject) -> None:
        """A batch with one event refused in any mode is refused as a whole."""
        bad, error = self.bad_event(data)
        batch = data.draw(st.permutations([*self.new_events(data), bad]))
        before = self.footprint()
        raises(error, lambda: self.tracker.record(*batch))
        assert self.footprint() == before, "a refused batch of events left a trace"

    @precondition(lambda self: self.model.commitments)
    @rule(data=st.data())
    def record_again(self, data: st.DataObject) -> None:
        """Recording events already recorded is a no-op, writing nothing."""
        if not self.memory.events():
            return
        batch = data.draw(st.lists(st.sampled_from(self.memory.events()), min_size=1))
        before = rows(self.path)
        assert self.tracker.record(*batch) == 0
        assert rows(self.path) == before

    @precondition(lambda self: self.model.commitments)
    @rule(data=st.data(), fail=st.booleans(), interloper=st.booleans())
    def transaction(self, data: st.DataObject, fail: bool, interloper: bool) -> None:
        """A transaction adds a commitment and records events. It is written whole, or not at
        all: when something in it is refused, or when the second writer appends meanwhile
        (StoreBusy; what the second writer appended is kept)."""
        made = self.new_commitments(data, 1)
        batch = self.new_events(data)
        bad = self.bad_event(data)[0] if fail else None
        interloping = self.new_commitments(data, 1) if interloper else []

        interloped: list[nt.Commitment] = []  # what the second writer did append

        def block(t: nt.Tracker, elsewhere: nt.Tracker | None) -> None:
            with t.transaction():
                t.add(*made)
                # Inside, answers include what was changed so far.
                assert t.commitment(made[0].id) == made[0]
                t.record(*batch)
                if elsewhere is not None:
                    elsewhere.add(*interloping)
                    interloped.extend(interloping)
                if bad is not None:
                    t.record(bad)

        # Whether it is refused, tried on a copy of the in-memory tracker.
        trial = nt.Tracker(strict=self.strict)
        trial.add(*self.memory.commitments())
        trial.record(*self.memory.events())
        error: type[Exception] | None = None
        try:
            block(trial, None)
        except REFUSED as err:
            error = type(err)
        before = self.footprint()
        second = self.writer(True) if interloper else None
        if error is not None:
            raises(error, lambda: block(self.tracker, second))
        elif interloper:
            raises(nt.StoreBusy, lambda: block(self.tracker, second))
        else:
            block(self.tracker, second)
            self.apply(made, batch)
            return
        # Nothing of the transaction was written; only what the second writer appended.
        files = before[0]
        assert rows(self.path)[: len(files)] == files
        assert len(rows(self.path)) == len(files) + len(interloped)
        self.apply(interloped, [])
        if not interloped:
            assert self.footprint() == before, "a refused transaction left a trace"

    @precondition(lambda self: self.model.commitments)
    @rule(with_block=st.booleans())
    def reopen(self, with_block: bool) -> None:
        """Closing the store and opening it again gives the same answers."""
        before = answers(self.tracker)
        self.tracker.close()
        self.store = None
        if with_block:
            with nt.open(self.path, strict=self.strict) as again:
                same_answers(before, answers(again), "a reader of the file")
        self.store = nt.open(self.path, strict=self.strict)
        same_answers(before, answers(self.store), "reopened")

    @precondition(lambda self: self.model.commitments)
    @rule(data=st.data(), explicit=st.booleans())
    def second_writer(self, data: st.DataObject, explicit: bool) -> None:
        """The second writer records a batch; the first tracker takes it in on `refresh()`
        (True once, then False), or on its next question."""
        before = len(rows(self.path))
        self.record_as_memory_does(self.writer(True), self.new_events(data))
        appended = len(rows(self.path)) > before
        if explicit:
            assert self.tracker.refresh() is appended
            assert self.tracker.refresh() is False

    @precondition(lambda self: self.other is not None)
    @rule()
    def second_writer_leaves(self) -> None:
        """The second writer closes its store (it may open it again later)."""
        assert self.other is not None
        self.other.close()
        self.other = None

    @invariant()
    def agrees_with_memory(self) -> None:
        """The store-backed tracker says what the in-memory tracker says."""
        if self.store is not None:
            same_answers(answers(self.memory), answers(self.store), "store")


def test_store_backed_tracker_equals_memory_step_by_step() -> None:
    """Any sequence of adds, records, refusals, transactions, reopens and a second writer
    keeps the store-backed tracker equal to an in-memory one holding what was accepted."""
    run_state_machine_as_test(
        StoreMachine,
        settings=settings(
            max_examples=max(5, settings.default.max_examples // 6),
            stateful_step_count=15,
        ),
    )
