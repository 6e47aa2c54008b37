"""Answers as rows: the plain data each row of the command line's JSON holds.

Every row is made here, from the codec's plain form (`negotrack._codec`), and only here: the
command line's ``--json``, the answers' ``to_dict()``, `negotrack.tables` and CSV all take
their rows from these functions, so that a field added to an answer (a `Status` field, say)
reaches every one of them the same way. This module names no value object (the answers'
modules call it from their ``to_dict``), so that it imports nothing but the codec.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import _codec

STATUS_KEYS = (
    "id",
    "title",
    "stage",
    "since",
    "reason",
    "inferred",
    "at_risk",
    "at_risk_from",
    "progress",
    "disputed",
    "accounts",
)
"""The first keys of a `status --json` row, in order (the first release's, then the accounts')."""

COMMITMENT_KEYS = ("by", "to", "subject")
"""What a `status --json` row repeats of its commitment, after the status."""

_STATUS_ELSEWHERE = ("evidence", "deadline", "expires")
_LAST = "parts"
# The key a row gains last; a whole row (with its commitment) has it only for a whole (a
# commitment with parts), so that older rows keep their exact shape.

BASELINE_KEYS = ("baseline", "additional", "delivered_additional", "additional_share")
"""The keys a progress gains last, and only for a target over a baseline."""
# A status's fields that its row leaves out: the evidence is reduced to its source, and the
# dates in force are `due`'s answer.


def status(value: Any, commitment: Any = None) -> dict[str, Any]:
    """A `Status` as its row of `status --json`; with its `Commitment`, the whole row.

    Every field of the status is in it but the evidence (its `source` is) and the dates in
    force; fields added to `Status` later come after the first release's keys, and ``parts``
    after ``source``: always among the status's own keys, and in a whole row (the command
    line's) only for a whole, so that other rows keep their exact shape.
    """
    data = {k: v for k, v in _codec.unstructure(value).items() if k not in _STATUS_ELSEWHERE}
    parts = data.pop(_LAST, None)
    if value.progress is not None:
        data["progress"] = _without_baseline(value.progress, data["progress"])
    data["at_risk"] = value.at_risk
    data["disputed"] = value.disputed
    if commitment is not None:
        about = _codec.unstructure(commitment)
        data.update({"id": about["id"], "title": about["title"]})
        data.update({key: about[key] for key in COMMITMENT_KEYS})
    first = [key for key in STATUS_KEYS if key in data]
    row = {key: data.pop(key) for key in first}
    evidence = value.evidence
    row.update(data)
    row["source"] = None if evidence is None else evidence.source
    if parts or commitment is None:
        row[_LAST] = parts
    return row


def anomaly(value: Any) -> dict[str, Any]:
    """An `Anomaly` as its row of `status --json`."""
    event = _codec.unstructure(value.event)
    return {
        "commitment": event["commitment"],
        "on": event["on"],
        "event": event["event"],
        "message": value.message,
    }


_EVIDENCE = ("actor", "source", "quote", "note")


def transition(value: Any) -> dict[str, Any]:
    """A `Transition` as its row of `timeline --json`: the step, its evidence flattened in."""
    data = _codec.unstructure(value)
    evidence: Mapping[str, Any] = data.pop("evidence") or {}
    return {
        "on": data["on"],
        "commitment": data["commitment"],
        "event": data["event"],
        "from": data["from"],
        "to": data["to"],
        "reason": data["reason"],
        "inferred": value.inferred,
        "corroboration": value.corroboration,
        "deadline": data["deadline"],
        "expires": data["expires"],
        **{key: evidence.get(key) for key in _EVIDENCE},
        "reported": None if value.event is None else _codec.unstructure(value.event.known_on),
    }


def progress(value: Any) -> dict[str, Any]:
    """A `Progress` as it stands in `status --json` (and, with id and title, `progress`).

    The `BASELINE_KEYS` are in it only for a target over a baseline.
    """
    return _without_baseline(value, _codec.unstructure(value))


def _without_baseline(value: Any, data: dict[str, Any]) -> dict[str, Any]:
    """`data`, the plain form of the `Progress` `value`, rid of `BASELINE_KEYS` if it has none."""
    if value.baseline is None:
        for key in BASELINE_KEYS:
            del data[key]
    return data


def change(value: Any) -> dict[str, Any]:
    """A `Change` as its row of `changes --json`, its evidence (the step's event) in full."""
    data = _codec.unstructure(value)
    step = value.transition
    event = None if step is None else step.event
    moved = {} if step is None else _codec.unstructure(step)
    return {
        "on": data["on"],
        "commitment": data["commitment"],
        "kind": data["kind"],
        "from": data["source"],
        "to": data["target"],
        "reason": moved.get("reason"),
        "inferred": step is not None and step.inferred,
        "at_risk_from": data["at_risk_from"],
        "evidence": None if event is None else _codec.unstructure(event),
    }


def due(value: Any) -> dict[str, Any]:
    """A `Due` as its row of `due --json`."""
    data: dict[str, Any] = _codec.unstructure(value)
    return data
