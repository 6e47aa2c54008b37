"""The scenario file format, version 1: from located values to value objects.

The codec (`negotrack._codec`) structures each part of a document read by
`negotrack._files.disk`; this module checks what the codec cannot (ids, parties, sources and
the links between items) and turns every fault into a line of one `ScenarioError`: a file with
several faults reports each of them, in line order, ``PATH:LINE: problem; expectation``.
Writing a tracker back as a document is `negotrack._files.write`.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import attrs
from cattrs.errors import ClassValidationError, ForbiddenExtraKeysError, IterableValidationError

from negotrack import _codec, _ladders
from negotrack._commitments import Commitment
from negotrack._events import Event
from negotrack._exceptions import InvalidValue, ScenarioError, excerpt
from negotrack._lifecycles import LIFECYCLES
from negotrack._scenario import Scenario, Source
from negotrack._tracker import Tracker

from . import consistency, disk
from .consistency import Problem

FORMAT_VERSION = 1


@attrs.frozen(kw_only=True)
class Top:
    """The top of a scenario file (its items are structured one by one)."""

    negotrack: int
    id: str
    title: str
    note: str | None = None
    parties: dict[str, str]
    sources: dict[str, Source] = attrs.field(factory=dict)
    commitments: list[Any] = attrs.field(factory=list)
    events: list[Any] = attrs.field(factory=list)
    lifecycles: Any = None


_WHAT = {Top: "the scenario", Source: "a source", Commitment: "a commitment", Event: "an event"}


@attrs.frozen
class Lines:
    """Where a scenario file states each event, and each key of each commitment."""

    events: dict[Event, int] = attrs.field(factory=dict)
    commitments: dict[tuple[str, str], int] = attrs.field(factory=dict)  # (id, key) -> line


def load_with_lines(path: str | os.PathLike[str], *, strict: bool = False) -> tuple[Tracker, Lines]:
    """`negotrack.load`, also returning where things stand in the file (to point warnings at)."""
    where = Path(path)
    tree = disk.read(where)
    scenario, commitments, events = parse(tree, where)
    tracker = Tracker(strict=strict, scenario=scenario)
    tracker.add(*commitments)
    tracker.record(*events)
    items = tree.get("commitments", ())
    return tracker, Lines(
        events=dict(zip(events, getattr(tree.get("events"), "lines", ()), strict=False)),
        commitments={
            (c.id, key): line
            for c, item in zip(commitments, items, strict=False)
            for key, line in item.lines.items()
        },
    )


def parse(tree: Any, path: Path) -> tuple[Scenario, list[Commitment], list[Event]]:
    """Check a document read by `disk.read` and turn it into value objects."""
    if not isinstance(tree, disk.Located):
        keys = ", ".join(_codec.keys(Top))
        raise ScenarioError(
            path,
            disk.line_of(tree, ()) or 1,
            f"expected a mapping with the keys {keys}, got {_codec.describe(tree)}",
        )
    _check_version(tree, path)
    problems: list[Problem] = list(_shape(tree))
    if problems:
        _raise(path, problems)
    # Each item's own faults first; the links between items are checked only once every
    # item is sound, so that one mistake is not reported again through everything naming it.
    top = _structured(tree, Top, (), problems)
    commitments = _items(tree, "commitments", Commitment, problems)
    # Before the events: they may be of the lifecycles' own kinds.
    lifecycles, faults = _ladders.read(tree.get("lifecycles", {}))
    problems += faults
    events = _items(tree, "events", Event, problems)
    if top is not None:
        problems += consistency.declarations(top.parties, top.sources, tree, commitments, events)
    if not problems and top is not None:
        known = {**LIFECYCLES, **lifecycles}
        problems += _ladders.references(tree.get("commitments"), commitments, known)
        problems += consistency.references(tree, commitments, events)
    if problems or top is None:
        _raise(path, problems)
    assert top is not None
    fields = {"note": top.note, "parties": top.parties, "sources": top.sources}
    scenario = Scenario(id=top.id, title=top.title, lifecycles=lifecycles, **fields)
    return scenario, [c for _, c in commitments], [e for _, e in events]


def _raise(path: Path, problems: list[Problem]) -> None:
    ordered = sorted(dict.fromkeys(problems), key=lambda p: p[0] or 0)
    (line, first), *more = ordered
    raise ScenarioError(path, line, first, more=more)


def _check_version(tree: disk.Located, path: Path) -> None:
    if "negotrack" not in tree:
        raise ScenarioError(
            path,
            tree.line,
            f"missing the format version; expected `negotrack: {FORMAT_VERSION}` at the top",
        )
    version = tree["negotrack"]
    if version != FORMAT_VERSION or isinstance(version, bool):
        raise ScenarioError(
            path,
            tree.lines["negotrack"],
            f"unsupported format version {excerpt(version)}; this negotrack reads version "
            f"{FORMAT_VERSION} (upgrade negotrack to read newer files)",
        )


def _shape(tree: disk.Located) -> Iterable[Problem]:
    """The containers' faults, found before cattrs sees them, so messages name the right thing."""

    def expect(value: Any, kind: type, what: str, line: int | None) -> Iterable[Problem]:
        if not isinstance(value, kind):
            article = "a list" if kind is list else "a mapping"
            yield line, f"{what} must be {article}, got {_codec.describe(value)}"

    for key in ("parties", "sources"):
        if key in tree:
            yield from expect(tree[key], dict, key, tree.lines[key])
    sources = tree.get("sources")
    if isinstance(sources, disk.Located):
        for key, value in sources.items():
            yield from expect(value, dict, f"source {key!r}", sources.lines[key])
    for key, what in (("commitments", "a commitment"), ("events", "an event")):
        if key not in tree:
            continue
        items = tree[key]
        if not isinstance(items, disk.LocatedList):
            yield from expect(items, list, key, tree.lines[key])
            continue
        for item, line in zip(items, items.lines, strict=True):
            yield from expect(item, dict, f"each item of {key} ({what})", line)
            if key == "commitments" and isinstance(item, disk.Located) and "links" in item:
                yield from expect(item["links"], list, "links", item.lines["links"])


