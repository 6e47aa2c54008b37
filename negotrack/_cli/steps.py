"""Steps in words and in JSON: the timeline, the changes, what became known, the disputes.

What `negotrack timeline`, `changes` and `disputes` print, row by row; the rest of the command
line's output (and the rules for making text safe) is `negotrack._cli.text`'s.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Any

from negotrack import _codec
from negotrack._changes import Change, ChangeKind
from negotrack._events import Event
from negotrack._learned import Dispute
from negotrack._status import Anomaly, Transition
from negotrack._words import TERMINAL, day, safe, stage, wording

_EVIDENCE = ("actor", "source", "quote", "note")


def transition_json(step: Transition | Anomaly, as_of: date | None = None) -> dict[str, Any]:
    """One step of `timeline --json`: the transition, its evidence flattened into it.

    `projected` marks a step inferred from a date after `as_of`; an anomaly shown in place
    (`timeline --as-of`) is a row with `anomaly` true, its stage as both from and to, and its
    message.
    """
    if isinstance(step, Anomaly):
        event = _codec.unstructure(step.event)
        met = None if step.stage is None else step.stage.value
        return {
            "on": event["on"],
            "commitment": event["commitment"],
            "event": event["event"],
            "from": met,
            "to": met,
            "reason": event["reason"],
            "inferred": False,
            "corroboration": False,
            "deadline": event["deadline"],
            "expires": event["expires"],
            **{key: event.get(key) for key in _EVIDENCE},
            "reported": step.event.known_on.isoformat(),
            "projected": False,
            "anomaly": True,
            "message": step.message,
        }
    row = step.to_dict()
    if as_of is not None:  # `timeline --as-of`: what is projected, and the anomalies in place
        row.update(projected=projected(step, as_of), anomaly=False, message=None)
    return row


def projected(step: Transition, as_of: date | None) -> bool:
    """True for a step inferred from a date after `as_of`: what happens if nothing changes."""
    return as_of is not None and step.inferred and step.on > as_of


def change_json(change: Change, *, learned: bool = False) -> dict[str, Any]:
    """One change of `changes --json` (`Change.to_dict`).

    With `learned` (`changes --known-since`), it also says when the change became known,
    and whether it is retroactive or was taken back.
    """
    data = change.to_dict()
    if learned:
        data["known_on"] = None if change.known_on is None else _codec.unstructure(change.known_on)
        data["retroactive"] = change.retroactive
        data["withdrawn"] = change.withdrawn
    return data


def dispute_json(dispute: Dispute, title: str) -> dict[str, Any]:
    """One commitment of `disputes --json`: each party's stage, since and evidence."""
    return {
        "id": dispute.commitment,
        "title": title,
        "stage": None if dispute.status.stage is None else dispute.status.stage.value,
        "accounts": {
            party: {
                "stage": None if side.stage is None else side.stage.value,
                "since": None if side.since is None else side.since.isoformat(),
                "inferred": side.inferred,
                "reason": None if side.reason is None else side.reason.value,
                "evidence": None if side.evidence is None else _codec.unstructure(side.evidence),
            }
            for party, side in dispute.accounts.items()
        },
    }


def dispute_rows(dispute: Dispute) -> list[tuple[str, ...]]:
    """A dispute as table rows: one per party, its stage, since when and its evidence."""
    rows: list[tuple[str, ...]] = [("  party", "stage", "since", "evidence")]
    for party, side in dispute.accounts.items():
        evidence = "[inferred]" if side.evidence is None else _words(side.evidence) or "-"
        rows.append((f"  {safe(party)}", stage(side.stage), day(side.since), evidence))
    return rows


def change_rows(found: Sequence[Change], *, learned: bool = False) -> list[tuple[str, ...]]:
    """`changes` as table rows: date, commitment, the change, and its evidence.

    With `learned` (`changes --known-since`), a last column says when each became known, and
    whether it is retroactive or was taken back.
    """
    header = ("date", "commitment", "change", "evidence")
    rows: list[tuple[str, ...]] = [(*header, "became known") if learned else header]
    for change in found:
        if change.kind in (ChangeKind.STAGE, ChangeKind.EVIDENCE):
            assert change.transition is not None
            move = wording(change.transition, TERMINAL)
            evidence = _evidence(change.transition)
        else:
            others = ", ".join(safe(c) for c in change.at_risk_from)
            move = (
                f"at risk from {others}"
                if change.kind is ChangeKind.AT_RISK
                else f"no longer at risk from {others}"
            )
            evidence = (
                ""
                if change.cause is None
                else f"{safe(change.cause.commitment)}: {wording(change.cause, TERMINAL)}"
            )
        row = (change.on.isoformat(), safe(change.commitment), move, evidence)
        rows.append((*row, _known(change)) if learned else row)
    return rows


