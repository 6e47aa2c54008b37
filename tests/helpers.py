"""Small builders shared by the example tests."""

from __future__ import annotations

from datetime import date
from typing import Any

import negotrack as nt


def day(text: str) -> date:
    """Parse an ISO date."""
    return date.fromisoformat(text)


def commitment(cid: str = "c", **kw: Any) -> nt.Commitment:
    """A commitment with placeholder title and parties."""
    kw.setdefault("title", f"commitment {cid}")
    kw.setdefault("by", "A")
    kw.setdefault("to", "B")
    return nt.Commitment(id=cid, **kw)


def event(kind: str, on: str, cid: str = "c", **kw: Any) -> nt.Event:
    """An event of `kind` on the ISO date `on`."""
    for key in ("reported", "deadline", "expires"):
        if isinstance(kw.get(key), str):
            kw[key] = day(kw[key])
    return nt.Event(commitment=cid, kind=kind, on=day(on), **kw)


def tracker(*commitments: nt.Commitment, strict: bool = False) -> nt.Tracker:
    """A tracker holding `commitments` (one plain commitment "c" by default)."""
    t = nt.Tracker(strict=strict)
    t.add(*(commitments or (commitment(),)))
    return t


def stage_on(t: nt.Tracker, on: str, cid: str = "c", **kw: Any) -> nt.Stage | None:
    """The stage of `cid` on the ISO date `on`."""
    return t.status(cid, on=day(on), **kw).stage
