"""The SQLite recorder: a store's records in one append-only table of one file.

Each record (a scenario description, a commitment, an event) is one row, in one order: its
`position`. Rows are never updated or deleted (triggers refuse it). A writer takes SQLite's
write lock (``BEGIN IMMEDIATE``), checks that nothing was appended since what it checked its
batch against, appends, and commits; because writers take turns, positions are given in
commit order and a reader never sees a later row without the earlier ones.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from urllib.parse import quote

from negotrack._exceptions import StoreBusy, StoreError
from negotrack._recorder import Pack, Stale, Stored

SCHEMA_VERSION = 2
APPLICATION_ID = 0x4E54524B  # "NTRK": marks the file as a negotrack store

_SCHEMA = """
CREATE TABLE records (
    position INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    id TEXT,
    payload TEXT NOT NULL,
    digest TEXT,
    UNIQUE (kind, id)
);
CREATE TRIGGER records_are_kept BEFORE UPDATE ON records
BEGIN SELECT RAISE(ABORT, 'records are append-only: record a new event'); END;
CREATE TRIGGER records_are_not_deleted BEFORE DELETE ON records
BEGIN SELECT RAISE(ABORT, 'records are append-only: record a new event'); END;
"""

# Packs (`negotrack._packs`) are a cache beside the records, made when first written: a store
# without them is read record by record, by this version as by those before it.
_PACKS = """
CREATE TABLE IF NOT EXISTS packs (
    first INTEGER PRIMARY KEY,
    last INTEGER NOT NULL,
    anchor TEXT NOT NULL,
    body TEXT NOT NULL,
    digest TEXT NOT NULL
)
"""

_POLL = 0.1  # seconds between looks while waiting for news


_HEADER = b"SQLite format 3\x00"


def _read_only_here(path: Path) -> bool:
    """True when this process cannot write beside `path`, and no log is pending there."""
    folder = path.parent
    return not os.access(folder, os.W_OK) and not Path(f"{path}-wal").exists()


def _check_header(path: Path) -> None:
    """Refuse at once what is not an SQLite database file (a scenario file, a FIFO...)."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return
    except OSError as err:
        raise StoreError(path, f"cannot be read ({err.strerror or err})") from None
    if not stat.S_ISREG(info.st_mode):
        raise StoreError(
            path, "is not a regular file (a pipe, a socket or a device); expected a store file"
        )
    try:
        with path.open("rb") as handle:
            head = handle.read(len(_HEADER))
    except OSError as err:
        raise StoreError(path, f"cannot be read ({err.strerror or err})") from None
    if head and head != _HEADER:
        hint = (
            "; it looks like a scenario file: give it without --db"
            if path.suffix.lower() in (".yaml", ".yml", ".json")
            else ""
        )
        raise StoreError(path, f"is not a negotrack store (not an SQLite database){hint}")


