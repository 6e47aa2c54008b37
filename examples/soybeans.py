"""The 2025-26 soybean tranche: how China's purchases tracked the 12 million tonnes pledged.

The follow-through scenario gives the pledge a target (12 MMT between 30 October 2025 and
28 February 2026) and records the purchases reported along the way, some of them late. For a
series of dates this prints the progress twice: as it stood on the record then (`known_by`
that date), and as it stands now that every report is in. The gap between the two is what the
late reports changed. Run it with ``python examples/soybeans.py [SCENARIO]``.
"""

from __future__ import annotations

import argparse
import signal
from datetime import date
from pathlib import Path

import negotrack as nt

SCENARIO = Path(__file__).resolve().parent.parent / "examples" / "us-china-2025-2026.yaml"
PLEDGE = "soybean-12mmt-2025"
DATES = [
    date(2025, 11, 15),
    date(2025, 12, 15),
    date(2025, 12, 31),
    date(2026, 1, 15),
    date(2026, 1, 31),
    date(2026, 2, 28),
]


def described(progress: nt.Progress | None) -> str:
    """A progress in a few words: delivered against the target, and the pace."""
    if progress is None:
        return "no target"
    pace = "on track" if progress.on_track else f"behind (pace: {progress.expected:.1f})"
    share = f"{progress.share:.0%}"
    return f"{progress.delivered:g}/{progress.target:g} {progress.unit} ({share}), {pace}"


def main(argv: list[str] | None = None) -> None:
    """Print the pledge's progress on each date, as then known and as known now."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("scenario", nargs="?", type=Path, default=SCENARIO)
    args = parser.parse_args(argv)
    tracker = nt.load(args.scenario)
    target = tracker.commitment(PLEDGE).target
    assert target is not None
    print(f"{PLEDGE}: {target.amount:g} {target.unit}, {target.start} to {target.end}")
    print(f"{'date':<12}{'as known then':<38}as known now")
    for on in DATES:
        then = tracker.status(PLEDGE, on=on, known_by=on).progress
        now = tracker.status(PLEDGE, on=on).progress
        print(f"{on.isoformat():<12}{described(then):<38}{described(now)}")
    after = tracker.status(PLEDGE, on=date(2026, 3, 1))
    verdict = "missed (lapsed)" if after.reason is nt.LapseReason.TARGET_MISSED else "met"
    print(f"at the end of the period: {verdict}")


if __name__ == "__main__":
    # A reader that stops early (`| head`) ends the script quietly, as it would `cat`.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    main()
