"""Write docs/api.md, the API reference, from the docstrings and signatures of the public names.

    python docs/make_api.py           # write docs/api.md
    python docs/make_api.py --check   # exit 1 if docs/api.md is not what the code says

The test suite runs the check, so the reference cannot drift from the code: change a
docstring or a signature, then run this script.
"""

from __future__ import annotations

import argparse
import inspect
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs

import negotrack as nt
from negotrack import tables

OUT = Path(__file__).parent / "api.md"

# What the reference covers, in the order a reader meets it: the tracker and its answers
# first, then what goes in, then the functions around them.
SECTIONS: list[tuple[str, list[Any]]] = [
    ("The tracker", [nt.Tracker, nt.open, nt.load, nt.dump]),
    ("Answers", [nt.Status, nt.Snapshot, nt.Transition, nt.Anomaly, nt.Progress, nt.Period]),
    ("Changes over time", [nt.Change, nt.ChangeKind, nt.Revision, nt.Due, nt.DueKind]),
    ("What goes in", [nt.Commitment, nt.Link, nt.LinkKind, nt.Target, nt.Event, nt.EventKind]),
    ("Scenarios", [nt.Scenario, nt.Source]),
    ("The lifecycle", [nt.Stage, nt.LapseReason, nt.Lifecycle, nt.Rule, nt.TimeLimit]),
    ("Drawing and reporting", [nt.diagram, nt.report]),
    (
        "Tables",
        [
            tables.Table,
            tables.snapshot,
            tables.timeline,
            tables.changes,
            tables.progress,
            tables.anomalies,
            tables.due,
        ],
    ),
    (
        "Errors",
        [
            nt.NegotrackError,
            nt.InvalidValue,
            nt.InvalidTransition,
            nt.ConflictingEvent,
            nt.DuplicateCommitment,
            nt.UnknownCommitment,
            nt.InvalidDefinition,
            nt.ScenarioError,
            nt.StoreError,
            nt.StoreBusy,
        ],
    ),
]


def render() -> str:
    lines = [
        "# API reference",
        "",
        "Generated from the code by `python docs/make_api.py`: the docstrings and signatures of",
        "negotrack's public names (`import negotrack as nt`). The README tells the story; this",
        "is the reference.",
        "",
    ]
    for title, _ in SECTIONS:
        lines.append(f"- [{title}](#{title.lower().replace(' ', '-')})")
    for title, names in SECTIONS:
        lines += ["", f"## {title}"]
        for obj in names:
            lines += ["", *document(obj)]
    return "\n".join(lines).rstrip() + "\n"


def document(obj: Any) -> list[str]:
    name = obj.__name__
    if inspect.isclass(obj) and issubclass(obj, Exception):
        bases = ", ".join(b.__name__ for b in obj.__bases__)
        return [f"### `{name}({bases})`", "", doc(obj)]
    if inspect.isclass(obj) and hasattr(obj, "__members__"):  # an enumeration
        values = ", ".join(f"`{m.value}`" for m in obj)
        return [f"### `{name}`", "", doc(obj), "", f"Values: {values}."]
    if inspect.isclass(obj):
        head = [f"### `{name}{signature(obj)}`", "", doc(obj)]
        if attrs.has(obj):
            head += ["", *fields(obj)]
        return head + members(obj)
    return [f"### `{name}{signature(obj)}`", "", doc(obj)]


def fields(cls: type) -> list[str]:
    rows = ["| field | type | default |", "|---|---|---|"]
    for field in attrs.fields(cls):
        if field.name.startswith("_"):
            continue
        default = "required" if field.default is attrs.NOTHING else f"`{field.default!r}`"
        if isinstance(field.default, attrs.Factory):  # type: ignore[arg-type]
            default = "(made per instance)"
        annotation = (
            field.type if isinstance(field.type, str) else getattr(field.type, "__name__", "")
        )
        rows.append(f"| `{field.alias or field.name}` | `{annotation}` | {default} |")
    return rows


def members(cls: type) -> list[str]:
    out: list[str] = []
    for name, member in vars(cls).items():
        if name.startswith("_"):
            continue
        if isinstance(member, property):
            out += ["", f"#### `{cls.__name__}.{name}` (property)", "", doc(member)]
        elif inspect.isfunction(member):
            out += ["", f"#### `{cls.__name__}.{name}{signature(member)}`", "", doc(member)]
        elif isinstance(member, classmethod | staticmethod):
            out += ["", f"#### `{cls.__name__}.{name}{signature(member.__func__)}`", ""]
            out.append(doc(member.__func__))
    return out


def signature(obj: Callable[..., Any]) -> str:
    """The signature as written in the code (annotations as text, `self` left out)."""
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return "(...)"
    parts: list[str] = []
    star = False
    for p in sig.parameters.values():
        if p.name == "self":
            continue
        if p.kind is p.KEYWORD_ONLY and not star:
            parts.append("*")
            star = True
        elif p.kind is p.VAR_POSITIONAL:
            star = True
        text = {p.VAR_POSITIONAL: "*", p.VAR_KEYWORD: "**"}.get(p.kind, "") + p.name
        if p.annotation is not p.empty:
            text += f": {p.annotation if isinstance(p.annotation, str) else p.annotation.__name__}"
        if p.default is not p.empty:
            text += f" = {p.default!r}"
        parts.append(text)
    result = f"({', '.join(parts)})"
    if sig.return_annotation is not sig.empty and sig.return_annotation != "None":
        result += f" -> {sig.return_annotation}"
    return result


def doc(obj: Any) -> str:
    return inspect.cleandoc(obj.__doc__ or "(undocumented)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        if OUT.read_text(encoding="utf-8") != text:
            print(f"{OUT} is out of date: run python docs/make_api.py", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
