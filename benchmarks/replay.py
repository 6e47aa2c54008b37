"""Replay and as-of at scale: negotrack against the floor, and against the naive way.

Run ``python benchmarks/replay.py`` (``--help`` for sizes). In one run it builds a seeded
workload (by default 20,000 commitments, each a random walk through the lifecycle, 30% with
an expiry, every event recorded in shuffled order, 100 as-of dates over the span) and times:

- the floor: the least Python that computes the same answers (plain tuples sorted once, one
  dict lookup per event in a table precomputed from the lifecycle, a list of (day, stage) per
  commitment, bisection for as-of);
- negotrack: ``Tracker``, ``add`` every commitment, ``record(*events)``, then ``snapshot`` on
  every date;
- the naive way: one transitions ``Machine`` per commitment and one trigger per event, on a
  slice (with negotrack timed on the same slice);
- a store: opening a file of the workload's events and answering one snapshot, against the
  in-memory replay of the same events;
- the command: ``negotrack status`` on the seed scenario against ``import negotrack``.

"Replay" on each side ends with the answer for the first date, since negotrack folds when
first asked. It checks that negotrack's stage equals the floor's for every commitment on
every date, then prints each time and the ratios. Both sides run with the garbage collector
on, as a user runs them (negotrack pauses it itself during bulk work). The goals of the
performance work, against an exactly described floor, are `benchmarks/scale.py`'s; this one
adds the naive way and the command's process. Each ratio's two sides run in turn, and each
time is the best of ``--repeat`` runs: on a shared machine that is what resists noise. Peak
memory is read from a separate process that only builds the workload and answers it.
"""

from __future__ import annotations

import argparse
import gc
import random
import resource
import subprocess
import sys
import tempfile
import time
from bisect import bisect_right
from collections.abc import Callable, Iterator
from contextlib import suppress
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypeVar

from machine import describe  # benchmarks/machine.py, beside this script
from transitions import Machine, MachineError

import negotrack as nt
from negotrack._engine import START, machine_spec

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "us-china-kuala-lumpur-2025.yaml"
T = TypeVar("T")

STAGES = list(nt.LIFECYCLE.stages)
KINDS = list(nt.LIFECYCLE.event_order())
LIVE = nt.LIFECYCLE.live
FORWARD = [
    nt.EventKind.PROPOSED,
    nt.EventKind.CONSENSUS_REACHED,
    nt.EventKind.APPROVED,
    nt.EventKind.IMPLEMENTED,
]


# -- the workload --------------------------------------------------------------------------


def new_commitment(
    rng: random.Random, cid: str, start: date, span: int
) -> tuple[nt.Commitment, date]:
    """A commitment (30% with an expiry) and the day its walk starts, within `span` days."""
    day = start + timedelta(days=rng.randrange(span - 60))
    expires = day + timedelta(days=rng.randrange(30, 900)) if rng.random() < 0.3 else None
    return nt.Commitment(id=cid, title=cid, by="A", to="B", expires=expires), day


def walk(rng: random.Random, day: date) -> Iterator[tuple[nt.EventKind, date]]:
    """A random walk through the lifecycle from `day`: (kind, date) of 1 to 6 events.

    Mostly forward moves, sometimes skipping a rung; lapses and revivals; some noise. It
    draws from `rng` between the events, so a caller that draws for each event (a reason, a
    report date) gets the same workload from the same seed, event after event.
    """
    rung, lapsed = -1, False
    for _ in range(rng.choice((1, 2, 3, 3, 4, 4, 5, 6))):
        roll = rng.random()
        if lapsed:
            kind = nt.EventKind.REVIVED if roll < 0.7 else rng.choice(FORWARD)  # noise
            rung = 0 if kind is nt.EventKind.REVIVED else rung
            lapsed = kind is not nt.EventKind.REVIVED
        elif rung >= 0 and roll < 0.15:
            kind, lapsed = nt.EventKind.LAPSED, True
        elif roll < 0.95:
            rung = min(3, rung + rng.choice((1, 1, 1, 2)))  # forward, sometimes skipping
            kind = FORWARD[rung]
        else:
            kind = rng.choice(FORWARD)  # noise: a backwards move or a corroboration
        yield kind, day
        day += timedelta(days=rng.choice((0, 1, 7, 30, 90, 200)))


