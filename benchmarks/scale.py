"""negotrack at scale, against the floor: every goal of the performance work, measured in one run.

    python benchmarks/scale.py                       # 70,000 events on 20,033 commitments
    python benchmarks/scale.py --events 1000000      # the 1M row of the scale table
    python benchmarks/scale.py --events 10000 --quick   # no store, no memory

The workload is seeded: commitments that each walk the lifecycle (a few events each, some
noise, 30% with an expiry), 30% of the events reported late (1 to 60 days after their date),
all recorded in shuffled order. Every time is the best of ``--repeat`` runs, the two sides of
each ratio run in turn, each from a collected heap, and the garbage collector runs as a user
has it: on. negotrack pauses it itself while it records, reads a store or folds in bulk (see
the README), and the timings include what that costs afterwards.

The floor is the least Python that computes the same answers from the same `Event` objects:
group the events by commitment as packed int keys (day, same-day rank, recording order, kind)
and sort each group: that index is what any later fold reads, for as-of or known-by; fold
each group through a plain dict of (stage, kind) -> stage with the expiry rule at each change
of day, keeping per commitment the list of days and the list of stages; an as-of answer is
one bisection per commitment. Its known-by answers fold only the keys of the events known by
then. Its memory is that index and those lists.

Goals (each printed with its ratio and pass or fail; the size each was set at in brackets):

- replay: add + record + the first snapshot on a populated date, at most 2.5x the floor
  [20,000 commitments, 70,000 events, the default];
- known-by: 50 snapshots each with its own (on, known_by), at most 3x 50 plain snapshots of
  the same dates, answers equal to the floor's [the default];
- monitoring loop: record one event then snapshot(today), at most 1.5x a warm
  snapshot(today) [100k events];
- many dates: snapshots(100 dates) at least 3x faster than 100 snapshot calls;
- store open: opening an SQLite store of the events and answering a snapshot, at most 2x the
  in-memory replay of the same events [1M events]. The store is written as a user would (one
  `add`, one `record`), so it holds the packs its writer or its first reader wrote (see the
  README); the first open of a copy without packs, which reads every record and packs them,
  is printed beside it;
- accounts: 50 snapshots on one party's word (`according_to`), at most 1.5x 50 plain snapshots
  of the same dates, on the workload with one commitment in ten giving the parties' accounts;
- memory: what negotrack keeps beyond the events it is given (traced with tracemalloc), at
  most 1.5x what the floor keeps [100k and 1M events]; bytes per event, and what one more
  cached known-by view costs, printed.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import random
import shutil
import sqlite3
import sys
import tempfile
import time
import tracemalloc
from bisect import bisect_right
from collections.abc import Callable
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import attrs
from machine import describe  # benchmarks/machine.py, beside this script
from replay import as_of_dates, new_commitment, walk

import negotrack as nt

T = TypeVar("T")

LC = nt.LIFECYCLE
STAGES = list(LC.stages)
CODE = {s: i for i, s in enumerate(STAGES)}
RANK = LC.same_day_rank()
LAPSED = CODE[nt.Stage.LAPSED]
REVIVED = nt.EventKind.REVIVED
TABLE = {(-1 if s is None else CODE[s], k): CODE[t] for (s, k), t in LC.outcomes().items()}


# -- the workload --------------------------------------------------------------------------


def workload(
    events_wanted: int, seed: int, late: float = 0.3
) -> tuple[list[nt.Commitment], list[nt.Event]]:
    """About `events_wanted` events over commitments walking the lifecycle, shuffled: the
    replay benchmark's walks (`replay.walk`), a share `late` of the events reported late."""
    rng = random.Random(seed)
    start, span = date(2016, 1, 1), 10 * 365
    commitments: list[nt.Commitment] = []
    events: list[nt.Event] = []
    while len(events) < events_wanted:
        commitment, day = new_commitment(rng, f"c{len(commitments):07d}", start, span)
        commitments.append(commitment)
        for kind, on in walk(rng, day):
            reported = on + timedelta(days=rng.randrange(1, 61)) if rng.random() < late else None
            events.append(nt.Event(commitment=commitment.id, kind=kind, on=on, reported=reported))
    rng.shuffle(events)
    return commitments, events


# -- the floor -----------------------------------------------------------------------------

Index = list[tuple[str, list[int]]]  # per commitment, its events' packed keys, sorted
Folded = list[tuple[str, list[int], list[int]]]  # per commitment, (id, days, stages)


