"""Scenario files: loading, dumping, and a clear error for every kind of bad input."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import pytest
from scenario_cases import BAD_YAML, GOOD

import negotrack as nt
from negotrack._files import composer as _composer


def write(tmp_path: Path, text: str, name: str = "scenario.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def bad_file(tmp_path: Path, old: str, new: str) -> Path:
    assert old in GOOD, old
    return write(tmp_path, GOOD.replace(old, new, 1))


def test_good_file_loads(tmp_path: Path) -> None:
    """The reference document loads whole: scenario, commitments, events and answers."""
    t = nt.load(write(tmp_path, GOOD))
    assert t.scenario is not None
    assert t.scenario.id == "kl-2025"
    assert dict(t.scenario.parties) == {"US": "United States", "CN": "China", "NO": "Norway"}
    assert t.scenario.sources["kl-report"].published == date(2025, 10, 26)
    assert [c.id for c in t.commitments()] == ["rare-earths", "tariff"]
    assert t.commitment("rare-earths").links == (nt.Link("reciprocal", "tariff"),)
    assert len(t.events()) == 4
    status = t.status("rare-earths", on=date(2026, 2, 21))
    assert status.stage is nt.Stage.PRELIMINARY_CONSENSUS
    assert status.at_risk_from == ("tariff",)
    assert status.expires == date(2026, 11, 11)
    assert t.status("tariff", on=date(2026, 2, 20), known_by=date(2026, 2, 20)).stage is (
        nt.Stage.PRELIMINARY_CONSENSUS
    )


def test_yaml_core_schema(tmp_path: Path) -> None:
    """`on`, `no` and dates stay what they look like: keys, country codes, ISO text."""
    t = nt.load(write(tmp_path, GOOD))
    assert "NO" in t.scenario.parties  # type: ignore[union-attr]
    assert t.events()[0].on == date(2025, 10, 26)


@pytest.mark.parametrize(
    ("name", "old", "new", "line", "words"), BAD_YAML, ids=[b[0] for b in BAD_YAML]
)
def test_bad_yaml_names_file_and_line(
    tmp_path: Path, name: str, old: str, new: str, line: int, words: str
) -> None:
    """Each kind of bad input raises ScenarioError naming the file, the line and the fault."""
    path = bad_file(tmp_path, old, new)
    with pytest.raises(nt.ScenarioError) as caught:
        nt.load(path)
    err = caught.value
    assert err.path == str(path)
    assert err.line == line, str(err)
    assert words in str(err)
    assert str(err).startswith(f"{path}:{line}: ")


SELF_LINK = """\
negotrack: 1
id: s
title: S
parties:
  US: United States
  CN: China
commitments:
  - id: a
    title: t
    by: US
    to: CN
    links:
      - reciprocal: a
