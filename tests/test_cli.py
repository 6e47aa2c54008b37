"""The `negotrack` command: most cases in process through `main(argv)`, a few as the real
console script in a subprocess (its entry point, `python -m`, pipes and closed streams)."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from helpers import cli
from scenario_cases import BAD_YAML, GOOD

import negotrack as nt
from negotrack._cli.inputs import UsageError

SCRIPT = shutil.which("negotrack", path=str(Path(sys.executable).parent))


run = cli


def script(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run the installed console script in a subprocess."""
    assert SCRIPT is not None, "the negotrack console script is not installed next to python"
    return subprocess.run([SCRIPT, *map(str, args)], capture_output=True, text=True, timeout=60)


def assert_one_line_error(result: subprocess.CompletedProcess[str], *words: str) -> None:
    """Exit 2, nothing on stdout, and one line on stderr holding every word."""
    assert_error_lines(result, 1, *words)


def assert_error_lines(
    result: subprocess.CompletedProcess[str], count: int, *words: str
) -> list[str]:
    """Exit 2, nothing on stdout, `count` lines on stderr, the first holding every word."""
    assert result.returncode == 2, result
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == count, result.stderr
    for word in words:
        assert word in lines[0], (word, lines[0])
    return lines


@pytest.fixture
def good(tmp_path: Path) -> Path:
    path = tmp_path / "good.yaml"
    path.write_text(GOOD, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("name", "old", "new", "line", "words"), BAD_YAML, ids=[b[0] for b in BAD_YAML]
)
@pytest.mark.parametrize("command", ["check", "status"])
def test_bad_input_is_one_line_naming_file_and_line(
    tmp_path: Path, command: str, name: str, old: str, new: str, line: int, words: str
) -> None:
    """Every kind of bad input exits 2 with one stderr line `PATH:LINE: ...`, no traceback."""
    path = tmp_path / "bad.yaml"
    path.write_text(GOOD.replace(old, new, 1), encoding="utf-8")
    assert_one_line_error(run(command, path), f"{path}:{line}: ", words)


@pytest.mark.parametrize(
    ("content", "words"),
    [(b"", "empty"), (b"a: 1\n\xff\n", "not UTF-8"), (b"a: &x 1\nb: *x\n", "anchor")],
    ids=["empty", "undecodable", "alias"],
)
def test_bad_bytes(tmp_path: Path, content: bytes, words: str) -> None:
    """Empty and undecodable files and aliases are one-line errors with a line number."""
    path = tmp_path / "bad.yaml"
    path.write_bytes(content)
    assert_one_line_error(run("check", path), f"{path}:", words)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    """A missing file and a directory are one-line errors naming the path."""
    assert_one_line_error(run("status", tmp_path / "nope.yaml"), "nope.yaml", "no such file")
    folder = tmp_path / "dir.yaml"
    folder.mkdir()
    assert_one_line_error(run("check", folder), "dir.yaml", "is a directory")


def test_bad_json(tmp_path: Path) -> None:
    """A JSON syntax error is a one-line error with its line."""
    path = tmp_path / "bad.json"
    path.write_text('{\n  "negotrack": 1,\n  "id": "x"\n  "title": "y"\n}\n', encoding="utf-8")
    assert_one_line_error(run("check", path), f"{path}:4: ", "JSON syntax error", "','")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ((), "required"),
        (("frobnicate",), "invalid choice"),
        (("status",), "give a scenario FILE or --db STORE"),
        (("status", "x.yaml", "--as-of", "2025-13-45"), "not a real date"),
        (("status", "x.yaml", "--as-of", "20251026"), "expected YYYY-MM-DD"),
        (("diagram", "--format", "svg"), "invalid choice"),
    ],
)
def test_usage_errors_are_one_line(args: tuple[str, ...], words: str) -> None:
    """Usage mistakes exit 2 with one line pointing at --help."""
    assert_one_line_error(run(*args), words, "--help")


@pytest.mark.parametrize("command", ["check", "status", "timeline", "diagram"])
def test_every_subcommand_has_help(command: str) -> None:
    """`--help` works on every subcommand and lists its options."""
    result = run(command, "--help")
    assert result.returncode == 0
    assert f"usage: negotrack {command}" in result.stdout
    assert "--json" in result.stdout or command in ("check", "diagram")


