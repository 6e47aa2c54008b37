"""CSV: answers as spreadsheets read them, and events round-tripped through a spreadsheet."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

from helpers import cli
from hypothesis import HealthCheck, given, settings
from strategies import END, START, negotiations

import negotrack as nt
from negotrack import tables
from negotrack._files import spreadsheet as _csv

FOLLOW = Path(__file__).parent.parent / "examples" / "us-china-2025-2026.yaml"


def read(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_status_csv_has_the_json_columns() -> None:
    """status --format csv has a row per commitment with the columns of the snapshot table,
    each cell the JSON row's value."""
    out = cli("status", FOLLOW, "--as-of", "2026-03-01", "--format", "csv").stdout
    rows = read(out)
    doc = json.loads(cli("status", FOLLOW, "--as-of", "2026-03-01", "--json").stdout)
    assert [r["id"] for r in rows] == [c["id"] for c in doc["commitments"]]
    assert [r["stage"] for r in rows] == [c["stage"] or "" for c in doc["commitments"]]
    assert [r["source"] for r in rows] == [c["source"] or "" for c in doc["commitments"]]
    table = tables.snapshot(nt.load(FOLLOW), on=date(2026, 3, 1))
    assert list(rows[0]) == list(table)


def test_every_answer_has_a_csv_form() -> None:
    """timeline, changes, progress and due print a header and a row per answer as CSV."""
    tracker = nt.load(FOLLOW)
    cases = [
        (("timeline",), len(tracker.timeline())),
        (
            ("changes", "--since", "2025-11-01", "--until", "2026-03-01"),
            len(tracker.changes(date(2025, 11, 1), date(2026, 3, 1))),
        ),
        (("due", "--as-of", "2026-09-01"), len(tracker.due(date(2026, 9, 1)))),
        (("progress", "--as-of", "2026-03-01"), 4),
    ]
    for (command, *options), count in cases:
        result = cli(command, FOLLOW, *options, "--format", "csv")
        assert result.returncode == 0, result.stderr
        assert len(read(result.stdout)) == count, command


def test_import_csv_reports_every_fault_by_line_and_records_nothing(tmp_path: Path) -> None:
    """A faulty events file is one line per fault, FILE:LINE, exit 2, and nothing recorded."""
    db = tmp_path / "store.db"
    assert cli("record", "--db", db, FOLLOW).returncode == 0
    with nt.open(db) as store:
        before = len(store.events())
    path = tmp_path / "events.csv"
    path.write_text(
        "on,commitment,event,source\n"
        "2026-04-01,tiktok,approved,\n"
        "2026-13-45,tiktok,approved,\n"
        "2026-04-02,nothing-such,approved,\n"
        "2026-04-03,tiktok,approved,no-such-source\n",
        encoding="utf-8",
    )
    result = cli("import-csv", "--db", db, path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"negotrack: {path}:3: on:")
    assert "not a real date" in lines[0]
    assert len(lines) == 1  # rows are read whole before any is checked against the store
    path.write_text(
        "on,commitment,event,source\n"
        "2026-04-01,tiktok,approved,\n"
        "2026-04-02,nothing-such,approved,\n"
        "2026-04-03,tiktok,approved,no-such-source\n",
        encoding="utf-8",
    )
    result = cli("import-csv", "--db", db, path)
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert [line.split(": ")[1] for line in lines] == [f"{path}:3", f"{path}:4"]
    assert "commitment 'nothing-such' is not in the store" in lines[0]
    assert "source 'no-such-source' is not declared" in lines[1]
    with nt.open(db) as store:
        assert len(store.events()) == before


def test_a_header_without_the_needed_columns_is_refused(tmp_path: Path) -> None:
    """An events file without on, commitment or event columns, or with an unknown one, is
    refused at line 1."""
    path = tmp_path / "events.csv"
    path.write_text("date,commitment,event\n2026-04-01,tiktok,approved\n", encoding="utf-8")
    result = cli("import-csv", "--db", tmp_path / "s.db", path)
    assert result.returncode == 2
    assert f"{path}:1: unknown column 'date'" in result.stderr
    assert "has no 'on' column" in result.stderr


def test_export_edit_import_keeps_the_answers(tmp_path: Path) -> None:
    """A store's events exported to CSV, edited (a row added), and imported into a store of
    the same commitments answers as the first store with the same event recorded."""
    first, second = tmp_path / "first.db", tmp_path / "second.db"
    assert cli("record", "--db", first, FOLLOW).returncode == 0
    out = tmp_path / "events.csv"
    assert cli("export", "--db", first, "-o", out).returncode == 0
    with out.open("a", encoding="utf-8") as file:
        file.write("tiktok,approved,2026-04-01" + "," * (len(_csv.EVENT_KEYS) - 3) + "\n")
    with nt.open(second) as store:
        source = nt.load(FOLLOW)
        store.scenario = source.scenario
        store.add(*source.commitments())
    assert cli("import-csv", "--db", second, out).returncode == 0
    with nt.open(first) as a, nt.open(second) as b:
        a.record(nt.Event(commitment="tiktok", kind="approved", on=date(2026, 4, 1)))
        for on in (date(2025, 11, 1), date(2026, 4, 1), date(2026, 12, 1)):
            assert a.snapshot(on=on) == b.snapshot(on=on)
        assert a.timeline() == b.timeline()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(negotiations())
def test_events_survive_a_csv_round_trip(negotiation) -> None:  # type: ignore[no-untyped-def]
    """Any event log written as CSV and read back is the same log, so every answer of a
    tracker of the same commitments is the same."""
    tracker = negotiation.tracker()
    text = _csv.events_text(tracker.events())
    read_back = [event for _, event in _csv.parse_events(text, Path("events.csv"))]
    assert read_back == list(tracker.events())
    again = nt.Tracker()
    again.add(*tracker.commitments())
    again.record(*read_back)
    for on in (START, START + (END - START) / 2, END):
        assert again.snapshot(on=on) == tracker.snapshot(on=on)
    assert again.timeline() == tracker.timeline()
    assert again.anomalies() == tracker.anomalies()
