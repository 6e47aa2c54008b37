"""The HTML report and its charts: structure, escaping, what it holds, and the plot API.

The report is read back with the standard library's `html.parser` into a small tree, so that
each test asserts on elements (rows, lanes, links), never on the bytes of the page.
"""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from helpers import cli, commitment, day, event
from matplotlib.figure import Figure

import negotrack as nt
from negotrack import plot
from negotrack._report import MissingExtra
from negotrack._report import charts as _charts
from negotrack._report import page as _report
from negotrack._report.charts import Mark
from negotrack._words import NO_STAGE

FOLLOW = Path(__file__).parent.parent / "examples" / "us-china-2025-2026.yaml"
AS_OF = date(2026, 2, 20)
SOY = ("soybean-12mmt-2025", "soybean-25mmt-2026-2028")


# -- reading a report back -------------------------------------------------------------------

VOID = {"meta", "br", "img", "input", "link", "hr", "source", "wbr", "col", "area", "base"}


class Node:
    """An element of the parsed page: its tag, attributes, children and text."""

    def __init__(self, tag: str, attrs: dict[str, str], parent: Node | None) -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node] = []
        self.content: list[str | Node] = []  # text and elements, in order

    def walk(self) -> Iterator[Node]:
        yield self
        for child in self.children:
            yield from child.walk()

    def find(self, tag: str | None = None, **attrs: str) -> list[Node]:
        """Descendants with `tag` whose attributes hold `attrs` (`class_` matches a class)."""
        found = []
        for node in self.walk():
            if tag is not None and node.tag != tag:
                continue
            if all(
                (value in node.attrs.get("class", "").split())
                if key == "class_"
                else node.attrs.get(key) == value
                for key, value in attrs.items()
            ):
                found.append(node)
        return found

    @property
    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text for c in self.content)

    def words(self) -> str:
        return " ".join(self.text.split())


class TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {}, None)
        self.current = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs}, self.current)
        self.current.children.append(node)
        self.current.content.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs}, self.current)
        self.current.children.append(node)
        self.current.content.append(node)

    def handle_endtag(self, tag: str) -> None:
        node: Node | None = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        assert node is not None, f"stray </{tag}>"
        assert node.parent is not None, f"stray </{tag}>"
        self.current = node.parent

    def handle_data(self, data: str) -> None:
        self.current.content.append(data)


def parse(path: Path) -> Node:
    builder = TreeBuilder()
    builder.feed(path.read_text(encoding="utf-8"))
    builder.close()
    assert builder.current is builder.root, "an element was left open"
    return builder.root


def lanes_in(page: Node) -> list[str]:
    return [n.attrs["id"] for n in page.walk() if re.fullmatch(r"lane-\d+", n.attrs.get("id", ""))]


@pytest.fixture(scope="module")
def follow() -> nt.Tracker:
    return nt.load(FOLLOW)


@pytest.fixture(scope="module")
def page(follow: nt.Tracker, tmp_path_factory: pytest.TempPathFactory) -> Node:
    path = tmp_path_factory.mktemp("report") / "report.html"
    nt.report(follow, path, on=AS_OF)
    return parse(path)


# -- what the report holds --------------------------------------------------------------------


def test_one_row_per_commitment_with_its_status(follow: nt.Tracker, page: Node) -> None:
    """The status table has one row per commitment, in the order added, showing its stage."""
    rows = page.find("tr", class_="commitment")
    assert [r.find("code")[0].text for r in rows] == [c.id for c in follow.commitments()]
    snapshot = follow.snapshot(on=AS_OF)
    for row, status in zip(rows, snapshot.values(), strict=True):
        stage = row.find("td", **{"data-label": "Stage"})[0].words()
        assert stage == (NO_STAGE if status.stage is None else status.stage.value.replace("_", " "))
    truce = rows[0].find("td", **{"data-label": "Reason"})[0].words()
    assert truce == "voided"


