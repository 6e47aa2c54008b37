"""The durable store: an append-only event log in one SQLite file.

`open(path)` returns an ordinary `Tracker` whose every `add` and `record` is written here, in
one transaction, before it returns. The log is the truth: rows are never updated or deleted
(triggers refuse it), each event has a unique id (given, or derived from its content), and
stages are derived from the log when the file is opened. Several processes may share a file:
a writer takes SQLite's write lock, first reads what the others appended, then appends; if the
lock stays taken it gets `StoreBusy`, and retrying is safe.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import attrs

from ._checks import iso
from ._commitments import Commitment, Link
from ._events import Event
from ._exceptions import StoreBusy, StoreError
from ._lifecycle import LIFECYCLE, EventKind, LapseReason, Lifecycle
from ._scenario import Scenario
from ._tracker import News, Tracker

T = TypeVar("T")

SCHEMA_VERSION = 1
APPLICATION_ID = 0x4E54524B  # "NTRK": marks the file as a negotrack store

_SCHEMA = """
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE commitments (
    position INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    by TEXT NOT NULL,
    "to" TEXT NOT NULL,
    subject TEXT,
    deadline TEXT,
    expires TEXT,
    note TEXT,
    links TEXT NOT NULL
);
CREATE TABLE events (
    position INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    given_id INTEGER NOT NULL,
    commitment TEXT NOT NULL REFERENCES commitments (id),
    kind TEXT NOT NULL,
    "on" TEXT NOT NULL,
    reported TEXT,
    actor TEXT,
    source TEXT,
    quote TEXT,
    note TEXT,
    reason TEXT,
    deadline TEXT,
    expires TEXT
);
CREATE TRIGGER commitments_are_kept BEFORE UPDATE ON commitments
BEGIN SELECT RAISE(ABORT, 'commitments are never changed: record an event'); END;
CREATE TRIGGER commitments_are_not_deleted BEFORE DELETE ON commitments
BEGIN SELECT RAISE(ABORT, 'commitments are never deleted'); END;
CREATE TRIGGER events_are_kept BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only: record a new event'); END;
CREATE TRIGGER events_are_not_deleted BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only: record a new event'); END;
"""

_EVENT_COLUMNS = (
    'id, given_id, commitment, kind, "on", reported, actor, source, quote, note, reason, '
    "deadline, expires"
)
_COMMITMENT_COLUMNS = 'id, title, by, "to", subject, deadline, expires, note, links'


def open(  # shadows the builtin inside this module only: negotrack.open is the API
    path: str | os.PathLike[str],
    *,
    strict: bool = False,
    lifecycle: Lifecycle = LIFECYCLE,
    timeout: float = 5.0,
    create: bool = True,
) -> Tracker:
    """Open the store at `path` (created when missing, unless ``create=False``).

    The tracker has the in-memory tracker's API; `add` and `record` return once what they
    wrote is committed to disk. `timeout` is how long a writer waits for another process's
    write lock before raising `StoreBusy`. Close it with `close()` or a ``with`` block.
    """
    store = Store(Path(path), timeout=timeout, create=create)
    try:
        tracker = Tracker(strict=strict, lifecycle=lifecycle)
        tracker._attach(store)
    except BaseException:
        store.close()
        raise
    return tracker


class Store:
    """One SQLite file holding a scenario's description, its commitments and its events."""

    def __init__(self, path: Path, *, timeout: float = 5.0, create: bool = True) -> None:
        self.path = path
        self._commitments_seen = 0
        self._events_seen = 0
        self._version: int | None = None
        if path.is_dir():
            raise StoreError(path, "is a directory; expected a store file")
        if not path.parent.is_dir():
            raise StoreError(path, f"folder {str(path.parent)!r} does not exist")
        if not create and not path.exists():
            raise StoreError(path, "no such store; create one with `negotrack record`")
        with self._errors("open"):
            self._db = sqlite3.connect(
                path, timeout=timeout, isolation_level=None, check_same_thread=False
            )
        try:
            self._prepare(create)
        except BaseException:
            self._db.close()
            raise

    # -- the file ----------------------------------------------------------------------------

    def _prepare(self, create: bool) -> None:
        with self._errors("open"):
            self._db.execute("PRAGMA foreign_keys = ON")
            application, version = self._identity()
            if (application, version) == (0, 0) and not create:
                raise StoreError(
                    self.path, "is empty, not a negotrack store; create one with `negotrack record`"
                )
            if application == 0 and version == 0:
                with self.transaction():
                    application, version = self._identity()
                    if (application, version) == (0, 0):
                        self._create()
                        application, version = APPLICATION_ID, SCHEMA_VERSION
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
            # WAL lets readers go on while one process writes, and appends each commit to a
            # log instead of rewriting pages in place. synchronous=FULL makes every commit
            # wait for that log to reach the disk, so an acknowledged add or record survives
            # a crash of the process and of the machine; NORMAL would be faster but can lose
            # the last commits on power loss.
            mode = self._db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":  # pragma: no cover - e.g. a read-only medium
                raise StoreError(self.path, f"cannot use write-ahead logging (mode {mode})")
            self._db.execute("PRAGMA synchronous = FULL")

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
        """Close the file; the tracker can no longer be used."""
        with self._errors("close"):
            self._db.close()

    @contextlib.contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        """Turn SQLite's exceptions into StoreError naming the file."""
        try:
            yield
        except UnicodeEncodeError as err:
            bad = err.object[err.start : err.end]
            raise StoreError(
                self.path,
                f"cannot store text that is not valid Unicode ({bad!r}: {err.reason}); "
                "fix the text and try again",
            ) from None
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
            raise StoreError(self.path, f"cannot {doing} the store ({text})") from None
        except sqlite3.ProgrammingError as err:
            raise StoreError(self.path, f"cannot {doing} the store ({err})") from None
        except sqlite3.DatabaseError as err:
            raise StoreError(
                self.path,
                f"is not a usable negotrack store ({err}); restore it from a copy "
                "or export what can be read",
            ) from None

    # -- writing -----------------------------------------------------------------------------

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction, committed at the end, rolled back on any error."""
        with self._errors("write to"):
            # IMMEDIATE takes the write lock now, so that what we read next is what we
            # append after: no other writer can slip in between.
            self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("ROLLBACK")
            raise
        try:
            with self._errors("commit to"):
                self._db.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("ROLLBACK")
            raise

    def add_commitments(self, commitments: Sequence[Commitment]) -> None:
        """Append commitments (inside `transaction`)."""
        rows = [
            (
                c.id,
                c.title,
                c.by,
                c.to,
                c.subject,
                iso(c.deadline),
                iso(c.expires),
                c.note,
                json.dumps([[link.kind.value, link.target] for link in c.links]),
            )
            for c in commitments
        ]
        with self._errors("write to"):
            self._db.executemany(
                f"INSERT INTO commitments ({_COMMITMENT_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?)", rows
            )
            # We hold the write lock and had read everything before: ours are the last rows.
            self._commitments_seen = self._last("commitments")

    def append_events(self, events: Sequence[Event]) -> None:
        """Append events (inside `transaction`)."""
        rows = [
            (
                e.id,
                e._id is not None,
                e.commitment,
                e.kind.value,
                e.on.isoformat(),
                iso(e.reported),
                e.actor,
                e.source,
                e.quote,
                e.note,
                None if e.reason is None else e.reason.value,
                iso(e.deadline),
                iso(e.expires),
            )
            for e in events
        ]
        with self._errors("write to"):
            self._db.executemany(
                f"INSERT INTO events ({_EVENT_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", rows
            )
            self._events_seen = self._last("events")

    def save_scenario(self, document: dict[str, Any] | None) -> None:
        """Keep the scenario's description (inside `transaction`)."""
        with self._errors("write to"):
            if document is None:
                self._db.execute("DELETE FROM meta WHERE key = 'scenario'")
            else:
                self._db.execute(
                    "INSERT INTO meta (key, value) VALUES ('scenario', ?) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (json.dumps(document, ensure_ascii=False),),
                )

    # -- reading -----------------------------------------------------------------------------

    def news(self) -> News:
        """What was appended since the last `acknowledge` (everything, the first time).

        The rows are read in one transaction, so that they are one consistent state of the
        file even while other processes write; nothing moves until `acknowledge`.
        """
        with self._errors("read"):
            version = int(self._db.execute("PRAGMA data_version").fetchone()[0])
            if version == self._version:
                return News(False, None, [], [], None)
            reading = not self._db.in_transaction
            if reading:
                self._db.execute("BEGIN")
            try:
                row = self._db.execute("SELECT value FROM meta WHERE key = 'scenario'").fetchone()
                commitment_rows = self._after(
                    "commitments", _COMMITMENT_COLUMNS, self._commitments_seen
                )
                event_rows = self._after("events", _EVENT_COLUMNS, self._events_seen)
            finally:
                if reading:
                    self._db.execute("COMMIT")
        scenario = None if row is None else str(row[0])
        commitments = self._decode(commitment_rows, _commitment, "commitment")
        events = self._decode(event_rows, _event, "event")
        mark = (
            version,
            commitment_rows[-1][0] if commitment_rows else self._commitments_seen,
            event_rows[-1][0] if event_rows else self._events_seen,
        )
        return News(True, scenario, commitments, events, mark)

    def acknowledge(self, news: News) -> None:
        """Record that the tracker took `news` in: the next `news` starts after it."""
        if news.changed:
            self._version, self._commitments_seen, self._events_seen = news.mark

    def damaged(self, problem: str) -> StoreError:
        """The error for a file whose content breaks negotrack's own rules."""
        return StoreError(
            self.path,
            f"{problem}; the file was changed outside negotrack: restore it from a copy",
        )

    def _decode(
        self, rows: list[tuple[Any, ...]], decode: Callable[[Any], T], what: str
    ) -> list[T]:
        """Rows to value objects; a row that fails their checks is a damaged file."""
        try:
            return [decode(row[1:]) for row in rows]
        except (TypeError, ValueError, KeyError) as err:
            bad = next(row for row in rows if not _decodes(decode, row[1:]))
            raise self.damaged(f"the {what} at position {bad[0]} is not valid ({err})") from None

    def _after(self, table: str, columns: str, position: int) -> list[tuple[Any, ...]]:
        """The rows of `table` appended after `position`, in order, position first."""
        query = f"SELECT position, {columns} FROM {table} WHERE position > ? ORDER BY position"
        return self._db.execute(query, (position,)).fetchall()

    def rewind(self) -> None:
        """Make the next `news` return everything again."""
        self._commitments_seen = self._events_seen = 0
        self._version = None

    def _last(self, table: str) -> int:
        row = self._db.execute(f"SELECT max(position) FROM {table}").fetchone()
        return int(row[0] or 0)


