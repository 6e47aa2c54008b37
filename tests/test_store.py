"""The SQLite store: real files, real processes, and nothing acknowledged ever lost."""

from __future__ import annotations

import contextlib
import copy
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import attrs
import pytest
from helpers import cli, commitment, day, event
from hypothesis import given
from hypothesis import strategies as st

import negotrack as nt
import negotrack.testing as nt_testing
from negotrack import _codec, _records
from negotrack._recorder import Stored as nt_Stored
from negotrack._session import RECORD_CLASSES
from negotrack._store.sqlite import APPLICATION_ID, SCHEMA_VERSION, SQLiteRecorder
from negotrack._store.transfer import merge

ROOT = Path(__file__).parent.parent
FOLLOW = ROOT / "examples" / "us-china-2025-2026.yaml"


def python(code: str, *args: str) -> subprocess.Popen[str]:
    """Start a Python process running `code` (dedented)."""
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@contextlib.contextmanager
def connect(path: Path) -> Iterator[sqlite3.Connection]:
    """A plain sqlite3 connection, committed and closed at the end (a `with` block on a
    connection only commits: it would leak the connection, a ResourceWarning on 3.13)."""
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        yield db


def rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    with connect(path) as db:
        return db.execute(sql).fetchall()


def insert(path: Path, record: nt_Stored) -> None:
    """Append a record to the file behind negotrack's back (triggers allow inserts)."""
    with connect(path) as db:
        db.execute(
            "INSERT INTO records (kind, id, payload, digest) VALUES (?, ?, ?, ?)",
            (record.kind, record.id, record.payload, record.digest),
        )