def test_each_row_reaches_its_evidence(page: Node) -> None:
    """A row's details hold the evidence of its stage: the actor, the source and the quote."""
    rows = {r.find("code")[0].text: r for r in page.find("tr", class_="commitment")}
    truce = rows["tariff-truce"].find("details")[0]
    assert "US Supreme Court" in truce.words()
    assert "Supreme Court ruling in Learning Resources v. Trump" in truce.words()
    # The source has no address: the link leads to the list of sources.
    link = next(a for a in truce.find("a") if "Learning Resources" in a.text)
    assert link.attrs["href"].startswith("#s-")
    target = page.find(id=link.attrs["href"][1:])
    assert len(target) == 1
    assert "scotus-ieepa" in target[0].words()
    soy = rows["soybean-12mmt-2025"].find("details")[0]
    # The quote of the step that set the stage, and again in the history.
    assert {q.text for q in soy.find("q")} == {"completed their soybean purchases"}
    risk = rows["cn-tariff-truce"].find("td", **{"data-label": "At risk from"})[0]
    assert [a.text for a in risk.find("a")] == ["tariff-truce"]


def test_timeline_has_one_lane_per_commitment(follow: nt.Tracker, page: Node) -> None:
    """The timeline SVG has one lane per commitment, numbered in the order added."""
    section = page.find("section", id="timeline")[0]
    assert len(section.find("svg")) == 1
    assert lanes_in(section) == [f"lane-{n}" for n in range(len(follow))]


def test_targets_charts_for_the_soybean_commitments(follow: nt.Tracker, page: Node) -> None:
    """Each commitment with a target, and only those, has a chart with its SVG id."""
    figures = page.find("figure", class_="targets")
    assert [f.attrs["data-commitment"] for f in figures] == list(SOY)
    order = [c.id for c in follow.commitments()]
    for figure, cid in zip(figures, SOY, strict=True):
        assert figure.find(id=f"targets-{order.index(cid)}"), cid
        assert "MMT" in figure.find("svg")[0].words()


def test_changes_and_due_list_the_tracker_answers(follow: nt.Tracker, page: Node) -> None:
    """The changes of the 30 days up to as-of and what falls due in the 90 after are those of
    Tracker.changes and Tracker.due, in order."""
    changes = follow.changes(AS_OF - timedelta(days=30), AS_OF)
    rows = page.find("section", id="changes")[0].find("tr", class_="change")
    assert [(r.find("td")[0].text, r.find("code")[0].text) for r in rows] == [
        (c.on.isoformat(), c.commitment) for c in changes
    ]
    assert len(rows) == 8
    assert rows[0].find("td")[2].words() == "(none) \N{RIGHTWARDS ARROW} proposed"
    assert rows[-1].find("td")[2].words().startswith("at risk from us-fentanyl-tariff-cut")
    [due] = page.find("section", id="due")[0].find("tr", class_="due-item")
    [expected] = follow.due(AS_OF, 90)
    assert [td.words() for td in due.find("td")] == [
        "2026-02-28",
        "soybean-12mmt-2025",
        "target end",
        expected.outcome,
    ]


def test_scenario_title_sources_and_dates(follow: nt.Tracker, page: Node) -> None:
    """The page names the scenario, the as-of date, and lists every declared source."""
    assert follow.scenario is not None
    assert page.find("h1")[0].text == follow.scenario.title
    assert "As of 2026-02-20, with everything recorded." in page.find("header")[0].words()
    listed = page.find("ol", class_="sources")[0].find("li")
    assert [li.find("code")[0].text for li in listed] == list(follow.scenario.sources)
    assert page.find("section", id="anomalies")[0].find("p")[0].text.startswith("None")


def test_known_by_is_named_and_applied(follow: nt.Tracker, tmp_path: Path) -> None:
    """With known_by, the title, the heading and the timeline name it, and a later report
    (the soybeans completed on 12 January, reported on the 20th) is not in the answers: as
    known on 15 January, the target was missed at the end of February."""
    path = tmp_path / "known.html"
    nt.report(follow, path, on=date(2026, 3, 1), known_by=date(2026, 1, 15))
    page = parse(path)
    assert page.find("title")[0].text.endswith(": as of 2026-03-01, as known on 2026-01-15")
    assert "As of 2026-03-01, as known on 2026-01-15." in page.find("header")[0].words()
    assert "as known on 2026-01-15" in page.find("section", id="timeline")[0].words()
    rows = {r.find("code")[0].text: r for r in page.find("tr", class_="commitment")}
    soy = rows["soybean-12mmt-2025"]
    cells = {
        td.attrs["data-label"]: td.words() for td in soy.find("td") if "data-label" in td.attrs
    }
    assert (cells["Stage"], cells["Reason"], cells["Inferred"]) == (
        "lapsed",
        "target_missed",
        "yes",
    )
    assert soy.find("td", **{"data-label": "Progress"})[0].words().startswith("7/12 MMT")


