"""The PostgreSQL store on a real server: its tables, its errors, its writers and readers.

Every test here that needs the server uses a fresh database (`tests/postgres.py`); without a
server they skip locally and fail under CI. The multi-process runs are marked `slow`.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import psycopg
import pytest
from helpers import cli, commitment, day, event
from postgres import password_url, restart_server, with_dbname
from postgres import postgres_url as postgres_url  # the fixture ("as": ruff's F811)

import negotrack as nt
from negotrack import _packs, _records
from negotrack._store import verify
from negotrack._store.pgschema import SCHEMA_VERSION
from negotrack._store.postgres import PostgresRecorder

ROOT = Path(__file__).parent.parent
FOLLOW = ROOT / "examples" / "us-china-2025-2026.yaml"
PASSWORD = "s3cret-pw"  # the password of NEGOTRACK_TEST_POSTGRES_PASSWORD_URL's role


def python(code: str, *args: str) -> subprocess.Popen[str]:
    """Start a Python process running `code` (dedented)."""
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def sql(url: str, query: str, *params: object) -> list[tuple[object, ...]]:
    """Run one statement on a plain autocommit connection; its rows (none for a command)."""
    with psycopg.connect(url, autocommit=True) as conn:
        cursor = conn.execute(query, params or None)
        return cursor.fetchall() if cursor.description else []


def stored_ids(url: str) -> list[str]:
    """The ids of the events in the store, in position order, straight from the table."""
    rows = sql(url, "SELECT id FROM negotrack_records WHERE kind = 'event' ORDER BY position")
    return [str(row[0]) for row in rows]


def one_line(error: BaseException | str) -> str:
    text = str(error)
    assert len(text.splitlines()) == 1, text
    assert "Traceback" not in text
    return text


def assert_exit_2_one_line(result: subprocess.CompletedProcess[str], *words: str) -> str:
    assert result.returncode == 2, result
    assert "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    for word in words:
        assert word in line, (word, line)
    return line


def recorder_of(tracker: nt.Tracker) -> PostgresRecorder:
    recorder = tracker._session.recorder
    assert isinstance(recorder, PostgresRecorder)
    return recorder


def terminate(url: str, pid: int) -> None:
    """Cut one server connection from another, and wait until it is gone."""
    assert sql(url, "SELECT pg_terminate_backend(%s, 5000)", pid) == [(True,)]


@pytest.fixture
def store(postgres_url: str) -> Iterator[nt.Tracker]:
    """A store in a fresh database, holding one commitment "c"."""
    with nt.open(postgres_url) as tracker:
        tracker.add(commitment())
        yield tracker


class TestDatabase:
    """What negotrack makes in a database, and what it refuses to take over."""

    def test_tables_meta_and_triggers(self, postgres_url: str) -> None:
        """A new store has its two tables, says what it is, and has its append-only triggers."""
        nt.open(postgres_url).close()
        assert dict(sql(postgres_url, "SELECT key, value FROM negotrack_meta")) == {
            "application": "negotrack",
            "schema": str(SCHEMA_VERSION),
        }
        triggers = sql(
            postgres_url,
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'negotrack_records'::regclass "
            "AND NOT tgisinternal ORDER BY tgname",
        )
        assert triggers == [
            ("negotrack_records_are_kept",),
            ("negotrack_records_are_not_truncated",),
        ]

    def test_append_only_in_the_database(self, store: nt.Tracker, postgres_url: str) -> None:
        """UPDATE, DELETE and TRUNCATE from a plain connection are refused; rows stay."""
        store.record(event("approved", "2025-01-01"))
        before = sql(postgres_url, "SELECT * FROM negotrack_records ORDER BY position")
        for statement in (
            "UPDATE negotrack_records SET payload = '[]' WHERE kind = 'event'",
            "DELETE FROM negotrack_records WHERE kind = 'event'",
            "UPDATE negotrack_records SET id = 'x' WHERE kind = 'commitment'",
            "TRUNCATE negotrack_records",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
                sql(postgres_url, statement)
        assert sql(postgres_url, "SELECT * FROM negotrack_records ORDER BY position") == before

    def test_owner_cannot_update_even_without_the_trigger(self, postgres_url: str) -> None:
        """A plain role owning the store has lost UPDATE and DELETE: disabling the trigger
        is not enough to rewrite a record."""
        url = password_url(postgres_url)
        if url is None:
            pytest.skip("NEGOTRACK_TEST_POSTGRES_PASSWORD_URL is not set")
        with nt.open(url) as t:
            t.add(commitment())
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("ALTER TABLE negotrack_records DISABLE TRIGGER USER")
            for statement in (
                "UPDATE negotrack_records SET id = 'x'",
                "DELETE FROM negotrack_records",
            ):
                with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"):
                    conn.execute(statement)
        assert sql(postgres_url, "SELECT id FROM negotrack_records") == [("c",)]

    def test_newer_schema_is_refused(self, postgres_url: str) -> None:
        """A store written by a newer negotrack is one line saying to upgrade; exit 2."""
        nt.open(postgres_url).close()
        sql(postgres_url, "UPDATE negotrack_meta SET value = %s WHERE key = 'schema'", "3")
        with pytest.raises(nt.StoreError, match="newer negotrack") as caught:
            nt.open(postgres_url)
        assert "upgrade negotrack" in one_line(caught.value)
        assert_exit_2_one_line(cli("status", "--db", postgres_url), "newer negotrack", "upgrade")

    @pytest.mark.parametrize(
        "tables",
        [
            ["CREATE TABLE negotrack_meta (name text, setting int)"],
            ["CREATE TABLE negotrack_records (position int, body text)"],
            [
                "CREATE TABLE negotrack_meta (key text, value text)",
                "INSERT INTO negotrack_meta VALUES ('application', 'somebody-else')",
                "CREATE TABLE negotrack_records (x int)",
            ],
        ],
        ids=["foreign meta", "records without meta", "another application"],
    )
    def test_foreign_tables_are_not_taken_over(self, postgres_url: str, tables: list[str]) -> None:
        """Tables of another application under negotrack's names are refused and left alone."""
        for statement in tables:
            sql(postgres_url, statement)
        for create in (True, False):
            with pytest.raises(nt.StoreError, match="is not a negotrack store") as caught:
                nt.open(postgres_url, create=create)
            one_line(caught.value)
        assert_exit_2_one_line(cli("check", "--db", postgres_url), "is not a negotrack store")
        names = sql(postgres_url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        assert len(names) == sum(s.startswith("CREATE") for s in tables)

    def test_a_database_without_a_store(self, postgres_url: str) -> None:
        """Reading commands refuse a database with no store, and make nothing in it."""
        with pytest.raises(nt.StoreError, match="is not a negotrack store") as caught:
            nt.open(postgres_url, create=False)
        assert "negotrack record --db" in one_line(caught.value)
        for command in ("status", "timeline", "check"):
            assert_exit_2_one_line(cli(command, "--db", postgres_url), "is not a negotrack store")
        assert sql(postgres_url, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == [
            (0,)
        ]

    def test_a_shared_database_gets_its_tables(self, postgres_url: str) -> None:
        """A database holding other tables gets negotrack's beside them, untouched."""
        sql(postgres_url, "CREATE TABLE team_notes (note text)")
        sql(postgres_url, "INSERT INTO team_notes VALUES ('kept')")
        with nt.open(postgres_url) as t:
            t.add(commitment())
        with nt.open(postgres_url, create=False) as t:
            assert "c" in t
        assert sql(postgres_url, "SELECT note FROM team_notes") == [("kept",)]

    def test_url_forms_open_the_same_store(self, postgres_url: str) -> None:
        """postgresql://, postgres:// and key=value strings name the same store."""
        with nt.open(postgres_url) as t:
            t.add(commitment())
        params = {k: v for k, v in psycopg.conninfo.conninfo_to_dict(postgres_url).items() if v}
        keywords = " ".join(f"{k}={v}" for k, v in params.items())
        for form in (postgres_url.replace("postgresql://", "postgres://", 1), keywords):
            with nt.open(form, create=False) as t:
                assert [c.id for c in t.commitments()] == ["c"]
                assert t.location == (
                    f"postgresql://{params['user']}@/{params['dbname']}"
                    f"?host={params['host']}&port={params['port']}"
                )

    @pytest.mark.slow
    def test_creation_races(self, postgres_url: str) -> None:
        """Several processes opening one empty database at once make the tables once."""
        opener = """
            import sys
            import negotrack as nt
            nt.open(sys.argv[1]).close()
        """
        openers = [python(opener, postgres_url) for _ in range(6)]
        for process in openers:
            _, err = process.communicate(timeout=60)
            assert process.returncode == 0, err
        assert dict(sql(postgres_url, "SELECT key, value FROM negotrack_meta"))["schema"] == "2"


class TestConnections:
    """Bad URLs, refused connections, passwords, and the driver missing."""

    def test_refused_and_missing(self, postgres_url: str) -> None:
        """A port where nothing listens, and a database that does not exist: one line each,
        naming the host and database and what to check; exit 2 on the command line."""
        nowhere = with_dbname(postgres_url, "negotrack_t_nowhere").replace(
            f"port={psycopg.conninfo.conninfo_to_dict(postgres_url)['port']}", "port=9"
        )
        missing = with_dbname(postgres_url, "negotrack_no_such_database")
        for url, words in (
            (nowhere, ["cannot connect to database negotrack_t_nowhere", "port 9"]),
            (missing, ["does not exist", "createdb"]),
            ("postgresql://nobody@127.0.0.1:9/team", ["on host 127.0.0.1, port 9", "refused"]),
        ):
            with pytest.raises(nt.StoreError, match="check that the server is running") as caught:
                nt.open(url, timeout=2)
            for word in words:
                assert word in one_line(caught.value)
            assert_exit_2_one_line(cli("status", "--db", url), *words)

    @pytest.mark.parametrize(
        "url",
        [
            f"postgresql://negotrack_pw:{PASSWORD}@[bad/db",
            f"postgresql://negotrack_pw:{PASSWORD}@host/db?sslmode=%zz",
            f"host=somewhere password='{PASSWORD} dbname=team",
        ],
        ids=["IPv6 bracket", "bad percent", "unclosed quote"],
    )
    def test_malformed_urls_never_echo_the_password(
        self, url: str, caplog: pytest.LogCaptureFixture
    ) -> None:
        """libpq's parse errors quote the whole string: negotrack says it is invalid without
        showing it."""
        caplog.set_level(logging.DEBUG)
        with pytest.raises(nt.StoreError, match="is not a valid PostgreSQL connection") as caught:
            nt.open(url)
        assert PASSWORD not in one_line(caught.value)
        assert caught.value.__context__ is None  # libpq's message is not even chained
        result = cli("status", "--db", url)
        assert PASSWORD not in assert_exit_2_one_line(result, "not a valid PostgreSQL")
        assert PASSWORD not in caplog.text

    def test_the_password_is_never_shown(
        self, postgres_url: str, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """With the right password, a wrong one, or one from PGPASSWORD: the password is in
        no message, no location, no repr and no log line."""
        url = password_url(postgres_url)
        if url is None:
            pytest.skip("NEGOTRACK_TEST_POSTGRES_PASSWORD_URL is not set")
        caplog.set_level(logging.DEBUG)
        with nt.open(url) as t:
            t.add(commitment())
            assert PASSWORD not in repr(t)
            assert PASSWORD not in str(t.location)
            assert "negotrack_pw@" in repr(t)
        wrong = url.replace(PASSWORD, "wr0ng-pw")
        shown = []
        with pytest.raises(nt.StoreError, match="password authentication failed") as caught:
            nt.open(wrong)
        shown.append(one_line(caught.value))
        shown.append(assert_exit_2_one_line(cli("status", "--db", wrong), "authentication"))
        monkeypatch.setenv("PGPASSWORD", "env-s3cret")
        bare = url.replace(f":{PASSWORD}@", "@")
        with pytest.raises(nt.StoreError, match="password authentication failed") as caught:
            nt.open(bare)
        shown.append(one_line(caught.value))
        for text in [*shown, caplog.text]:
            for secret in (PASSWORD, "wr0ng-pw", "env-s3cret"):
                assert secret not in text
        assert "check that the server is running" in shown[0]

    def test_command_output_never_shows_the_password(self, postgres_url: str) -> None:
        """What the command prints after success (stdout, and check's warnings) names the store
        without its password."""
        url = password_url(postgres_url)
        if url is None:
            pytest.skip("NEGOTRACK_TEST_POSTGRES_PASSWORD_URL is not set")
        results = [cli("record", "--db", url, FOLLOW), cli("check", "--db", url)]
        for result in results:
            assert result.returncode == 0, result.stderr
            assert PASSWORD not in result.stdout + result.stderr

    @pytest.mark.parametrize(
        "url",
        [f"mysql://alice:{PASSWORD}@db.example.org/team", f"postgresl://alice:{PASSWORD}@h/db"],
        ids=["another database", "a typo"],
    )
    def test_another_kind_of_url(self, url: str) -> None:
        """A URL that is not PostgreSQL's is one line saying what is expected, without the
        password, and is never taken for a file path."""
        with pytest.raises(nt.StoreError, match="expected the path of a store file") as caught:
            nt.open(url)
        assert PASSWORD not in one_line(caught.value)
        assert caught.value.path.endswith(url.split("@")[1])
        assert PASSWORD not in assert_exit_2_one_line(cli("status", "--db", url), "not a store")

    def test_without_psycopg(self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
        """A URL without the driver installed is one line naming the extra to install."""
        monkeypatch.setitem(sys.modules, "psycopg", None)
        monkeypatch.delitem(sys.modules, "negotrack._store.postgres", raising=False)
        url = f"postgresql://alice:{PASSWORD}@db.example.org:5433/team"
        for given in (url, f"host=db.example.org dbname=team password={PASSWORD}"):
            with pytest.raises(
                nt.StoreError, match=r"pip install 'negotrack\[postgres\]'"
            ) as caught:
                nt.open(given)
            assert PASSWORD not in one_line(caught.value)
            assert "db.example.org" in caught.value.path
        line = assert_exit_2_one_line(cli("status", "--db", url), "negotrack[postgres]")
        assert PASSWORD not in line
        with nt.open(tmp_path / "plain.db") as t:  # a path stays a path: SQLite needs nothing
            assert t.location == str(tmp_path / "plain.db")


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        (f"postgresql://u:{PASSWORD}@h:5433/db", "postgresql://u@h:5433/db"),
        (
            f"postgresql://u@[::1]/d%2Fb?sslmode=require&password={PASSWORD}",
            "postgresql://u@[::1]/d%2Fb",
        ),
        ("postgresql://u@/db?host=/tmp/x&port=5", "postgresql://u@/db?host=/tmp/x&port=5"),
        (f"host=h port=1 dbname=d user=u password='{PASSWORD} x'", "postgresql://u@h:1/d"),
        ("postgres://h1,h2/db", "postgresql:///db?host=h1,h2"),
    ],
)
def test_locations_name_the_store_without_its_password(given: str, shown: str) -> None:
    """A store's location keeps the user, host, port and database, in URL form, and nothing
    else; the rough reading used for unreadable strings agrees on readable ones."""
    from negotrack._store.conninfo import name, rough_params

    assert name(psycopg.conninfo.conninfo_to_dict(given)) == shown
    assert PASSWORD not in name(rough_params(given))


class TestWriting:
    """Appends: busy writers, lost connections, records changed behind negotrack's back."""

    def test_a_held_lock_is_store_busy(self, postgres_url: str) -> None:
        """While another session holds the write lock, record raises StoreBusy after the
        timeout and writes nothing; afterwards it works."""
        t = nt.open(postgres_url, timeout=0.3)
        t.add(commitment())
        with psycopg.connect(postgres_url) as holder:
            holder.execute("LOCK TABLE negotrack_records IN EXCLUSIVE MODE")
            started = time.monotonic()
            with pytest.raises(nt.StoreBusy, match="retry") as caught:
                t.record(event("approved", "2025-01-01"))
            assert 0.25 < time.monotonic() - started < 3
            one_line(caught.value)
            assert t.events() == ()
            holder.rollback()
        assert t.record(event("approved", "2025-01-01")) == 1
        t.close()

    def test_a_lost_connection_is_made_again(self, store: nt.Tracker, postgres_url: str) -> None:
        """A connection cut between calls (a server restart, say) is made again: reads and
        writes go on without an error."""
        store.record(event("approved", "2025-01-01"))
        terminate(postgres_url, recorder_of(store)._conn.info.backend_pid)
        assert len(store.events()) == 1
        terminate(postgres_url, recorder_of(store)._conn.info.backend_pid)
        assert store.record(event("implemented", "2025-02-01")) == 1
        assert len(stored_ids(postgres_url)) == 2

    def test_lost_during_commit_says_the_outcome_is_unknown(
        self, store: nt.Tracker, postgres_url: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A connection lost during COMMIT is a StoreError saying the outcome is unknown; the
        next question shows what was stored, and recording again is safe."""
        recorder = recorder_of(store)
        original = recorder._commit

        def cut_then_commit(conn: psycopg.Connection[object]) -> None:
            terminate(postgres_url, conn.info.backend_pid)
            original(conn)  # type: ignore[arg-type]

        monkeypatch.setattr(recorder, "_commit", cut_then_commit)
        with pytest.raises(nt.StoreError, match="lost during COMMIT") as caught:
            store.record(event("approved", "2025-01-01"))
        assert "outcome is unknown" in one_line(caught.value)
        assert not isinstance(caught.value, nt.StoreBusy)
        monkeypatch.undo()
        assert store.events() == ()  # cut before it committed: nothing was stored
        assert store.record(event("approved", "2025-01-01")) == 1
        assert len(stored_ids(postgres_url)) == 1

    @pytest.mark.parametrize("batch", [1, 200], ids=["insert", "copy"])
    def test_a_record_slipped_in_behind_negotrack(
        self, store: nt.Tracker, postgres_url: str, batch: int
    ) -> None:
        """A record inserted by hand below the readers' cursor is found when negotrack writes
        the same id: a StoreError, nothing written, and later writes still work."""
        store.record(event("approved", "2025-01-01"))
        slipped = _records.encode("event", event("implemented", "2025-02-01", id="x"), "x")
        sql(
            postgres_url,
            "INSERT INTO negotrack_records (position, kind, id, payload, digest) "
            "OVERRIDING SYSTEM VALUE VALUES (0, %s, %s, %s, %s)",
            slipped.kind,
            slipped.id,
            slipped.payload,
            slipped.digest,
        )
        events = [event("implemented", "2025-02-01", id="x")]
        events += [event("approved", "2025-01-01", note=f"n{i}") for i in range(batch - 1)]
        with pytest.raises(nt.StoreError, match="changed outside negotrack") as caught:
            store.record(*events)
        one_line(caught.value)
        assert len(store.events()) == 1
        assert store.record(event("lapsed", "2025-04-01")) == 1
        assert len(stored_ids(postgres_url)) == 3

    def test_gaps_in_positions_are_harmless(self, store: nt.Tracker, postgres_url: str) -> None:
        """Identity values burnt by a rolled-back write leave a gap that readers step over."""
        with psycopg.connect(postgres_url) as conn:
            conn.execute(
                "INSERT INTO negotrack_records (kind, id, payload) VALUES ('junk', 'j', '{}')"
            )
            conn.rollback()
        store.record(event("approved", "2025-01-01"))
        positions = [p for (p,) in sql(postgres_url, "SELECT position FROM negotrack_records")]
        assert positions == [1, 3]
        with nt.open(postgres_url) as reader:
            assert reader.events() == store.events()


class TestReading:
    """Readers pick up what others append, and can wait to be told."""

    WRITER = """
        import sys, time
        from datetime import date
        import negotrack as nt
        url, delay = sys.argv[1], float(sys.argv[2])
        with nt.open(url) as t:
            time.sleep(delay)
            t.record(nt.Event(commitment="c", kind="approved", on=date(2025, 1, 1)))
            print(time.time(), flush=True)
    """

    def test_refresh_wait_is_told_at_once(self, store: nt.Tracker, postgres_url: str) -> None:
        """refresh(wait=5) returns True soon after another process appends."""
        writer = python(self.WRITER, postgres_url, "0.5")
        assert store.refresh(wait=10) is True
        woke = time.time()
        out, err = writer.communicate(timeout=60)
        assert writer.returncode == 0, err
        assert woke - float(out) < 0.5
        assert len(store.events()) == 1

    def test_refresh_wait_times_out(self, store: nt.Tracker, postgres_url: str) -> None:
        """With no writer, refresh(wait=0.5) returns False after about half a second, even when
        someone NOTIFYs the channel without appending."""
        started = time.monotonic()
        sql(postgres_url, "NOTIFY negotrack_records, '999'")
        assert store.refresh(wait=0.5) is False
        assert 0.45 < time.monotonic() - started < 2
        assert store.refresh() is False

    def test_readers_see_other_writers(self, store: nt.Tracker, postgres_url: str) -> None:
        """A tracker open in one process answers with what another process recorded since."""
        assert store.status("c", on=day("2025-02-01")).stage is None
        writer = python(self.WRITER, postgres_url, "0")
        _, err = writer.communicate(timeout=60)
        assert writer.returncode == 0, err
        assert store.status("c", on=day("2025-02-01")).stage is nt.Stage.APPROVED


class TestCopyAndCommandLine:
    """`negotrack copy` between SQLite and PostgreSQL, and `--db URL` everywhere."""

    def test_db_url_for_every_command(self, postgres_url: str, tmp_path: Path) -> None:
        """record, status, timeline, check and export take a URL and answer as the file does."""
        first = cli("record", "--db", postgres_url, FOLLOW)
        assert first.returncode == 0, first.stderr
        again = cli("record", "--db", postgres_url, FOLLOW)
        assert "recorded 0 new commitments and 0 new events" in again.stdout
        for args in (
            ("status", "--as-of", "2026-03-01", "--json"),
            ("status", "--as-of", "2025-11-11", "--known-by", "2025-11-11", "--json"),
            ("timeline", "--json"),
        ):
            from_file = json.loads(cli(*args, FOLLOW).stdout)
            assert json.loads(cli(*args, "--db", postgres_url).stdout) == from_file
        n_c, n_e = counts()
        assert (
            f"valid: {n_c} commitments, {n_e} events" in cli("check", "--db", postgres_url).stdout
        )
        out = tmp_path / "out.yaml"
        assert cli("export", "--db", postgres_url, "-o", out).returncode == 0
        assert nt.load(out).timeline() == nt.load(FOLLOW).timeline()

    def test_copy_round_trip(self, postgres_url: str, tmp_path: Path) -> None:
        """SQLite -> PostgreSQL -> SQLite keeps every answer and the recording order."""
        first, last = tmp_path / "first.db", tmp_path / "last.db"
        assert cli("record", "--db", first, FOLLOW).returncode == 0
        there = cli("copy", "--from", first, "--to", postgres_url)
        assert there.returncode == 0, there.stderr
        n_c, n_e = counts()
        assert f"copied {n_c} commitments and {n_e} events" in there.stdout
        back = cli("copy", "--from", postgres_url, "--to", last)
        assert back.returncode == 0, back.stderr
        with nt.open(first) as a, nt.open(postgres_url) as b, nt.open(last) as c:
            for t in (b, c):
                assert t.events() == a.events()
                assert t.commitments() == a.commitments()
                assert t.scenario == a.scenario
                assert t.timeline() == a.timeline()
                assert t.anomalies() == a.anomalies()
        assert [e.id for e in nt.load(FOLLOW).events()] == stored_ids(postgres_url)

    def test_copy_from_a_scenario_file_through_the_api(self, postgres_url: str) -> None:
        """copy() takes any tracker, and returns what it copied."""
        source = nt.load(FOLLOW)
        with nt.open(postgres_url) as target:
            assert nt_copy(source, target) == counts()
            assert target.snapshot(on=day("2026-03-01")) == source.snapshot(on=day("2026-03-01"))

    def test_copy_into_a_store_that_is_not_empty(self, postgres_url: str, tmp_path: Path) -> None:
        """A target holding anything is refused with nothing written."""
        with nt.open(postgres_url) as t:
            t.add(commitment("already-there"))
        before = sql(postgres_url, "SELECT * FROM negotrack_records")
        result = cli("copy", "--from", FOLLOW, "--to", postgres_url)
        assert_exit_2_one_line(result, "is not empty", "copy into an empty store")
        assert sql(postgres_url, "SELECT * FROM negotrack_records") == before
        with nt.open(tmp_path / "x.db") as t:
            t.scenario = nt.Scenario(id="s", title="S")
            with pytest.raises(nt.StoreError, match="not empty"):
                nt_copy(nt.load(FOLLOW), t)
            assert t.commitments() == ()


def nt_copy(source: nt.Tracker, target: nt.Tracker) -> tuple[int, int]:
    from negotrack._store.transfer import copy

    return copy(source, target)


# -- many processes (slow) -------------------------------------------------------------------

WRITER = """
    import sys
    from datetime import date, timedelta
    import negotrack as nt
    url, who, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with nt.open(url, timeout=60) as t:
        for i in range(n):
            t.record(nt.Event(commitment=f"c{i % 10}", kind="approved",
                              on=date(2025, 1, 1) + timedelta(days=i % 300), note=f"{who} {i}"))
"""

READER = """
    import sys, time
    import negotrack as nt
    url, total = sys.argv[1], int(sys.argv[2])
    deadline = time.monotonic() + 300
    with nt.open(url) as t:
        while len(t.events()) < total and time.monotonic() < deadline:
            t.refresh(wait=1)
        print("\\n".join(e.id for e in t.events()))
"""


def commitments10() -> list[nt.Commitment]:
    return [commitment(f"c{i}") for i in range(10)]


@pytest.mark.slow
class TestProcesses:
    """Eight writers at once, a reader following them, SIGKILL and a server restart."""

    def check_one_order(self, url: str, reader: subprocess.Popen[str], total: int) -> None:
        """The reader that followed the writers, a new reader and the table agree."""
        out, err = reader.communicate(timeout=300)
        assert reader.returncode == 0, err
        followed = out.split()
        table = stored_ids(url)
        assert len(table) == len(set(table)) == total
        with nt.open(url) as fresh:
            assert [e.id for e in fresh.events()] == table
        # Had a later position become visible before an earlier one, the follower (which
        # reads only after its cursor) would have missed it.
        assert followed == table

    def test_eight_writers_through_the_api(self, postgres_url: str) -> None:
        """8 processes x 500 records: nothing lost, nothing twice, one order for every reader."""
        with nt.open(postgres_url) as t:
            t.add(*commitments10())
        reader = python(READER, postgres_url, "4000")
        writers = [python(WRITER, postgres_url, f"w{i}", "500") for i in range(8)]
        for writer in writers:
            _, err = writer.communicate(timeout=300)
            assert writer.returncode == 0, err
        self.check_one_order(postgres_url, reader, 4000)

    def test_eight_writers_through_the_command_line(
        self, postgres_url: str, tmp_path: Path
    ) -> None:
        """8 processes each running `negotrack record --db URL` on their files, plus one file of
        a neighbour recorded twice at once: every event once, one order."""
        files = []
        for i in range(16):
            t = nt.Tracker(
                scenario=nt.Scenario(id="load", title="Load", parties={"A": "a", "B": "b"})
            )
            t.add(*commitments10())
            t.record(
                *(
                    event("approved", f"2025-{1 + j % 12:02d}-01", f"c{j % 10}", note=f"f{i} {j}")
                    for j in range(250)
                )
            )
            files.append(tmp_path / f"part{i}.yaml")
            nt.dump(t, files[-1])
        reader = python(READER, postgres_url, "4000")
        workers = []
        for w in range(8):
            mine = [files[2 * w], files[2 * w + 1], files[(2 * w + 2) % 16]]
            loop = " && ".join(
                f'"{sys.executable}" -m negotrack record --db "$URL" "{path}"' for path in mine
            )
            workers.append(
                subprocess.Popen(
                    ["sh", "-c", loop],
                    env={**os.environ, "URL": postgres_url},
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
            )
        for worker in workers:
            out, err = worker.communicate(timeout=300)
            assert worker.returncode == 0, err
            assert len(out.splitlines()) == 3, out
        self.check_one_order(postgres_url, reader, 4000)

    def test_sigkill_loses_nothing_acknowledged(self, postgres_url: str) -> None:
        """A writer killed mid-stream: every event it acknowledged is stored, and the next
        writer is not held up by what the dead one left."""
        with nt.open(postgres_url) as t:
            t.add(commitment())
        writer = python(
            """
            import sys
            from datetime import date
            import negotrack as nt
            t = nt.open(sys.argv[1])
            for i in range(100000):
                e = nt.Event(commitment="c", kind="approved", on=date(2025, 1, 1),
                             note=f"report {i}")
                t.record(e)
                print(e.id, flush=True)
            """,
            postgres_url,
        )
        assert writer.stdout is not None
        acknowledged = [writer.stdout.readline().strip() for _ in range(100)]
        os.kill(writer.pid, signal.SIGKILL)
        writer.communicate(timeout=30)
        assert writer.returncode == -signal.SIGKILL
        assert set(acknowledged) <= set(stored_ids(postgres_url))
        with nt.open(postgres_url, timeout=2) as t:
            assert t.record(event("implemented", "2025-02-01")) == 1

    def test_server_restart_under_a_writer(self, postgres_url: str) -> None:
        """The server restarted under a writer: StoreError lines (the documented retry is to
        record again), never a raw driver error, never a lost or doubled event."""
        with nt.open(postgres_url) as t:
            t.add(commitment())
        follower = nt.open(postgres_url)
        assert follower.events() == ()
        writer = python(
            """
            import sys, time
            from datetime import date
            import negotrack as nt
            t = nt.open(sys.argv[1], timeout=5)
            for i in range(300):
                e = nt.Event(commitment="c", kind="approved", on=date(2025, 1, 1), note=str(i))
                for attempt in range(300):
                    try:
                        print("ok", e.id, t.record(e), flush=True)
                        break
                    except nt.StoreError as err:
                        print("error", e.id, type(err).__name__, err, flush=True)
                        time.sleep(0.05)
                else:
                    sys.exit("gave up")
            """,
            postgres_url,
        )
        assert writer.stdout is not None
        lines = [writer.stdout.readline() for _ in range(50)]
        restart_server()
        out, err = writer.communicate(timeout=300)
        assert writer.returncode == 0, err
        lines += out.splitlines()
        errors = [line for line in lines if line.startswith("error")]
        assert errors, "the restart went unnoticed"
        for line in errors:
            assert line.split()[2] in ("StoreError", "ConnectionLost"), line
            assert "connect" in line or "connection" in line, line
        acknowledged = [line.split()[1] for line in lines if line.startswith("ok")]
        assert len(acknowledged) == 300
        assert stored_ids(postgres_url) == acknowledged
        assert [e.id for e in follower.events()] == acknowledged  # the reader reconnected
        follower.close()


def test_the_store_benchmark_runs(postgres_url: str) -> None:
    """benchmarks/stores.py, run at a tiny size, prints every ratio (no timing is checked)."""
    result = subprocess.run(
        [
            *(sys.executable, str(ROOT / "benchmarks" / "stores.py"), "--url", postgres_url),
            *("--events", "500", "--appends", "5", "--questions", "5", "--repeat", "1"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    for measure in ("append one event", "a question with nothing new", "open a store of"):
        assert measure in result.stdout
    assert result.stdout.count("x\n") == 4


def counts() -> tuple[int, int]:
    """How many commitments and events the follow-through example holds."""
    follow = nt.load(FOLLOW)
    return len(follow.commitments()), len(follow.events())


def test_a_server_store_keeps_no_packs(postgres_url: str) -> None:
    """Packs (`tests/test_packs.py`) are the SQLite store's: a PostgreSQL store, even when a
    writer appends more than a pack's worth at once and a reader reads as much, makes no
    table for them and reads its records one by one, answering the same."""
    events = [event("proposed", f"2025-01-{d:02d}", f"c{d}") for d in range(1, 11)]
    read: list[object] = []
    select = PostgresRecorder.select

    def counted(recorder: PostgresRecorder, *, after: int, limit: int) -> list[Any]:
        found = select(recorder, after=after, limit=limit)
        read.extend(found)
        return found

    with mock.patch.object(_packs, "SIZE", 4):
        with nt.open(postgres_url) as t:
            t.add(*(commitment(f"c{d}") for d in range(1, 11)))
            t.record(*events)
            expected = t.snapshot(on=day("2025-02-01")), t.events()
        for _ in range(2):
            read.clear()
            with mock.patch.object(PostgresRecorder, "select", counted), nt.open(postgres_url) as t:
                assert (t.snapshot(on=day("2025-02-01")), t.events()) == expected
            assert len(read) == 20
    tables = "SELECT tablename FROM pg_tables WHERE tablename LIKE 'negotrack%' ORDER BY 1"
    assert sql(postgres_url, tables) == [("negotrack_meta",), ("negotrack_records",)]
    assert verify(postgres_url) == []
