"""Watch a store that others record into, and print what changes as soon as it is recorded.

    python examples/monitor.py STORE [--as-of DATE] [--for SECONDS] [--once]

STORE is an SQLite file or a PostgreSQL URL (``postgresql://USER@HOST/DATABASE``, with the
``[postgres]`` extra: ``pip install '.[postgres]'`` in a clone). The monitor prints where the
store stands, then waits for news with ``tracker.refresh(wait=...)``, which blocks until
another process appends: a PostgreSQL store wakes it at once through LISTEN/NOTIFY, an SQLite
store is looked at a few times a second. After each piece of news it prints, as of the date
(today unless ``--as-of``), the commitments that moved stage, lapsed, or became at risk because
a linked commitment lapsed. Without ``--as-of`` it also looks again once a minute, so a
deadline passing at midnight shows up.

``--once`` stops after the first news, ``--for`` after that many seconds (by default it runs
until interrupted); either way the exit status is 0.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from collections.abc import Iterator, Mapping
from datetime import date

import negotrack as nt

LOOK_AGAIN = 60.0  # seconds: the longest wait, after which the date may have changed


def changes(before: Mapping[str, nt.Status], after: Mapping[str, nt.Status]) -> Iterator[str]:
    """Describe what moved between two snapshots, in words a monitoring tool would log."""
    for cid, now in after.items():
        then = before.get(cid)
        if then is None:
            yield f"NEW {cid}: {'(none)' if now.stage is None else now.stage.value}"
            then = nt.Status(stage=now.stage)
        if now.stage is nt.Stage.LAPSED and then.stage is not nt.Stage.LAPSED:
            how = "by itself" if now.inferred else "as reported"
            reason = now.reason.value if now.reason else "no reason given"
            yield f"LAPSED {cid} ({reason}, {how}) on {now.since}"
        elif now.stage is not then.stage and now.stage is not None:
            was = "(none)" if then.stage is None else then.stage.value
            yield f"moved {cid}: {was} -> {now.stage.value}"
        if now.at_risk and not then.at_risk:
            yield f"AT RISK {cid}: linked to lapsed {', '.join(now.at_risk_from)}"


def monitor(tracker: nt.Tracker, as_of: date | None, seconds: float, once: bool) -> None:
    """Print the store's state, then what changes, until `seconds` pass (or the first news)."""
    deadline = time.monotonic() + seconds
    on = as_of or date.today()
    seen = tracker.snapshot(on=on)
    events = len(tracker.events())
    print(
        f"watching {tracker.location}: {len(seen)} commitments, {events} events, as of {on}",
        flush=True,
    )
    while (left := deadline - time.monotonic()) > 0:
        news = tracker.refresh(wait=min(left, LOOK_AGAIN))
        on = as_of or date.today()
        now = tracker.snapshot(on=on)
        lines = list(changes(seen, now))
        if news or lines:
            recorded = len(tracker.events()) - events
            events += recorded
            print(f"news as of {on}: {recorded} new events", flush=True)
            for line in lines:
                print(f"  {line}", flush=True)
            if once and news:
                return
        seen = now
    print(f"stopped after {seconds:g} seconds", flush=True)


def main() -> None:
    """Parse the command line and watch the store."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store", help="an SQLite file or a postgresql:// URL")
    parser.add_argument("--as-of", type=date.fromisoformat, help="YYYY-MM-DD (default: today)")
    parser.add_argument("--for", dest="seconds", type=float, default=float("inf"))
    parser.add_argument("--once", action="store_true", help="stop after the first news")
    args = parser.parse_args()
    try:
        with nt.open(args.store, create=False) as tracker:
            monitor(tracker, args.as_of, args.seconds, args.once)
    except nt.StoreError as err:
        sys.exit(f"monitor: {err}")
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    # A reader that stops early (`| head`) ends the script quietly, as it would `cat`.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    main()
