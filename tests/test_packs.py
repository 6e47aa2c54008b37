"""Packs: the bulk copies of a store's records that a large store opens from (`_packs`).

A pack is a cache: these tests check that a store answers the same with packs, without them
and with damaged ones; that a damaged pack is set aside, named by `verify`, and written again;
and that packs are written by the writer that appends many records and by the reader that
reads many.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import attrs
import pytest
from helpers import cli, commitment, day, event
from hypothesis import given, settings
from hypothesis import strategies as st

import negotrack as nt
import negotrack.testing as nt_testing
from negotrack import _packs, _records, _session
from negotrack._recorder import Pack
from negotrack._session import RECORD_CLASSES
from negotrack._store import verify
from negotrack._store.sqlite import SQLiteRecorder


@contextlib.contextmanager
def small_packs(size: int = 3) -> Iterator[None]:
    """Packs worth writing from `size` records on (20,000 otherwise), records read two at a
    time (20,000 otherwise)."""
    with mock.patch.object(_packs, "SIZE", size), mock.patch.object(_session, "_CHUNK", 2):
        yield


def packs(path: Path) -> list[tuple[int, int]]:
    """The (first, last) positions of the store's packs, in order ([] when it has none)."""
    with contextlib.closing(sqlite3.connect(path)) as db:
        try:
            return db.execute("SELECT first, last FROM packs ORDER BY first").fetchall()
        except sqlite3.OperationalError:
            return []


def records(path: Path) -> list[tuple[Any, ...]]:
    with contextlib.closing(sqlite3.connect(path)) as db:
        return db.execute("SELECT * FROM records ORDER BY position").fetchall()