class SQLiteRecorder:
    """One SQLite file holding a store's records (see the module docstring)."""

    def __init__(self, path: Path, *, timeout: float = 5.0, create: bool = True) -> None:
        self.path = path
        self.location = str(path)
        self.timeout = timeout
        if path.is_dir():
            raise StoreError(path, "is a directory; expected a store file")
        if not path.parent.is_dir():
            raise StoreError(path, f"folder {str(path.parent)!r} does not exist")
        if not create and not path.exists():
            raise StoreError(path, "no such store; create one with `negotrack record`")
        _check_header(path)
        # A store in a folder this process cannot write to can still be read, as long as no
        # write-ahead log is pending there: SQLite then needs no -shm file beside it.
        self.read_only = not create and _read_only_here(path)
        with self._errors("open"):
            if self.read_only:
                uri = f"file:{quote(str(path.resolve()))}?mode=ro&immutable=1"
                self._db = sqlite3.connect(
                    uri, uri=True, isolation_level=None, check_same_thread=False
                )
            else:
                self._db = sqlite3.connect(
                    path, timeout=timeout, isolation_level=None, check_same_thread=False
                )
        # What the last select saw: (data_version, last position), to skip a query when
        # nothing changed.
        self._seen: tuple[int, int] | None = None
        try:
            self._prepare(create)
        except BaseException:
            self._db.close()
            raise

    # -- the file ----------------------------------------------------------------------------

    def _prepare(self, create: bool) -> None:
        with self._errors("open"):
            application, version = self._identity()
            if (application, version) == (0, 0) and not create:
                raise StoreError(
                    self.path, "is empty, not a negotrack store; create one with `negotrack record`"
                )
            # Nothing is written to a file that is not a negotrack store of a known schema.
            if (application, version) != (0, 0):
                self._check_identity(application, version)
            if (application, version) == (0, 0) or version < SCHEMA_VERSION:
                if self.read_only:
                    raise StoreError(
                        self.path,
                        f"is a store of schema {version}, to be brought to schema "
                        f"{SCHEMA_VERSION}, but its folder is read-only here; open it once "
                        "where it can be written",
                    )
                with self._transaction():
                    application, version = self._identity()
                    if (application, version) == (0, 0):
                        self._create()
                    elif application == APPLICATION_ID and 0 < version < SCHEMA_VERSION:
                        self._migrate(version)
                    application, version = self._identity()
            self._check_identity(application, version)
            if self.read_only:
                return
            # WAL lets readers go on while one process writes, and appends each commit to a
            # log instead of rewriting pages in place. synchronous=FULL makes every commit
            # wait for that log to reach the disk, so an acknowledged add or record survives
            # a crash of the process and of the machine; NORMAL would be faster but can lose
            # the last commits on power loss.
            mode = self._db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":  # pragma: no cover - e.g. a read-only medium
                raise StoreError(self.path, f"cannot use write-ahead logging (mode {mode})")
            self._db.execute("PRAGMA synchronous = FULL")

    def _check_identity(self, application: int, version: int) -> None:
        if application != APPLICATION_ID:
            raise StoreError(
                self.path,
                "is an SQLite database but not a negotrack store; "
                "open a store made by negotrack.open, or a new file",
            )
        if version > SCHEMA_VERSION:
            raise StoreError(
                self.path,
                f"was written by a newer negotrack (store schema {version}; this version "
                f"reads schema {SCHEMA_VERSION}); upgrade negotrack to open it",
            )
        if version < 1:
            raise StoreError(
                self.path,
                f"has an invalid store schema version {version}; the file was changed outside "
                "negotrack: restore it from a copy",
            )

    def _migrate(self, version: int) -> None:
        from .migration import migrate

        try:
            migrate(self._db, version, self._create)
        except (ValueError, TypeError, KeyError) as err:
            raise StoreError(
                self.path,
                f"cannot be brought from store schema {version} to {SCHEMA_VERSION} ({err}); "
                "nothing was changed: restore it from a copy",
            ) from None

    def _identity(self) -> tuple[int, int]:
        application = int(self._db.execute("PRAGMA application_id").fetchone()[0])
        version = int(self._db.execute("PRAGMA user_version").fetchone()[0])
        if application == 0 and version == 0 and self._has_tables():
            return -1, 0
        return application, version

    def _has_tables(self) -> bool:
        row = self._db.execute("SELECT count(*) FROM sqlite_schema WHERE type = 'table'")
        return bool(row.fetchone()[0])

    def _create(self) -> None:
        for statement in _SCHEMA.split(";\n"):
            if statement.strip():
                self._db.execute(statement)
        self._db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def close(self) -> None:
        """Close the file; the recorder can no longer be used."""
        with self._errors("close"):
            self._db.close()

    @contextlib.contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        """Turn SQLite's exceptions into StoreError naming the file."""
        try:
            yield
        except sqlite3.IntegrityError as err:
            raise StoreError(
                self.path, f"the store refused the write ({err}); nothing was written"
            ) from None
        except sqlite3.OperationalError as err:
            text = str(err)
            if "locked" in text or "busy" in text:
                raise StoreBusy(
                    self.path,
                    f"another process holds the write lock ({text}); nothing was written, "
                    "retry later",
                ) from None
            raise StoreError(self.path, f"cannot {doing} the store ({self._cause(text)})") from None
        except sqlite3.ProgrammingError as err:
            raise StoreError(self.path, f"cannot {doing} the store ({err})") from None
        except sqlite3.DatabaseError as err:
            raise StoreError(
                self.path,
                f"is not a usable negotrack store ({err}); restore it from a copy "
                "or export what can be read",
            ) from None

    def _cause(self, text: str) -> str:
        """SQLite's message, with what it usually means when it is not clear by itself."""
        if "disk I/O" in text:
            # In WAL mode this is how SQLite reports a -wal or -shm file removed or replaced
            # under an open connection, as well as a failing disk.
            return (
                f"{text}: the write-ahead log beside the store ({self.path.name}-wal, "
                f"{self.path.name}-shm) was removed or replaced while the store was in use, or "
                "the disk failed; close every program using the store, open it again and "
                "check it with `negotrack check --db`"
            )
        if "readonly" in text or "read-only" in text:
            return (
                f"{text}: the file or its folder is read-only here; ask for write access, or "
                "read a copy"
            )
        return text

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        """One write transaction, committed at the end, rolled back on any error."""
        with self._errors("write to"):
            # IMMEDIATE takes the write lock now, so that what we read next is what we
            # append after: no other writer can slip in between.
            self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
            with self._errors("commit to"):
                self._db.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("ROLLBACK")
            raise

    # -- the recorder ------------------------------------------------------------------------

    def append(self, records: Sequence[Stored], *, after: int) -> int:
        """Append `records` after position `after`, in one transaction (see `Recorder`)."""
        if self.read_only:
            raise StoreError(
                self.path,
                "is opened read-only (its folder cannot be written to here); nothing was "
                "written: open it where it can be written",
            )
        rows = [(r.kind, r.id, r.payload, r.digest) for r in records]
        with self._transaction(), self._errors("write to"):
            last = self._last()
            if last != after:
                raise Stale(self.path, "another process appended first; nothing was written, retry")
            before = self._db.total_changes
            self._db.executemany(
                "INSERT INTO records (kind, id, payload, digest) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (kind, id) DO NOTHING",
                rows,
            )
            self._seen = None  # our own commits do not move our data_version
            if self._db.total_changes - before != len(rows):
                raise StoreError(
                    self.path,
                    "a record's id is already stored although the tracker had not seen it; "
                    "nothing was written: the store was changed outside negotrack",
                )
            return self._last()

    def select(self, *, after: int, limit: int) -> list[Stored]:
        """Up to `limit` records after position `after`, in order (see `Recorder`)."""
        with self._errors("read"):
            version = int(self._db.execute("PRAGMA data_version").fetchone()[0])
            if self._seen is not None and self._seen == (version, after):
                return []  # no one committed since we last read to the end
            rows = self._db.execute(
                "SELECT kind, id, payload, digest, position FROM records "
                "WHERE position > ? ORDER BY position LIMIT ?",
                (after, limit),
            ).fetchall()
        records = [Stored._make(row) for row in rows]
        last = records[-1].position if records else after
        self._seen = (version, last) if len(records) < limit else None
        return records

    def wait(self, *, after: int, timeout: float) -> bool:
        """Look a few times a second, up to `timeout` seconds, for a record after `after`."""
        deadline = time.monotonic() + timeout
        while True:
            with self._errors("read"):
                if self._last() > after:
                    return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            time.sleep(min(_POLL, left))

    def pack(self, *, after: int) -> Pack | None:
        """The pack that starts right after position `after`, or None (see `Recorder`)."""
        try:
            row = self._db.execute(
                "SELECT first, last, anchor, body, digest FROM packs WHERE first = ?",
                (after + 1,),
            ).fetchone()
        except sqlite3.Error:
            return None  # no packs yet (a store written before packs, or a small one)
        return Pack.of(row)

    def keep(self, pack: Pack) -> bool:
        """Keep `pack` now if the write lock is free, else nothing (see `Recorder`)."""
        if self.read_only:
            return False
        try:
            self._db.execute("PRAGMA busy_timeout = 0")  # a cache is not worth a wait
            try:
                with self._transaction():
                    self._db.execute(_PACKS)
                    self._db.execute(
                        "INSERT OR REPLACE INTO packs (first, last, anchor, body, digest) "
                        "VALUES (?, ?, ?, ?, ?)",
                        pack,
                    )
            finally:
                self._db.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")
        except (StoreError, sqlite3.Error):
            return False
        return True

    def integrity(self) -> list[str]:
        """SQLite's own check of the file: [] when sound, else what it found."""
        with self._errors("check"):
            rows = self._db.execute("PRAGMA integrity_check").fetchall()
        found = [str(row[0]) for row in rows]
        return [] if found == ["ok"] else found

    def _last(self) -> int:
        row = self._db.execute("SELECT max(position) FROM records").fetchone()
        return int(row[0] or 0)