def _items(
    tree: disk.Located, key: str, cls: type[Any], problems: list[Problem]
) -> list[tuple[int, Any]]:
    """The items under `key` structured one by one, as (index, object); faults noted."""
    result = []
    for index, item in enumerate(tree.get(key, ())):
        value = _structured(item, cls, (key, index), problems, tree)
        if value is not None:
            result.append((index, value))
    return result


def _structured(
    data: Any,
    cls: type[Any],
    where: tuple[str | int, ...],
    problems: list[Problem],
    tree: Any = None,
) -> Any:
    try:
        return _codec.structure(data, cls)
    except Exception as err:
        root = data if tree is None else tree
        problems += _problems(err, where, cls, root)
        return None


def _problems(
    err: BaseException, where: tuple[str | int, ...], cls: type[Any], tree: Any
) -> list[Problem]:
    leaves = _flatten(err, where, cls)
    if not leaves:  # pragma: no cover - cattrs always reports through its groups
        return [(disk.line_of(tree, where), f"cannot be read ({err})")]
    # An unknown key that stands for a missing one ('kind' for 'event', or the one unknown
    # key of an item that misses one key) is one mistake: it is reported once, as unknown.
    missing: dict[tuple[str | int, ...], list[str]] = {}
    for place, exc, owner in leaves:
        if isinstance(exc, KeyError) and owner is not None:
            missing.setdefault(place[:-1], []).append(str(place[-1]))
    found = []
    for place, exc, _owner in leaves:
        if isinstance(exc, ForbiddenExtraKeysError):
            lacking = missing.get(place, [])
            for extra in sorted(exc.extra_fields):
                hint = _hint(exc.cl, extra)
                if hint is None and len(lacking) == 1 and len(exc.extra_fields) == 1:
                    hint = lacking[0]
                stands_for_missing = hint is not None and hint in lacking
                if hint is not None and stands_for_missing:
                    lacking.remove(hint)
                line = disk.line_of(tree, (*place, extra))
                comma = "" if hint else disk.comma_hint(tree, place, extra)
                found.append((line, _unknown_key(exc, extra, hint, stands_for_missing) + comma))
    for place, exc, owner in leaves:
        if isinstance(exc, ForbiddenExtraKeysError):
            continue
        if isinstance(exc, KeyError) and str(place[-1]) not in missing.get(place[:-1], []):
            continue  # reported with the unknown key that stands for it
        line = disk.line_of(tree, _place_of(exc, place, owner, tree))
        found.append((line, _message(exc, place, owner)))
    return found