"""


def test_an_item_fault_in_a_field_points_at_that_field(tmp_path: Path) -> None:
    """A fault an item finds in one of its own fields points at that field's line, not at
    the item's first line: a link to itself at the link, an extension's date at the date."""
    path = write(tmp_path, SELF_LINK)
    with pytest.raises(nt.ScenarioError) as caught:
        nt.load(path)
    assert caught.value.line == 13, str(caught.value)
    assert str(caught.value).startswith(f"{path}:13: commitment 'a' links to itself")
    extension = SELF_LINK.replace("    links:\n      - reciprocal: a\n", "") + (
        "events:\n"
        "  - on: 2025-01-01\n    commitment: a\n    event: proposed\n"
        "  - on: 2025-02-01\n    commitment: a\n    event: extended\n"
        "    note: moved\n    deadline: 2020-01-01\n"
    )
    with pytest.raises(nt.ScenarioError) as caught:
        nt.load(write(tmp_path, extension))
    assert caught.value.line == 20, str(caught.value)
    assert "cannot set deadline to the earlier date 2020-01-01" in str(caught.value)


@pytest.mark.parametrize(
    ("content", "line", "words"),
    [
        (b"", 1, "empty"),
        (b"   \n\n", 1, "empty"),
        (GOOD.encode().replace(b"Li Chenggang", b"Li \xff"), 21, "not UTF-8"),
        (b"a: &x [1]\nb: *x\n", 1, "anchor &x is not allowed"),
        (b"- 1\n- 2\n", 1, "expected a mapping"),
        (b"negotrack: 1\nid: x\x07\n", 2, "character U+0007 is not allowed"),
        (b"a: " + b"[" * 3000 + b"]" * 3000 + b"\n", 1, "nested too deeply"),
        (b"negotrack: 1\nid: x\ntitle: .inf\nparties: {}\n", 3, "got a number inf"),
    ],
    ids=["empty", "blank", "undecodable", "alias", "not a mapping", "control", "deep", "inf"],
)
def test_bad_bytes(tmp_path: Path, content: bytes, line: int | None, words: str) -> None:
    """Empty files, undecodable bytes, aliases and wrong shapes are ScenarioErrors too."""
    path = tmp_path / "bad.yaml"
    path.write_bytes(content)
    with pytest.raises(nt.ScenarioError) as caught:
        nt.load(path)
    assert caught.value.line == line
    assert words in str(caught.value)


def test_alias_bomb_is_refused_before_expansion(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A billion-laughs document is refused at its first anchor, before anything is composed."""
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 12):
        prev, name = chr(96 + i), chr(97 + i)
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    path = write(tmp_path, "\n".join(lines) + "\n")
    built: list[object] = []
    real = _composer._Builder.collection
    monkeypatch.setattr(
        _composer._Builder, "collection", lambda self, *a: built.append(a) or real(self, *a)
    )
    with pytest.raises(nt.ScenarioError, match="anchor &a is not allowed") as caught:
        nt.load(path)
    # Expanding it would take 9**12 items; not even its first list is built.
    assert caught.value.line == 1
    assert [type(event).__name__ for event, *_ in built] == ["MappingStartEvent"]


def test_missing_file_and_directory(tmp_path: Path) -> None:
    """A missing file and a directory are named in the error."""
    with pytest.raises(nt.ScenarioError, match="no such file"):
        nt.load(tmp_path / "nowhere.yaml")
    folder = tmp_path / "folder.yaml"
    folder.mkdir()
    with pytest.raises(nt.ScenarioError, match="is a directory"):
        nt.load(folder)
    with pytest.raises(nt.ScenarioError, match=r"unsupported file type '\.txt'"):
        nt.load(write(tmp_path, GOOD, "scenario.txt"))


def test_duplicate_events_are_refused(tmp_path: Path) -> None:
    """The same event twice in one file is an error pointing at the second copy."""
    text = (
        GOOD
        + "  - {on: 2025-11-04, commitment: rare-earths, event: extended, expires: 2026-11-11}\n"
    )
    with pytest.raises(nt.ScenarioError, match="the same event as line 23") as caught:
        nt.load(write(tmp_path, text))
    assert caught.value.line == 25


def test_reports_every_problem(tmp_path: Path) -> None:
    """When several fields are wrong, each is reported on its own line, in line order."""
    text = GOOD.replace("title: US shelves the 100% tariff", "title: 100").replace(
        "    to: CN\n", "    to: 5\n"
    )
    path = write(tmp_path, text)
    with pytest.raises(nt.ScenarioError) as caught:
        nt.load(path)
    err = caught.value
    assert [line for line, _ in err.problems] == [16, 18]
    assert str(err).splitlines() == [
        f"{path}:16: title: expected text, got a number 100; quote it if it is meant as text",
        f"{path}:18: to: expected text, got a number 5; quote it if it is meant as text",
    ]
    assert (err.line, err.problem) == err.problems[0]


