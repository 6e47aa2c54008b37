"""The seed scenario as of several dates, and what changed between 26 October and 10 November.

The seed records the Kuala Lumpur talks as they stood on 26 October 2025, and nothing after.
Asking it about later dates shows what follows from that record alone: the leaders' meeting
falls due on 30 October, the truce runs out on 10 November, and the commitments tied to it are
exposed. Run it with ``python examples/seed_as_of.py [SCENARIO]``.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import negotrack as nt

SEED = Path(__file__).resolve().parent.parent / "seeds" / "us-china-kuala-lumpur-2025.yaml"
DATES = (date(2025, 10, 26), date(2025, 10, 31), date(2025, 11, 10))


def describe(status: nt.Status) -> str:
    """One status in a few words."""
    if status.stage is None:
        return "(none)"
    words = f"{status.stage.value} since {status.since}"
    if status.reason is not None:
        words += f" ({status.reason.value}{', inferred' if status.inferred else ''})"
    if status.at_risk:
        words += f", at risk from {', '.join(status.at_risk_from)}"
    return words


def changes(tracker: nt.Tracker, start: date, end: date) -> Iterator[str]:
    """What moved after `start` and up to `end` (`Tracker.changes`), one line each."""
    for change in tracker.changes(start, end):
        if change.kind is nt.ChangeKind.STAGE:
            step = change.transition
            assert step is not None
            source = "(none)" if step.source is None else step.source.value
            how = "inferred" if step.inferred else f"reported by {step.event and step.event.actor}"
            reason = f"{step.reason.value}, " if step.reason else ""
            moved = f"{source} -> {step.target.value} ({reason}{how})"
            yield f"{change.on}  {change.commitment}: {moved}"
        elif change.kind is nt.ChangeKind.AT_RISK:
            lapsed = ", ".join(change.at_risk_from)
            yield f"{change.on}  {change.commitment}: now at risk ({lapsed} lapsed)"
        else:
            yield f"{change.on}  {change.commitment}: no longer at risk"


def main(argv: list[str] | None = None) -> None:
    """Print the seed's status on each date, then the changes between the first and last."""
    args = sys.argv[1:] if argv is None else argv
    tracker = nt.load(args[0] if args else SEED)
    for day in DATES:
        print(f"== as of {day}")
        for cid, status in tracker.snapshot(on=day).items():
            print(f"  {cid}: {describe(status)}")
    print(f"== what changed after {DATES[0]} up to {DATES[-1]}, from the seed alone")
    for line in changes(tracker, DATES[0], DATES[-1]):
        print(f"  {line}")


if __name__ == "__main__":
    # A reader that stops early (`| head`) ends the script quietly, as it would `cat`.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    main()
