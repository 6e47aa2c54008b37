"""Hostile input and broken stores: nothing served wrong, nothing lost, nothing hangs.

Each test names the fault it guards against. Where a fault used to hang (a FIFO, deep
nesting), the command runs in a subprocess with a timeout, so that a regression fails the
test instead of stalling the suite.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import sqlite3
import stat
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import attrs
import pytest
from helpers import cli, commitment, day, event
from scenario_cases import GOOD

import negotrack as nt
from negotrack import _records
from negotrack._files import composer as _composer
from negotrack._files import disk as _documents

ROOT = Path(__file__).parent.parent
FOLLOW = ROOT / "examples" / "us-china-2025-2026.yaml"
SCRIPT = shutil.which("negotrack", path=str(Path(sys.executable).parent))


@contextlib.contextmanager
def connect(path: Path) -> Iterator[sqlite3.Connection]:
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        yield db


def script(*args: str | Path, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    """The real console script, in a subprocess that may not outlive `timeout`."""
    assert SCRIPT is not None
    return subprocess.run(
        [SCRIPT, *map(str, args)], capture_output=True, text=True, timeout=timeout
    )


def one_error_line(result: subprocess.CompletedProcess[str], *words: str) -> str:
    assert result.returncode == 2, result
    assert "Traceback" not in result.stderr
    assert "internal error" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0], (word, lines[0])
    return lines[0]


def recorded(tmp_path: Path, name: str = "k.db") -> Path:
    db = tmp_path / name
    assert cli("record", "--db", db, FOLLOW).returncode == 0
    return db


# -- data: consistent exports, damage detected, nothing destroyed --------------------------------


@pytest.mark.slow
def test_exports_read_one_state_while_another_process_appends(tmp_path: Path) -> None:
    """Every export written while another process appends commitments and events loads back."""
    db = tmp_path / "busy.db"
    with nt.open(db) as t:
        t.add(commitment("c0"))
    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                """
                import sys, time
                from datetime import date
                import negotrack as nt
                # Paced and bounded, so that the exports' size (and the test's time) does
                # not depend on how fast this machine writes.
                with nt.open(sys.argv[1]) as t:
                    for i in range(1, 4000):
                        t.add(nt.Commitment(id=f"c{i}", title="t", by="A", to="B"))
                        t.record(nt.Event(commitment=f"c{i}", kind="approved",
                                          on=date(2025, 1, 1)))
                        if i == 1:
                            print("writing", flush=True)
                        time.sleep(0.001)
                """
            ),
            str(db),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "writing"
        sizes = []
        for i in range(10):
            out = tmp_path / f"export-{i}.yaml"
            result = cli("export", "--db", db, "-o", out)
            assert result.returncode == 0, result.stderr
            loaded = nt.load(out)
            sizes.append(len(loaded.commitments()))
            assert {e.commitment for e in loaded.events()} <= {c.id for c in loaded.commitments()}
    finally:
        writer.kill()
        writer.communicate(timeout=30)
    assert sizes == sorted(sizes)
    assert sizes[-1] > sizes[0]  # the writer did append between exports


def test_a_flipped_byte_in_an_event_is_caught(tmp_path: Path) -> None:
    """A date changed by a flipped byte is a StoreError naming the file and the position,
    from any read and from check --db; never a silently different timeline."""
    db = recorded(tmp_path)
    with connect(db) as db_:
        db_.execute("DROP TRIGGER records_are_kept")
        position, payload = db_.execute(
            "SELECT position, payload FROM records WHERE kind = 'event' ORDER BY position LIMIT 1"
        ).fetchone()
        flipped = payload.replace("2025-", "2024-", 1)
        assert flipped != payload
        db_.execute("UPDATE records SET payload = ? WHERE position = ?", (flipped, position))
    with pytest.raises(nt.StoreError, match=rf"position {position}\)") as caught:
        nt.open(db)
    assert str(db) in str(caught.value)
    result = cli("check", "--db", db)
    assert result.returncode == 2
    assert f"{db}: damaged: " in result.stderr
    assert f"position {position}" in result.stderr
    assert cli("status", "--db", db).returncode == 2


def test_check_lists_every_damaged_record(tmp_path: Path) -> None:
    """check --db reads the whole store and names each damaged record, one line each."""
    db = recorded(tmp_path)
    with connect(db) as db_:
        db_.execute("DROP TRIGGER records_are_kept")
        rows = db_.execute(
            "SELECT position FROM records WHERE kind = 'event' ORDER BY position LIMIT 2"
        ).fetchall()
        for (position,) in rows:
            db_.execute(
                "UPDATE records SET payload = replace(payload, '\"20', '\"19') WHERE position = ?",
                (position,),
            )
        db_.execute(
            "UPDATE records SET digest = 'x' WHERE kind = 'commitment' AND position = "
            "(SELECT min(position) FROM records WHERE kind = 'commitment')"
        )
    result = cli("check", "--db", db)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) >= 2
    assert all(line.startswith(f"negotrack: {db}: damaged: ") for line in lines)


@pytest.mark.parametrize(
    "payload",
    ['{"id": "s", "title"', '{"title": "no id"}', '{"id": 5, "title": "t"}', "[1, 2]"],
    ids=["broken JSON", "missing key", "wrong type", "not a mapping"],
)
def test_a_damaged_scenario_record_is_a_store_error(tmp_path: Path, payload: str) -> None:
    """A scenario record that is not a description, even with a matching digest, is a
    StoreError; so is one whose digest does not match."""
    db = tmp_path / "s.db"
    with nt.open(db) as t:
        t.add(commitment())
    for digest in ("0" * 32, _records._digest("scenario", None, payload)):
        path = tmp_path / f"s-{digest[:4]}.db"
        shutil.copy(db, path)
        with connect(path) as db_:
            db_.execute(
                "INSERT INTO records (kind, id, payload, digest) VALUES ('scenario', NULL, ?, ?)",
                (payload, digest),
            )
        with pytest.raises(nt.StoreError, match="position 2") as caught:
            nt.open(path)
        assert str(path) in str(caught.value)
        one_error_line(cli("status", "--db", path), str(path))


@pytest.mark.parametrize("how", ["same path", "another path", "a link"])
def test_export_never_overwrites_its_store(tmp_path: Path, how: str) -> None:
    """export --db X -o X, by any path or link to X, is refused and leaves the store whole."""
    db = recorded(tmp_path, "k.yaml.db")
    target = tmp_path / "k.yaml"
    if how == "same path":
        output = db
    elif how == "another path":
        (tmp_path / "sub").mkdir()
        output = tmp_path / "sub" / ".." / db.name
    else:
        target.symlink_to(db)
        output = target
    before = db.read_bytes()
    result = cli("export", "--db", db, "-o", output)
    one_error_line(result, "is the store", "nothing was written")
    assert db.read_bytes() == before
    with nt.open(db) as t:
        assert len(t.events()) == len(nt.load(FOLLOW).events())


# -- things that used to hang or blow up -----------------------------------------------------------


def test_a_fifo_is_refused_at_once(tmp_path: Path) -> None:
    """A FIFO given as a scenario or a store is refused without waiting for a writer."""
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    one_error_line(script("check", fifo, timeout=20), str(fifo), "not a regular file")
    one_error_line(script("status", "--db", fifo, timeout=20), str(fifo), "not a regular file")


def test_sockets_and_devices_are_refused(tmp_path: Path) -> None:
    """A socket or a device is neither a scenario nor a store; nothing is created beside it."""
    sock_path = tmp_path / "s.yaml"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(sock_path))
        one_error_line(cli("check", sock_path), "not a regular file")
    one_error_line(cli("record", "--db", "/dev/null", FOLLOW), "/dev/null", "not a regular file")
    assert not Path("/dev/null-journal").exists()
    with pytest.raises(nt.StoreError, match="not a regular file"):
        nt.open("/dev/null")


def test_many_reports_of_one_kind_on_one_day_deduplicate_by_hash(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """10,000 reports of one kind on one day are recorded with a hash lookup each, not a
    scan of those already there: event comparisons stay linear."""
    compared = [0]
    real = nt.Event.__eq__

    def counting(self: nt.Event, other: object) -> bool:
        compared[0] += 1
        return real(self, other)

    t = nt.Tracker()
    t.add(commitment())
    events = [event("approved", "2025-01-01", note=f"report {i}") for i in range(10_000)]
    monkeypatch.setattr(nt.Event, "__eq__", counting)
    assert t.record(*events) == 10_000
    assert t.record(*events) == 0  # and again: each is found at once
    assert compared[0] < 3 * 20_000


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_deep_nesting_is_refused_before_any_quadratic_work(tmp_path: Path, suffix: str) -> None:
    """100,000 nested brackets are refused promptly, with one line naming the nesting."""
    path = tmp_path / f"deep{suffix}"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    one_error_line(script("check", path, timeout=30), str(path), "nested too deeply")


def test_deep_nesting_with_the_pure_parser(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without libyaml, the composer's own depth limit refuses deep nesting as well."""
    monkeypatch.setattr(_composer, "_Parser", _composer.PyParser)
    path = tmp_path / "deep.yaml"
    path.write_text("a: " + "[" * 5_000 + "]" * 5_000, encoding="utf-8")
    with pytest.raises(nt.ScenarioError, match="nested too deeply"):
        nt.load(path)


