"""The two stores side by side: SQLite against PostgreSQL, on the same machine, in one run.

    source .ci/postgres start && python benchmarks/stores.py

(``--url URL`` names another server; ``--help`` for sizes.) The PostgreSQL URL comes from
``NEGOTRACK_TEST_POSTGRES``; its role must be allowed to create databases: the benchmark makes
two fresh ones beside the URL's database and drops them at the end. It times:

- append: ``record`` of one event, ``--appends`` times, each its own transaction and durable
  when it returns (SQLite: WAL with ``synchronous=FULL``; PostgreSQL: ``synchronous_commit``
  on and the server's fsync): the time per event, best of ``--repeat`` rounds;
- a question on an open store with nothing new: what every answer pays to take in what other
  processes appended (SQLite reads its data version, PostgreSQL runs one indexed query);
- open plus first snapshot: a store of ``--events`` events (the replay benchmark's workload),
  opened fresh and asked one snapshot, best of ``--repeat``;
- copy: the whole workload into an empty store, in one transaction (`negotrack copy`).

The two sides of each ratio run in turn, so that load elsewhere on the machine hits both; it
prints each time and the ratio PostgreSQL / SQLite.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import describe
from replay import as_of_dates, duel, workload

import negotrack as nt
from negotrack._store.transfer import copy


@contextmanager
def fresh_database(url: str) -> Iterator[str]:
    """A new database on the server of `url`, dropped at the end; its connection string."""
    name = f"negotrack_bench_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield make_conninfo(url, dbname=name)
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def appends(store: str, n: int, round_: int) -> float:
    """Seconds per event for `n` single-event records into `store` (a new commitment)."""
    cid = f"bench-{round_}"
    with nt.open(store) as t:
        t.add(nt.Commitment(id=cid, title=cid, by="A", to="B"))
        events = [
            nt.Event(commitment=cid, kind="approved", on=date(2025, 1, 1), note=f"report {i}")
            for i in range(n)
        ]
        started = time.perf_counter()
        for e in events:
            t.record(e)
        return (time.perf_counter() - started) / n


def questions(store: str, n: int) -> float:
    """Seconds per question (`len`) on an open store to which nothing is appended."""
    with nt.open(store) as t:
        len(t)
        started = time.perf_counter()
        for _ in range(n):
            len(t)
        return (time.perf_counter() - started) / n


def best_in_turn(
    repeat: int, first: Callable[[], float], second: Callable[[], float]
) -> tuple[float, float]:
    a, b = [], []
    for _ in range(repeat):
        a.append(first())
        b.append(second())
    return min(a), min(b)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("NEGOTRACK_TEST_POSTGRES"))
    parser.add_argument("--events", type=int, default=100_000, help="events in the open test")
    parser.add_argument("--appends", type=int, default=500, help="single-event records")
    parser.add_argument("--questions", type=int, default=2_000, help="questions with no news")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2025)
    args = parser.parse_args(argv)
    if not args.url:
        parser.error("give --url or set NEGOTRACK_TEST_POSTGRES (source .ci/postgres start)")

    sample_c, sample_e = workload(1_000, args.seed)
    per = len(sample_e) / len(sample_c)  # events per commitment
    commitments, events = workload(max(1, round(args.events / per)), args.seed)
    source = nt.Tracker()
    source.add(*commitments)
    source.record(*events)
    day = as_of_dates(events, 3)[1]
    rows: list[tuple[str, float, float]] = []

    with (
        tempfile.TemporaryDirectory() as folder,
        fresh_database(args.url) as small,
        fresh_database(args.url) as big,
    ):
        sqlite_small = str(Path(folder) / "small.db")
        sqlite_big = str(Path(folder) / "big.db")
        round_ = iter(range(10**6))
        a_sqlite, a_pg = best_in_turn(
            args.repeat,
            lambda: appends(sqlite_small, args.appends, next(round_)),
            lambda: appends(small, args.appends, next(round_)),
        )
        rows.append((f"append one event ({args.appends} records)", a_sqlite, a_pg))
        q_sqlite, q_pg = best_in_turn(
            args.repeat,
            lambda: questions(sqlite_small, args.questions),
            lambda: questions(small, args.questions),
        )
        rows.append(("a question with nothing new", q_sqlite, q_pg))

        def copied(store: str) -> Callable[[], float]:
            def run() -> float:
                started = time.perf_counter()
                with nt.open(store) as target:
                    copy(source, target)
                return time.perf_counter() - started

            return run

        c_sqlite, c_pg = best_in_turn(1, copied(sqlite_big), copied(big))

        def opened(store: str) -> Callable[[], Any]:
            def run() -> Any:
                with nt.open(store) as t:
                    return t.snapshot(on=day)

            return run

        o_sqlite, answer, o_pg = duel(args.repeat, opened(sqlite_big), opened(big))
        assert answer == opened(big)() == source.snapshot(on=day), "the stores disagree"
        rows.append((f"open a store of {len(events):,} events + snapshot", o_sqlite, o_pg))
        rows.append((f"copy {len(events):,} events into an empty store", c_sqlite, c_pg))

    print(f"machine: {describe()}")
    with psycopg.connect(args.url) as conn:
        version = conn.info.server_version
    print(
        f"PostgreSQL {version // 10000}.{version % 10000}, psycopg {psycopg.__version__} "
        f"({psycopg.pq.__impl__}), SQLite {sqlite3.sqlite_version}"
    )
    print(f"{'measure':<46} {'SQLite':>11} {'PostgreSQL':>11} {'PG / SQLite':>12}")
    for name, a, b in rows:
        print(f"{name:<46} {fmt(a):>11} {fmt(b):>11} {b / a:>11.2f}x")
    return 0


def fmt(seconds: float) -> str:
    if seconds < 0.001:
        return f"{seconds * 1e6:.0f} us"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


if __name__ == "__main__":
    sys.exit(main())