def workload(
    n: int, seed: int, start: date = date(2016, 1, 1), years: int = 10
) -> tuple[list[nt.Commitment], list[nt.Event]]:
    """`n` commitments, each a random walk through the lifecycle, events shuffled."""
    rng = random.Random(seed)
    commitments, events = [], []
    for i in range(n):
        commitment, day = new_commitment(rng, f"c{i:06d}", start, years * 365)
        commitments.append(commitment)
        for kind, on in walk(rng, day):
            reason = rng.choice(list(nt.LapseReason)) if kind is nt.EventKind.LAPSED else None
            events.append(nt.Event(commitment=commitment.id, kind=kind, on=on, reason=reason))
    rng.shuffle(events)
    return commitments, events


def as_of_dates(events: list[nt.Event], count: int) -> list[date]:
    """`count` dates spread evenly over the span of the events (and a little after)."""
    first = min(e.on for e in events).toordinal()
    last = max(e.on for e in events).toordinal() + 400
    return [date.fromordinal(first + (last - first) * i // max(1, count - 1)) for i in range(count)]


# -- the floor -----------------------------------------------------------------------------


def floor_inputs(
    commitments: list[nt.Commitment], events: list[nt.Event]
) -> tuple[list[tuple[int, int, int, int, int]], dict[int, int], dict[tuple[int, int], int]]:
    """Plain tuples and a plain table: what the floor starts from (not timed)."""
    index = {c.id: i for i, c in enumerate(commitments)}
    rank = {k: i for i, k in enumerate(KINDS)}
    code = {s: i for i, s in enumerate(STAGES)}
    rows = [
        (index[e.commitment], e.on.toordinal(), rank[e.kind], seq, rank[e.kind])
        for seq, e in enumerate(events)
    ]
    expires = {i: c.expires.toordinal() for i, c in enumerate(commitments) if c.expires}
    table = {
        (-1 if s is None else code[s], rank[k]): code[t]
        for (s, k), t in nt.LIFECYCLE.outcomes().items()
    }
    return rows, expires, table


LAPSED = STAGES.index(nt.Stage.LAPSED)
REVIVED = nt.LIFECYCLE.same_day_rank()[nt.EventKind.REVIVED]


def floor_replay(
    n: int,
    rows: list[tuple[int, int, int, int, int]],
    expires: dict[int, int],
    table: dict[tuple[int, int], int],
) -> list[tuple[list[int], list[int]]]:
    """Fold the events: one sort, one dict lookup per event, the expiry rule at day changes.

    A timeline is (days, stages) with stages[0] = -1 (no stage yet), so that bisecting the
    days gives the index of the stage directly. An expiry applies at the start of its day,
    decided by the stage at the end of the day before; a revival drops the expiry date.
    """
    timelines: list[tuple[list[int], list[int]]] = [([], [-1]) for _ in range(n)]
    rows.sort()
    current, stage, today, days, stages, end = -1, -1, -1, [], [], None
    for cid, day, _, _, kind in rows:
        if cid != current:
            if end is not None and 0 <= stage < LAPSED and end > today:
                days.append(end)
                stages.append(LAPSED)
            current, stage, today = cid, -1, -1
            days, stages = timelines[cid]
            end = expires.get(cid)
        if day != today:
            if end is not None and 0 <= stage < LAPSED and today < end <= day:
                days.append(end)
                stages.append(LAPSED)
                stage = LAPSED
            today = day
        target = table.get((stage, kind))
        if target is not None and target != stage:
            if kind == REVIVED:
                end = None
            stage = target
            days.append(day)
            stages.append(stage)
    if end is not None and 0 <= stage < LAPSED and end > today:
        days.append(end)
        stages.append(LAPSED)
    return timelines


def floor_rows(
    ids: list[str], timelines: list[tuple[list[int], list[int]]]
) -> list[tuple[str, list[int], list[int]]]:
    """(id, days, stages) for each commitment: what an as-of question walks."""
    return [(cid, days, stages) for cid, (days, stages) in zip(ids, timelines, strict=True)]


def floor_as_of(rows: list[tuple[str, list[int], list[int]]], day: int) -> dict[str, int]:
    """Every commitment's stage code on `day` (-1: none yet), by id."""
    return {cid: stages[bisect_right(days, day)] for cid, days, stages in rows}


# -- the naive way -------------------------------------------------------------------------


class Model:
    """A plain object for transitions to drive."""

    state: str


def naive_replay(commitments: list[nt.Commitment], events: list[nt.Event]) -> dict[str, str]:
    """One Machine per commitment, one trigger per event (no time limits)."""
    states, transitions = machine_spec(nt.LIFECYCLE)
    by_commitment: dict[str, list[nt.Event]] = {}
    for e in events:
        by_commitment.setdefault(e.commitment, []).append(e)
    result = {}
    for c in commitments:
        model = Model()
        Machine(
            model=model,
            states=states,
            transitions=transitions,
            initial=START,
            auto_transitions=False,
        )
        for e in sorted(by_commitment.get(c.id, []), key=lambda e: (e.on, KINDS.index(e.kind))):
            with suppress(MachineError):  # an anomaly: the state stays
                model.trigger(e.kind.value)  # type: ignore[attr-defined]
        result[c.id] = model.state
    return result


# -- measuring -----------------------------------------------------------------------------


def timed(run: Callable[[], T]) -> tuple[float, T]:
    """One run after a full collection, the collector on."""
    gc.collect()
    started = time.perf_counter()
    result = run()
    return time.perf_counter() - started, result


def duel(repeat: int, first: Callable[[], T], second: Callable[[], Any]) -> tuple[float, T, float]:
    """Run two contenders in turn, `repeat` times each; the best time of each.

    Alternating runs share whatever else the machine is doing at the time, so that a
    burst of load elsewhere does not favour one side of a ratio.
    """
    a_times, b_times = [], []
    result: T | None = None
    for _ in range(repeat):
        result = None  # let the previous run's result go before the next one starts
        a, result = timed(first)
        a_times.append(a)
        b_times.append(timed(second)[0])
    assert result is not None
    return min(a_times), result, min(b_times)


def command_times(first: list[str], second: list[str], repeat: int) -> tuple[float, float]:
    """The best wall time of two commands, run in turn."""
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for args, bucket in ((first, times[0]), (second, times[1])):
            started = time.perf_counter()
            subprocess.run(args, check=True, capture_output=True, cwd=ROOT)
            bucket.append(time.perf_counter() - started)
    return min(times[0]), min(times[1])


def peak_memory(args: argparse.Namespace) -> float:
    """Peak resident memory (MB) of a process that builds the workload and answers it."""
    child = subprocess.run(
        [
            sys.executable,
            __file__,
            "--memory-only",
            "--commitments",
            str(args.commitments),
            "--dates",
            str(args.dates),
            "--seed",
            str(args.seed),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return float(child.stdout.strip())


def memory_only(args: argparse.Namespace) -> None:
    commitments, events = workload(args.commitments, args.seed)
    tracker = nt.Tracker()
    tracker.add(*commitments)
    tracker.record(*events)
    for d in as_of_dates(events, args.dates):
        tracker.snapshot(on=d)
    print(peak_rss_mb())


def peak_rss_mb() -> float:
    """This process's peak resident memory, in MB.

    Linux keeps ru_maxrss across fork and exec, so a child started by a big parent would
    report the parent's peak; VmHWM is the child's own.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024 if sys.platform == "darwin" else 1024)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commitments", type=int, default=20_000)
    parser.add_argument("--dates", type=int, default=100)
    parser.add_argument("--naive", type=int, default=1_000, help="commitments in the naive slice")
    parser.add_argument(
        "--store-events", type=int, default=100_000, help="events in the store test"
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--memory-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_only:
        memory_only(args)
        return 0

    print(f"machine: {describe()}")
    commitments, events = workload(args.commitments, args.seed)
    dates = as_of_dates(events, args.dates)
    print(
        f"workload: {len(commitments)} commitments, {len(events)} events (shuffled), "
        f"{sum(c.expires is not None for c in commitments)} with an expiry, "
        f"{len(dates)} as-of dates, seed {args.seed}"
    )

    def negotrack_replay() -> nt.Tracker:
        tracker = nt.Tracker()
        tracker.add(*commitments)
        tracker.record(*events)
        tracker.snapshot(on=dates[0])  # the first question folds every commitment
        return tracker

    rows, expires, table = floor_inputs(commitments, events)
    ordinals = [d.toordinal() for d in dates]
    ids = [c.id for c in commitments]

    def floor_snapshot(day: int) -> dict[str, int]:
        return floor_as_of(folded, day)

    def floor_first_answer() -> list[tuple[str, list[int], list[int]]]:
        # Symmetric with negotrack's side: replay, then answer the first date.
        answers = floor_rows(ids, floor_replay(len(commitments), list(rows), expires, table))
        floor_as_of(answers, ordinals[0])
        return answers

    t_replay, tracker, f_replay = duel(args.repeat, negotrack_replay, floor_first_answer)
    folded = floor_first_answer()

    def negotrack_as_of() -> int:
        for d in dates:
            tracker.snapshot(on=d)  # each answer is a fresh mapping, dropped here
        return len(dates)

    def floor_all_dates() -> int:
        for o in ordinals:
            floor_snapshot(o)
        return len(ordinals)

    t_asof, _, f_asof = duel(args.repeat, negotrack_as_of, floor_all_dates)

    mismatches = 0
    for d, o in zip(dates, ordinals, strict=True):
        floor = floor_snapshot(o)
        for cid, status in tracker.snapshot(on=d).items():
            code = floor[cid]
            if (status.stage is None and code != -1) or (
                status.stage is not None and STAGES[code] is not status.stage
            ):
                mismatches += 1
    checked = len(dates) * len(commitments)
    print(
        f"agreement: negotrack equals the floor on {checked - mismatches} of {checked} "
        "(commitment, date) pairs"
    )

    part = commitments[: args.naive]
    in_part = {c.id for c in part}
    part_events = [e for e in events if e.commitment in in_part]

    def slice_replay() -> nt.Tracker:
        t = nt.Tracker()
        t.add(*part)
        t.record(*part_events)
        t.snapshot(on=dates[0])
        return t

    n_time, _, s_time = duel(1, lambda: naive_replay(part, part_events), slice_replay)

    # The store: the same kind of workload, sized by events.
    per = len(events) / len(commitments)
    s_commitments, s_events = workload(max(1, round(args.store_events / per)), args.seed + 1)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        with nt.open(path) as store:
            store.add(*s_commitments)
            store.record(*s_events)
        day = dates[len(dates) // 2]

        def open_store() -> Any:
            with nt.open(path) as t:
                return t.snapshot(on=day)

        def in_memory() -> Any:
            t = nt.Tracker()
            t.add(*s_commitments)
            t.record(*s_events)
            return t.snapshot(on=day)

        o_time, from_store, m_time = duel(args.repeat, open_store, in_memory)
        assert from_store == in_memory(), "the store and the in-memory tracker disagree"

    status_time, import_time = command_times(
        [sys.executable, "-m", "negotrack", "status", str(SEED)],
        [sys.executable, "-c", "import negotrack"],
        args.repeat + 2,
    )
    peak_mb = peak_memory(args)

    def line(name: str, seconds: float, note: str = "") -> None:
        print(f"  {name:<46} {seconds * 1000:10.1f} ms  {note}")

    print(f"times (best of {args.repeat} runs, contenders run in turn):")
    line("floor replay (sort + fold + first date)", f_replay)
    line("negotrack replay (add + record + first snapshot)", t_replay)
    line(f"floor as-of ({len(dates)} dates)", f_asof)
    line(f"negotrack snapshots ({len(dates)} dates)", t_asof)
    line(f"naive: a Machine per commitment ({len(part)})", n_time)
    line(f"negotrack on the same slice ({len(part)})", s_time)
    line(f"open a store of {len(s_events)} events + snapshot", o_time)
    line(f"in-memory replay of the same {len(s_events)} events", m_time)
    line("negotrack status seeds/... (process)", status_time)
    line('python -c "import negotrack" (process)', import_time)
    print("ratios:")
    print(f"  replay   negotrack / floor      {t_replay / f_replay:6.2f}x   ")
    print(f"  as-of    negotrack / floor      {t_asof / f_asof:6.2f}x   ")
    print(f"  naive    naive / negotrack      {n_time / s_time:6.1f}x")
    print(f"  store    open / in-memory       {o_time / m_time:6.2f}x   ")
    print(f"  command  status / import        {status_time / import_time:6.2f}x")
    print(f"peak memory of a process holding the workload and answering it: {peak_mb:.0f} MB ")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