def test_a_file_over_the_cap_is_refused_without_reading_it(tmp_path: Path) -> None:
    """A scenario file bigger than the cap is refused from its size alone, pointing at stores."""
    path = tmp_path / "huge.yaml"
    with path.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # sparse: nothing to read, were it read
    line = one_error_line(cli("check", path), str(path), "store")
    assert f"{_documents.MAX_BYTES:,}" in line


def test_a_huge_value_is_refused_with_a_short_message(tmp_path: Path) -> None:
    """A value of megabytes is refused; the message shows a short excerpt, not the value."""
    path = tmp_path / "big.yaml"
    path.write_text(GOOD.replace("Kuala Lumpur framework", "x" * 2_000_000), encoding="utf-8")
    line = one_error_line(cli("check", path), f"{path}:3:", "characters")
    assert len(line) < 400


# -- crashes that must be clean errors -------------------------------------------------------------


def test_a_deadline_on_the_last_day_of_the_calendar(tmp_path: Path) -> None:
    """A deadline of 9999-12-31 would lapse in the year 10000: the lapse never happens, and
    every answer and command works."""
    path = tmp_path / "far.yaml"
    path.write_text(
        "negotrack: 1\nid: far\ntitle: Far\nparties: {A: a}\n"
        "commitments:\n  - {id: c, title: t, by: A, to: A, deadline: 9999-12-31}\n"
        "events:\n  - {on: 2025-01-01, commitment: c, event: approved}\n"
        "  - {on: 2025-02-01, commitment: c, event: extended, expires: 9999-12-31}\n",
        encoding="utf-8",
    )
    t = nt.load(path)
    assert t.status("c", on=date.max).stage is nt.Stage.LAPSED  # expired on its last day
    assert t.status("c", on=date.max).reason is nt.LapseReason.EXPIRED
    assert [step.reason for step in t.history("c") if step.inferred] == [nt.LapseReason.EXPIRED]
    assert t.timeline()
    for args in (("timeline", path), ("status", path, "--as-of", "9999-12-31")):
        assert cli(*args).returncode == 0
    db = tmp_path / "far.db"
    assert cli("record", "--db", db, path).returncode == 0
    assert cli("timeline", "--db", db, "--json").returncode == 0