def test_status_json_contract(good: Path) -> None:
    """`status --json` has exactly the documented shape and types."""
    result = run("status", good, "--as-of", "2026-02-21", "--json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert list(doc) == ["scenario", "as_of", "known_by", "commitments", "anomalies"]
    assert doc["scenario"] == "kl-2025"
    assert doc["as_of"] == "2026-02-21"
    assert doc["known_by"] is None
    keys = [
        "id",
        "title",
        "stage",
        "since",
        "reason",
        "inferred",
        "at_risk",
        "at_risk_from",
        "progress",
        "disputed",  # the accounts issue: always present, false and {} without accounts
        "accounts",
        "by",
        "to",
        "subject",
        "source",
    ]
    assert [list(c) for c in doc["commitments"]] == [keys, keys]
    rare, tariff = doc["commitments"]
    assert rare == {
        "id": "rare-earths",
        "title": "China defers its rare-earth controls",
        "stage": "preliminary_consensus",
        "since": "2025-10-26",
        "reason": None,
        "inferred": False,
        "at_risk": True,
        "at_risk_from": ["tariff"],
        "progress": None,
        "disputed": False,
        "accounts": {},
        "by": "CN",
        "to": "US",
        "subject": None,
        "source": "kl-report",
    }
    assert tariff["stage"] == "lapsed"
    assert tariff["reason"] == "voided"
    assert tariff["since"] == "2026-02-20"
    assert doc["anomalies"] == []


def test_status_json_known_by_and_anomalies(tmp_path: Path) -> None:
    """known_by is echoed; anomalies carry commitment, on, event and message."""
    path = tmp_path / "s.yaml"
    path.write_text(
        GOOD + "  - {on: 2026-03-01, commitment: tariff, event: approved}\n", encoding="utf-8"
    )
    doc = json.loads(
        run("status", path, "--as-of", "2026-03-01", "--known-by", "2026-02-20", "--json").stdout
    )
    assert doc["known_by"] == "2026-02-20"
    tariff = doc["commitments"][1]
    # Neither the voiding (reported on the 21st) nor the approval of 1 March is known yet.
    assert tariff["stage"] == "preliminary_consensus"
    doc = json.loads(run("status", path, "--as-of", "2026-03-01", "--json").stdout)
    [anomaly] = doc["anomalies"]
    assert list(anomaly) == ["commitment", "on", "event", "message"]
    assert anomaly["commitment"] == "tariff"
    assert anomaly["on"] == "2026-03-01"
    assert anomaly["event"] == "approved"
    assert "lapsed since 2026-02-20" in anomaly["message"]


def test_status_defaults_to_today(good: Path) -> None:
    """Without --as-of, the status is as of today."""
    doc = json.loads(run("status", good, "--json").stdout)
    assert doc["as_of"] == date.today().isoformat()


def test_status_table(good: Path) -> None:
    """The table has a row per commitment with stage, since, reason, inferred and risk."""
    result = run("status", good, "--as-of", "2026-11-11")
    assert result.returncode == 0
    rows = {line.split()[0]: line.split() for line in result.stdout.splitlines() if line.strip()}
    assert rows["rare-earths"][1:6] == ["lapsed", "2026-11-11", "expired", "yes", "-"]
    assert rows["tariff"][1:6] == ["lapsed", "2026-02-20", "voided", "no", "-"]
    assert "anomalies: none" in result.stdout


@pytest.mark.parametrize(
    ("args", "heading"),
    [
        (("status", "--as-of", "2026-03-01"), "as of 2026-03-01, with everything recorded"),
        (
            ("status", "--as-of", "2026-03-01", "--known-by", "2026-02-19"),
            "as of 2026-03-01, as known on 2026-02-19",
        ),
        (
            ("progress", "--as-of", "2026-03-01", "--known-by", "2026-02-19"),
            "kl-2025: as of 2026-03-01, as known on 2026-02-19",
        ),
        (
            ("changes", "--since", "2026-01-01", "--until", "2026-03-01"),
            "kl-2025: changes after 2026-01-01 up to 2026-03-01, with everything recorded",
        ),
        (
            (
                "changes",
                "--since",
                "2026-01-01",
                "--until",
                "2026-03-01",
                "--known-by",
                "2026-02-20",
            ),
            "kl-2025: changes after 2026-01-01 up to 2026-03-01, as known on 2026-02-20",
        ),
    ],
    ids=["status", "status-known-by", "progress", "changes", "changes-known-by"],
)
def test_headings_say_what_the_answers_are_drawn_from(
    good: Path, args: tuple[str, ...], heading: str
) -> None:
    """Every heading names the as-of date and what is known the same way: "as known on R",
    or "with everything recorded"."""
    command, *options = args
    result = run(command, good, *options)
    assert result.returncode == 0, result.stderr
    assert heading in result.stdout.splitlines()[:2]
    assert "from" not in result.stdout.splitlines()[1 if command == "status" else 0]


def test_check_exit_codes(tmp_path: Path, good: Path) -> None:
    """check: 0 when valid, 0 with warnings for anomalies, 1 with --strict, 2 when invalid."""
    result = run("check", good)
    assert (result.returncode, result.stderr) == (0, "")
    assert "valid: 2 commitments, 4 events, 0 anomalies" in result.stdout
    assert run("check", good, "--strict").returncode == 0
    odd = tmp_path / "odd.yaml"
    odd.write_text(
        GOOD + "  - {on: 2026-03-01, commitment: tariff, event: approved}\n", encoding="utf-8"
    )
    result = run("check", odd)
    assert result.returncode == 0
    assert f"{odd}:25: warning: 'approved' on 2026-03-01" in result.stderr
    assert run("check", odd, "--strict").returncode == 1


SPENT = GOOD.replace("    to: CN\nevents:", "    to: CN\n    deadline: 2015-10-30\nevents:", 1)


def test_check_warns_about_a_date_before_the_first_event(tmp_path: Path) -> None:
    """A deadline before its commitment's first event is a warning at the deadline's line,
    saying what it means and how to fix it: exit 0, and 1 with --strict, like an anomaly."""
    path = tmp_path / "spent.yaml"
    path.write_text(SPENT, encoding="utf-8")
    result = run("check", path)
    assert result.returncode == 0
    assert result.stderr.splitlines() == [
        f"{path}:19: warning: deadline 2015-10-30 is before the first event of 'tariff' "
        "(2025-10-26): the deadline can never make it lapse; check the year"
    ]
    assert result.stdout.strip().endswith(
        "valid: 2 commitments, 4 events, 0 anomalies, 1 spent date"
    )
    strict = run("check", path, "--strict")
    assert (strict.returncode, strict.stderr) == (1, result.stderr)
    # From a store: the same warning, naming the store (it has no lines).
    store = tmp_path / "spent.db"
    assert run("record", "--db", store, path).returncode == 0
    result = run("check", "--db", store, "--strict")
    assert result.returncode == 1
    assert result.stderr.startswith(f"{store}: warning: deadline 2015-10-30 is before")


def columns(line: str, header: str) -> list[str]:
    """The cells of a table row, cut where the header's columns start."""
    starts = [m.start() for m in re.finditer(r"(?:^|(?<=  ))\S", header)]
    return [line[a:b].strip() for a, b in zip(starts, [*starts[1:], None], strict=True)]


def test_timeline(good: Path) -> None:
    """timeline is a table, one row per step in date order: date, commitment, event,
    from -> to and the evidence (actor / source, the report date only when it differs from
    the step's); inferred steps are marked."""
    result = run("timeline", good)
    assert result.returncode == 0
    header, *lines = result.stdout.splitlines()
    assert columns(header, header) == ["date", "commitment", "event", "from -> to", "evidence"]
    assert [columns(line, header) for line in lines] == [
        [
            "2025-10-26",
            "rare-earths",
            "consensus_reached",
            "(none) -> preliminary_consensus",
            "Li Chenggang / kl-report",
        ],
        [
            "2025-10-26",
            "tariff",
            "consensus_reached",
            "(none) -> preliminary_consensus",
            "Scott Bessent",
        ],
        [
            "2025-11-04",
            "rare-earths",
            "extended",
            "preliminary_consensus (expires 2026-11-11)",
            "-",
        ],
        [
            "2026-02-20",
            "tariff",
            "lapsed",
            "preliminary_consensus -> lapsed (voided)",
            "(reported 2026-02-21)",
        ],
        [
            "2026-11-11",
            "rare-earths",
            "lapsed",
            "preliminary_consensus -> lapsed (expired)",
            "[inferred]",
        ],
    ]
    # Aligned: every cell starts at its header's column, after two spaces.
    starts = [m.start() for m in re.finditer(r"(?:^|(?<=  ))\S", header)]
    for line in lines:
        assert all(line[at - 2 : at] == "  " and line[at] != " " for at in starts[1:]), line
    doc = json.loads(run("timeline", good, "--json").stdout)
    steps = doc["transitions"]
    assert [s["on"] for s in steps] == sorted(s["on"] for s in steps)
    assert steps[-1]["inferred"] is True
    assert steps[-1]["actor"] is None
    assert steps[0]["quote"] == "preliminary consensus"
    assert steps[3]["reported"] == "2026-02-21"


def test_timeline_cuts_long_evidence_to_keep_rows_short(tmp_path: Path, good: Path) -> None:
    """A long actor is cut with "..." (between words) so that the row keeps to 120
    characters, the source and a late report date kept whole; --json keeps it all."""
    actor = "Scott Bessent (US Treasury Secretary), Jamieson Greer (US Trade Representative)"
    path = tmp_path / "long.yaml"
    path.write_text(
        GOOD.replace("actor: Scott Bessent}", f"actor: '{actor}', source: kl-report}}")
        + "  - {on: 2026-03-01, commitment: rare-earths, event: extended, expires: 2026-12-01,\n"
        f"     actor: '{actor}', source: kl-report, reported: 2026-03-03}}\n",
        encoding="utf-8",
    )
    result = run("timeline", path)
    assert result.returncode == 0, result.stderr
    header, *lines = result.stdout.splitlines()
    cut = next(line for line in lines if "tariff" in line and "consensus" in line)
    assert len(cut) <= 120
    assert columns(cut, header)[-1] == "Scott Bessent (US... / kl-report"
    late = next(line for line in lines if "2026-03-01" in line)
    assert columns(late, header)[-1].endswith("... / kl-report (reported 2026-03-03)")
    assert len(late) <= 120 + len(" (reported 2026-03-03)")
    steps = json.loads(run("timeline", path, "--json").stdout)["transitions"]
    assert steps[1]["actor"] == actor


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (("--commitment", "tariff"), [("2025-10-26", "tariff"), ("2026-02-20", "tariff")]),
        (
            ("--commitment", "tariff", "--commitment", "rare-earths", "--until", "2025-11-04"),
            [
                ("2025-10-26", "rare-earths"),
                ("2025-10-26", "tariff"),
                ("2025-11-04", "rare-earths"),
            ],
        ),
        (
            ("--since", "2025-11-04", "--until", "2026-02-20"),
            [("2025-11-04", "rare-earths"), ("2026-02-20", "tariff")],
        ),
        (("--since", "2026-02-21"), [("2026-11-11", "rare-earths")]),
        # What was known on 2026-02-20: the voiding, reported on the 21st, is not.
        (
            ("--commitment", "tariff", "--known-by", "2026-02-20"),
            [("2025-10-26", "tariff")],
        ),
        (("--since", "2027-01-01"), []),
    ],
    ids=["one", "several-until", "span", "since", "known-by", "none"],
)
def test_timeline_filters(
    good: Path, options: tuple[str, ...], expected: list[tuple[str, str]]
) -> None:
    """--commitment (repeatable), --since and --until (inclusive) and --known-by pick the
    same steps in the table and in the JSON, whose shape per step is unchanged."""
    text = run("timeline", good, *options)
    assert text.returncode == 0, text.stderr
    header, *lines = text.stdout.splitlines()
    if expected:
        assert [tuple(columns(line, header)[:2]) for line in lines] == expected
    else:
        assert (header, lines) == ("no steps", [])
    doc = json.loads(run("timeline", good, *options, "--json").stdout)
    assert list(doc) == ["scenario", "known_by", "transitions"]
    assert [(s["on"], s["commitment"]) for s in doc["transitions"]] == expected
    everything = json.loads(run("timeline", good, "--json").stdout)["transitions"]
    assert all(step in everything or "--known-by" in options for step in doc["transitions"])


