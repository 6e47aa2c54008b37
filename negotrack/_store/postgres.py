"""The PostgreSQL recorder: a store's records in one append-only table of a database.

A team's store: many writers on many machines share one record, kept in the tables that
`negotrack._store.pgschema` makes and checks (append-only, enforced in the database).

A writer takes ``LOCK TABLE negotrack_records IN EXCLUSIVE MODE`` (as eventsourcing's
PostgreSQL recorder does), checks that the last position is the one its batch was checked
against, inserts, notifies the ``negotrack_records`` channel, and commits. The lock makes
writers take turns from before their first position is drawn until their commit, so positions
follow commit order: a reader never sees a later record without the earlier ones, and every
reader sees one total order. It does not block readers. Positions may have gaps (a rolled-back
transaction burns identity values); a reader's cursor is the last position it saw.

Readers wait for news on a second connection that LISTENs on the channel. A lost connection
is made again once; if it is lost during COMMIT, the outcome is unknown and the error says so.
No message, and no location, ever shows the password.
"""

from __future__ import annotations

import contextlib
import math
import os
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

import psycopg
from psycopg import errors
from psycopg.conninfo import conninfo_to_dict
from psycopg.rows import TupleRow

from negotrack._exceptions import StoreBusy, StoreError
from negotrack._recorder import Pack, Stale, Stored

from . import conninfo as info
from . import pgschema

CHANNEL = "negotrack_records"  # NOTIFY'd, with the new last position, by every append

T = TypeVar("T")
Connection = psycopg.Connection[TupleRow]

_HEAD = "SELECT coalesce(max(position), 0) FROM negotrack_records"
_SELECT = (
    "SELECT kind, id, payload, digest, position FROM negotrack_records "
    "WHERE position > %s ORDER BY position LIMIT %s"
)
_INSERT = (
    "INSERT INTO negotrack_records (kind, id, payload, digest) VALUES (%s, %s, %s, %s) "
    "ON CONFLICT (kind, id) DO NOTHING"
)
_COPY = "COPY negotrack_records (kind, id, payload, digest) FROM STDIN"
_COPY_FROM = 64  # a batch this long is sent with COPY (a known id then fails the whole batch)
_NOTIFY = (
    "SELECT pg_notify(%s, head::text), head FROM "
    "(SELECT coalesce(max(position), 0) AS head FROM negotrack_records) AS last"
)
_IDLE_LIMIT_MS = 15_000  # a writer gone silent inside its transaction loses it (and the lock)
_RECONNECT_PAUSE = 0.2
_CHECK = (
    "check that the server is running, the host, port and database name, and the user's password"
)
_OUTSIDE = (
    "a record's id is already stored although the tracker had not seen it; nothing was "
    "written: the store was changed outside negotrack"
)


class ConnectionLost(StoreError):
    """The server cannot be reached, or the connection to it was lost."""


