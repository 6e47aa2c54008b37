"""Answers as rows: every answer's to_dict() is its row of the command line's JSON."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import attrs
from helpers import cli

import negotrack as nt

FOLLOW = Path(__file__).parent.parent / "examples" / "us-china-2025-2026.yaml"
AS_OF = date(2026, 3, 1)


def test_status_rows_are_the_status_json_rows() -> None:
    """Each status's to_dict(commitment) is its row of `status --json`, and its anomalies'
    to_dict() theirs."""
    tracker = nt.load(FOLLOW)
    doc = json.loads(cli("status", FOLLOW, "--as-of", AS_OF.isoformat(), "--json").stdout)
    snapshot = tracker.snapshot(on=AS_OF)
    rows = [snapshot[c.id].to_dict(c) for c in tracker.commitments()]
    assert rows == doc["commitments"]
    assert [a.to_dict() for a in tracker.anomalies(on=AS_OF)] == doc["anomalies"]


def test_status_rows_carry_the_commitment_and_the_evidence_source() -> None:
    """A status row says who undertook what for whom, about what, and the source of the
    evidence that moved it into its stage."""
    tracker = nt.load(FOLLOW)
    for c in tracker.commitments():
        status = tracker.status(c.id, on=AS_OF)
        row = status.to_dict(c)
        assert (row["by"], row["to"], row["subject"]) == (c.by, c.to, c.subject)
        assert row["source"] == (None if status.evidence is None else status.evidence.source)


def test_every_status_field_reaches_its_row() -> None:
    """The row comes from the codec: every field of Status is in it, by its key, but the
    evidence (reduced to its source) and the dates in force."""
    status = nt.load(FOLLOW).status("soybean-12mmt-2025", on=AS_OF)
    fields = {f.name for f in attrs.fields(nt.Status)} - {"evidence", "deadline", "expires"}
    assert fields <= set(status.to_dict())
    assert status.to_dict()["progress"] == status.progress.to_dict()  # type: ignore[union-attr]


def test_steps_changes_and_dues_are_their_json_rows() -> None:
    """timeline's, changes' and due's --json rows are the to_dict() of the tracker's own
    answers."""
    tracker = nt.load(FOLLOW)
    timeline = json.loads(cli("timeline", FOLLOW, "--json").stdout)["transitions"]
    assert [t.to_dict() for t in tracker.timeline()] == timeline
    since = date(2025, 11, 1)
    changes = json.loads(
        cli(
            "changes", FOLLOW, "--since", since.isoformat(), "--until", "2026-03-01", "--json"
        ).stdout
    )
    assert [c.to_dict() for c in tracker.changes(since, AS_OF)] == changes["changes"]
    due = json.loads(cli("due", FOLLOW, "--as-of", "2026-09-01", "--json").stdout)["due"]
    assert [d.to_dict() for d in tracker.due(date(2026, 9, 1))] == due
    assert due


def test_rows_are_json_ready() -> None:
    """Every row survives a JSON round trip unchanged (dates are text, stages their names)."""
    tracker = nt.load(FOLLOW)
    rows = [s.to_dict() for s in tracker.snapshot(on=AS_OF).values()]
    rows += [t.to_dict() for t in tracker.timeline()]
    assert json.loads(json.dumps(rows)) == rows