def test_user_text_is_escaped_never_trusted(tmp_path: Path) -> None:
    """HTML in the scenario's text comes out as text: no script, image, handler or
    `javascript:` link gets into the page, in the tables or in the charts."""
    t = nt.Tracker(
        scenario=nt.Scenario(
            id="x",
            title='<script>alert("title")</script>',
            sources={
                "evil": nt.Source(title="<b>bold</b>", url="javascript:alert(1)"),
                "good": nt.Source(title="A & B", url="https://example.org/a?b=1&c=2"),
            },
        )
    )
    t.add(
        commitment("<img src=x onerror=alert(1)>", title="</td><script>alert(2)</script>"),
        commitment(
            "q",
            target=nt.Target(
                amount=5, unit="<u>t</u> $x$", start=day("2025-01-01"), end=day("2025-12-31")
            ),
        ),
    )
    t.record(
        event(
            "approved",
            "2025-01-02",
            "<img src=x onerror=alert(1)>",
            actor="<i>me</i>",
            source="evil",
            quote='"><svg onload=alert(3)>',
        ),
        event("approved", "2025-01-02", "q", source="good"),
        event("measured", "2025-02-01", "q", amount=1),
    )
    path = tmp_path / "escaped.html"
    nt.report(t, path, on=date(2025, 3, 1))
    page = parse(path)
    scripts = page.find("script")
    assert [s.text for s in scripts] == [_report.SCRIPT]
    assert page.find("img") == []
    handlers = [n for n in page.walk() for k in n.attrs if k.startswith("on")]
    assert handlers == []
    assert page.find("h1")[0].text == '<script>alert("title")</script>'
    assert all(not a.attrs.get("href", "").lower().startswith("javascript") for a in page.find("a"))
    linked = [a.text for a in page.find("a", href="https://example.org/a?b=1&c=2")]
    assert len(linked) >= 2
    assert set(linked) == {"A & B"}
    assert "<img src=x onerror=alert(1)>" in page.find("section", id="timeline")[0].words()
    assert "<u>t</u> $x$" in page.find("figure", class_="targets")[0].find("svg")[0].words()
    assert '"><svg onload=alert(3)>' in [q.text for q in page.find("q")]


def test_nothing_is_fetched(page: Node) -> None:
    """No script, style, image or frame names an outside address; a CSP forbids fetching."""
    fetching = {
        "script",
        "link",
        "img",
        "image",
        "iframe",
        "source",
        "embed",
        "object",
        "use",
        "audio",
        "video",
        "style",
        "input",
        "frame",
    }
    for node in page.walk():
        for key in ("src", "href", "xlink:href", "data", "srcset", "poster"):
            value = node.attrs.get(key, "")
            if node.tag in fetching and value:
                assert value.startswith(("#", "data:")), (node.tag, key, value)
        assert "url(http" not in node.attrs.get("style", "")
    assert page.find("link") == []
    [csp] = page.find("meta", **{"http-equiv": "Content-Security-Policy"})
    assert "default-src 'none'" in csp.attrs["content"]
    assert not any("@import" in s.text or "url(" in s.text for s in page.find("style"))


def test_ids_are_unique(page: Node) -> None:
    """Every id in the page (the charts' included) is used once, so each reference resolves."""
    ids = [n.attrs["id"] for n in page.walk() if "id" in n.attrs]
    assert len(ids) == len(set(ids))
    refs = {
        m for n in page.walk() for v in n.attrs.values() for m in re.findall(r"url\(#([^)]+)\)", v)
    }
    assert refs
    assert refs <= set(ids)


def test_report_is_the_same_twice(follow: nt.Tracker, tmp_path: Path) -> None:
    """Rendering the same record twice gives the same bytes (no clock, no random ids)."""
    a, b = tmp_path / "a.html", tmp_path / "b.html"
    nt.report(follow, a, on=AS_OF)
    nt.report(follow, b, on=AS_OF)
    assert a.read_bytes() == b.read_bytes()