def test_a_5000_digit_number_is_a_clean_error(tmp_path: Path) -> None:
    """A JSON integer of 5,000 digits is one short error line, exit 2, not a crash."""
    path = tmp_path / "n.json"
    path.write_text('{"negotrack": ' + "9" * 5000 + "}", encoding="utf-8")
    line = one_error_line(cli("check", path), f"{path}:1:")
    assert len(line) < 400


def test_a_closed_stdout_is_not_a_traceback(tmp_path: Path) -> None:
    """`negotrack timeline FILE >&-` says what is wrong in one line, without a traceback."""
    path = tmp_path / "good.yaml"
    path.write_text(GOOD, encoding="utf-8")
    result = subprocess.run(
        f"'{SCRIPT}' timeline '{path}' >&-", shell=True, capture_output=True, text=True, timeout=30
    )
    assert "Traceback" not in result.stderr
    assert result.returncode == 2
    assert "standard output is closed" in result.stderr


def test_a_store_without_a_scenario_exports_to_a_non_utf8_name(tmp_path: Path) -> None:
    """A file name that is not UTF-8 is written, named safely in messages, and loads back."""
    db = tmp_path / "plain.db"
    with nt.open(db) as t:
        t.add(commitment())
        t.record(event("approved", "2025-01-01"))
    name = os.fsdecode(b"\xff-out.yaml")
    output = tmp_path / name
    result = cli("export", "--db", db, "-o", output)
    assert result.returncode == 0, result.stderr
    result.stdout.encode("utf-8")  # printable as UTF-8: the odd byte is escaped
    assert "\\udcff" in result.stdout
    back = nt.load(output)
    assert back.scenario is not None
    assert back.scenario.id == "scenario"
    assert len(back.events()) == 1
    assert json.loads(cli("status", "--db", db, "--json", "--as-of", "2025-01-02").stdout)


