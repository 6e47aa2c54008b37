"""Stores: `negotrack.open` gives a `Tracker` whose every change is kept in a store.

A store is named by a file path (an SQLite file, created when missing) or by a PostgreSQL
URL (``postgresql://...``, with the ``[postgres]`` extra). Either way the tracker is the same:
`add` and `record` return once what they wrote is committed, and every question first takes
in what other processes appended.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from negotrack import _packs, _records
from negotrack._exceptions import InvalidValue, StoreError, install_hint
from negotrack._lifecycle import LIFECYCLE, Lifecycle
from negotrack._recorder import Recorder, Stored
from negotrack._scenario import Scenario
from negotrack._session import RECORD_CLASSES
from negotrack._tracker import Tracker

from . import conninfo

_CHUNK = 10_000


def open(  # shadows the builtin inside this module only: negotrack.open is the API
    path: str | os.PathLike[str],
    *,
    strict: bool = False,
    lifecycle: Lifecycle = LIFECYCLE,
    timeout: float = 5.0,
    create: bool = True,
    scenario: Scenario | None = None,
) -> Tracker:
    """Open the store at `path` (created when missing, unless ``create=False``).

    With `scenario` (a `Scenario`: id, title, parties and sources), the store keeps that
    description, as `negotrack record` keeps a file's: `export` writes it, and events citing
    a source it does not declare are refused. It is written only when it differs from the
    one stored.

    The tracker has the in-memory tracker's API; `add` and `record` return once what they
    wrote is committed to disk. `timeout` is how long a writer waits for other writers
    before raising `StoreBusy`. Close it with `close()` or a ``with`` block.

    `path` may be a PostgreSQL URL (``postgresql://USER@HOST:PORT/DATABASE``, any libpq URL
    or ``key=value`` string) with the ``[postgres]`` extra: the database must exist, and
    negotrack's two tables are made in it when missing. Messages and `Tracker.location`
    name it without its password.
    """
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout >= 0:
        raise InvalidValue("timeout", timeout, "a number of seconds, 0 or more")
    recorder = recorder_for(path, timeout=timeout, create=create)
    try:
        tracker = Tracker(strict=strict, lifecycle=lifecycle, recorder=recorder)
        if scenario is not None and tracker.scenario != scenario:
            tracker.scenario = scenario
        return tracker
    except BaseException:
        recorder.close()
        raise


def verify(location: str | os.PathLike[str], *, timeout: float = 5.0) -> list[str]:
    """Every problem of the store at `location`, [] when it is sound.

    The storage checks itself (SQLite's integrity check); every record is read and checked
    against its digest or derived id and its value object's own checks, each bad one named
    by its position; each pack (the copy of many records a store opens from, see
    `negotrack._packs`) is checked against the records it covers; then, if all is sound, the
    log's rules (an event names a known commitment...). A store that cannot be opened at all
    raises StoreError.
    """
    recorder = recorder_for(location, timeout=timeout, create=False)
    try:
        problems = [f"the storage reports: {problem}" for problem in recorder.integrity()]
        for records in _chunks(recorder, after=0):
            for record in records:
                try:
                    _records.decode(record, RECORD_CLASSES)
                except ValueError as err:
                    problems.append(str(err))
        problems += _packs_problems(recorder)
        if not problems:
            try:
                Tracker(recorder=recorder)
            except StoreError as err:
                problems.append(err.problem)
    finally:
        recorder.close()
    return problems


def _chunks(recorder: Recorder, *, after: int) -> Iterator[list[Stored]]:
    """The store's records after position `after`, in order, a chunk at a time."""
    while True:
        records = recorder.select(after=after, limit=_CHUNK)
        if records:
            yield records
        if len(records) < _CHUNK:
            return
        after = records[-1].position


def _packs_problems(recorder: Recorder) -> list[str]:
    """What is wrong with the packs a reader would take in, each against its records."""
    problems = []
    after = 0
    while (pack := recorder.pack(after=after)) is not None:
        records: list[Stored] = []  # those at the pack's positions (they may skip numbers)
        for chunk in _chunks(recorder, after=after):
            records += [r for r in chunk if r.position <= pack.last]
            if chunk[-1].position >= pack.last:
                break
        last = records[-1] if records and records[-1].position == pack.last else None
        found = _packs.check(pack, last, records, RECORD_CLASSES)
        if found is not None:
            problems.append(found)
        after = pack.last
    return problems


def recorder_for(location: str | os.PathLike[str], *, timeout: float, create: bool) -> Recorder:
    """The recorder for a store's path or URL.

    A ``postgresql://`` or ``postgres://`` URL, or a libpq ``key=value`` string naming a
    ``dbname`` or a ``host``, is a PostgreSQL store (psycopg is imported only then); anything
    else is the path of an SQLite file.
    """
    if (
        not isinstance(location, (str, os.PathLike))
        or not str(location).strip()
        or "\x00" in str(location)
    ):
        raise InvalidValue("path", location, "a store's file path or a postgresql:// URL")
    other = conninfo.other_url(location) if isinstance(location, str) else None
    if other is not None:
        raise StoreError(
            other,
            "is not a store: expected the path of a store file, or a PostgreSQL URL "
            "(postgresql://USER@HOST:PORT/DATABASE)",
        )
    if isinstance(location, str) and conninfo.is_postgres(location):
        try:
            from .postgres import PostgresRecorder
        except ImportError as err:  # psycopg missing, or installed without libpq
            why = "" if err.name == "psycopg" else f" ({' '.join(str(err).split())})"
            raise StoreError(
                conninfo.name(conninfo.rough_params(location)),
                f"a PostgreSQL store needs the PostgreSQL driver{why}; {install_hint('postgres')}",
            ) from None
        return PostgresRecorder(location, timeout=timeout, create=create)
    # Imported when a store is opened: `import negotrack` loads no store backend (sqlite3).
    from .sqlite import SQLiteRecorder

    return SQLiteRecorder(Path(location), timeout=timeout, create=create)