def _known(change: Change) -> str:
    """When a change became known, `2025-11-12, retroactive` or `..., taken back`."""
    words = [day(change.known_on)]
    if change.withdrawn:
        words.append("taken back")
    elif change.retroactive:
        words.append("retroactive")
    return ", ".join(words)


_SPACES = re.compile(r"\s+")


def _evidence(step: Transition) -> str:
    event = step.event
    if event is None:
        return "[inferred]"
    return _words(event)


def _words(event: Event) -> str:
    """An event's evidence in words: actor / source "quote" (reported D)."""
    parts = [safe(x) for x in (event.actor, event.source) if x]
    if event.quote:
        parts.append(f'"{safe(_SPACES.sub(" ", event.quote))}"')
    text = " / ".join(parts)
    if event.reported is not None and event.reported != event.on:
        text += f"{' ' if text else ''}(reported {event.reported.isoformat()})"
    return text


TIMELINE_WIDTH = 120
"""The width a `timeline` row keeps to when it can: the evidence column takes what is left."""
_EVIDENCE_WIDTH = 36  # the least the evidence gets, however wide the other columns are


def timeline_rows(
    steps: Sequence[Transition | Anomaly], as_of: date | None = None
) -> list[tuple[str, ...]]:
    """`timeline` as table rows: date, commitment, event, from -> to, and a short evidence.

    The evidence is who and where (actor / source), cut (with "...") so that a row keeps to
    `TIMELINE_WIDTH` when the other columns leave room and one step stays one line, then the
    date it was reported when that differs from the step's. The quote and the whole
    evidence are in `timeline --json`.
    """
    rows: list[tuple[str, ...]] = [("date", "commitment", "event", "from -> to", "evidence")]
    for step in steps:
        if isinstance(step, Anomaly):
            move = f"[anomaly] at {stage(step.stage)}"
            rows.append((step.on.isoformat(), safe(step.commitment), step.event.kind.value, move))
        else:
            rows.append(
                (
                    step.on.isoformat(),
                    safe(step.commitment),
                    step.kind.value,
                    wording(step, TERMINAL),
                )
            )
    used = sum(max(len(row[i]) for row in rows) + 2 for i in range(4))
    room = max(TIMELINE_WIDTH - used, _EVIDENCE_WIDTH)
    rows[1:] = [
        (*row, _summary(step, room, as_of)) for row, step in zip(rows[1:], steps, strict=True)
    ]
    return rows


def _summary(step: Transition | Anomaly, width: int, as_of: date | None = None) -> str:
    if isinstance(step, Anomaly):
        return _clip(safe(_SPACES.sub(" ", step.message)), width)
    event = step.event
    if event is None:
        return "[projected]" if projected(step, as_of) else "[inferred]"
    actor, source = (safe(_SPACES.sub(" ", x)) if x else "" for x in (event.actor, event.source))
    if actor and source:  # the source keeps at least half the room, the actor what is left
        source = _clip(source, max(width - 3 - len(actor), width // 2))
        who = f"{_clip(actor, width - 3 - len(source))} / {source}"
    else:
        who = _clip(actor or source, width)
    if event.known_on != step.on:  # after the cut: a late report always shows its date
        who += f"{' ' if who else ''}(reported {event.known_on.isoformat()})"
    return who or "-"


_BREAKS = re.compile(r"[ ,;/(]+")


def _clip(text: str, width: int) -> str:
    """`text` cut to `width` characters, "..." marking the cut.

    The cut falls between words if that keeps most of it: `Scott Bessent (US...`, not
    `Scott Bessent (US Tr...`.
    """
    if len(text) <= width:
        return text
    kept = text[: width - 3]
    breaks = [m.start() for m in _BREAKS.finditer(text, 0, width - 2)]
    if breaks and breaks[-1] >= len(kept) * 2 // 3:
        kept = kept[: breaks[-1]]
    return kept.rstrip(" ,;/(") + "..."
