"""What pausing the garbage collector saves: the scale workload replayed with the pause and without.

    python benchmarks/collector.py                  # 70,000 events on about 20,000 commitments
    python benchmarks/collector.py --events 10000

negotrack pauses the cyclic collector while it records, reads a store or folds in bulk
(`negotrack._collector`). Without the pause (``gc.disable`` made a no-op for the run), the
collector's passes walk everything the tracker holds, again and again. Both sides run in turn,
``--repeat`` times, each from a collected heap with the collector on as a user has it; the
best time of each and their ratio are printed, measured in this one run.
"""

from __future__ import annotations

import argparse
import gc
import sys
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).parent))

from replay import as_of_dates
from scale import duel, workload

import negotrack as nt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=70_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    commitments, events = workload(args.events, 2026)
    dates = as_of_dates(events, 100)
    populated = dates[len(dates) // 2]

    def replay() -> nt.Tracker:
        tracker = nt.Tracker()
        tracker.add(*commitments)
        tracker.record(*events)
        tracker.snapshot(on=populated)
        return tracker

    def unpaused() -> nt.Tracker:
        with mock.patch.object(gc, "disable", return_value=None):
            return replay()

    paused, running = duel(args.repeat, replay, unpaused)
    print(f"{len(events):,} events on {len(commitments):,} commitments: add + record + snapshot")
    print(f"  collector paused (as shipped): {paused * 1000:8.1f} ms")
    print(f"  collector running throughout:  {running * 1000:8.1f} ms")
    print(f"  running / paused:              {running / paused:8.2f}x")


if __name__ == "__main__":
    main()
