"""The package's shape: small modules, no import cycles, one codec."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
PACKAGE = ROOT / "negotrack"
MODULES = {path.stem: path for path in sorted(PACKAGE.glob("*.py"))}
LIMIT = 420  # "about 400 lines": a module past this wants splitting along a domain noun


def imports_of(path: Path) -> set[str]:
    """Every negotrack module `path` imports, anywhere in it: at the top, inside a function,
    or only for type checking (a cycle there is still a cycle for a reader)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1 and node.module:
                found.add(node.module.split(".")[0])
            elif node.level == 1:
                found.update(alias.name for alias in node.names)
            elif node.module and node.module.startswith("negotrack."):
                found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("negotrack."):
                    found.add(alias.name.split(".")[1])
    return found & set(MODULES)


def test_no_import_cycles() -> None:
    """No module of negotrack imports, directly or not, a module that imports it back."""
    graph = {name: imports_of(path) for name, path in MODULES.items()}
    cycles = []

    def visit(name: str, trail: list[str], done: set[str]) -> None:
        for target in sorted(graph[name]):
            if target in trail:
                cycles.append(" -> ".join([*trail[trail.index(target) :], target]))
            elif target not in done:
                done.add(target)
                visit(target, [*trail, target], done)

    for name in graph:
        visit(name, [name], set())
    assert cycles == []


def test_the_cycle_finder_finds_cycles(tmp_path: Path) -> None:
    """The import walk sees imports inside functions and under TYPE_CHECKING."""
    path = tmp_path / "m.py"
    path.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from ._events import Event\n"
        "def f():\n    from ._log import EventLog\n",
        encoding="utf-8",
    )
    assert imports_of(path) == {"_events", "_log"}


@pytest.mark.parametrize("name", sorted(MODULES))
def test_modules_are_small(name: str) -> None:
    """Each module stays near 400 lines: one domain noun each."""
    lines = MODULES[name].read_text(encoding="utf-8").count("\n")
    assert lines <= LIMIT, f"{name}.py has {lines} lines"


def test_one_codec() -> None:
    """Only the codec turns value objects into plain data: no other module calls
    attrs.asdict, builds a cattrs converter or restates an event's key list."""
    offenders = []
    for name, path in MODULES.items():
        text = path.read_text(encoding="utf-8")
        if name == "_codec":
            continue
        for needle in ("attrs.asdict", "cattrs.Converter", '"reported", "actor"', "isoformat()"):
            if needle in text and not (needle == "isoformat()" and name in _DISPLAY):
                offenders.append(f"{name}: {needle}")
    assert offenders == []


# Modules that write dates for people (tables, messages), not as plain data.
_DISPLAY = {
    "_output",
    "_cli",
    "_commands",
    "_history_commands",
    "_steps_text",
    "_anomalies",
    "_events",
    "_checks",
    "_drawing",
    "_timeline",
    "_targets",
    "_changes",
    "_limits",
}


def test_project_urls() -> None:
    """The package metadata links the project's home, its documentation, its changelog and
    its issues; the files they name exist in the repository."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    urls = project["urls"]
    home = "https://github.com/negotrack/negotrack"
    assert urls == {
        "Homepage": home,
        "Documentation": f"{home}/blob/main/README.md",
        "Changelog": f"{home}/blob/main/CHANGELOG.md",
        "Issues": f"{home}/issues",
    }
    for key in ("Documentation", "Changelog"):
        assert (ROOT / urls[key].removeprefix(f"{home}/blob/main/")).is_file(), key


# -- layers ---------------------------------------------------------------------------------------

# The core: values, the lifecycle, the fold, the views and the tracker's answers. It knows no
# file, no store backend, no command line and no report (see docs/architecture.md).
CORE = {
    "_accounts",
    "_anomalies",
    "_answers",
    "_changes",
    "_checks",
    "_codec",
    "_commitments",
    "_course",
    "_definition",
    "_engine",
    "_events",
    "_exceptions",
    "_fold",
    "_folds",
    "_knowledge",
    "_learned",
    "_lifecycle",
    "_lifecycles",
    "_log",
    "_rules",
    "_scenario",
    "_targets",
    "_timeline",
    "_views",
}
OUTER = {
    "_sqlite": "a store backend",
    "_postgres": "a store backend",
    "_pgschema": "a store backend",
    "_migration": "a store backend",
    "_transfer": "the stores' copying",
    "_store": "the stores' entry",
    "_cli": "the command line",
    "_commands": "the command line",
    "_history_commands": "the command line",
    "_inputs": "the command line",
    "_output": "the command line's words",
    "_steps_text": "the command line's words",
    "_report": "the HTML report",
    "_reporting": "the HTML report",
    "plot": "the charts",
    "_charts": "the charts",
    "_files": "scenario files",
    "_format": "scenario files",
    "_documents": "scenario files",
    "_composer": "scenario files",
    "_consistency": "scenario files",
    "_sheets": "spreadsheets",
    "_csv": "spreadsheets",
    "tables": "tables",
}


def test_the_core_imports_no_outer_layer() -> None:
    """No core module imports a file, store backend, command line, report or table module."""
    assert set(MODULES) >= CORE, sorted(CORE - set(MODULES))
    wrong = [
        f"{name} imports {target} ({OUTER[target]})"
        for name in sorted(CORE)
        for target in sorted(imports_of(MODULES[name]) & set(OUTER))
    ]
    assert wrong == []


def test_the_layering_test_sees_a_wrong_way_import(tmp_path: Path) -> None:
    """The import walk the layering test uses finds an import of an outer module in a function."""
    path = tmp_path / "m.py"
    path.write_text("def f():\n    from ._sqlite import SQLiteRecorder\n", encoding="utf-8")
    assert imports_of(path) & set(OUTER) == {"_sqlite"}


def test_import_negotrack_loads_no_backend_and_no_extra() -> None:
    """`import negotrack` loads attrs and transitions, and no store backend, file codec or
    extra; opening a store loads sqlite3 (checked in a fresh interpreter)."""
    import subprocess
    import sys

    probe = (
        "import sys, negotrack\n"
        "heavy = ('sqlite3', 'psycopg', 'cattrs', 'yaml', 'jinja2', 'matplotlib', 'pandas',"
        " 'polars', 'pyarrow', 'negotrack._sqlite', 'negotrack._postgres')\n"
        "print(','.join(m for m in heavy if m in sys.modules))\n"
        "print(all(m in sys.modules for m in ('attrs', 'transitions')))\n"
        "import tempfile, os\n"
        "with negotrack.open(os.path.join(tempfile.mkdtemp(), 's.db')) as t:\n"
        "    print('sqlite3' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.split("\n")[:3] == ["", "True", "True"], result.stdout
