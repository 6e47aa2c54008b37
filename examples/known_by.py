"""What was known on 27 October 2025, against what is known now.

The follow-through scenario dates every event twice: when it happened (`on`) and when it
became known (`reported`). Asking with ``known_by`` replays only what had been reported by
then, so the picture an analyst had on 27 October 2025 can be set beside today's, and the days
whose record was revised after the fact can be listed. Run it with
``python examples/known_by.py [--today YYYY-MM-DD] [SCENARIO]``.
"""

from __future__ import annotations

import argparse
import signal
from datetime import date
from pathlib import Path

import negotrack as nt

SCENARIO = Path(__file__).resolve().parent.parent / "examples" / "us-china-2025-2026.yaml"
THEN = date(2025, 10, 27)


def stage(status: nt.Status) -> str:
    """A stage in a word or two."""
    if status.stage is None:
        return "(not yet on record)"
    reason = ""
    if status.reason is not None:
        reason = f" ({status.reason.value}{', inferred' if status.inferred else ''})"
    return f"{status.stage.value}{reason}"


def main(argv: list[str] | None = None) -> None:
    """Print then against now, then every day the record was revised in hindsight."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("scenario", nargs="?", type=Path, default=SCENARIO)
    parser.add_argument("--today", type=date.fromisoformat, default=date.today())
    args = parser.parse_args(argv)
    tracker = nt.load(args.scenario)
    today: date = args.today

    then = tracker.snapshot(on=THEN, known_by=THEN)
    now = tracker.snapshot(on=today)
    print(f"== as known on {THEN}, against as known on {today}")
    for cid in then:
        print(f"  {cid}: {stage(then[cid])} -> {stage(now[cid])}")

    print("== revised in hindsight: reported after the day they happened")
    # Several late reports of one day, known on one date, are one revision: shown once.
    revisions = dict.fromkeys(
        (event.commitment, event.on, event.reported)
        for event in tracker.events()
        if event.reported is not None and event.reported > event.on
    )
    for cid, day, reported in revisions:
        before = tracker.status(cid, on=day, known_by=day)
        after = tracker.status(cid, on=day, known_by=reported)
        if before != after:
            print(
                f"  {day}  {cid}: on record that day as {stage(before)}; "
                f"since {reported} known to be {stage(after)}"
            )


if __name__ == "__main__":
    # A reader that stops early (`| head`) ends the script quietly, as it would `cat`.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    main()