def floor_index(commitments: list[nt.Commitment], events: list[nt.Event]) -> Index:
    """Group the events by commitment as packed keys (day, same-day rank, recording order,
    kind), each group sorted: what any later fold reads, for as-of or known-by."""
    groups: dict[str, list[int]] = {c.id: [] for c in commitments}
    for seq, e in enumerate(events):
        groups[e.commitment].append(
            (e.on.toordinal() << 40) | (RANK[e.kind] << 32) | (seq << 4) | RANK[e.kind]
        )
    for keys in groups.values():
        keys.sort()
    return list(groups.items())


def floor_fold(
    commitments: list[nt.Commitment],
    index: Index,
    events: list[nt.Event],
    known_by: date | None = None,
) -> Folded:
    """Fold every commitment's keys (of the events known by `known_by`) into its timeline."""
    kinds = LC.same_day_order
    folded = []
    for c, (cid, keys) in zip(commitments, index, strict=True):
        if known_by is not None:
            keys = [k for k in keys if events[(k >> 4) & 0xFFFFFFF].known_on <= known_by]
        days: list[int] = []
        stages = [-1]
        stage, today = -1, -1
        end = None if c.expires is None else c.expires.toordinal()
        for key in keys:
            day = key >> 40
            if day != today:
                if end is not None and 0 <= stage < LAPSED and today <= end < day:
                    days.append(end)
                    stages.append(LAPSED)
                    stage = LAPSED
                today = day
            kind = kinds[key & 15]
            target = TABLE.get((stage, kind))
            if target is not None and target != stage:
                if kind is REVIVED:
                    end = None
                stage = target
                days.append(day)
                stages.append(target)
        if end is not None and 0 <= stage < LAPSED and end >= today and keys:
            days.append(end)
            stages.append(LAPSED)
        folded.append((cid, days, stages))
    return folded


def floor_as_of(folded: Folded, day: int) -> dict[str, int]:
    return {cid: stages[bisect_right(days, day)] for cid, days, stages in folded}


# -- measuring -----------------------------------------------------------------------------


def timed(run: Callable[[], object]) -> float:
    """Seconds `run` takes, from a collected heap (its result freed after the timing)."""
    gc.collect()
    started = time.perf_counter()
    result = run()
    elapsed = time.perf_counter() - started
    del result
    return elapsed


def duel(
    repeat: int, first: Callable[[], object], second: Callable[[], object]
) -> tuple[float, float]:
    """Both sides in turn, `repeat` times; the best time of each."""
    a, b = [], []
    for _ in range(repeat):
        a.append(timed(first))
        b.append(timed(second))
    return min(a), min(b)


