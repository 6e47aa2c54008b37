"""The package's shape: small modules, no import cycles, one codec."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
PACKAGE = ROOT / "negotrack"


def module_name(path: Path) -> str:
    """A module's dotted name inside negotrack: ``_store.sqlite``; a package's is its folder's."""
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}
LIMIT = 420  # "about 400 lines": a module past this wants splitting along a domain noun


def imports_of(path: Path, package: str = "") -> set[str]:
    """Every negotrack module `path` (a module of `package`, dotted inside negotrack) imports,
    anywhere in it: at the top, inside a function, or only for type checking (a cycle there is
    still a cycle for a reader). ``from . import page`` imports the module ``page``."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".") if package else []
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, *([node.module] if node.module else [])])
            elif node.module and node.module.startswith("negotrack."):
                target = node.module.removeprefix("negotrack.")
            else:
                continue
            if node.module:
                found.add(target)
            found.update(f"{target}.{alias.name}".strip(".") for alias in node.names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("negotrack."):
                    found.add(alias.name.removeprefix("negotrack."))
    return found & set(MODULES)


def package_of(name: str) -> str:
    """The package a module's relative imports start from."""
    path = MODULES[name]
    return name if path.name == "__init__.py" else name.rpartition(".")[0]


def test_no_import_cycles() -> None:
    """No module of negotrack imports, directly or not, a module that imports it back."""
    graph = {name: imports_of(path, package_of(name)) for name, path in MODULES.items()}
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
    "_cli",
    "_cli.text",
    "_cli.commands",
    "_cli.history",
    "_cli.steps",
    "_cli.spent",
    "_anomalies",
    "_events",
    "_checks",
    "_strategies",
    "_status",
    "_targets",
    "_changes",
    "_words",
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

# The layers (see docs/architecture.md): the core is every module at the top of the package
# (values, the lifecycle, the fold, the views, the tracker and its session); the outer layers
# are the sub-packages and the public modules built on the core. Each layer may import the
# core and itself, and only the layers named here besides.
LAYERS = {
    "_store": "the stores",
    "_files": "scenario files",
    "_cli": "the command line",
    "_report": "the HTML report",
    "plot": "the charts",
    "tables": "tables",
    "testing": "the test strategies",
}
ALSO = {
    "": set(LAYERS),  # the public namespace gathers every layer
    "__main__": {"_cli"},
    "_cli": set(LAYERS) - {"_cli", "testing"},  # the command line drives every layer
    "_report": {"plot"},  # the report draws the public charts
    "plot": {"_report"},  # ...which are the report's charts
}


def layer_of(name: str) -> str:
    """The layer of a module: its sub-package, or the core ("") for a private top-level module."""
    first = name.split(".")[0]
    return first if first in LAYERS or first in ("", "__main__") else "_core"


def test_every_layer_is_there() -> None:
    """Each layer the test names exists (a renamed one would escape the check), and the core
    holds the values, the lifecycle, the fold, the views and the tracker."""
    assert set(LAYERS) <= set(MODULES)
    core = {name for name in MODULES if layer_of(name) == "_core"}
    assert core >= {"_events", "_lifecycle", "_fold", "_views", "_tracker", "_session", "_words"}
    assert all("." not in name for name in core)


def wrong_way(modules: dict[str, Path]) -> list[str]:
    """Each import of a module in a layer its importer may not use."""
    wrong = []
    for name, path in modules.items():
        layer = layer_of(name)
        allowed = {"_core", layer, *ALSO.get(layer, set())}
        for target in sorted(imports_of(path, package_of(name))):
            if layer_of(target) not in allowed:
                wrong.append(f"{name} imports {target} ({LAYERS.get(layer_of(target))})")
    return wrong


def test_the_core_imports_no_outer_layer() -> None:
    """No core module imports a store, file, command line, report, chart or table module; the
    stores and files know nothing of the command line or the report; the report and tables
    do not use the terminal's words."""
    assert wrong_way(MODULES) == []


def test_the_layering_test_sees_a_wrong_way_import(tmp_path: Path) -> None:
    """The walk finds an import of an outer module inside a function, from the core and from
    the report into the command line."""
    core = tmp_path / "m.py"
    core.write_text("def f():\n    from ._store.sqlite import SQLiteRecorder\n", encoding="utf-8")
    page = tmp_path / "page.py"
    page.write_text("from .._cli.text import safe\nfrom .charts import Mark\n", encoding="utf-8")
    assert imports_of(core) == {"_store.sqlite"}
    assert imports_of(page, "_report") == {"_cli.text", "_report.charts"}
    assert wrong_way({"_report.page": page}) == [
        "_report.page imports _cli.text (the command line)"
    ]
    assert layer_of("_store.sqlite") == "_store"
    assert layer_of("_fold") == "_core"


def test_import_negotrack_loads_no_backend_and_no_extra() -> None:
    """`import negotrack` loads attrs and transitions, and no store backend, file codec or
    extra; opening a store loads sqlite3 (checked in a fresh interpreter)."""
    import subprocess
    import sys

    probe = (
        "import sys, negotrack\n"
        "heavy = ('sqlite3', 'psycopg', 'cattrs', 'yaml', 'jinja2', 'matplotlib', 'pandas',"
        " 'polars', 'pyarrow', 'negotrack._store.sqlite', 'negotrack._store.postgres')\n"
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
