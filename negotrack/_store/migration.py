"""Migrations of SQLite stores written by earlier releases, run once when a store is opened.

Schema 1 (negotrack 0.1) kept the scenario in a `meta` table and commitments and events in
tables of their own; schema 2 keeps every record in one append-only `records` table, each with
its digest. Migrating re-encodes every row through the codec, keeping event ids exactly as
they were (derived ids are digests of the same content), in one transaction with the rest.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import date
from typing import Any

from negotrack import _codec, _records
from negotrack._commitments import Commitment, Link
from negotrack._events import Event
from negotrack._scenario import Scenario


def migrate(db: sqlite3.Connection, version: int, create: Callable[[], None]) -> None:
    """Bring a store of schema `version` to the current schema (inside a transaction)."""
    if version == 1:
        _from_1(db, create)


def _day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def _from_1(db: sqlite3.Connection, create: Callable[[], None]) -> None:
    records = []
    row = db.execute("SELECT value FROM meta WHERE key = 'scenario'").fetchone()
    if row is not None:
        scenario = _codec.structure(json.loads(row[0]), Scenario)
        records.append(_records.encode("scenario", scenario))
    for cid, title, by, to, subject, deadline, expires, note, links in db.execute(
        'SELECT id, title, by, "to", subject, deadline, expires, note, links '
        "FROM commitments ORDER BY position"
    ):
        commitment = Commitment(
            id=cid,
            title=title,
            by=by,
            to=to,
            subject=subject,
            deadline=_day(deadline),
            expires=_day(expires),
            note=note,
            links=tuple(Link(kind, target) for kind, target in json.loads(links)),
        )
        records.append(_records.encode("commitment", commitment))
    for row in db.execute(
        'SELECT id, given_id, commitment, kind, "on", reported, actor, source, quote, note, '
        "reason, deadline, expires FROM events ORDER BY position"
    ):
        event = _event(row)
        records.append(_records.encode("event", event, event.given_id))
    for statement in (
        "DROP TRIGGER IF EXISTS commitments_are_kept",
        "DROP TRIGGER IF EXISTS commitments_are_not_deleted",
        "DROP TRIGGER IF EXISTS events_are_kept",
        "DROP TRIGGER IF EXISTS events_are_not_deleted",
        "DROP TABLE events",
        "DROP TABLE commitments",
        "DROP TABLE meta",
    ):
        db.execute(statement)
    create()
    db.executemany(
        "INSERT INTO records (kind, id, payload, digest) VALUES (?, ?, ?, ?)",
        [(r.kind, r.id, r.payload, r.digest) for r in records],
    )


def _event(row: tuple[Any, ...]) -> Event:
    eid, given, cid, kind, on, reported, actor, source, quote, note, reason, deadline, expires = row
    event = Event(
        commitment=cid,
        kind=kind,
        on=date.fromisoformat(on),
        reported=_day(reported),
        actor=actor,
        source=source,
        quote=quote,
        note=note,
        reason=reason,
        deadline=_day(deadline),
        expires=_day(expires),
        id=eid if given else None,
    )
    if event.id != eid:
        raise ValueError(f"event {eid!r} does not match its content; restore the file from a copy")
    return event