def test_a_write_ahead_log_removed_under_a_writer_is_named(tmp_path: Path) -> None:
    """When the -wal file of an open store is removed, the error says so, not a bare
    "disk I/O error"."""
    db = tmp_path / "w.db"
    first = nt.open(db)
    first.add(commitment())
    Path(f"{db}-wal").unlink()
    with pytest.raises(nt.StoreError, match=r"write-ahead log .* was removed or replaced"):
        nt.open(db)
    first.close()


def test_a_store_in_a_read_only_folder_can_be_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the folder cannot be written, a closed store is read (writes are refused with a
    clear message, and nothing is created beside it)."""
    from negotrack._store import sqlite as _sqlite

    db = recorded(tmp_path)
    monkeypatch.setattr(_sqlite.os, "access", lambda path, mode: False)
    before = sorted(p.name for p in tmp_path.iterdir())
    with nt.open(db, create=False) as t:
        assert len(t.events()) == len(nt.load(FOLLOW).events())
        with pytest.raises(nt.StoreError, match="read-only"):
            t.add(commitment("new"))
    assert cli("status", "--db", db, "--json").returncode == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes everywhere: no read-only folder")
def test_a_really_read_only_folder(tmp_path: Path) -> None:
    """The same with a folder whose permissions forbid writing."""
    folder = tmp_path / "ro"
    folder.mkdir()
    db = recorded(folder)
    folder.chmod(0o555)
    try:
        assert cli("status", "--db", db, "--json").returncode == 0
    finally:
        folder.chmod(0o755)


def test_a_negative_schema_version_is_refused_untouched(tmp_path: Path) -> None:
    """A store whose user_version is negative is refused, and nothing is written to it."""
    db = recorded(tmp_path)
    with connect(db) as db_:
        db_.execute("PRAGMA user_version = -3")
    before = db.read_bytes()
    with pytest.raises(nt.StoreError, match="invalid store schema version -3"):
        nt.open(db)
    assert db.read_bytes() == before


@pytest.mark.parametrize(
    "make",
    [
        lambda: nt.Event(commitment="c", kind="approved", on="2025-01-01"),
        lambda: nt.Event(commitment=None, kind="approved", on=date(2025, 1, 1)),
        lambda: nt.Commitment(id=None, title="t", by="A", to="B"),
        lambda: nt.Link("depends", "x"),
        lambda: nt.Link(kind="reciprocal", target=5),
        lambda: nt.open(None),
        lambda: nt.open("x.db", timeout="soon"),
        lambda: nt.load(5),
        lambda: nt.dump("not a tracker", "x.yaml"),
        lambda: nt.Tracker(lifecycle=None),
        lambda: nt.Scenario(id="s", title="t", sources={"k": "str"}),
        lambda: nt.Scenario(id="s", title="t", parties=["US"]),
        lambda: nt.Commitment(id="c", title="t", by="A", to="B", links="x"),
        lambda: nt.Tracker().snapshot(on="today"),
        lambda: nt.Tracker().refresh(wait="soon"),
    ],
    ids=[
        "non-date on",
        "None commitment",
        "None id",
        "wrong link kind",
        "link to a number",
        "open None",
        "open with a text timeout",
        "load 5",
        "dump a string",
        "no lifecycle",
        "source as text",
        "parties as a list",
        "links as text",
        "snapshot on text",
        "refresh with text",
    ],
)
def test_the_python_api_says_what_it_expected(make: object) -> None:
    """Bad arguments raise a NegotrackError (also a TypeError or ValueError) saying what was
    expected, at construction."""
    with pytest.raises(nt.NegotrackError) as caught:
        make()  # type: ignore[operator]
    assert isinstance(caught.value, TypeError | ValueError)
    assert "expected" in str(caught.value) or "must be" in str(caught.value)


def test_scenario_assignment_and_membership() -> None:
    """Assigning anything but a Scenario is refused; an unhashable id is simply not there."""
    t = nt.Tracker()
    with pytest.raises(nt.InvalidValue, match="Scenario"):
        t.scenario = "x"  # type: ignore[assignment]
    assert t.scenario is None
    assert [1] not in t
    assert 5 not in t


# -- output ------------------------------------------------------------------------------------


def test_control_characters_are_escaped_in_text_outputs(tmp_path: Path) -> None:
    """A newline cannot forge a row and an ANSI escape cannot reach the terminal; JSON keeps
    the exact text."""
    forged = "tariff\nforged-row  approved"
    quoted = '"tariff\\nforged-row  approved"'  # the same, as YAML writes it
    path = tmp_path / "ctl.yaml"
    text = (
        GOOD.replace("title: US shelves the 100% tariff", 'title: "US \\e[31mred\\e[0m"')
        .replace("actor: Scott Bessent", 'actor: "Scott\\nBessent", quote: "\\e[2J"')
        .replace("  - id: tariff", f"  - id: {quoted}")
        .replace("commitment: tariff", f"commitment: {quoted}")
        .replace("{reciprocal: tariff}", f"{{reciprocal: {quoted}}}")
    )
    path.write_text(text, encoding="utf-8")
    t = nt.load(path)
    assert forged in t
    for args in (("status", path, "--as-of", "2026-03-01"), ("timeline", path)):
        out = cli(*args).stdout
        assert "\x1b" not in out
        assert not any(line.lstrip().startswith("forged-row") for line in out.splitlines())
        assert "tariff\\nforged-row" in out
    odd = tmp_path / "odd.yaml"
    odd.write_text(
        text + f"  - {{on: 2026-03-01, commitment: {quoted}, event: approved}}\n",
        encoding="utf-8",
    )
    warning = cli("check", odd).stderr
    assert "\x1b" not in warning
    assert len(warning.strip().splitlines()) == 1
    doc = json.loads(cli("status", path, "--as-of", "2026-03-01", "--json").stdout)
    assert [c["id"] for c in doc["commitments"]] == ["rare-earths", forged]


def test_exported_files_get_the_usual_permissions(tmp_path: Path) -> None:
    """A new file follows the umask (not 0600); a file replaced keeps its mode."""
    db = recorded(tmp_path)
    new = tmp_path / "new.yaml"
    old_mask = os.umask(0o022)
    try:
        assert cli("export", "--db", db, "-o", new).returncode == 0
        assert stat.S_IMODE(new.stat().st_mode) == 0o644
        kept = tmp_path / "kept.yaml"
        kept.write_text("x", encoding="utf-8")
        kept.chmod(0o640)
        assert cli("export", "--db", db, "-o", kept).returncode == 0
        assert stat.S_IMODE(kept.stat().st_mode) == 0o640
    finally:
        os.umask(old_mask)


def test_writing_through_a_link_keeps_the_link(tmp_path: Path) -> None:
    """dump through a symbolic link writes the file it names and leaves the link a link."""
    target = tmp_path / "real.yaml"
    target.write_text(GOOD, encoding="utf-8")
    link = tmp_path / "link.yaml"
    link.symlink_to(target)
    t = nt.load(link)
    t.scenario = attrs.evolve(t.scenario, title="Changed")
    nt.dump(t, link)
    assert link.is_symlink()
    assert nt.load(target).scenario.title == "Changed"  # type: ignore[union-attr]


def test_a_device_is_never_replaced_by_an_export(tmp_path: Path) -> None:
    """An output that is a device (here through a link) is refused and left a device."""
    link = tmp_path / "out.yaml"
    link.symlink_to("/dev/null")
    one_error_line(cli("export", "--db", recorded(tmp_path), "-o", link), "not a regular file")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert link.is_symlink()


def test_a_nul_character_in_a_path_is_a_usage_error(tmp_path: Path) -> None:
    """A path holding a NUL character is refused on the command line and by the API."""
    one_error_line(cli("check", "a\x00b.yaml"), "NUL")
    with pytest.raises(nt.NegotrackError):
        nt.open("a\x00b.db")
    with pytest.raises(nt.NegotrackError):
        nt.load("a\x00b.yaml")
    assert day("2025-01-01")  # helpers stay importable
