"""The PostgreSQL fixture gives each test a fresh database on a real server, then drops it."""

from __future__ import annotations

import psycopg
import pytest
from postgres import fresh_database, password_url, restart_server
from postgres import postgres_url as postgres_url  # the fixture ("as": ruff's F811)


def test_fresh_database_answers(postgres_url: str) -> None:
    """The fixture's database answers SELECT 1 and holds no table yet."""
    with psycopg.connect(postgres_url) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
        assert conn.info.dbname.startswith("negotrack_t_")
        tables = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
        assert tables.fetchone() == (0,)


def test_database_is_dropped_even_with_a_connection_left_open(postgres_url: str) -> None:
    """A fresh database is gone afterwards; a connection left open to it is cut."""
    with fresh_database() as url:
        left_open = psycopg.connect(url, autocommit=True)
        name = left_open.info.dbname
    with psycopg.connect(postgres_url) as conn:
        row = conn.execute("SELECT count(*) FROM pg_database WHERE datname = %s", (name,))
        assert row.fetchone() == (0,)
    with pytest.raises(psycopg.OperationalError):
        left_open.execute("SELECT 1")
    assert left_open.broken
    left_open.close()


def test_password_role_reaches_the_fresh_database(postgres_url: str) -> None:
    """The password-only role connects to the fresh database and may create tables there."""
    url = password_url(postgres_url)
    if url is None:
        pytest.skip("NEGOTRACK_TEST_POSTGRES_PASSWORD_URL is not set")
    with psycopg.connect(url) as conn:
        assert conn.info.user == "negotrack_pw"
        conn.execute("CREATE TABLE t (x int)")


def test_restart_cuts_open_connections(postgres_url: str) -> None:
    """After restart_server() an open connection is broken and a new one works."""
    with psycopg.connect(postgres_url) as conn:
        conn.execute("SELECT 1")
        restart_server()
        with pytest.raises(psycopg.OperationalError):
            conn.execute("SELECT 1")
        assert conn.broken
    with psycopg.connect(postgres_url) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