def test_kind_for_event_is_one_problem_with_the_right_hint(tmp_path: Path) -> None:
    """`kind:` written for `event:` is reported once, suggesting `event`, and another fault
    of the same file is still reported."""
    text = GOOD.replace("event: extended", "kind: extended").replace(
        "title: US shelves the 100% tariff", "title: 100"
    )
    path = write(tmp_path, text)
    with pytest.raises(nt.ScenarioError) as caught:
        nt.load(path)
    lines = str(caught.value).splitlines()
    assert len(lines) == 2, lines
    assert lines[0].startswith(f"{path}:16: title: expected text")
    assert lines[1].startswith(f"{path}:23: unknown key 'kind' in an event")
    assert "(did you mean 'event'?)" in lines[1]


class TestJson:
    """JSON files: the same structure, the same checks, with lines."""

    def json_text(self, tmp_path: Path) -> str:
        t = nt.load(write(tmp_path, GOOD))
        nt.dump(t, tmp_path / "s.json")
        return (tmp_path / "s.json").read_text(encoding="utf-8")

    def test_unknown_key_line(self, tmp_path: Path) -> None:
        """An unknown key in a JSON event names the line of that key."""
        text = self.json_text(tmp_path).replace(
            '"actor": "Scott Bessent"', '"actr": "Scott Bessent"'
        )
        line = next(n for n, row in enumerate(text.splitlines(), 1) if '"actr"' in row)
        with pytest.raises(nt.ScenarioError, match="unknown key 'actr'") as caught:
            nt.load(write(tmp_path, text, "bad.json"))
        assert caught.value.line == line

    def test_syntax_error_line(self, tmp_path: Path) -> None:
        """A JSON syntax error names its line."""
        text = self.json_text(tmp_path).replace('"negotrack": 1,', '"negotrack": 1', 1)
        with pytest.raises(nt.ScenarioError, match="JSON syntax error") as caught:
            nt.load(write(tmp_path, text, "bad.json"))
        assert caught.value.line == 3

    def test_duplicate_key(self, tmp_path: Path) -> None:
        """A key twice in one JSON object is an error."""
        text = self.json_text(tmp_path).replace('"id": "kl-2025",', '"id": "kl-2025", "id": "x",')
        with pytest.raises(nt.ScenarioError, match="duplicate key 'id'") as caught:
            nt.load(write(tmp_path, text, "bad.json"))
        assert caught.value.line == 3

    def test_lone_surrogate(self, tmp_path: Path) -> None:
        """A lone surrogate escape in JSON text is refused with its line."""
        text = self.json_text(tmp_path).replace('"kl-2025"', '"kl\\ud800"', 1)
        with pytest.raises(nt.ScenarioError, match="lone surrogate") as caught:
            nt.load(write(tmp_path, text, "bad.json"))
        assert caught.value.line == 3

    def test_wrong_type(self, tmp_path: Path) -> None:
        """A number where text is expected is named with its line."""
        doc = json.loads(self.json_text(tmp_path))
        doc["commitments"][1]["by"] = 7
        path = write(tmp_path, json.dumps(doc), "bad.json")
        with pytest.raises(nt.ScenarioError, match="by: expected text, got a number 7"):
            nt.load(path)


@pytest.mark.parametrize("suffix", [".yaml", ".yml", ".json"])
def test_dump_loads_back_to_the_same_answers(tmp_path: Path, suffix: str) -> None:
    """dump writes a file that loads back to the same scenario, events and answers."""
    original = nt.load(write(tmp_path, GOOD))
    target = tmp_path / f"copy{suffix}"
    nt.dump(original, target)
    copy = nt.load(target)
    assert copy.scenario == original.scenario
    assert copy.commitments() == original.commitments()
    assert set(copy.events()) == set(original.events())
    for day in (date(2025, 10, 26), date(2026, 2, 20), date(2026, 11, 11)):
        for known_by in (None, date(2026, 2, 20)):
            assert copy.snapshot(on=day, known_by=known_by) == original.snapshot(
                on=day, known_by=known_by
            )
    assert copy.timeline() == original.timeline()


