"""The PostgreSQL store's tables: making them, and knowing them for negotrack's.

`negotrack_records` has the SQLite store's layout (store schema 2): one row per record, its
`position` from an identity column, ``UNIQUE (kind, id)``. `negotrack_meta` says
``application = negotrack`` and ``schema = 2``. Rows of `negotrack_records` are never updated,
deleted or truncated: triggers in the database refuse it, whoever asks, and the owner's own
UPDATE and DELETE privileges are revoked (it keeps TRUNCATE, which the trigger refuses, because
``LOCK TABLE ... IN EXCLUSIVE MODE`` needs it). Other roles that write to a team's store need
SELECT, INSERT and TRUNCATE on `negotrack_records` and SELECT on `negotrack_meta`.

The tables are made in the first schema of the search path, beside whatever else the database
holds (``options=-csearch_path=SCHEMA`` in the URL picks another schema).
"""

from __future__ import annotations

import psycopg
from psycopg import errors
from psycopg.rows import TupleRow

from negotrack._exceptions import StoreError

SCHEMA_VERSION = 2
APPLICATION = "negotrack"

_SCHEMA = (
    """CREATE TABLE negotrack_records (
        position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        kind text NOT NULL,
        id text,
        payload text NOT NULL,
        digest text,
        UNIQUE (kind, id)
    )""",
    "CREATE TABLE negotrack_meta (key text PRIMARY KEY, value text NOT NULL)",
    """CREATE OR REPLACE FUNCTION negotrack_records_are_kept() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'negotrack_records is append-only: % refused', TG_OP
            USING ERRCODE = 'insufficient_privilege', HINT = 'record a new event instead';
    END $$""",
    """CREATE TRIGGER negotrack_records_are_kept BEFORE UPDATE OR DELETE ON negotrack_records
    FOR EACH ROW EXECUTE FUNCTION negotrack_records_are_kept()""",
    """CREATE TRIGGER negotrack_records_are_not_truncated BEFORE TRUNCATE ON negotrack_records
    FOR EACH STATEMENT EXECUTE FUNCTION negotrack_records_are_kept()""",
    "REVOKE UPDATE, DELETE ON negotrack_records FROM PUBLIC, CURRENT_USER",
)
_CREATE_LOCK = 0x4E54524B  # an advisory lock key: two processes never make the tables twice


def prepare(
    conn: psycopg.Connection[TupleRow], location: str, *, create: bool, lock_ms: int
) -> None:
    """Check that `conn`'s database holds a negotrack store it can read, making one if asked.

    Raises StoreError for a foreign or newer store, or (without `create`) for none at all;
    psycopg's own errors are left to the caller. `conn` is in autocommit mode.
    """
    meta = _identity(conn, location)
    if meta is None:
        if not create:
            raise StoreError(
                location,
                "is not a negotrack store (the database has no negotrack_records table); "
                "record into it first with `negotrack record --db URL FILE`",
            )
        # One process makes the tables; the others wait, then see them. The check is made in
        # a transaction begun after the lock is taken: one begun before would look the tables
        # up in a stale catalog cache.
        conn.execute(f"SET lock_timeout = {lock_ms}")
        conn.execute("SELECT pg_advisory_lock(%s)", (_CREATE_LOCK,))
        try:
            with conn.transaction():
                if _identity(conn, location) is None:
                    for statement in _SCHEMA:
                        conn.execute(statement)
                    conn.execute(
                        "INSERT INTO negotrack_meta (key, value) "
                        "VALUES ('application', %s), ('schema', %s)",
                        (APPLICATION, str(SCHEMA_VERSION)),
                    )
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_CREATE_LOCK,))
            conn.execute("RESET lock_timeout")
        meta = _identity(conn, location) or {}
    if meta.get("application") != APPLICATION:
        raise _foreign(location, "its negotrack_meta table was not made by negotrack")
    try:
        version = int(str(meta.get("schema", "")))
    except ValueError:
        raise StoreError(
            location, f"has an invalid store schema version {meta.get('schema')!r}"
        ) from None
    if version > SCHEMA_VERSION:
        raise StoreError(
            location,
            f"was written by a newer negotrack (store schema {version}; this version reads "
            f"schema {SCHEMA_VERSION}); upgrade negotrack to open it",
        )
    if version < SCHEMA_VERSION:
        raise StoreError(location, f"has an invalid store schema version {version}")


def _identity(conn: psycopg.Connection[TupleRow], location: str) -> dict[object, object] | None:
    """What negotrack_meta says, or None when neither table is there."""
    row = conn.execute(
        "SELECT to_regclass('negotrack_records') IS NOT NULL, "
        "to_regclass('negotrack_meta') IS NOT NULL"
    ).fetchone()
    has_records, has_meta = row if row is not None else (False, False)
    if not has_meta:
        if has_records:
            raise _foreign(location, "it has a negotrack_records table but no negotrack_meta")
        return None
    try:
        rows = conn.execute("SELECT key, value FROM negotrack_meta").fetchall()
        meta: dict[object, object] = dict(rows)
    except (errors.UndefinedColumn, errors.DatatypeMismatch):
        raise _foreign(location, "its negotrack_meta table was not made by negotrack") from None
    if meta.get("application") == APPLICATION and not has_records:
        raise StoreError(
            location,
            "is a negotrack store without its negotrack_records table; restore it from a backup",
        )
    return meta


def _foreign(location: str, why: str) -> StoreError:
    return StoreError(
        location,
        f"is not a negotrack store ({why}); open a database made by negotrack.open, or one "
        "without negotrack_records and negotrack_meta tables",
    )