def traced(build: Callable[[], T]) -> tuple[int, int, T]:
    """Bytes still allocated by `build` once it returns (its result alive), and its peak."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    result = build()
    gc.collect()
    after, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return after - before, peak - before, result


def stage_code(status: nt.Status) -> int:
    return -1 if status.stage is None else CODE[status.stage]


def agree(tracker: nt.Tracker, folded: Folded, on: date, known_by: date | None = None) -> int:
    """How many commitments negotrack and the floor put in the same stage (all, or it fails)."""
    floor = floor_as_of(folded, on.toordinal())
    got = tracker.snapshot(on=on, known_by=known_by)
    same = sum(stage_code(status) == floor[cid] for cid, status in got.items())
    assert same == len(floor), f"negotrack and the floor differ on {on} (known by {known_by})"
    return same


def packs(path: Path) -> tuple[int, int]:
    """How many packs the store at `path` has, and the last position they cover."""
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        try:
            row = db.execute("SELECT count(*), coalesce(max(last), 0) FROM packs").fetchone()
        except sqlite3.OperationalError:  # no pack written yet
            return 0, 0
    return int(row[0]), int(row[1])


class Goals:
    """The goals' ratios, each printed with its limit and pass or fail."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, float, str, float]] = []

    def at_most(self, name: str, ratio: float, limit: float) -> None:
        self.rows.append((name, ratio, "<=", limit))

    def at_least(self, name: str, ratio: float, limit: float) -> None:
        self.rows.append((name, ratio, ">=", limit))

    def report(self) -> int:
        print("goals (each ratio from this run):")
        failed = 0
        for name, ratio, sense, limit in self.rows:
            ok = ratio <= limit if sense == "<=" else ratio >= limit
            failed += not ok
            verdict = "pass" if ok else "FAIL"
            print(f"  {name:<52} {ratio:6.2f}x  (goal {sense} {limit:g})  {verdict}")
        return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--events", type=int, default=70_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="skip the store and memory")
    args = parser.parse_args(argv)
    print(f"machine: {describe()}")
    commitments, events = workload(args.events, args.seed)
    late = sum(e.reported is not None for e in events)
    print(
        f"workload: {len(commitments):,} commitments, {len(events):,} events "
        f"({late / len(events):.0%} reported late), shuffled, seed {args.seed}"
    )
    goals = Goals()
    times: list[tuple[str, float]] = []
    dates = as_of_dates(events, 100)
    populated = dates[len(dates) // 2]

    # Replay: add + record + the first answer, on a populated date.
    def replay() -> nt.Tracker:
        t = nt.Tracker()
        t.add(*commitments)
        t.record(*events)
        t.snapshot(on=populated)
        return t

    def floor_first() -> tuple[Index, Folded]:
        index = floor_index(commitments, events)
        folded = floor_fold(commitments, index, events)
        floor_as_of(folded, populated.toordinal())
        return index, folded

    t_replay, f_replay = duel(args.repeat, replay, floor_first)
    times += [("floor replay (group, sort, fold, first answer)", f_replay)]
    times += [("negotrack replay (add, record, first snapshot)", t_replay)]
    goals.at_most("replay: negotrack / floor", t_replay / f_replay, 2.5)
    tracker = replay()
    index, folded = floor_first()
    checked = sum(agree(tracker, folded, d) for d in dates[::10])

    # As-of: 100 dates, one snapshot each, against the floor; then all at once.
    ordinals = [d.toordinal() for d in dates]
    t_asof, f_asof = duel(
        args.repeat,
        lambda: [tracker.snapshot(on=d) for d in dates],
        lambda: [floor_as_of(folded, o) for o in ordinals],
    )
    t_many, t_each = duel(
        args.repeat,
        lambda: tracker.snapshots(dates),
        lambda: [tracker.snapshot(on=d) for d in dates],
    )
    many = tracker.snapshots(dates)
    assert all(many[d] == tracker.snapshot(on=d) for d in dates[::7])
    times += [("floor as-of, 100 dates", f_asof), ("negotrack snapshot, 100 dates", t_asof)]
    times += [("negotrack snapshots(100 dates), one sweep", t_many)]
    goals.at_least("many dates: 100 snapshot calls / snapshots(100)", t_each / t_many, 3.0)

    # Known-by: 50 (on, known_by) pairs, each its own, against 50 plain snapshots of the
    # same dates, each side on a tracker that has answered one plain snapshot (as a user's
    # has); the tracker's set-up is outside the timing.
    rng = random.Random(args.seed + 1)
    pairs = [(d, d - timedelta(days=rng.randrange(0, 45))) for d in dates[::2]]
    trackers: list[nt.Tracker] = []

    def fresh() -> None:
        trackers.clear()
        trackers.append(replay())

    def known_run() -> int:
        t = trackers[0]
        return len([t.snapshot(on=on, known_by=r) for on, r in pairs])

    def plain_run() -> int:
        t = trackers[0]
        return len([t.snapshot(on=on) for on, _ in pairs])

    k_times, p_times = [], []
    for _ in range(args.repeat):
        fresh()
        k_times.append(timed(known_run))
        fresh()
        p_times.append(timed(plain_run))
    trackers.clear()
    t_known, t_plain = min(k_times), min(p_times)
    times += [("50 known-by snapshots, each its own known_by", t_known)]
    times += [("50 plain snapshots of the same dates", t_plain)]
    goals.at_most("known-by: 50 known-by / 50 plain snapshots", t_known / t_plain, 3.0)
    for on, r in pairs[::5]:
        checked += agree(tracker, floor_fold(commitments, index, events, r), on, r)

    # Monitoring loop: record one event, then ask about today.
    today = dates[-1]
    probe = commitments[len(commitments) // 2].id
    counter = iter(range(10**9))

    def loop() -> int:
        for _ in range(20):
            n = next(counter)
            tracker.record(
                nt.Event(commitment=probe, kind="proposed", on=today, note=f"report {n}")
            )
            tracker.snapshot(on=today)
        return 20

    def warm() -> int:
        for _ in range(20):
            tracker.snapshot(on=today)
        return 20

    t_loop, t_warm = duel(args.repeat, loop, warm)
    times += [("20 x (record one event + snapshot today)", t_loop)]
    times += [("20 x warm snapshot today", t_warm)]
    goals.at_most("monitoring: record + snapshot / warm snapshot", t_loop / t_warm, 1.5)

    # Accounts: the same workload with one commitment in ten giving the parties' accounts
    # (each of its events US, CN or neutral); snapshots on one party's word against plain ones
    # of the same dates, on one tracker that has answered both once (a user's, warm), and
    # the first answer on a party's word against a plain first answer.
    pick = random.Random(args.seed + 2)
    party_of = {c.id: i % 10 == 0 for i, c in enumerate(commitments)}
    accounted = [
        attrs.evolve(e, account=pick.choice(("US", "CN", None))) if party_of[e.commitment] else e
        for e in events
    ]

    def replay_accounted() -> nt.Tracker:
        t = nt.Tracker()
        t.add(*commitments)
        t.record(*accounted)
        t.snapshot(on=populated)
        return t

    on_word = replay_accounted()
    on_word.snapshot(on=populated, according_to="US")
    t_word, t_plain_word = duel(
        args.repeat,
        lambda: [on_word.snapshot(on=d, according_to="US") for d, _ in pairs],
        lambda: [on_word.snapshot(on=d) for d, _ in pairs],
    )
    firsts: list[tuple[float, float]] = []
    for _ in range(args.repeat):
        new = replay_accounted()
        word = timed(partial(new.snapshot, on=today, according_to="CN"))
        firsts.append((word, timed(partial(new.snapshot, on=today))))
    disputed = sum(s.disputed for s in on_word.snapshot(on=today).values())
    print(
        f"accounts: {sum(party_of.values()):,} commitments with party accounts, "
        f"{disputed:,} disputed on {today}"
    )
    times += [("50 snapshots on one party's word (warm)", t_word)]
    times += [("50 plain snapshots, same tracker (warm)", t_plain_word)]
    goals.at_most("accounts: per-account / plain snapshot", t_word / t_plain_word, 1.5)
    first_word, first_plain = min(f[0] for f in firsts), min(f[1] for f in firsts)
    print(
        f"accounts: the first snapshot on a party's word {first_word * 1000:.1f} ms, against "
        f"{first_plain * 1000:.1f} ms for a plain one on a new date (not a goal)"
    )

    if not args.quick:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "scale.db"
            bare = Path(folder) / "bare.db"
            started = time.perf_counter()
            with nt.open(path) as store:
                store.add(*commitments)
                store.record(*events)
            t_write = time.perf_counter() - started
            packed = packs(path)

            def open_store() -> Any:
                with nt.open(path) as t:
                    return t.snapshot(on=populated)

            def in_memory() -> Any:
                t = nt.Tracker()
                t.add(*commitments)
                t.record(*events)
                return t.snapshot(on=populated)

            def unpacked() -> None:  # a copy without packs, as an earlier version wrote it
                shutil.copyfile(path, bare)
                with contextlib.closing(sqlite3.connect(bare)) as db:
                    db.execute("DROP TABLE IF EXISTS packs")
                    db.execute("VACUUM")

            def open_bare() -> Any:  # reads every record, and writes the packs
                with nt.open(bare) as t:
                    return t.snapshot(on=populated)

            t_open, t_mem = duel(args.repeat, open_store, in_memory)
            size = path.stat().st_size
            unpacked()
            bare_size = bare.stat().st_size
            t_bare = timed(open_bare)
            assert open_store() == in_memory() == open_bare(), "the store and memory disagree"
        print(
            f"store: written in {t_write:.1f} s, the writer packing {packed[0]} packs (up to "
            f"position {packed[1]:,}); {size / 2**20:.0f} MB after the opens, "
            f"{bare_size / 2**20:.0f} MB without packs"
        )
        times += [("open the store + snapshot", t_open), ("in-memory replay + snapshot", t_mem)]
        times += [("open the store without packs (and pack it)", t_bare)]
        goals.at_most("store: open + snapshot / in-memory replay", t_open / t_mem, 2.0)
        print(
            f"store without packs: open + snapshot / in-memory replay {t_bare / t_mem:.2f}x "
            "(the first open of a store that has none writes them; not a goal)"
        )

        del tracker
        mine, mine_peak, kept = traced(replay)
        kept.snapshot(on=populated, known_by=pairs[0][1])  # the first known-by view
        view, _, _ = traced(lambda: kept.snapshot(on=populated, known_by=pairs[1][1]))
        del kept
        theirs, theirs_peak, _ = traced(floor_first)
        per = len(events)
        print(
            f"memory beyond the events: negotrack {mine / per:.0f} bytes/event "
            f"({mine / 2**20:.1f} MB, peak {mine_peak / 2**20:.1f} MB); floor "
            f"{theirs / per:.0f} bytes/event ({theirs / 2**20:.1f} MB, peak "
            f"{theirs_peak / 2**20:.1f} MB); one more cached known-by view {view / 2**20:.2f} MB "
            f"({view / mine:.0%} of the tracker)"
        )
        goals.at_most("memory: negotrack / floor (bytes kept)", mine / theirs, 1.5)

    print(f"negotrack equals the floor on {checked:,} (commitment, date) answers")
    print(f"times (best of {args.repeat}; the two sides of each ratio run in turn):")
    for name, seconds in times:
        print(f"  {name:<52} {seconds * 1000:10.1f} ms")
    return goals.report()


if __name__ == "__main__":
    sys.exit(main())