def test_dump_of_a_tracker_built_in_code(tmp_path: Path) -> None:
    """A tracker without scenario metadata dumps with its parties declared and its ids kept."""
    t = nt.Tracker()
    t.add(nt.Commitment(id="c", title="C", by="US", to="CN"))
    t.record(nt.Event(commitment="c", kind="approved", on=date(2025, 1, 1), id="given"))
    path = tmp_path / "built.yaml"
    nt.dump(t, path)
    back = nt.load(path)
    assert back.scenario is not None
    assert back.scenario.id == "built"
    assert set(back.scenario.parties) == {"US", "CN"}
    assert back.events()[0].id == "given"


def test_dump_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A dump that fails while writing leaves the old file whole and nothing else behind."""
    path = write(tmp_path, GOOD)
    t = nt.load(path)
    t.scenario = nt.Scenario(id="changed", title="Changed")

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space left"):
        nt.dump(t, path)
    assert path.read_text(encoding="utf-8") == GOOD
    assert [p.name for p in tmp_path.iterdir()] == ["scenario.yaml"]


class TestParsers:
    """libyaml reads scenario files wherever PyYAML has it; the pure parser is the fallback."""

    def test_libyaml_is_used_when_present(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """On a PyYAML built with libyaml, loading a file runs libyaml's parser."""
        import yaml

        if not yaml.__with_libyaml__:
            pytest.skip("this PyYAML was built without libyaml")
        from yaml._yaml import CParser

        assert _composer.PARSER == "libyaml"
        assert _composer._Parser is CParser
        made: list[str] = []

        class Spy(CParser):  # type: ignore[misc]
            def __init__(self, stream: str) -> None:
                made.append(type(self).__mro__[1].__module__)
                super().__init__(stream)

        monkeypatch.setattr(_composer, "_Parser", Spy)
        nt.load(write(tmp_path, GOOD))
        assert made == ["yaml._yaml"]

    @pytest.mark.parametrize("suffix", [".yaml", ".json"])
    def test_the_pure_parser_gives_the_same_answers(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str
    ) -> None:
        """Without libyaml, the same files load to the same trackers, and the same faults are
        reported on the same lines."""
        follow = Path(__file__).parent.parent / "examples" / "us-china-2025-2026.yaml"
        path = tmp_path / f"follow{suffix}"
        nt.dump(nt.load(follow), path)
        fast = nt.load(path)
        outcomes = []
        for _, old, new, _, _ in BAD_YAML:
            try:
                nt.load(bad_file(tmp_path, old, new))
            except nt.ScenarioError as err:
                outcomes.append(err.line)
        monkeypatch.setattr(_composer, "_Parser", _composer.PyParser)
        slow = nt.load(path)
        assert slow.commitments() == fast.commitments()
        assert slow.events() == fast.events()
        assert slow.scenario == fast.scenario
        pure = []
        for _, old, new, _, _ in BAD_YAML:
            try:
                nt.load(bad_file(tmp_path, old, new))
            except nt.ScenarioError as err:
                pure.append(err.line)
        assert pure == outcomes


def test_an_unquoted_comma_in_a_title_gets_a_hint_to_quote_it(tmp_path: Path) -> None:
    """A title in ``{...}`` cut by an unquoted comma is reported at its line with a hint
    that shows the title quoted whole."""
    path = bad_file(
        tmp_path,
        "  - id: tariff\n    title: US shelves the 100% tariff\n    by: US\n    to: CN\n",
        "  - {id: tariff, title: US shelves, then drops the 100% tariff, by: US, to: CN}\n",
    )
    with pytest.raises(nt.ScenarioError) as caught:
        nt.load(path)
    [(line, message)] = caught.value.problems
    assert (
        line
        == path.read_text(encoding="utf-8")
        .splitlines()
        .index("  - {id: tariff, title: US shelves, then drops the 100% tariff, by: US, to: CN}")
        + 1
    )
    assert "unknown key 'then drops the 100% tariff'" in message
    assert 'quote it, title: "US shelves, then drops the 100% tariff"' in message
