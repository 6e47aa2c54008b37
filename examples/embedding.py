"""Embed negotrack in another tool: feed events as they arrive, react to lapses and risks.

A monitoring tool builds its tracker from code, records each report the day it comes in,
and after every report (and at the end of every day) asks what changed since the last time
it looked: which commitments lapsed, by a report or by themselves, and which became at risk
because a linked commitment lapsed. Run it with ``python examples/embedding.py``.

The facts are those of the 2025 US-China truce: each side holds its tariff at 10% until
10 November 2026; the US Supreme Court voids the legal basis of the US side on 20 February
2026, which leaves China's matching measure exposed.
"""

from __future__ import annotations

import signal
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, timedelta

import negotrack as nt


def commitments() -> list[nt.Commitment]:
    """The two sides of the tariff truce, each the price of the other."""
    return [
        nt.Commitment(
            id="us-reciprocal-tariff-at-10",
            title="US holds its reciprocal tariff on Chinese goods at 10%",
            by="US",
            to="CN",
            expires=date(2026, 11, 10),
            links=(nt.Link("reciprocal", "cn-counter-tariff-at-10"),),
        ),
        nt.Commitment(
            id="cn-counter-tariff-at-10",
            title="China holds its counter-tariff on US goods at 10%",
            by="CN",
            to="US",
            expires=date(2026, 11, 10),
        ),
    ]


def arrivals() -> list[nt.Event]:
    """Reports in the order a newsroom receives them (not always the order of events)."""
    return [
        nt.Event(
            commitment="us-reciprocal-tariff-at-10",
            kind="approved",
            on=date(2025, 11, 4),
            actor="White House",
            source="executive order of 4 November 2025",
        ),
        nt.Event(
            commitment="cn-counter-tariff-at-10",
            kind="approved",
            on=date(2025, 11, 5),
            actor="Customs Tariff Commission of the State Council",
        ),
        nt.Event(
            commitment="us-reciprocal-tariff-at-10", kind="implemented", on=date(2025, 11, 10)
        ),
        nt.Event(commitment="cn-counter-tariff-at-10", kind="implemented", on=date(2025, 11, 10)),
        nt.Event(
            commitment="us-reciprocal-tariff-at-10",
            kind="lapsed",
            on=date(2026, 2, 20),
            reason="voided",
            actor="US Supreme Court",
            source="Learning Resources v. Trump",
            note="IEEPA does not authorize tariffs (6-3)",
        ),
    ]


def changes(before: Mapping[str, nt.Status], after: Mapping[str, nt.Status]) -> Iterator[str]:
    """Describe what moved between two snapshots, in words a monitoring tool would log."""
    for cid, now in after.items():
        then = before[cid]
        if now.stage is nt.Stage.LAPSED and then.stage is not nt.Stage.LAPSED:
            how = "by itself" if now.inferred else "as reported"
            reason = now.reason.value if now.reason else "no reason given"
            yield f"LAPSED {cid} ({reason}, {how}) on {now.since}"
        elif now.stage is not then.stage and now.stage is not None:
            was = "(none)" if then.stage is None else then.stage.value
            yield f"moved {cid}: {was} -> {now.stage.value}"
        if now.at_risk and not then.at_risk:
            yield f"AT RISK {cid}: linked to lapsed {', '.join(now.at_risk_from)}"


def watch(
    tracker: nt.Tracker, reports: Iterable[nt.Event], start: date, end: date
) -> Iterator[str]:
    """Replay the days from `start` to `end`, recording each report on its date."""
    queue = sorted(reports, key=lambda e: e.known_on)
    day = start
    seen = tracker.snapshot(on=day)
    while day <= end:
        while queue and queue[0].known_on <= day:
            tracker.record(queue.pop(0))
        now = tracker.snapshot(on=day)
        for line in changes(seen, now):
            yield f"{day}: {line}"
        seen = now
        day += timedelta(days=1)


def main() -> None:
    """Run the monitor over the truce, from its approval to a month after it ends."""
    tracker = nt.Tracker()
    tracker.add(*commitments())
    for line in watch(tracker, arrivals(), date(2025, 11, 1), date(2026, 12, 10)):
        print(line)


if __name__ == "__main__":
    # A reader that stops early (`| head`) ends the script quietly, as it would `cat`.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    main()
