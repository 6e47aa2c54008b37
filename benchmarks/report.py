"""How long the HTML report takes: the follow-through example, and 1,000 generated commitments.

    python benchmarks/report.py [--commitments 1000] [--repeat 5]

It times `negotrack.report` (the whole of it: the queries, the charts drawn by matplotlib and
written as SVG, the template, the atomic write), each the best of ``--repeat`` runs in this one
process, on:

- the follow-through example, ``examples/us-china-2025-2026.yaml`` as of 2026-03-01 (27
  commitments, 84 events, two targets): target under 2 s;
- a generated scenario of ``--commitments`` commitments (seeded: a random walk through the
  lifecycle each, a third with an expiry or a deadline, reciprocal pairs, one in fifty with a
  yearly target and its measurements, late reports, sources): target under 10 s. Its timeline
  is drawn in pages of `negotrack.plot.LANES_PER_PAGE` lanes.

It prints each time with its target and PASS or FAIL, the report's size, and the first run's
time (which pays for importing matplotlib and jinja2, and for their font cache when it is
cold). It exits 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import platform
import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import negotrack as nt
from negotrack import plot

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "us-china-2025-2026.yaml"
AS_OF = date(2026, 3, 1)
FORWARD = ("proposed", "consensus_reached", "approved", "implemented")
SUBJECTS = ("tariffs", "agriculture", "export controls", "shipping", "energy", "services")


def generated(n: int, seed: int = 13) -> nt.Tracker:
    """A tracker of `n` commitments shaped like a long negotiation, as of `AS_OF`."""
    rng = random.Random(seed)
    start = date(2024, 1, 1)
    span = (AS_OF - start).days
    sources = {
        f"s{k}": nt.Source(title=f"Source {k}", url=f"https://example.org/{k}") for k in range(40)
    }
    tracker = nt.Tracker(
        scenario=nt.Scenario(
            id="generated",
            title=f"{n:,} generated commitments",
            parties={"A": "A", "B": "B"},
            sources=sources,
        )
    )
    commitments, events = [], []
    for i in range(n):
        cid = f"c{i:05d}-{SUBJECTS[i % len(SUBJECTS)].replace(' ', '-')}"
        first = start + timedelta(days=rng.randrange(span - 30))
        limits = {}
        if rng.random() < 0.33:
            key = "expires" if rng.random() < 0.5 else "deadline"
            limits[key] = first + timedelta(days=rng.randrange(30, 700))
        target = None
        if i % 50 == 7:
            target = nt.Target(
                amount=rng.choice((10, 25, 100)),
                unit="MMT",
                start=first,
                end=first + timedelta(days=3 * 365 - 1),
                per="year",
            )
        links = ()
        if i % 10 == 1:  # a reciprocal pair with the one before
            links = (nt.Link("reciprocal", commitments[-1].id),)
        commitments.append(
            nt.Commitment(
                id=cid,
                title=f"Commitment {i} on {SUBJECTS[i % len(SUBJECTS)]}",
                by="A",
                to="B",
                subject=SUBJECTS[i % len(SUBJECTS)],
                target=target,
                links=links,
                **limits,
            )
        )
        day = first
        for kind in FORWARD[rng.randrange(2) : rng.randrange(2, 5)]:
            late = timedelta(days=rng.randrange(20)) if rng.random() < 0.2 else timedelta(0)
            events.append(
                nt.Event(
                    commitment=cid,
                    kind=kind,
                    on=day,
                    reported=day + late,
                    actor="Someone",
                    source=f"s{rng.randrange(40)}",
                    quote="we agree" if rng.random() < 0.3 else None,
                )
            )
            day += timedelta(days=rng.randrange(1, 120))
        if rng.random() < 0.1:
            events.append(nt.Event(commitment=cid, kind="lapsed", on=day, reason="withdrawn"))
        if target is not None:
            for k in range(rng.randrange(2, 8)):
                events.append(
                    nt.Event(
                        commitment=cid,
                        kind="measured",
                        on=first + timedelta(days=40 * k + 5),
                        amount=rng.choice((0.5, 1, 2, 4)),
                    )
                )
    tracker.add(*commitments)
    tracker.record(*events)
    return tracker


def best(run: Callable[[], object], repeat: int) -> tuple[float, float]:
    """The first run's time and the best of `repeat` runs (the first one included)."""
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        run()
        times.append(time.perf_counter() - began)
    return times[0], min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commitments", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(
        f"{platform.system()} {platform.machine()}, Python {platform.python_version()}, "
        f"best of {args.repeat}"
    )
    failed = False
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "report.html"
        example = nt.load(EXAMPLE)
        big = generated(args.commitments)
        n_events = len(big.events())
        cases = [
            (f"follow-through ({len(example)} commitments)", example, 2.0),
            (f"generated ({args.commitments:,} commitments, {n_events:,} events)", big, 10.0),
        ]
        for name, tracker, target in cases:
            first, fastest = best(lambda t=tracker: nt.report(t, out, on=AS_OF), args.repeat)
            pages = -(-len(tracker) // plot.LANES_PER_PAGE)
            ok = fastest < target
            failed |= not ok
            print(
                f"report   {name:<52} {fastest:7.2f} s  (target {target:.0f} s) "
                f"{'PASS' if ok else 'FAIL'}; first run {first:.2f} s, "
                f"{out.stat().st_size / 1e6:.2f} MB, {pages} timeline page(s)"
            )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