def test_written_atomically(
    follow: nt.Tracker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure while rendering leaves the old file as it was and no temporary file; a
    directory is refused, saying a file was expected."""
    path = tmp_path / "r.html"
    path.write_text("old", encoding="utf-8")
    os.chmod(path, 0o640)

    def broken(*args: Any, **kwargs: Any) -> str:
        raise RuntimeError("boom")

    with monkeypatch.context() as m:
        m.setattr(_report, "render", broken)
        with pytest.raises(RuntimeError, match="boom"):
            nt.report(follow, path, on=AS_OF)
    assert path.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html"]
    nt.report(follow, path, on=AS_OF)
    assert path.read_text(encoding="utf-8").startswith("<!doctype html>")
    assert oct(path.stat().st_mode & 0o777) == oct(0o640)
    with pytest.raises(nt.InvalidValue, match="is a directory; expected a file"):
        nt.report(follow, tmp_path, on=AS_OF)


def test_bad_arguments_are_refused(follow: nt.Tracker, tmp_path: Path) -> None:
    """A report needs a Tracker, a file path and dates, and says so."""
    with pytest.raises(nt.InvalidValue, match="tracker must be a Tracker"):
        nt.report("t", tmp_path / "r.html", on=AS_OF)  # type: ignore[arg-type]
    with pytest.raises(nt.InvalidValue, match=r"on must be a datetime\.date"):
        nt.report(follow, tmp_path / "r.html", on="2026-01-01")  # type: ignore[arg-type]
    with pytest.raises(nt.InvalidValue, match="path must be a file path"):
        nt.report(follow, "", on=AS_OF)


def test_without_the_extra(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Without jinja2 the report raises MissingExtra (an ImportError and a NegotrackError)
    naming the extra, and the command says it in one line, exit 2; without matplotlib,
    importing negotrack.plot names the extra too."""
    monkeypatch.setitem(sys.modules, "jinja2", None)
    monkeypatch.delitem(sys.modules, "negotrack._report.page", raising=False)
    monkeypatch.delattr(sys.modules["negotrack._report"], "page", raising=False)
    with pytest.raises(MissingExtra, match=r"needs jinja2.*pip install 'negotrack\[report\]'"):
        nt.report(nt.Tracker(), tmp_path / "r.html", on=AS_OF)
    assert issubclass(MissingExtra, ImportError)
    assert issubclass(MissingExtra, nt.NegotrackError)
    result = cli("report", FOLLOW, "--as-of", "2026-03-01", "-o", tmp_path / "r.html")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "negotrack[report]" in result.stderr
    assert not (tmp_path / "r.html").exists()
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.delitem(sys.modules, "negotrack.plot", raising=False)
    with pytest.raises(ImportError, match=r"negotrack\[report\]"):
        importlib.import_module("negotrack.plot")


# -- the command ------------------------------------------------------------------------------


def test_command_writes_the_report_from_a_file_or_a_store(tmp_path: Path) -> None:
    """`negotrack report` writes the same report from the scenario file and from a store."""
    out = tmp_path / "file.html"
    result = cli("report", FOLLOW, "--as-of", "2026-02-20", "-o", out)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(
        f"{out}: wrote the report of us-china-2025-2026 as of 2026-02-20"
    )
    store = tmp_path / "s.db"
    assert cli("record", "--db", store, FOLLOW).returncode == 0
    again = tmp_path / "store.html"
    assert cli("report", "--db", store, "--as-of", "2026-02-20", "-o", again).returncode == 0
    assert len(parse(again).find("tr", class_="commitment")) == 27
    assert again.read_bytes() == out.read_bytes()


def test_command_refuses_to_overwrite_its_input(tmp_path: Path) -> None:
    """`-o` naming the scenario file itself is refused in one line, and the file is kept."""
    copy = tmp_path / "s.yaml"
    copy.write_bytes(FOLLOW.read_bytes())
    result = cli("report", copy, "-o", copy)
    assert result.returncode == 2
    assert "is the input itself" in result.stderr
    assert copy.read_bytes() == FOLLOW.read_bytes()


# -- the charts -------------------------------------------------------------------------------


def gids(fig: Figure, pattern: str) -> list[str]:
    return [
        str(a.get_gid())
        for a in fig.findobj(lambda a: re.fullmatch(pattern, str(a.get_gid())) is not None)
    ]


def test_timeline_figure_has_a_lane_per_commitment(follow: nt.Tracker) -> None:
    """plot.timeline returns a Figure with one lane per commitment, titled with the dates."""
    fig = plot.timeline(follow, on=AS_OF, known_by=date(2026, 1, 1))
    assert isinstance(fig, Figure)
    assert gids(fig, r"lane-\d+") == [f"lane-{n}" for n in range(27)]
    texts = [t.get_text() for t in fig.texts]
    assert "Stages as of 2026-02-20, as known on 2026-01-01" in texts
    subset = plot.timeline(follow, on=AS_OF, commitments=["port-fees", "tiktok"])
    assert gids(subset, r"lane-\d+") == ["lane-13", "lane-22"]
    with pytest.raises(nt.UnknownCommitment):
        plot.timeline(follow, on=AS_OF, commitments=["nope"])


def test_charts_draw_into_a_given_axes(follow: nt.Tracker) -> None:
    """With `ax`, the charts draw into it and return its figure."""
    fig = Figure()
    left, right = fig.subplots(1, 2)
    assert plot.timeline(follow, on=AS_OF, ax=left) is fig
    assert plot.targets(follow, SOY[0], on=AS_OF, ax=right) is fig
    assert len(gids(fig, r"lane-\d+")) == 27
    assert gids(fig, r"targets-\d+") == ["targets-7"]
    with pytest.raises(nt.InvalidValue, match="a matplotlib Axes"):
        plot.timeline(follow, on=AS_OF, ax="ax")  # type: ignore[arg-type]


def test_targets_figure_and_its_refusal(follow: nt.Tracker) -> None:
    """plot.targets charts a commitment with a target and refuses one without, naming those
    that have one."""
    fig = plot.targets(follow, SOY[1], on=AS_OF)
    assert gids(fig, r"targets-\d+") == ["targets-8"]
    with pytest.raises(nt.NegotrackError, match=r"'tiktok' has no target.*'soybean-12mmt-2025'"):
        plot.targets(follow, "tiktok", on=AS_OF)


def many(n: int) -> nt.Tracker:
    """`n` commitments approved a day apart from 1 January 2025, two in three expiring."""
    t = nt.Tracker()
    t.add(
        *(commitment(f"c{i:04d}", expires=day("2025-06-01") if i % 3 else None) for i in range(n))
    )
    first = day("2025-01-01")
    t.record(
        *(
            nt.Event(commitment=f"c{i:04d}", kind="approved", on=first + timedelta(days=i))
            for i in range(n)
        )
    )
    return t


def test_many_commitments_are_paged(tmp_path: Path) -> None:
    """95 commitments make three pages of at most 40 lanes, each lane drawn once, in the
    figures and in the report."""
    t = many(95)
    pages = plot.timelines(t, on=date(2025, 7, 1))
    assert [len(gids(p, r"lane-\d+")) for p in pages] == [40, 40, 15]
    assert [g for p in pages for g in gids(p, r"lane-\d+")] == [f"lane-{n}" for n in range(95)]
    assert "(commitments 41-80 of 95)" in next(t.get_text() for t in pages[1].texts)
    # One time axis for all pages, though the later pages start later.
    assert {p.axes[0].get_xlim() for p in pages} == {pages[0].axes[0].get_xlim()}
    assert len(plot.timelines(t, on=date(2025, 7, 1), lanes=50)) == 2
    with pytest.raises(nt.InvalidValue, match="lanes must be a number of lanes"):
        plot.timelines(t, on=date(2025, 7, 1), lanes=0)
    path = tmp_path / "many.html"
    nt.report(t, path, on=date(2025, 7, 1))
    page = parse(path)
    assert len(page.find("figure", class_="timeline")) == 3
    assert lanes_in(page) == [f"lane-{n}" for n in range(95)]
    assert len(page.find("tr", class_="commitment")) == 95


def test_lane_data_marks_inferred_and_reported_lapses_and_risk(follow: nt.Tracker) -> None:
    """A lane's marks tell an inferred lapse from a reported one, and its risk spans come
    from the tracker's changes."""
    lanes = {
        lane.commitment: lane for lane in _charts.lanes(follow, on=date(2026, 12, 1), known_by=None)
    }
    cn = lanes["cn-tariff-truce"]
    assert (day("2026-11-10"), Mark.INFERRED) in cn.marks
    assert cn.risk == ((day("2026-02-20"), day("2026-11-10")),)
    assert cn.bands[-1] == _charts.Band(nt.Stage.LAPSED, day("2026-11-10"), day("2026-12-02"))
    us = lanes["tariff-truce"]
    assert (day("2026-02-20"), Mark.LAPSE) in us.marks
    assert Mark.INFERRED not in {m for _, m in us.marks}
    assert [m for _, m in lanes["soybean-12mmt-2025"].marks].count(Mark.MEASURED) == 3


def test_delivery_steps_follow_what_was_known(follow: nt.Tracker) -> None:
    """The delivered total steps up at each measurement, as known by the date asked."""
    [period] = _charts.deliveries(follow, SOY[0], on=date(2026, 3, 1), known_by=None)
    assert period.steps == (
        (day("2025-10-30"), 0),
        (day("2025-10-31"), 0.25),
        (day("2025-12-15"), 7),
        (day("2026-01-12"), 12),
        (day("2026-02-28"), 12),
    )
    [early] = _charts.deliveries(follow, SOY[0], on=date(2026, 3, 1), known_by=date(2026, 1, 15))
    assert [v for _, v in early.steps] == [0, 0.25, 7, 7]
    yearly = _charts.deliveries(follow, SOY[1], on=date(2026, 3, 1), known_by=None)
    # No figure of 2026 was known by March: no line at all, rather than a line at zero.
    assert [(p.start.year, len(p.steps)) for p in yearly] == [(2026, 0), (2027, 0), (2028, 0)]


@pytest.mark.slow  # a whole benchmark run: under CI
def test_benchmark_runs_at_a_tiny_size() -> None:
    """benchmarks/report.py runs at a tiny size and prints both figures (no timing asserted)."""
    bench = Path(__file__).parent.parent / "benchmarks" / "report.py"
    result = subprocess.run(
        [sys.executable, str(bench), "--commitments", "60", "--repeat", "1"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode in (0, 1), result.stderr  # 1 only if a target was missed
    assert "report   follow-through (27 commitments)" in result.stdout
    assert "generated (60 commitments" in result.stdout
    assert "2 timeline page(s)" in result.stdout


@pytest.mark.parametrize("on", [date.min, date(1, 2, 1), date(9999, 12, 1), date.max])
def test_report_at_the_ends_of_the_calendar(follow: nt.Tracker, tmp_path: Path, on: date) -> None:
    """As of the first or the last dates Python has, the report is still written whole."""
    path = tmp_path / "edge.html"
    nt.report(follow, path, on=on)
    page = parse(path)
    assert len(page.find("tr", class_="commitment")) == 27
    assert len(lanes_in(page)) == 27


def test_no_stage_is_spelled_as_on_the_command_line(tmp_path: Path) -> None:
    """A commitment with no stage yet reads "(none)", as in `negotrack status`, in its row and
    in the summary, and keeps the style of a stageless commitment."""
    t = nt.Tracker()
    t.add(commitment("early"), commitment("later"))
    t.record(event("proposed", "2025-01-02", "early"), event("proposed", "2025-03-01", "later"))
    path = tmp_path / "none.html"
    nt.report(t, path, on=date(2025, 2, 1))
    page = parse(path)
    rows = {r.find("code")[0].text: r for r in page.find("tr", class_="commitment")}
    [badge] = rows["later"].find("span", class_="stage")
    assert (badge.text, badge.attrs["class"]) == ("(none)", "stage stage-no-stage")
    assert rows["early"].find("span", class_="stage")[0].text == "proposed"
    summary = page.find("ul", class_="counts")[0].words()
    assert "1 (none)" in summary
    assert "no stage" not in page.find("section", id="status")[0].words()


def test_report_of_an_empty_tracker(tmp_path: Path) -> None:
    """A tracker with nothing in it gives a report that says so, with an empty timeline."""
    path = tmp_path / "empty.html"
    nt.report(nt.Tracker(), path, on=AS_OF)
    page = parse(path)
    assert page.find("h1")[0].text == "Commitments"
    assert page.find("tr", class_="commitment") == []
    assert lanes_in(page) == []
    assert page.find("section", id="changes")[0].find("p")[0].text.startswith("Nothing changed")