def _place_of(
    exc: BaseException, place: tuple[str | int, ...], owner: type[Any] | None, tree: Any
) -> tuple[str | int, ...]:
    """Where the fault an item found in one of its own fields lies.

    At that field, and at the value it names in a list: a link to itself, or the second
    declaration of a link declared twice.
    """
    if not isinstance(exc, InvalidValue) or owner is None:
        return place
    item: Any = tree
    try:
        for step in place:
            item = item[step]
    except (KeyError, IndexError, TypeError):  # pragma: no cover - the codec's own places
        return place
    key = _codec.key_of(owner, exc.name)
    if not isinstance(item, disk.Located) or key not in item:
        return place
    values = item[key]
    if isinstance(values, disk.LocatedList):
        same = [i for i, raw in enumerate(values) if _structures_to(raw, exc.value)]
        if same:
            return (*place, key, same[1] if len(same) > 1 else same[0])
    return (*place, key)


def _structures_to(raw: Any, value: Any) -> bool:
    try:
        return bool(_codec.structure(raw, type(value)) == value)
    except Exception:
        return False


def _flatten(
    err: BaseException, where: tuple[str | int, ...], cls: type[Any] | None
) -> list[tuple[tuple[str | int, ...], BaseException, type[Any] | None]]:
    """Every leaf error of a cattrs error group, with its path in the document."""
    if isinstance(err, ClassValidationError):
        leaves = []
        for exc, note in err.group_exceptions()[0]:
            key = _codec.key_of(err.cl, note.name)
            leaves += _flatten(exc, (*where, key), _class_of(note.type) or cls)
        for exc in err.group_exceptions()[1]:
            leaves += _flatten(exc, where, err.cl)
        return leaves
    if isinstance(err, IterableValidationError):
        leaves = []
        for exc, inote in err.group_exceptions()[0]:
            leaves += _flatten(exc, (*where, inote.index), _class_of(inote.type) or cls)
        for exc in err.group_exceptions()[1]:
            leaves += _flatten(exc, where, cls)
        return leaves
    return [(where, err, cls)]


def _class_of(annotation: Any) -> type[Any] | None:
    return annotation if isinstance(annotation, type) and annotation in _WHAT else None


def _hint(cls: type[Any], key: str) -> str | None:
    """The key that `key` probably stands for: an attribute's name, or a close spelling."""
    keys = _codec.keys(cls)
    named = _codec.key_of(cls, key)
    if named != key and named in keys:
        return named  # 'kind' is written 'event', 'given_id' is written 'id'
    close = difflib.get_close_matches(key, keys, n=1)
    return close[0] if close else None


def _unknown_key(
    exc: ForbiddenExtraKeysError, extra: str, hint: str | None, stands_for_missing: bool
) -> str:
    what = _WHAT.get(exc.cl, "this item")
    if stands_for_missing:
        what += f", which is missing the required key {hint!r}"
    did_you_mean = f" (did you mean {hint!r}?)" if hint else ""
    expected = ", ".join(_codec.keys(exc.cl))
    return f"unknown key {excerpt(extra)} in {what}{did_you_mean}; expected only {expected}"


def _message(exc: BaseException, where: tuple[str | int, ...], cls: type[Any] | None) -> str:
    field = where[-1] if where and isinstance(where[-1], str) else None
    what = _WHAT.get(cls or Top, "this item")
    if isinstance(exc, KeyError):
        missing = str(exc.args[0]) if exc.args else str(field)
        missing = _codec.key_of(cls, missing) if cls is not None else missing
        return f"{what} is missing the required key {missing!r}"
    text = str(exc)
    if field is not None and not text.startswith(field):
        return f"{field}: {text}"
    return text