def answers(t: nt.Tracker) -> object:
    """What a tracker answers, on a few dates as known then and now, with its log."""
    dates = sorted({e.on for e in t.events()})[:: max(1, len(t.events()) // 4)]
    return (
        [t.snapshot(on=d, known_by=k) for d in dates for k in (None, d)],
        t.events(),
        t.timeline(),
        t.anomalies(),
        t.scenario,
    )


class Reads:
    """Counts the records a store's tracker reads one by one (not from packs)."""

    def __init__(self) -> None:
        self.count = 0

    @contextlib.contextmanager
    def watching(self) -> Iterator[Reads]:
        select = SQLiteRecorder.select

        def counted(recorder: SQLiteRecorder, *, after: int, limit: int) -> list[Any]:
            found = select(recorder, after=after, limit=limit)
            if limit > 1:  # a one-record select reads the record a pack ends with
                self.count += len(found)
            return found

        with mock.patch.object(SQLiteRecorder, "select", counted):
            yield self


def write_in_steps(path: Path, negotiation: nt_testing.Negotiation, step: int) -> nt.Tracker:
    """A store written a few events at a time, and the same log in memory."""
    commitments, events = negotiation
    memory = nt.Tracker()
    memory.scenario = nt.Scenario(id="s", title="packed")
    memory.add(*commitments)
    memory.record(*events)
    with nt.open(path) as t:
        t.scenario = nt.Scenario(id="s", title="packed")
        t.add(*commitments)
        for start in range(0, len(events), step):
            t.record(*events[start : start + step])
    return memory


@settings(max_examples=30, deadline=None, print_blob=True)
@given(nt_testing.negotiations(max_commitments=5), st.integers(1, 4))
def test_a_store_answers_the_same_from_packs(
    tmp_path_factory: pytest.TempPathFactory, negotiation: nt_testing.Negotiation, step: int
) -> None:
    """The first reader of a store written a little at a time packs it; the next reader
    opens from the packs, reads only the records after them, and answers exactly as the
    records do (and as memory does)."""
    path = tmp_path_factory.mktemp("packs") / "s.db"
    with small_packs():
        memory = write_in_steps(path, negotiation, step)
        assert packs(path) == []  # appended a few at a time: no writer packed
        stored = records(path)
        with Reads().watching() as first, nt.open(path) as t:
            assert answers(t) == answers(memory)
        assert first.count == len(stored)
        made = packs(path)
        # Packs of at least SIZE records, end to end from the first, up to the last SIZE.
        assert all(last - first + 1 >= _packs.SIZE for first, last in made)
        assert [first for first, _ in made] == [1, *(last + 1 for _, last in made)][: len(made)]
        assert len(stored) - (made[-1][1] if made else 0) < _packs.SIZE
        with Reads().watching() as second, nt.open(path) as t:
            assert answers(t) == answers(memory)
        assert second.count == len(stored) - (made[-1][1] if made else 0)
        assert records(path) == stored  # packs leave the records as they were
        assert verify(path) == []


def test_a_writer_packs_what_it_appends_at_once(tmp_path: Path) -> None:
    """A batch of at least SIZE records appended right after the last pack is packed by its
    writer, in packs of SIZE records (a batch of commitments whole: one may link to one
    after it); the first reader then reads no record one by one."""
    path = tmp_path / "s.db"
    events = [event("proposed", f"2025-01-{d:02d}", f"c{d}") for d in range(1, 11)]
    with small_packs(4), nt.open(path) as t:
        t.add(*(commitment(f"c{d}") for d in range(1, 11)))  # positions 1-10
        assert packs(path) == [(1, 10)]
        t.record(*events)  # positions 11-20
        assert packs(path) == [(1, 10), (11, 14), (15, 18), (19, 20)]
        t.record(event("approved", "2025-02-01", "c1"))  # one record: not worth a pack
        assert packs(path)[-1] == (19, 20)
    with Reads().watching() as reads, nt.open(path) as t:
        assert t.status("c1", on=day("2025-02-01")).stage is nt.Stage.APPROVED
        assert t.events("c10") == (events[-1],)
    assert reads.count == 1


def test_a_batch_of_commitments_is_read_whole(tmp_path: Path) -> None:
    """A commitment may link to one added after it in the same call: a store read a few
    records at a time (or packed) never takes in half of such a batch."""
    path = tmp_path / "s.db"
    linked = [
        commitment(f"c{i}", links=[nt.Link(nt.LinkKind.RECIPROCAL, f"c{i + 1}")]) for i in range(5)
    ]
    with nt.open(path) as t:
        t.add(commitment("first"))
        t.add(*linked, commitment("c5"))
        t.record(event("proposed", "2025-01-02", "c5"))
    for _ in range(2):  # the first reader packs, the second reads the packs
        with small_packs(), nt.open(path) as t:
            assert [c.id for c in t.commitments()] == ["first", *(f"c{i}" for i in range(6))]
            assert t.status("c4", on=day("2025-01-03")).at_risk_from == ()
    assert packs(path) == [(1, 8)]


def test_bulk_runs_of_a_pack_equal_its_records_decoded_one_by_one() -> None:
    """A pack holds runs of kinds in store order; taken back, they are the records' values,
    given ids and all, with the scenario's removal (null) kept."""
    values: list[tuple[str, Any]] = [
        ("scenario", nt.Scenario(id="s", title="T")),
        ("commitment", commitment("a")),
        (
            "commitment",
            commitment(
                "b",
                target=nt.Target(
                    amount=12.0, unit="Mt", start=day("2025-01-01"), end=day("2025-12-31")
                ),
            ),
        ),
        ("event", event("proposed", "2025-01-02", "a")),
        ("event", attrs.evolve(event("approved", "2025-01-03", "a"), id="given-1")),
        ("scenario", None),
        ("event", event("proposed", "2025-01-04", "b")),
    ]
    stored = [
        _records.encode(kind, value, getattr(value, "given_id", None))._replace(position=i + 1)
        for i, (kind, value) in enumerate(values)
    ]
    pack = _packs.make(stored, 1, len(stored))
    assert _packs.problem(pack, stored[-1]) is None
    runs = _packs.runs(pack, RECORD_CLASSES)
    assert [kind for kind, _ in runs] == ["scenario", "commitment", "event", "scenario", "event"]
    assert [v for _, run in runs for v in run] == [v for _, v in values]
    assert runs[2][1][1].given_id == "given-1"
    assert runs[2][1][0].given_id is None
    assert _packs.check(pack, stored[-1], stored, RECORD_CLASSES) is None


def packed_store(path: Path) -> None:
    """A store of 8 records, packed by its first reader in two packs (1-4, 5-8)."""
    with nt.open(path) as t:
        t.add(commitment("a"), commitment("b"))
        t.record(
            *(event(kind, "2025-01-0" + str(i + 1), "ab"[i % 2]) for i, kind in enumerate(KINDS))
        )
    assert packs(path) == []
    with small_packs(4), nt.open(path):
        pass
    assert packs(path) == [(1, 4), (5, 8)]


KINDS = ["proposed", "proposed", "consensus_reached", "approved", "approved", "implemented"]


def change_pack(path: Path, first: int, **columns: object) -> None:
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        for column, value in columns.items():
            db.execute(f"UPDATE packs SET {column} = ? WHERE first = ?", (value, first))


def test_a_damaged_pack_is_set_aside_named_and_written_again(tmp_path: Path) -> None:
    """A pack changed on disk is not believed: the store answers from its records, `verify`
    names the pack, and the next reader that reads enough records writes it again."""
    path = tmp_path / "s.db"
    packed_store(path)
    with nt.open(path) as t:
        expected = answers(t)
    [(body,)] = _column(path, "body", 5)
    change_pack(path, 5, body=body.replace("2025-01-06", "2025-01-07"))
    [problem] = verify(path)
    assert "positions 5-8 does not match its digest" in problem
    assert "nothing is lost" in problem
    checked = cli("check", "--db", path)
    assert checked.returncode == 2
    assert checked.stderr.splitlines() == [f"negotrack: {path}: damaged: {problem}"]
    with small_packs(4), Reads().watching() as reads, nt.open(path) as t:
        assert answers(t) == expected
    assert reads.count == 4  # the records of the damaged pack, read one by one
    assert verify(path) == []  # written again from the records
    with Reads().watching() as reads, nt.open(path) as t:
        assert answers(t) == expected
    assert reads.count == 0


def test_a_pack_that_lies_with_a_good_digest_is_named_by_verify(tmp_path: Path) -> None:
    """A pack rewritten with a recomputed digest but other content (an event's date moved)
    is what a reader cannot tell from a good one; `verify` compares it with its records."""
    path = tmp_path / "s.db"
    packed_store(path)
    pack = _pack(path, 5)
    body = pack.body.replace("2025-01-06", "2025-01-07")
    digest = _packs._digest(pack.first, pack.last, pack.anchor, body)
    change_pack(path, 5, body=body, digest=digest)
    [problem] = verify(path)
    assert "positions 5-8 does not hold the records at its positions" in problem


def test_a_pack_that_does_not_end_with_its_record_is_set_aside(tmp_path: Path) -> None:
    """A pack whose anchor names another record (a pack from another store, say) is not
    taken: the records are read instead, and `verify` names it."""
    path = tmp_path / "s.db"
    packed_store(path)
    with nt.open(path) as t:
        expected = answers(t)
    pack = _pack(path, 1)
    anchor = pack.anchor.replace("\n", "\nX", 1)
    digest = _packs._digest(pack.first, pack.last, anchor, pack.body)
    change_pack(path, 1, anchor=anchor, digest=digest)
    [problem] = verify(path)
    assert "positions 1-4 does not end with the record the store holds" in problem
    with Reads().watching() as reads, nt.open(path) as t:
        assert answers(t) == expected
    assert reads.count == 8  # the chain of packs stops at the first bad one


def test_a_pack_that_will_not_parse_is_set_aside(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    packed_store(path)
    with nt.open(path) as t:
        expected = answers(t)
    pack = _pack(path, 5)
    body = pack.body[:-2]
    change_pack(path, 5, body=body, digest=_packs._digest(5, 8, pack.anchor, body))
    [problem] = verify(path)
    assert "positions 5-8 will not parse" in problem
    with nt.open(path) as t:
        assert answers(t) == expected


def test_a_pack_is_not_worth_a_wait(tmp_path: Path) -> None:
    """While another process holds the write lock, a pack is not kept (and nothing fails);
    a read-only store keeps none either."""
    path = tmp_path / "s.db"
    packed_store(path)
    recorder = SQLiteRecorder(path, timeout=30)
    pack = _pack(path, 1)
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as other:
        other.execute("BEGIN IMMEDIATE")
        assert recorder.keep(pack) is False
        other.execute("ROLLBACK")
    assert recorder.keep(pack) is True
    recorder.close()
    recorder = SQLiteRecorder(path, create=False)
    recorder.read_only = True
    assert recorder.keep(pack) is False
    recorder.close()


def _column(path: Path, column: str, first: int) -> list[tuple[Any, ...]]:
    with contextlib.closing(sqlite3.connect(path)) as db:
        return db.execute(f"SELECT {column} FROM packs WHERE first = ?", (first,)).fetchall()


def _pack(path: Path, first: int) -> Pack:
    recorder = SQLiteRecorder(path, create=False)
    try:
        pack = recorder.pack(after=first - 1)
    finally:
        recorder.close()
    assert pack is not None
    return pack


def test_a_pack_row_of_the_wrong_shape_is_no_pack(tmp_path: Path) -> None:
    """A pack row edited into another shape (text where a position belongs) is not a pack:
    the store answers from its records, and the next reader writes the pack again."""
    path = tmp_path / "s.db"
    packed_store(path)
    with nt.open(path) as t:
        expected = answers(t)
    change_pack(path, 1, last="four")
    assert _column(path, "last", 1) == [("four",)]
    with small_packs(4), Reads().watching() as reads, nt.open(path) as t:
        assert answers(t) == expected
    assert reads.count == 8
    assert packs(path) == [(1, 4), (5, 8)]
    assert verify(path) == []


def test_a_pack_that_breaks_the_log_rules_is_set_aside(tmp_path: Path) -> None:
    """A pack with a good digest holding an event of an unknown commitment is not taken in
    (not even in part): the records are read instead, and `verify` names the pack."""
    path = tmp_path / "s.db"
    packed_store(path)
    with nt.open(path) as t:
        expected = answers(t)
    pack = _pack(path, 5)
    body = pack.body.replace('["a",', '["zz",')
    assert body != pack.body
    change_pack(path, 5, body=body, digest=_packs._digest(5, 8, pack.anchor, body))
    with Reads().watching() as reads, nt.open(path) as t:
        assert answers(t) == expected
        assert "zz" not in t.snapshot(on=day("2025-02-01"))
    assert reads.count == 4
    [problem] = verify(path)
    assert "positions 5-8 does not hold the records at its positions" in problem


def test_a_pack_not_kept_leaves_the_packing_to_a_later_reader(tmp_path: Path) -> None:
    """When a reader cannot keep a pack (another process holds the lock), it packs nothing
    more in that read: a later pack never starts after a range nobody packed."""
    path = tmp_path / "s.db"
    with nt.open(path) as t:
        t.add(*(commitment(f"c{d}") for d in range(1, 4)))
        for d in range(1, 10):
            t.record(event("proposed", f"2025-01-{d:02d}", f"c{d % 3 + 1}"))
    keep = SQLiteRecorder.keep
    calls: list[int] = []

    def second_fails(recorder: SQLiteRecorder, pack: Pack) -> bool:
        calls.append(pack.first)
        return False if len(calls) == 2 else keep(recorder, pack)

    with (
        small_packs(3),
        mock.patch.object(SQLiteRecorder, "keep", second_fails),
        nt.open(path) as t,
    ):
        expected = answers(t)
    assert calls == [1, 5]  # (1-4) kept, (5-8) not, and no pack after it
    assert packs(path) == [(1, 4)]
    with small_packs(3), Reads().watching() as reads, nt.open(path) as t:
        assert answers(t) == expected
        assert len(t.events()) == 9
    assert reads.count == 8
    assert packs(path) == [(1, 4), (5, 8), (9, 12)]
    assert verify(path) == []


def test_an_interrupted_pack_leaves_the_change_made(tmp_path: Path) -> None:
    """A writer interrupted while it packs what it has just committed keeps its change, in a
    plain write as in a transaction: the tracker holds what the store holds (the packing
    comes after the change is settled)."""
    events = [event("proposed", f"2025-01-{d:02d}", f"c{d}") for d in range(1, 5)]
    made = [commitment(f"c{d}") for d in range(1, 5)]

    def interrupted(recorder: SQLiteRecorder, pack: Pack) -> bool:
        raise KeyboardInterrupt

    def write(t: nt.Tracker, *, in_transaction: bool) -> None:
        """Add the commitments and record the events, in one transaction or one by one."""
        with t.transaction() if in_transaction else contextlib.nullcontext():
            t.add(*made)
            t.record(*events)

    for path, in_transaction in ((tmp_path / "w.db", False), (tmp_path / "t.db", True)):
        with small_packs(2), nt.open(path) as t:
            with mock.patch.object(SQLiteRecorder, "keep", interrupted):
                with pytest.raises(KeyboardInterrupt):
                    write(t, in_transaction=in_transaction)
                assert t.commitments() == tuple(made)
                assert t.events() == (() if not in_transaction else tuple(events))
            t.record(*events, event("approved", "2025-02-01", "c1"))  # log and store agree
            assert len(t.events()) == 5
        assert packs(path) == []
        assert len(records(path)) == 9
        with nt.open(path) as t:
            assert len(t.events()) == 5


def test_verify_follows_a_pack_over_a_gap_in_positions(tmp_path: Path) -> None:
    """Positions may skip numbers (a record added at a later position); a pack over the gap
    holds the records it covers, and verification counts records, not positions."""
    path = tmp_path / "s.db"
    with nt.open(path) as t:
        t.add(commitment("a"), commitment("b"))
    late = _records.encode("commitment", commitment("c"))
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        db.execute(
            "INSERT INTO records (position, kind, id, payload, digest) VALUES (9, ?, ?, ?, ?)",
            (late.kind, late.id, late.payload, late.digest),
        )
    with nt.open(path) as t:
        t.record(event("proposed", "2025-01-02", "c"))  # position 10
    with small_packs(2), nt.open(path):
        pass
    assert packs(path) == [(1, 9), (10, 10)] or packs(path) == [(1, 10)]
    assert verify(path) == []
    with Reads().watching() as reads, nt.open(path) as t:
        assert [c.id for c in t.commitments()] == ["a", "b", "c"]
        assert len(t.events()) == 1
    assert reads.count == 0