def _decodes(decode: Callable[[Any], object], row: tuple[Any, ...]) -> bool:
    try:
        decode(row)
    except (TypeError, ValueError, KeyError):
        return False
    return True


_KINDS = {kind.value: kind for kind in EventKind}
_REASONS = {reason.value: reason for reason in LapseReason}


def _day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def _commitment(row: tuple[Any, ...]) -> Commitment:
    cid, title, by, to, subject, deadline, expires, note, links = row
    return Commitment(
        id=cid,
        title=title,
        by=by,
        to=to,
        subject=subject,
        deadline=_day(deadline),
        expires=_day(expires),
        note=note,
        links=() if links == "[]" else tuple(Link(k, t) for k, t in json.loads(links)),
    )


def _event(row: tuple[Any, ...]) -> Event:
    eid, given, cid, kind, on, reported, actor, source, quote, note, reason, deadline, expires = row
    return Event(
        commitment=cid,
        kind=_KINDS[kind],
        on=date.fromisoformat(on),
        reported=None if reported is None else date.fromisoformat(reported),
        actor=actor,
        source=source,
        quote=quote,
        note=note,
        reason=None if reason is None else _REASONS[reason],
        deadline=None if deadline is None else date.fromisoformat(deadline),
        expires=None if expires is None else date.fromisoformat(expires),
        id=eid if given else None,
    )


def merge(target: Tracker, source: Tracker) -> tuple[int, int, int]:
    """Add what `source` holds and `target` lacks, in one transaction; nothing twice.

    Commitments already in `target` must be identical; the scenario descriptions must have
    the same id, and parties and sources are merged (a key defined differently is an error).
    Returns (new commitments, new events, events already there). Running it twice changes
    nothing the second time.
    """
    with target._writing():
        mine, theirs = target.scenario, source.scenario
        if theirs is not None:
            merged = theirs if mine is None else _merged(mine, theirs, _where(target))
            if merged != mine:
                target.scenario = merged
        new = []
        for c in source.commitments():
            if c.id not in target:
                new.append(c)
            elif target.commitment(c.id) != c:
                raise StoreError(
                    _where(target),
                    f"commitment {c.id!r} differs from the one already recorded; commitments "
                    "are never changed: record an event instead, or give it a new id",
                )
        target.add(*new)
        events = source.events()
        added = target.record(*events)
    return len(new), added, len(events) - added


def _where(tracker: Tracker) -> str:
    return str(tracker._store.path) if tracker._store is not None else "the tracker"


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