class TestFile:
    """What the file is, and what it refuses to be."""

    def test_created_with_schema_and_durable_settings(self, tmp_path: Path) -> None:
        """A new store records its schema version and uses WAL with synchronous=FULL."""
        path = tmp_path / "new.db"
        recorder = SQLiteRecorder(path)
        db = recorder._db
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        recorder.close()
        assert rows(path, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
        assert rows(path, "PRAGMA application_id") == [(APPLICATION_ID,)]

    def test_newer_schema_is_refused(self, tmp_path: Path) -> None:
        """A file written by a newer negotrack is refused with a message to upgrade."""
        path = tmp_path / "future.db"
        nt.open(path).close()
        with connect(path) as db:
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
        with pytest.raises(nt.StoreError, match="newer negotrack") as caught:
            nt.open(path)
        assert caught.value.path == str(path)

    def test_not_sqlite(self, tmp_path: Path) -> None:
        """A file that is not SQLite raises StoreError naming it, not a sqlite3 error."""
        path = tmp_path / "notes.db"
        path.write_text("these are not the droids\n" * 100, encoding="utf-8")
        with pytest.raises(nt.StoreError, match="not a negotrack store") as caught:
            nt.open(path)
        assert str(path) in str(caught.value)
        assert not isinstance(caught.value, sqlite3.Error)

    def test_another_sqlite_database(self, tmp_path: Path) -> None:
        """An SQLite database of another application is not taken over."""
        path = tmp_path / "other.db"
        with connect(path) as db:
            db.execute("CREATE TABLE mine (x)")
        with pytest.raises(nt.StoreError, match="not a negotrack store"):
            nt.open(path)
        assert rows(path, "SELECT name FROM sqlite_schema") == [("mine",)]

    def test_corrupt_file(self, tmp_path: Path) -> None:
        """A store whose pages are damaged raises StoreError naming the file."""
        path = tmp_path / "damaged.db"
        with nt.open(path) as t:
            t.add(*(commitment(f"c{i}", note="x" * 500) for i in range(200)))
        data = bytearray(path.read_bytes())
        for offset in range(4096, len(data), 4096):
            data[offset + 8 : offset + 64] = b"\xff" * 56
        path.write_bytes(bytes(data))
        with pytest.raises(nt.StoreError) as caught:
            nt.open(path)
        assert str(path) in str(caught.value)

    def test_row_changed_outside_negotrack(self, tmp_path: Path) -> None:
        """A row edited by hand is a StoreError naming its position, not another answer."""
        path = tmp_path / "edited.db"
        with nt.open(path) as t:
            t.add(commitment())
            t.record(event("approved", "2025-01-01"), event("implemented", "2025-02-01"))
        with connect(path) as db:
            db.execute("DROP TRIGGER records_are_kept")
            db.execute("UPDATE records SET payload = replace(payload, '2025-02-01', '2025-02-02')")
        with pytest.raises(
            nt.StoreError, match=r"does not match its content \(position 3\)"
        ) as caught:
            nt.open(path)
        assert str(path) in str(caught.value)

    def test_directory_and_missing_folder(self, tmp_path: Path) -> None:
        """A directory, or a file in a folder that does not exist, is a StoreError."""
        with pytest.raises(nt.StoreError, match="is a directory"):
            nt.open(tmp_path)
        with pytest.raises(nt.StoreError, match="does not exist"):
            nt.open(tmp_path / "nowhere" / "x.db")

    def test_append_only(self, tmp_path: Path) -> None:
        """The file itself refuses to update or delete records."""
        path = tmp_path / "log.db"
        with nt.open(path) as t:
            t.add(commitment())
            t.record(event("approved", "2025-01-01"))
        before = rows(path, "SELECT * FROM records")
        with connect(path) as db:
            for sql in (
                "UPDATE records SET payload = '[]' WHERE kind = 'event'",
                "DELETE FROM records WHERE kind = 'event'",
                "UPDATE records SET id = 'x' WHERE kind = 'commitment'",
                "DELETE FROM records",
            ):
                with pytest.raises(sqlite3.IntegrityError):
                    db.execute(sql)
        assert rows(path, "SELECT * FROM records") == before
        assert [kind for (kind,) in rows(path, "SELECT kind FROM records")] == [
            "commitment",
            "event",
        ]

    def test_closed_tracker(self, tmp_path: Path) -> None:
        """A closed store-backed tracker says so instead of failing obscurely."""
        t = nt.open(tmp_path / "c.db")
        t.close()
        with pytest.raises(nt.StoreError, match="closed"):
            t.add(commitment())

    def test_event_ids_are_stable(self, tmp_path: Path) -> None:
        """Each stored event carries its id: the given one or one derived from its content."""
        path = tmp_path / "ids.db"
        given, derived = (
            event("approved", "2025-01-01", id="mine"),
            event("implemented", "2025-02-01"),
        )
        with nt.open(path) as t:
            t.add(commitment())
            t.record(given, derived)
        assert rows(
            path,
            "SELECT id, digest IS NOT NULL FROM records WHERE kind = 'event' ORDER BY position",
        ) == [("mine", 1), (derived.id, 0)]


class TestFailures:
    """A write that fails leaves the file and the tracker as they were."""

    def test_failed_write_leaves_no_trace(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """If the store refuses a write, the tracker forgets the change too: the scenario, a
        commitment or an event are never in memory without being in the file."""
        path = tmp_path / "f.db"
        t = nt.open(path)
        t.add(commitment())
        t.record(event("approved", "2025-01-01"))
        recorder = t._session.recorder
        assert recorder is not None

        def disk_full(*args: object, **kwargs: object) -> int:
            raise nt.StoreError(path, "disk full")

        monkeypatch.setattr(recorder, "append", disk_full)
        with pytest.raises(nt.StoreError, match="disk full"):
            t.scenario = nt.Scenario(id="x", title="X")
        assert t.scenario is None
        with pytest.raises(nt.StoreError, match="disk full"):
            t.add(commitment("d"))
        assert "d" not in t
        with pytest.raises(nt.StoreError, match="disk full"):
            t.record(event("implemented", "2025-02-01"))
        assert len(t.events()) == 1
        assert t.status("c", on=day("2025-03-01")).stage is nt.Stage.APPROVED
        monkeypatch.undo()
        t.close()
        with nt.open(path) as again:
            assert len(again.events()) == 1
            assert again.scenario is None
            assert len(again) == 1

    def test_a_write_that_lands_but_fails_is_read_back(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A write that reached the file although the store then failed is taken in from the
        file on the next question: memory is never ahead of the file, nor behind it after."""
        path = tmp_path / "late.db"
        t = nt.open(path)
        t.add(commitment())
        recorder = t._session.recorder
        assert recorder is not None
        original = recorder.append

        def append_then_fail(*args: object, **kwargs: object) -> int:
            original(*args, **kwargs)  # type: ignore[arg-type]
            raise nt.StoreError(path, "connection lost after the commit")

        monkeypatch.setattr(recorder, "append", append_then_fail)
        with pytest.raises(nt.StoreError, match="after the commit"):
            t.record(event("implemented", "2025-02-01"))
        monkeypatch.undo()
        assert len(t.events()) == 1
        assert t.status("c", on=day("2025-03-01")).stage is nt.Stage.IMPLEMENTED
        t.close()


@pytest.mark.slow
class TestProcesses:
    """Several processes on one file: nothing lost, nothing duplicated, clear busy errors."""

    WRITER = """
        import sys, time
        from datetime import date, timedelta
        import negotrack as nt
        path, who, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
        t = nt.open(path, timeout=0.05)
        done = retries = 0
        while done < n:
            on = date(2025, 1, 1) + timedelta(days=done)
            e = nt.Event(commitment="c", kind="approved", on=on, source=who)
            try:
                t.record(e)
            except nt.StoreBusy:
                retries += 1
                time.sleep(0.001)
                continue
            done += 1
        print(done, retries)
    """

    def test_two_writers_lose_nothing(self, tmp_path: Path) -> None:
        """Two processes appending at once: every event lands exactly once."""
        path = tmp_path / "shared.db"
        with nt.open(path) as t:
            t.add(commitment())
        writers = [python(self.WRITER, str(path), who, "150") for who in ("a", "b")]
        outputs = [w.communicate(timeout=120) for w in writers]
        for writer, (out, err) in zip(writers, outputs, strict=True):
            assert writer.returncode == 0, err
            assert out.split()[0] == "150"
        with nt.open(path) as t:
            events = t.events()
            assert len(events) == 300
            assert len({e.id for e in events}) == 300
            assert {e.source for e in events} == {"a", "b"}
        assert rows(path, "PRAGMA integrity_check") == [("ok",)]

    def test_busy_writer_gets_a_retryable_error(self, tmp_path: Path) -> None:
        """While another process holds the write lock, record raises StoreBusy, writes nothing."""
        path = tmp_path / "locked.db"
        with nt.open(path) as t:
            t.add(commitment())
        # The holder keeps the lock until the test tells it to let go (a line on its stdin).
        holder = subprocess.Popen(
            [
                sys.executable,
                "-c",
                textwrap.dedent(
                    """
                    import sqlite3, sys
                    db = sqlite3.connect(sys.argv[1], isolation_level=None)
                    db.execute("BEGIN IMMEDIATE")
                    print("locked", flush=True)
                    sys.stdin.readline()
                    db.execute("ROLLBACK")
                    db.close()
                    """
                ),
                str(path),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        t = nt.open(path, timeout=0.1)
        with pytest.raises(nt.StoreBusy, match="retry") as caught:
            t.record(event("approved", "2025-01-01"))
        assert isinstance(caught.value, nt.StoreError)
        assert t.events() == ()
        holder.communicate("go\n", timeout=30)
        assert t.record(event("approved", "2025-01-01")) == 1
        t.close()

    def test_readers_see_other_writers(self, tmp_path: Path) -> None:
        """A tracker open in one process sees what another process recorded since."""
        path = tmp_path / "seen.db"
        reader = nt.open(path)
        reader.add(commitment())
        assert reader.status("c", on=day("2025-02-01")).stage is None
        writer = python(
            """
            import sys
            from datetime import date
            import negotrack as nt
            with nt.open(sys.argv[1]) as t:
                t.record(nt.Event(commitment="c", kind="approved", on=date(2025, 1, 1)))
            """,
            str(path),
        )
        _, err = writer.communicate(timeout=60)
        assert writer.returncode == 0, err
        assert reader.status("c", on=day("2025-02-01")).stage is nt.Stage.APPROVED
        reader.close()

    def test_sigkill_loses_nothing_acknowledged(self, tmp_path: Path) -> None:
        """A writer killed mid-stream: every event it acknowledged is in the file, intact."""
        path = tmp_path / "crash.db"
        with nt.open(path) as t:
            t.add(commitment())
        writer = python(
            """
            import sys
            from datetime import date, timedelta
            import negotrack as nt
            t = nt.open(sys.argv[1])
            for i in range(100000):
                e = nt.Event(commitment="c", kind="approved", on=date(2025, 1, 1),
                             note=f"report {i}")
                t.record(e)
                print(e.id, flush=True)
            """,
            str(path),
        )
        assert writer.stdout is not None
        acknowledged = [writer.stdout.readline().strip() for _ in range(60)]
        os.kill(writer.pid, signal.SIGKILL)
        writer.communicate(timeout=30)
        assert writer.returncode == -signal.SIGKILL
        assert rows(path, "PRAGMA integrity_check") == [("ok",)]
        with nt.open(path) as t:
            stored = {e.id for e in t.events()}
        assert set(acknowledged) <= stored
        assert len(stored) >= 60


class TestCommandLine:
    """`record`, `export`, and `--db` for status, timeline and check."""

    def run(self, *args: str | Path) -> subprocess.CompletedProcess[str]:
        return cli(*args)

    def test_record_is_idempotent(self, tmp_path: Path) -> None:
        """Recording a scenario twice changes nothing the second time."""
        db = tmp_path / "k.db"
        first = self.run("record", "--db", db, FOLLOW)
        assert first.returncode == 0, first.stderr
        follow = nt.load(FOLLOW)
        n_c, n_e = len(follow.commitments()), len(follow.events())
        assert f"recorded {n_c} new commitments and {n_e} new events" in first.stdout
        before = rows(db, "SELECT * FROM records ORDER BY position")
        second = self.run("record", "--db", db, FOLLOW)
        assert second.returncode == 0
        assert "recorded 0 new commitments and 0 new events" in second.stdout
        assert f"({n_e} already recorded)" in second.stdout
        assert rows(db, "SELECT * FROM records ORDER BY position") == before

    def test_db_in_place_of_a_file(self, tmp_path: Path) -> None:
        """status, timeline and check give the same answers from the store as from the file."""
        db = tmp_path / "k.db"
        self.run("record", "--db", db, FOLLOW)
        for args in (
            ("status", "--as-of", "2026-03-01", "--json"),
            ("status", "--as-of", "2025-11-11", "--known-by", "2025-11-11", "--json"),
            ("timeline", "--json"),
        ):
            from_file = json.loads(self.run(*args, FOLLOW).stdout)
            from_db = json.loads(self.run(*args, "--db", db).stdout)
            assert from_db == from_file
        check = self.run("check", "--db", db)
        assert check.returncode == 0
        follow = nt.load(FOLLOW)
        n_c, n_e = len(follow.commitments()), len(follow.events())
        assert f"valid: {n_c} commitments, {n_e} events, 0 anomalies" in check.stdout

    def test_export_loads_back_to_the_same_answers(self, tmp_path: Path) -> None:
        """export writes a scenario that loads back to the same answers."""
        db, out = tmp_path / "k.db", tmp_path / "out.json"
        self.run("record", "--db", db, FOLLOW)
        result = self.run("export", "--db", db, "-o", out)
        assert result.returncode == 0, result.stderr
        original, exported = nt.load(FOLLOW), nt.load(out)
        assert exported.scenario == original.scenario
        for d in (day("2025-10-27"), day("2026-02-21"), day("2026-11-26")):
            assert exported.snapshot(on=d) == original.snapshot(on=d)

    def test_another_scenario_is_refused(self, tmp_path: Path) -> None:
        """A store holds one scenario: recording another one is refused, and nothing changes."""
        db = tmp_path / "k.db"
        self.run("record", "--db", db, FOLLOW)
        result = self.run("record", "--db", db, ROOT / "seeds" / "us-china-kuala-lumpur-2025.yaml")
        assert result.returncode == 2
        assert "holds scenario 'us-china-2025-2026'" in result.stderr
        events = len(nt.load(FOLLOW).events())
        assert rows(db, "SELECT count(*) FROM records WHERE kind = 'event'") == [(events,)]

    @pytest.mark.parametrize("command", ["status", "timeline", "check"])
    def test_bad_stores_are_one_line_errors(self, tmp_path: Path, command: str) -> None:
        """A missing or non-SQLite store is one line on stderr, exit 2, no traceback."""
        junk = tmp_path / "junk.db"
        junk.write_bytes(b"\x00garbage" * 1000)
        for db, words in ((tmp_path / "none.db", "no such store"), (junk, "not a negotrack store")):
            result = self.run(command, "--db", db)
            assert result.returncode == 2
            assert "Traceback" not in result.stderr
            assert len(result.stderr.strip().splitlines()) == 1
            assert str(db) in result.stderr
            assert words in result.stderr

    def test_file_or_db_not_both(self, tmp_path: Path) -> None:
        """Giving both a file and --db (or neither) is a usage error."""
        for args in (("status",), ("status", FOLLOW, "--db", tmp_path / "x.db")):
            result = self.run(*args)
            assert result.returncode == 2
            assert "give a scenario FILE or --db STORE" in result.stderr


def test_open_and_replay_agree(tmp_path: Path) -> None:
    """A store opened fresh answers like an in-memory tracker fed the same events."""
    memory = nt.load(FOLLOW)
    path = tmp_path / "same.db"
    with nt.open(path) as t:
        t.scenario = memory.scenario
        t.add(*memory.commitments())
        t.record(*memory.events())
    with nt.open(path) as t:
        assert t.timeline() == memory.timeline()
        assert t.anomalies() == memory.anomalies()
        assert t.scenario == memory.scenario


class TestReview:
    """Regressions found in review: consistent reads, damaged rows, scenario rollback."""

    def test_reads_are_one_consistent_state(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A writer committing between a reader's reads loses nothing and breaks nothing: what
        the reader takes in is always a prefix of the one order."""
        path = tmp_path / "race.db"
        reader = nt.open(path)
        reader.add(commitment("first"))
        writer = nt.open(path)
        recorder = reader._session.recorder
        assert recorder is not None
        original = recorder.select
        done = []

        def commit_in_between(*, after: int, limit: int) -> object:
            found = original(after=after, limit=1)  # one record at a time
            if found and not done:
                done.append(True)
                writer.add(commitment("late"))
                writer.record(event("approved", "2025-01-01", "late"))
            return found

        monkeypatch.setattr(recorder, "select", commit_in_between)
        writer.add(commitment("early"))  # something new, so that the reader reads
        assert [c.id for c in reader.commitments()] == ["first", "early"]
        assert done  # the writer did commit between the reader's reads
        assert [c.id for c in reader.commitments()] == ["first", "early", "late"]
        assert reader.status("late", on=day("2025-01-02")).stage is nt.Stage.APPROVED
        assert len(reader.events()) == 1
        reader.close()
        writer.close()

    def test_a_damaged_row_keeps_failing(self, tmp_path: Path) -> None:
        """A row damaged under an open tracker fails every read, never silently skipped."""
        path = tmp_path / "damaged.db"
        t = nt.open(path)
        t.add(commitment())
        good = _records.encode("event", event("approved", "2025-01-01", id="x"), "x")
        insert(path, good._replace(payload=good.payload.replace("approved", "adopted")))
        for _ in range(2):
            with pytest.raises(nt.StoreError, match="does not match its digest"):
                t.status("c", on=day("2025-01-02"))
        t.close()

    @pytest.mark.parametrize(
        ("record", "words"),
        [
            (
                _records.encode("event", event("approved", "2025-01-01", "ghost")),
                "unknown commitment 'ghost'",
            ),
            (
                _records.encode(
                    "commitment", commitment("d", links=(nt.Link("reciprocal", "ghost"),))
                ),
                "unknown commitment 'ghost'",
            ),
        ],
        ids=["event of an unknown commitment", "link to an unknown commitment"],
    )
    def test_broken_references_are_store_errors(
        self, tmp_path: Path, record: nt_Stored, words: str
    ) -> None:
        """Records that refer to commitments the file does not hold are reported as damage."""
        path = tmp_path / "refs.db"
        with nt.open(path) as t:
            t.add(commitment())
        insert(path, record)
        with pytest.raises(nt.StoreError, match=words) as caught:
            nt.open(path)
        assert str(path) in str(caught.value)
        assert "changed outside negotrack" in str(caught.value)

    def test_failed_merge_leaves_the_scenario_as_stored(self, tmp_path: Path) -> None:
        """A merge failing after it changed the description leaves it as stored, everywhere."""
        path = tmp_path / "m.db"
        t = nt.open(path)
        t.scenario = nt.Scenario(id="s", title="S", parties={"A": "a"})
        t.add(commitment("c", by="A", to="A"))
        source = nt.Tracker(scenario=nt.Scenario(id="s", title="S", parties={"B": "b"}))
        source.add(commitment("c", title="different", by="A", to="A"))
        with pytest.raises(nt.StoreError, match="differs"):
            merge(t, source)
        assert t.scenario is not None
        assert dict(t.scenario.parties) == {"A": "a"}
        t.close()
        with nt.open(path) as again:
            assert again.scenario is not None
            assert dict(again.scenario.parties) == {"A": "a"}

    def test_failed_merge_restores_a_description_read_from_the_file(self, tmp_path: Path) -> None:
        """A tracker that read its description from the file gets it back after a failed merge."""
        path = tmp_path / "m2.db"
        with nt.open(path) as t:
            t.scenario = nt.Scenario(id="s", title="S", parties={"A": "a"})
            t.add(commitment("c", by="A", to="A"))
        source = nt.Tracker(scenario=nt.Scenario(id="s", title="S", parties={"B": "b"}))
        source.add(commitment("c", title="different", by="A", to="A"))
        with nt.open(path) as t:
            with pytest.raises(nt.StoreError, match="differs"):
                merge(t, source)
            assert t.scenario is not None
            assert dict(t.scenario.parties) == {"A": "a"}

    def test_scenario_removed_elsewhere_is_seen(self, tmp_path: Path) -> None:
        """When another process removes the description, an open tracker sees it go."""
        path = tmp_path / "gone.db"
        a = nt.open(path)
        a.scenario = nt.Scenario(id="s", title="S")
        b = nt.open(path)
        assert b.scenario is not None
        a.scenario = None
        assert b.scenario is None
        a.close()
        b.close()

    def test_text_that_is_not_unicode(self, tmp_path: Path) -> None:
        """A lone surrogate is refused up front; smuggled past that, the store refuses it too."""
        with pytest.raises(ValueError, match="valid Unicode"):
            commitment("x\ud800")
        smuggled = commitment("x")
        object.__setattr__(smuggled, "title", "t\ud800")
        with nt.open(tmp_path / "s.db") as t:
            with pytest.raises(nt.StoreError, match="not valid Unicode"):
                t.add(smuggled)
            assert len(t) == 0

    def test_read_commands_do_not_create_stores(self, tmp_path: Path) -> None:
        """status on an empty file refuses it and leaves it empty."""
        empty = tmp_path / "empty.db"
        empty.write_bytes(b"")
        with pytest.raises(nt.StoreError, match="is empty, not a negotrack store"):
            nt.open(empty, create=False)
        assert empty.stat().st_size == 0
        result = cli("status", "--db", empty)
        assert result.returncode == 2
        assert empty.stat().st_size == 0


def test_a_second_record_of_the_same_scenario_writes_nothing(tmp_path: Path) -> None:
    """Merging a scenario already recorded issues no write and no repeated look at the file."""
    path = tmp_path / "idem.db"
    source = nt.load(FOLLOW)
    with nt.open(path) as t:
        merge(t, source)
    with nt.open(path) as t:
        recorder = t._session.recorder
        assert isinstance(recorder, SQLiteRecorder)
        statements: list[str] = []
        recorder._db.set_trace_callback(statements.append)
        assert merge(t, source) == (0, 0, len(source.events()))
    writes = [
        s for s in statements if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert writes == []
    assert sum("data_version" in s for s in statements) == 1


# -- the bulk decoder a store is opened through ---------------------------------------------------

_KINDS = list(nt.EventKind)  # measurements too: their fields were added later


@given(
    st.lists(
        st.tuples(
            nt_testing.events(["c0", "c1"], kinds=_KINDS),
            st.one_of(st.none(), st.text(min_size=1, max_size=5).map(lambda s: "x" + s)),
        ),
        max_size=12,
    ),
    st.lists(nt_testing.commitments(max_size=4).map(tuple), max_size=1),
)
def test_bulk_decoding_equals_one_by_one(
    events: list[tuple[nt.Event, str | None]], commitments: list[tuple[nt.Commitment, ...]]
) -> None:
    """Records decoded in bulk (the trusted constructors) equal those decoded one by one and
    the values encoded: equal, with equal hashes, ids and fields (the ones added later too)."""
    values = [attrs.evolve(e, id=given) for e, given in events]
    encoded = [_records.encode("event", v, v.given_id) for v in values]
    bulk = _records.decode_many(encoded, RECORD_CLASSES)
    assert bulk == [_records.decode(r, RECORD_CLASSES) for r in encoded] == values
    assert [hash(v) for v in bulk] == [hash(v) for v in values]
    assert [v.id for v in bulk] == [v.id for v in values]
    for made in commitments:
        stored = [_records.encode("commitment", c) for c in made]
        assert _records.decode_many(stored, RECORD_CLASSES) == list(made)


def test_bulk_decoding_names_the_damaged_record() -> None:
    """One changed byte among many records is the error of that record, by its position."""
    good = [
        _records.encode("event", event("approved", f"2025-01-{d:02d}"))._replace(position=d)
        for d in range(1, 20)
    ]
    bad = good[7]._replace(payload=good[7].payload.replace("2025-01-08", "2025-01-09"))
    with pytest.raises(ValueError, match=r"does not match its content \(position 8\)"):
        _records.decode_many([*good[:7], bad, *good[8:]], RECORD_CLASSES)
    row = good[3]._replace(payload=good[3].payload[:-1] + ', "extra", 1, 2, 3, 4, 5, 6]')
    fixed = row._replace(id=_codec.digest_id(row.payload, _codec.DERIVED))
    with pytest.raises(ValueError, match=r"position 4 is not valid"):
        _records.decode_many([fixed], RECORD_CLASSES)


def test_bulk_decoding_refuses_what_one_by_one_refuses() -> None:
    """A commitment record stripped of its digest, under an id shaped like a derived one, is
    refused in bulk exactly as alone: the bulk path checks what `verify` checks."""
    stored = _records.encode("commitment", commitment("c"))
    forged = stored._replace(
        id=_codec.digest_id(stored.payload, _codec.DERIVED), digest=None, position=3
    )
    alone = _records.verify(forged)
    assert alone is not None
    with pytest.raises(ValueError, match=r"does not match its digest \(position 3\)"):
        _records.decode_many([forged], RECORD_CLASSES)


def test_open_with_a_scenario_keeps_it_and_export_writes_it(tmp_path: Path) -> None:
    """A store opened with scenario= keeps its parties, sources and title: a new reader sees
    them, export writes them, and opening again with the same one writes nothing."""
    scenario = nt.Scenario(
        id="eu-us-2025",
        title="The EU-US framework of 2025",
        parties={"EU": "European Union", "US": "United States"},
        sources={"joint": nt.Source(title="Joint statement", published=date(2025, 8, 21))},
    )
    db = tmp_path / "eu.db"
    with nt.open(db, scenario=scenario) as store:
        store.add(nt.Commitment(id="cars", title="US tariff on EU cars at 15%", by="US", to="EU"))
        store.record(
            nt.Event(commitment="cars", kind="approved", on=date(2025, 8, 21), source="joint")
        )
    with nt.open(db, scenario=scenario) as again:
        assert again.scenario == scenario
        assert len(again.events()) == 1
    out = tmp_path / "eu.yaml"
    assert cli("export", "--db", db, "-o", out).returncode == 0
    exported = nt.load(out)
    assert exported.scenario == scenario


def test_an_undeclared_source_is_refused_by_the_api(tmp_path: Path) -> None:
    """A tracker whose scenario declares sources refuses an event citing another one, with a
    hint, and records nothing; a tracker without declared sources takes any."""
    scenario = nt.Scenario(
        id="s", title="S", parties={"A": "A", "B": "B"}, sources={"joint": nt.Source(title="J")}
    )
    with nt.open(tmp_path / "s.db", scenario=scenario) as store:
        store.add(nt.Commitment(id="c", title="C", by="A", to="B"))
        with pytest.raises(
            nt.InvalidValue, match=r"source 'jiont' is not declared \(did you mean 'joint'"
        ):
            store.record(
                nt.Event(commitment="c", kind="approved", on=date(2025, 1, 1), source="jiont")
            )
        assert store.events() == ()
    free = nt.Tracker()
    free.add(nt.Commitment(id="c", title="C", by="A", to="B"))
    assert (
        free.record(nt.Event(commitment="c", kind="approved", on=date(2025, 1, 1), source="x")) == 1
    )


def test_the_trusted_constructors_rest_on_pinned_attrs_internals() -> None:
    """What the generated constructors rely on in attrs, pinned so that an attrs release
    that changes it fails here, not in a store: every field of an event and a commitment is
    a slot (set through its member descriptor), an event caches its hash in attrs' private
    `_attrs_cached_hash` slot and starts empty (None) as attrs' own copy does, and the
    generated source is in linecache under its own name."""
    import inspect
    import types

    for cls in (nt.Event, nt.Commitment):
        for field in attrs.fields(cls):
            assert isinstance(getattr(cls, field.name), types.MemberDescriptorType), field.name
    assert "_attrs_cached_hash" in nt.Event.__slots__
    built = event("approved", "2025-01-02")
    hashed = hash(built)
    assert object.__getattribute__(built, "_attrs_cached_hash") == hashed  # cached
    copied = copy.copy(built)
    assert object.__getattribute__(copied, "_attrs_cached_hash") is None  # attrs resets it too
    assert _records._HASH_CACHE == "_attrs_cached_hash"
    [decoded] = _records.decode_many([_records.encode("event", built)], RECORD_CLASSES)
    assert object.__getattribute__(decoded, "_attrs_cached_hash") is None
    assert hash(decoded) == hash(built)
    source = inspect.getsource(_records._event_builder(nt.Event))
    assert source.startswith("def build(row, given):")
    assert "made = new(cls)" in source