@pytest.mark.parametrize(
    ("options", "words"),
    [
        (("--commitment", "tarif"), "unknown commitment 'tarif'; did you mean 'tariff'?"),
        (
            ("--commitment", "tariff", "--commitment", "zzz"),
            "unknown commitment 'zzz'; expected one of rare-earths, tariff",
        ),
        (("--since", "2025-02-30"), "not a real date"),
        (("--until", "26/10/2025"), "expected YYYY-MM-DD"),
        (
            ("--since", "2026-01-01", "--until", "2025-12-31"),
            "--since 2026-01-01 is after --until 2025-12-31",
        ),
    ],
    ids=["close-match", "unknown", "impossible-date", "not-iso", "backwards"],
)
def test_timeline_filter_errors(good: Path, options: tuple[str, ...], words: str) -> None:
    """An unknown commitment id, a bad date or a span that runs backwards is one line on
    stderr, exit 2, with the filter applied to --json too."""
    assert_one_line_error(run("timeline", good, *options), "negotrack timeline", words)
    assert_one_line_error(run("timeline", good, *options, "--json"), words)


def test_diagram() -> None:
    """diagram draws the lifecycle as Mermaid by default and as dot on request."""
    mermaid = run("diagram")
    assert mermaid.returncode == 0
    assert "stateDiagram-v2" in mermaid.stdout
    assert "lapsed --> proposed: revived" in mermaid.stdout
    dot = run("diagram", "--format", "dot")
    assert dot.returncode == 0
    assert dot.stdout.startswith("digraph")


