"""The scenario file format, version 1: from checked text to value objects and back.

cattrs structures the documents that `negotrack._documents` reads (with the line of every
item) into `Commitment`, `Event` and `Source` objects, and unstructures them for writing.
Every fault becomes one `ScenarioError` that names the file, the line and what was expected.
"""

from __future__ import annotations

import difflib
import enum
import functools
import os
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import attrs
import cattrs
from cattrs.errors import ClassValidationError, ForbiddenExtraKeysError, IterableValidationError
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from . import _checks, _documents
from ._commitments import Commitment, Link, LinkKind
from ._events import Event
from ._exceptions import ScenarioError
from ._lifecycle import EventKind, LapseReason
from ._scenario import Scenario, Source, to_data
from ._tracker import Tracker

FORMAT_VERSION = 1

_TOP_KEYS = ("negotrack", "id", "title", "note", "parties", "sources", "commitments", "events")
_SOURCE_KEYS = ("title", "publisher", "published", "language", "url")
_COMMITMENT_KEYS = (
    "id",
    "title",
    "by",
    "to",
    "subject",
    "deadline",
    "expires",
    "note",
    "links",
)
_EVENT_KEYS = (
    "id",
    "on",
    "commitment",
    "event",
    "reported",
    "actor",
    "source",
    "quote",
    "note",
    "reason",
    "deadline",
    "expires",
)
_KEYS_OF: dict[type, tuple[str, ...]] = {}  # filled below, once the document class exists


@attrs.frozen(kw_only=True)
class _Document:
    """A whole scenario file, as cattrs structures it."""

    negotrack: int
    id: str
    title: str
    note: str | None = None
    parties: dict[str, str]
    sources: dict[str, Source] = attrs.field(factory=dict)
    commitments: list[Commitment] = attrs.field(factory=list)
    events: list[Event] = attrs.field(factory=list)


_KEYS_OF.update(
    {_Document: _TOP_KEYS, Source: _SOURCE_KEYS, Commitment: _COMMITMENT_KEYS, Event: _EVENT_KEYS}
)
# Attribute names that differ from the keys written in files.
_KEY_OF_ATTRIBUTE: dict[tuple[type | None, str], str] = {
    (Event, "kind"): "event",
    (Event, "_id"): "id",
}