class PostgresRecorder:
    """A store's records in a PostgreSQL database (see the module docstring).

    `conninfo` is a ``postgresql://`` URL or a libpq ``key=value`` string. With ``create=True``
    the tables are made when the database has none of negotrack's: a database that holds other
    tables is fine (teams share databases); they are made in the first schema of the search
    path (``options=-csearch_path=SCHEMA`` in the URL picks another one). A database holding a
    foreign table named `negotrack_records` or `negotrack_meta` is refused, never taken over.
    """

    def __init__(self, conninfo: str, *, timeout: float = 5.0, create: bool = True) -> None:
        self.timeout = timeout
        params = _parsed(conninfo)
        if params is None:  # raised out here, so that libpq's message is not even chained
            raise StoreError(
                info.name(info.rough_params(conninfo)),
                "is not a valid PostgreSQL connection string (not shown, it may hold a "
                "password); expected postgresql://USER@HOST:PORT/DATABASE or key=value pairs "
                "such as 'host=HOST dbname=DATABASE user=USER'",
            )
        self.location = info.name(params)
        self._conninfo = conninfo
        self._params = params
        self._secrets = [
            str(s)
            for s in (
                params.get("password"),
                params.get("sslpassword"),
                os.environ.get("PGPASSWORD"),
            )
            if s
        ]
        self._conn: Connection | None = None
        self._listener: Connection | None = None
        self._closed = False
        try:
            conn = self._connection()
            with self._errors(conn, "open"):
                pgschema.prepare(conn, self.location, create=create, lock_ms=self._timeout_ms())
        except BaseException:
            self.close()
            raise

    # -- connections -------------------------------------------------------------------------

    def _connection(self, *, lost: str = "") -> Connection:
        if self._closed:
            raise StoreError(self.location, "the store is closed; open it again")
        if self._conn is None or self._conn.closed:
            self._conn = self._connect(lost=lost)
        return self._conn

    def _connect(self, *, lost: str = "") -> Connection:
        """A new autocommit connection; `lost` says what the one before it was doing."""
        extra: dict[str, Any] = {}
        if "connect_timeout" not in self._params and "PGCONNECT_TIMEOUT" not in os.environ:
            extra["connect_timeout"] = max(2, math.ceil(self.timeout))
        if "application_name" not in self._params:
            extra["application_name"] = "negotrack"
        try:
            return psycopg.connect(self._conninfo, autocommit=True, **extra)
        except psycopg.Error as err:
            problem = self._cannot_connect(err)
        if lost:
            problem = f"lost its connection to the server{lost}, and {problem}"
        raise ConnectionLost(self.location, problem)

    def _cannot_connect(self, err: psycopg.Error) -> str:
        text = self._text(err)
        p = self._params
        db = p.get("dbname") or "(the default)"
        host = p.get("host") or p.get("hostaddr") or "(the default)"
        port = f", port {p['port']}" if p.get("port") else ""
        user = f", user {p['user']}" if p.get("user") else ""
        hint = _CHECK
        if "does not exist" in text and "database" in text:
            hint += "; a database must be created first (createdb, or CREATE DATABASE)"
        return f"cannot connect to database {db} on host {host}{port}{user} ({text}); {hint}"

    def _abandon(self, conn: Connection) -> bool:
        """Roll back what `conn` was doing; drop it if it is lost. True if it was lost."""
        if not conn.broken and not conn.closed:
            try:
                if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                    conn.execute("ROLLBACK")
                return False
            except psycopg.Error:
                pass
        with contextlib.suppress(psycopg.Error):
            conn.close()
        if conn is self._conn:
            self._conn = None
        return True

    def _read(self, doing: str, run: Callable[[Connection], T]) -> T:
        """Run a read; a connection found lost is made again once (reads can be repeated)."""
        for attempt in (1, 2):
            conn = self._connection(lost=" while reading" if attempt == 2 else "")
            try:
                return run(conn)
            except psycopg.Error as err:
                lost = self._abandon(conn)
                if lost and attempt == 1:
                    continue
                raise self._failure(err, doing, lost=lost) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _text(self, err: BaseException) -> str:
        """`err`'s message on one line, with any password in it blotted out."""
        text = " ".join(str(err).split()) or type(err).__name__
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def _failure(
        self, err: psycopg.Error, doing: str, *, lost: bool, committing: bool = False
    ) -> StoreError:
        """The StoreError that says what `err` means for the store, and what to do."""
        text = self._text(err)
        writing = doing == "write to"
        if isinstance(err, errors.LockNotAvailable):
            return StoreBusy(
                self.location,
                f"another writer held the store's lock for longer than the timeout "
                f"({self.timeout:g} s); nothing was written, retry later",
            )
        if isinstance(err, (errors.SerializationFailure, errors.DeadlockDetected)):
            return StoreBusy(self.location, f"{text}; nothing was written, retry later")
        if lost and committing:
            return ConnectionLost(
                self.location,
                f"the connection to the server was lost during COMMIT ({text}); the outcome "
                "is unknown: ask again, or reopen the store, to see what was stored, then "
                "record again what is missing (recording is idempotent)",
            )
        if lost:
            done = "; nothing was written" if writing else ""
            return ConnectionLost(
                self.location,
                f"lost its connection to the server ({text}){done}; {_CHECK}",
            )
        if isinstance(err, errors.UniqueViolation):
            return StoreError(self.location, _OUTSIDE)
        if isinstance(err, errors.InsufficientPrivilege):
            need = (
                "SELECT, INSERT and TRUNCATE (TRUNCATE only for the write lock: a trigger "
                "refuses truncation) on negotrack_records"
                if writing
                else "SELECT on negotrack_records"
            )
            return StoreError(
                self.location,
                f"permission denied ({text}); the database's owner can grant this user "
                f"{need}, and SELECT on negotrack_meta",
            )
        if isinstance(err, psycopg.IntegrityError):
            return StoreError(
                self.location, f"the store refused the write ({text}); nothing was written"
            )
        return StoreError(self.location, f"cannot {doing} the store ({text})")

    @contextlib.contextmanager
    def _errors(self, conn: Connection, doing: str) -> Iterator[None]:
        try:
            yield
        except psycopg.Error as err:
            lost = self._abandon(conn)
            raise self._failure(err, doing, lost=lost) from None

    def _timeout_ms(self) -> int:
        return max(1, round(self.timeout * 1000))

    def pack(self, *, after: int) -> Pack | None:
        """None: a PostgreSQL store keeps no packs, its records are read one by one.

        In a team's database the records are append-only whoever asks (triggers, revoked
        rights); a cache that readers trust and its owner could rewrite would undo that.
        """
        return None

    def keep(self, pack: Pack) -> bool:
        """False: a PostgreSQL store keeps no packs (see `pack`)."""
        return False

    def integrity(self) -> list[str]:
        """Nothing to add to PostgreSQL's own checks: every record is verified when read."""
        return []

    def close(self) -> None:
        """Close the connections; the recorder can no longer be used."""
        self._closed = True
        for conn in (self._listener, self._conn):
            if conn is not None:
                with contextlib.suppress(psycopg.Error):
                    conn.close()
        self._listener = self._conn = None

    # -- the recorder ------------------------------------------------------------------------

    def append(self, records: Sequence[Stored], *, after: int) -> int:
        """Append `records` after position `after`, in one transaction (see `Recorder`).

        A connection found lost before COMMIT is made again and the transaction run once more
        (nothing of it was written); one lost during COMMIT is a StoreError saying that the
        outcome is unknown.
        """
        rows = [(r.kind, r.id, r.payload, r.digest) for r in records]
        begin = (
            f"BEGIN; SET LOCAL lock_timeout = {self._timeout_ms()}; "
            f"SET LOCAL idle_in_transaction_session_timeout = {_IDLE_LIMIT_MS}; "
            "SET LOCAL synchronous_commit = on; "
            "LOCK TABLE negotrack_records IN EXCLUSIVE MODE"
        )
        for attempt in (1, 2):
            conn = self._connection(lost=" (nothing was written)" if attempt == 2 else "")
            step = "begin"
            try:
                with conn.cursor() as cursor:
                    cursor.execute(begin, prepare=False)
                    if _one(cursor.execute(_HEAD)) != after:
                        step = "stale"
                    elif self._insert(cursor, rows) != len(rows):
                        step = "conflict"
                    else:
                        head = _one(cursor.execute(_NOTIFY, (CHANNEL,)), column=1)
                        step = "commit"
                        self._commit(conn)
                        return head
                conn.execute("ROLLBACK")
            except psycopg.Error as err:
                lost = self._abandon(conn)
                if lost and step != "commit" and attempt == 1:
                    continue
                raise self._failure(
                    err, "write to", lost=lost, committing=step == "commit"
                ) from None
            except BaseException:
                self._abandon(conn)
                raise
            if step == "stale":
                raise Stale(self.location, "another process appended first; nothing was written")
            raise StoreError(self.location, _OUTSIDE)
        raise AssertionError("unreachable")  # pragma: no cover

    def _insert(self, cursor: psycopg.Cursor[TupleRow], rows: list[tuple[Any, ...]]) -> int:
        """Insert `rows` in order; how many were inserted."""
        if len(rows) >= _COPY_FROM:
            with cursor.copy(_COPY) as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cursor.executemany(_INSERT, rows)
        return cursor.rowcount

    def _commit(self, conn: Connection) -> None:
        conn.execute("COMMIT")

    def select(self, *, after: int, limit: int) -> list[Stored]:
        """Up to `limit` records after position `after`, in order (see `Recorder`)."""
        rows = self._read("read", lambda conn: conn.execute(_SELECT, (after, limit)).fetchall())
        return [Stored(*row) for row in rows]

    def _last(self) -> int:
        return self._read("read", lambda conn: _one(conn.execute(_HEAD)))

    def wait(self, *, after: int, timeout: float) -> bool:
        """Wait up to `timeout` seconds for a record after `after` (told by NOTIFY).

        A connection lost meanwhile (a server restarting) is made again until the time is up;
        then the last such error is raised.
        """
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self._news(after, deadline)
            except ConnectionLost:
                if time.monotonic() >= deadline:
                    raise
            time.sleep(max(0.0, min(_RECONNECT_PAUSE, deadline - time.monotonic())))

    def _news(self, after: int, deadline: float) -> bool:
        listener = self._listening()
        try:
            for _ in listener.notifies(timeout=0):
                pass  # hints of appends already read: the head below says what is there
            while self._last() <= after:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                for _ in listener.notifies(timeout=left, stop_after=1):
                    pass
        except psycopg.Error as err:
            self._drop_listener()
            problem = f"the connection waiting for news was lost ({self._text(err)}); {_CHECK}"
            raise ConnectionLost(self.location, problem) from None
        return True

    def _listening(self) -> Connection:
        """The connection that LISTENs on the channel, made (and LISTEN run) on first use."""
        if self._closed:
            raise StoreError(self.location, "the store is closed; open it again")
        if self._listener is None or self._listener.closed:
            listener = self._connect()
            try:
                listener.execute(f"LISTEN {CHANNEL}")
            except psycopg.Error as err:
                problem = f"cannot listen for news ({self._text(err)}); {_CHECK}"
                with contextlib.suppress(psycopg.Error):
                    listener.close()
                raise ConnectionLost(self.location, problem) from None
            self._listener = listener
        return self._listener

    def _drop_listener(self) -> None:
        if self._listener is not None:
            with contextlib.suppress(psycopg.Error):
                self._listener.close()
            self._listener = None


def _parsed(conninfo: str) -> dict[str, Any] | None:
    """What libpq reads in `conninfo`, or None (its message may hold the password)."""
    try:
        return conninfo_to_dict(conninfo)
    except psycopg.Error:
        return None


def _one(cursor: psycopg.Cursor[TupleRow], *, column: int = 0) -> int:
    row = cursor.fetchone()
    return 0 if row is None else int(row[column])