def test_console_script_errors_are_one_line(tmp_path: Path, good: Path) -> None:
    """The installed script gives the same answers as main(): a table, or one error line."""
    assert script("check", good).stdout == run("check", good).stdout
    path = tmp_path / "bad.yaml"
    path.write_text(GOOD.replace("expires: 2026-11-10", "expires: 2025-13-45"), encoding="utf-8")
    assert_one_line_error(script("check", path), f"{path}:12: ", "not a real date")


def test_python_dash_m(good: Path) -> None:
    """`python -m negotrack` is the same command."""
    result = subprocess.run(
        [sys.executable, "-m", "negotrack", "check", str(good)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0
    assert "valid: 2 commitments" in result.stdout


def test_broken_pipe_is_not_an_error(good: Path) -> None:
    """Piping into a reader that stops early is not reported as an error."""
    result = subprocess.run(
        f"'{SCRIPT}' timeline '{good}' | head -n 1",
        shell=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0
    assert "Traceback" not in result.stderr
    assert len(result.stdout.splitlines()) == 1


@pytest.mark.parametrize(
    "command",
    [
        ("check",),
        ("status",),
        ("timeline",),
        ("changes", "--since", "2025-01-01"),
        ("due",),
        ("progress",),
        ("report", "-o", "out.html"),
    ],
    ids=lambda c: c[0],
)
def test_a_store_given_as_a_scenario_file_points_at_db(
    tmp_path: Path, good: Path, command: tuple[str, ...]
) -> None:
    """A store where a scenario file is expected (by its name, or by its first bytes) is one
    line that says how to read it: --db."""
    store = tmp_path / "kl.db"
    assert run("record", "--db", store, good).returncode == 0
    disguised = tmp_path / "store.yaml"
    disguised.write_bytes(store.read_bytes())
    name, *options = command
    for given, problem in [
        (store, "an SQLite file (a store) where a scenario file"),
        (disguised, "an SQLite file (a store) where a scenario file"),
        (tmp_path / "missing.sqlite3", "unsupported file type '.sqlite3'"),
    ]:
        result = run(name, given, *options, cwd=tmp_path)
        assert_one_line_error(
            result, f"{given}: {problem}", f"; to read a store, use --db {shlex.quote(str(given))}"
        )
    spaced = tmp_path / "my store.db"
    assert_one_line_error(run("status", spaced), f"use --db '{spaced}'")
    # A scenario file of another type is not taken for a store.
    other = tmp_path / "notes.txt"
    other.write_text("x", encoding="utf-8")
    result = run(name, other, *options, cwd=tmp_path)
    assert_one_line_error(result, "unsupported file type '.txt'")
    assert "--db" not in result.stderr


def test_record_from_a_store_points_at_copy(tmp_path: Path, good: Path) -> None:
    """`record` given a store to read from says to copy it, without a URL's password."""
    store = tmp_path / "kl.db"
    assert run("record", "--db", store, good).returncode == 0
    result = run("record", "--db", tmp_path / "new.db", store)
    assert_one_line_error(
        result,
        f"{store}: an SQLite file (a store)",
        "to copy a store into another, use negotrack copy "
        f"--from {shlex.quote(str(store))} --to {shlex.quote(str(tmp_path / 'new.db'))}",
    )
    assert not (tmp_path / "new.db").exists()
    result = run("record", "--db", "postgresql://alice:s3cret@db.invalid/n", store)
    assert_one_line_error(result, f"negotrack copy --from {shlex.quote(str(store))} --to STORE")
    assert "s3cret" not in result.stderr


def test_export_to_a_missing_folder_names_the_target(tmp_path: Path, good: Path) -> None:
    """A failed export names the file asked for, not a temporary file."""
    db = tmp_path / "k.db"
    assert run("record", "--db", db, good).returncode == 0
    target = tmp_path / "nowhere" / "out.yaml"
    assert_one_line_error(run("export", "--db", db, "-o", target), str(target), "cannot be written")


def test_changes_refuses_a_span_that_runs_backwards(good: Path) -> None:
    """changes with --since after --until is one line on stderr and exit 2, as timeline's is,
    for the table and for --json."""
    options = ("--since", "2026-01-01", "--until", "2025-12-31")
    words = "--since 2026-01-01 is after --until 2025-12-31"
    assert_one_line_error(run("changes", good, *options), "negotrack changes", words)
    assert_one_line_error(run("changes", good, *options, "--json"), words)


def test_record_counts_commitments_and_events_apart(tmp_path: Path, good: Path) -> None:
    """record's message counts the file's commitments already in the store apart from its
    events already there, both on a first and on a repeated run."""
    source = nt.load(good)
    n_c, n_e = len(source.commitments()), len(source.events())
    db = tmp_path / "store.db"
    first = run("record", "--db", db, good)
    assert "(0 already recorded)" in first.stdout
    assert "0 commitments of the file already recorded" in first.stdout
    second = run("record", "--db", db, good)
    assert f"({n_e} already recorded)" in second.stdout
    assert f"{n_c} commitments of the file already recorded" in second.stdout


def test_the_parser_is_one_table_and_reads_the_clock_once() -> None:
    """Every command of the table is on the command line with the options its row names; the
    date given to the parser is the default of --as-of for the answers, never of timeline's
    own --as-of, and every command finds it as `today`."""
    from negotrack._cli import parser

    day = date(2020, 1, 15)
    built = parser.build(day)
    for command in parser.COMMANDS:
        options = [a for a in command.arguments if isinstance(a, str)]
        args = built.parse_args([command.name, *_required(command)])
        assert args.run is command.run
        assert args.today == day
        assert ("as_of" in options) == (getattr(args, "as_of", None) == day), command.name
    assert built.parse_args(["timeline", "f.yaml"]).as_of is None
    with pytest.raises(UsageError, match="invalid choice: 'nope'"):
        built.parse_args(["nope"])


def _required(command: object) -> list[str]:
    from negotrack._cli import parser

    assert isinstance(command, parser.Command)
    given = {"--db": "s.db", "-o": "out.html", "--from": "a.db", "--to": "b.db"}
    found: list[str] = []
    for argument in command.arguments:
        for each in parser.SHARED.get(argument, ()) if isinstance(argument, str) else (argument,):
            if each.options.get("required"):
                found += [each.flags[0], given[each.flags[0]]]
            elif not each.flags[0].startswith("-") and each.options.get("nargs") != "?":
                found.append("x.yaml")
    return found