def _text(value: Any, _: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected text, got {_describe(value)}; quote it if it is meant as text")
    if not value.strip():
        raise ValueError("expected text, got an empty string")
    return value


def _day(value: Any, _: Any) -> date:
    if not isinstance(value, str):
        raise ValueError(f"expected a date written YYYY-MM-DD, got {_describe(value)}")
    return _checks.iso_date(value)


def _integer(value: Any, _: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"expected a whole number, got {_describe(value)}")
    return value


def _link(value: Any, _: Any) -> Link:
    kinds = ", ".join(k.value for k in LinkKind)
    if not isinstance(value, Mapping) or len(value) != 1:
        raise ValueError(
            f"a link is written {{reciprocal: other-id}} or {{conditional_on: other-id}}, "
            f"got {_describe(value)}"
        )
    [(kind, target)] = value.items()
    if kind not in {k.value for k in LinkKind}:
        raise ValueError(f"unknown link kind {kind!r}; expected one of {kinds}")
    return Link(kind, _text(target, None))


def _member(enum_type: type[enum.Enum]) -> Any:
    def structure(value: Any, _: Any) -> Any:
        if not isinstance(value, str):
            raise TypeError(f"expected one of {_values(enum_type)}, got {_describe(value)}")
        return _checks.member(enum_type, value)

    return structure


def _values(enum_type: type[enum.Enum]) -> str:
    return ", ".join(str(m.value) for m in enum_type)


def _describe(value: Any) -> str:
    kinds = {
        bool: "true/false",
        int: "a number",
        float: "a number",
        str: "text",
        type(None): "nothing",
        list: "a list",
        dict: "a mapping",
    }
    kind = next((v for k, v in kinds.items() if isinstance(value, k)), type(value).__name__)
    shown = repr(value) if not isinstance(value, (list, dict)) else ""
    return f"{kind} {shown}".strip()


def _make_converter() -> cattrs.Converter:
    conv = cattrs.Converter(
        detailed_validation=True,
        forbid_extra_keys=True,
        unstruct_collection_overrides={Sequence: list},
    )
    conv.register_structure_hook(str, _text)
    conv.register_structure_hook(date, _day)
    conv.register_structure_hook(int, _integer)
    conv.register_structure_hook(Link, _link)
    for enum_type in (EventKind, LapseReason, LinkKind):
        conv.register_structure_hook(enum_type, _member(enum_type))
        conv.register_unstructure_hook(enum_type, lambda member: member.value)
    conv.register_structure_hook(
        Event,
        make_dict_structure_fn(
            Event,
            conv,
            kind=override(rename="event"),
            _id=override(rename="id"),
            _cattrs_forbid_extra_keys=True,
        ),
    )
    conv.register_unstructure_hook(date, date.isoformat)
    conv.register_unstructure_hook(Link, lambda link: {link.kind.value: link.target})
    conv.register_unstructure_hook(
        Event,
        make_dict_unstructure_fn(
            Event,
            conv,
            _cattrs_omit_if_default=True,
            kind=override(rename="event"),
            _id=override(rename="id"),
        ),
    )
    for cls in (Commitment, Source):
        conv.register_unstructure_hook(
            cls, make_dict_unstructure_fn(cls, conv, _cattrs_omit_if_default=True)
        )
    return conv


@functools.cache
def _converter() -> cattrs.Converter:
    return _make_converter()


def load_with_lines(
    path: str | os.PathLike[str], *, strict: bool = False
) -> tuple[Tracker, dict[Event, int]]:
    """`negotrack.load`, also returning the line of each event (to point warnings at it)."""
    where = Path(path)
    tree = _documents.read(where)
    scenario, commitments, events = parse(tree, where)
    tracker = Tracker(strict=strict, scenario=scenario)
    tracker.add(*commitments)
    tracker.record(*events)
    items = tree.get("events", ())
    lines = dict(zip(events, getattr(items, "lines", ()), strict=False))
    return tracker, lines


def write_scenario(tracker: Tracker, path: str | os.PathLike[str]) -> None:
    """Write `tracker` as a scenario file, atomically (see `negotrack.dump`)."""
    where = Path(path)
    _documents.write(where, document(tracker, default_id=where.stem))


def document(tracker: Tracker, *, default_id: str = "scenario") -> dict[str, Any]:
    """The scenario document of `tracker`, as plain data ready for YAML or JSON."""
    commitments = tracker.commitments()
    scenario = tracker.scenario or Scenario(id=default_id, title=default_id)
    parties = dict(scenario.parties)
    for c in commitments:
        for code in (c.by, c.to):
            parties.setdefault(code, code)
    rank = tracker.lifecycle.same_day_rank()
    # Sorted by date for reading, in the order events of a day apply; the sort is stable, so
    # ties keep their recording order and the file loads back to the same answers.
    events = sorted(tracker.events(), key=lambda e: (e.on, rank[e.kind]))
    result: dict[str, Any] = {"negotrack": FORMAT_VERSION, **to_data(scenario)}
    result["parties"] = parties
    if not scenario.sources:
        del result["sources"]
    result["commitments"] = [_converter().unstructure(c) for c in commitments]
    result["events"] = [_ordered(_converter().unstructure(e), _EVENT_KEYS) for e in events]
    return result


def _ordered(mapping: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {k: mapping[k] for k in keys if k in mapping}


def parse(tree: Any, path: Path) -> tuple[Scenario, list[Commitment], list[Event]]:
    """Check a document read by `_documents.read` and turn it into value objects."""
    if not isinstance(tree, _documents.Located):
        raise ScenarioError(
            path,
            _documents.line_of(tree, ()) or 1,
            f"expected a mapping with the keys {', '.join(_TOP_KEYS)}, got {_describe(tree)}",
        )
    _check_version(tree, path)
    _check_shape(tree, path)
    try:
        doc = _converter().structure(tree, _Document)
    except Exception as err:
        raise _structure_error(err, tree, path) from None
    scenario = Scenario(
        id=doc.id, title=doc.title, note=doc.note, parties=doc.parties, sources=doc.sources
    )
    _check_references(doc, tree, path)
    return scenario, doc.commitments, doc.events


def _check_version(tree: _documents.Located, path: Path) -> None:
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
            f"unsupported format version {version!r}; this negotrack reads version "
            f"{FORMAT_VERSION} (upgrade negotrack to read newer files)",
        )


def _check_shape(tree: _documents.Located, path: Path) -> None:
    """Check the containers before cattrs sees them, so messages name the right thing."""

    def expect(value: Any, kind: type, what: str, line: int | None) -> None:
        if not isinstance(value, kind):
            article = "a list" if kind is list else "a mapping"
            raise ScenarioError(path, line, f"{what} must be {article}, got {_describe(value)}")

    for key in ("parties", "sources"):
        if key in tree:
            expect(tree[key], dict, key, tree.lines[key])
    if "sources" in tree:
        for key, value in tree["sources"].items():
            expect(value, dict, f"source {key!r}", tree["sources"].lines[key])
    for key, what in (("commitments", "a commitment"), ("events", "an event")):
        if key not in tree:
            continue
        items = tree[key]
        expect(items, list, key, tree.lines[key])
        for item, line in zip(items, items.lines, strict=True):
            expect(item, dict, f"each item of {key} ({what})", line)
            if key == "commitments" and "links" in item:
                expect(item["links"], list, "links", item.lines["links"])


def _structure_error(err: Exception, tree: Any, path: Path) -> ScenarioError:
    found = sorted(
        _flatten(err, (), _Document),
        key=lambda f: _documents.line_of(tree, f[0]) or 0,
    )
    if not found:  # pragma: no cover - cattrs always reports through the groups above
        return ScenarioError(path, None, f"cannot be read as a scenario ({err})")
    where, exc, cls = found[0]
    if isinstance(exc, ForbiddenExtraKeysError):
        where = (*where, min(exc.extra_fields))
    line = _documents.line_of(tree, where)
    message = _message(exc, where, cls)
    if len(found) > 1:
        message += f" (and {len(found) - 1} more problem{'s' if len(found) > 2 else ''})"
    return ScenarioError(path, line, message)


def _flatten(
    err: BaseException, where: tuple[str | int, ...], cls: type | None
) -> list[tuple[tuple[str | int, ...], BaseException, type | None]]:
    """Every leaf error of a cattrs error group, with its path in the document."""
    if isinstance(err, ClassValidationError):
        leaves = []
        for exc, note in err.group_exceptions()[0]:
            key = _KEY_OF_ATTRIBUTE.get((err.cl, note.name), note.name)
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


def _class_of(annotation: Any) -> type | None:
    return annotation if isinstance(annotation, type) and annotation in _KEYS_OF else None


def _message(exc: BaseException, where: tuple[str | int, ...], cls: type | None) -> str:
    field = where[-1] if where and isinstance(where[-1], str) else None
    what = {
        _Document: "the scenario",
        Source: "a source",
        Commitment: "a commitment",
        Event: "an event",
    }.get(cls or _Document, "this item")
    if isinstance(exc, ForbiddenExtraKeysError):
        keys = _KEYS_OF.get(exc.cl, ())
        extra = sorted(exc.extra_fields)
        hints = [difflib.get_close_matches(k, keys, n=1) for k in extra]
        hint = "".join(f" (did you mean {h[0]!r}?)" for h in hints if h)
        return (
            f"unknown key{'s' if len(extra) > 1 else ''} {', '.join(map(repr, extra))} in "
            f"{what}{hint}; expected only {', '.join(keys)}"
        )
    if isinstance(exc, KeyError):
        missing = str(exc.args[0]) if exc.args else str(field)
        missing = _KEY_OF_ATTRIBUTE.get((cls, missing), missing)
        return f"{what} is missing the required key {missing!r}"
    text = str(exc)
    if field is not None and not text.startswith(field):
        return f"{field}: {text}"
    return text


def _check_references(doc: _Document, tree: _documents.Located, path: Path) -> None:
    """Check what cattrs cannot: ids, parties and the links between items."""
    commitments_tree = tree.get("commitments", _documents.LocatedList())
    events_tree = tree.get("events", _documents.LocatedList())
    ids: dict[str, int] = {}
    for index, c in enumerate(doc.commitments):
        line = _documents.line_of(commitments_tree, (index, "id"))
        if c.id in ids:
            raise ScenarioError(
                path,
                line,
                f"duplicate commitment id {c.id!r} (first at item {ids[c.id] + 1}); "
                "expected each id once",
            )
        ids[c.id] = index
        for key, code in (("by", c.by), ("to", c.to)):
            if code not in doc.parties:
                declared = ", ".join(doc.parties) or "none"
                raise ScenarioError(
                    path,
                    _documents.line_of(commitments_tree, (index, key)),
                    f"party {code!r} ({key}) of commitment {c.id!r} is not declared; "
                    f"add it under parties (declared: {declared})",
                )
    for index, c in enumerate(doc.commitments):
        for number, link in enumerate(c.links):
            if link.target not in ids:
                raise ScenarioError(
                    path,
                    _documents.line_of(commitments_tree, (index, "links", number)),
                    f"commitment {c.id!r} links to unknown commitment {link.target!r}; "
                    "expected the id of a commitment in this file",
                )
    seen: dict[str, int] = {}
    for index, e in enumerate(doc.events):
        line = _documents.line_of(events_tree, (index,))
        if e.commitment not in ids:
            raise ScenarioError(
                path,
                _documents.line_of(events_tree, (index, "commitment")),
                f"event names unknown commitment {e.commitment!r}; expected one of the "
                f"commitment ids ({', '.join(list(ids)[:5])}{', ...' if len(ids) > 5 else ''})",
            )
        if e.id in seen:
            first = doc.events[seen[e.id]]
            same = "the same event as" if first == e else "the same id as a different event at"
            raise ScenarioError(
                path,
                line,
                f"{same} line {_documents.line_of(events_tree, (seen[e.id],))}; "
                "expected each event once (give distinct reports distinct ids or evidence)",
            )
        seen[e.id] = index
