"""The real PostgreSQL server for the tests, as `.ci/postgres start` leaves it in the environment.

Use it from a test module::

    import psycopg
    from postgres import postgres_url as postgres_url  # the fixture ("as": ruff's F811)

    def test_something(postgres_url: str) -> None:
        with psycopg.connect(postgres_url) as conn: ...

`postgres_url` is a fresh, empty database per test, dropped afterwards (with FORCE, so a
connection the test left open does not stop the drop). Without a server the test is skipped,
but under CI (`CI=true`) it fails: CI must run these tests.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import subprocess
import uuid
from collections.abc import Iterator
from urllib.parse import quote, urlencode

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

SERVER = "NEGOTRACK_TEST_POSTGRES"
ADMIN = "NEGOTRACK_TEST_POSTGRES_ADMIN"
PASSWORD_URL = "NEGOTRACK_TEST_POSTGRES_PASSWORD_URL"
HOW = "start one with `source .ci/postgres start`"


def server_url() -> str | None:
    """The test server's URL (database `negotrack_test`), or None when none is configured."""
    return os.environ.get(SERVER) or None


def require_server() -> str:
    """The test server's URL; skips the test without one, or fails it under CI."""
    url = server_url()
    if url is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{SERVER} is not set: CI must run the PostgreSQL tests ({HOW} in .ci/run)")
        pytest.skip(f"no PostgreSQL server: {SERVER} is not set ({HOW})")
    return url


def with_dbname(url: str, dbname: str) -> str:
    """The same connection string (URL or key=value) for another database, as a URL."""
    params = {k: str(v) for k, v in conninfo_to_dict(url).items() if v is not None}
    params.pop("dbname", None)
    user = quote(params.pop("user", ""), safe="")
    password = params.pop("password", None)
    userinfo = f"{user}:{quote(password, safe='')}@" if password is not None else f"{user}@"
    query = urlencode(params, safe="/")
    return f"postgresql://{userinfo}/{quote(dbname, safe='')}" + (f"?{query}" if query else "")


def admin_url() -> str:
    """A superuser URL for CREATE/DROP DATABASE (database `postgres`)."""
    return os.environ.get(ADMIN) or with_dbname(require_server(), "postgres")


def password_url(url: str) -> str | None:
    """`url`'s database as the password-only role (`negotrack_pw`), or None without one."""
    base = os.environ.get(PASSWORD_URL)
    if not base:
        return None
    return with_dbname(base, str(conninfo_to_dict(url)["dbname"]))


@contextlib.contextmanager
def fresh_database(base: str | None = None) -> Iterator[str]:
    """A new empty database on the server of `base` (the test server by default); its URL."""
    base = base or require_server()
    admin = os.environ.get(ADMIN) if base == server_url() else None
    admin = admin or with_dbname(base, "postgres")
    name = f"negotrack_t_{os.getpid()}_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield with_dbname(base, name)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh database on the test server, dropped after the test; its URL."""
    with fresh_database(require_server()) as url:
        yield url


def pg_ctl(action: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Runs `pg_ctl ACTION` on the test server's cluster, as the OS user that owns it.

    `restart` and `start` keep the server's log in its folder (without `-l` the server would
    hold pg_ctl's output pipe open and this call would never return).
    """
    require_server()
    env = os.environ
    missing = [
        v for v in ("DATA", "BIN", "OS_USER", "DIR") if not env.get(f"NEGOTRACK_TEST_POSTGRES_{v}")
    ]
    if missing:
        pytest.fail(f"NEGOTRACK_TEST_POSTGRES_{missing[0]} is not set ({HOW})")
    command = [
        os.path.join(env["NEGOTRACK_TEST_POSTGRES_BIN"], "pg_ctl"),
        "-D",
        env["NEGOTRACK_TEST_POSTGRES_DATA"],
        "-w",
        "-t",
        "60",
    ]
    if action in ("start", "restart"):
        command += ["-l", os.path.join(env["NEGOTRACK_TEST_POSTGRES_DIR"], "server.log")]
    command += [action, *args]
    owner = env["NEGOTRACK_TEST_POSTGRES_OS_USER"]
    if pwd.getpwuid(os.geteuid()).pw_name != owner:
        command = ["runuser", "-u", owner, "--", *command]
    result = subprocess.run(command, capture_output=True, text=True, cwd="/", timeout=120)
    if result.returncode != 0:
        pytest.fail(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}")
    return result


def restart_server() -> None:
    """Restarts the test server (fast mode: open sessions are cut, committed work stays)."""
    pg_ctl("restart", "-m", "fast")
