"""Stored records: what a recorder keeps of each value, verified when it is read back.

An event is kept as its row (`negotrack._codec.row`) under its id; one with a derived id needs
no digest, since its id is the digest of its row. Anything else is kept as its data with a
digest of the whole record. Reading verifies every record before decoding it, so that a byte
changed anywhere is a clear error naming its position, never a different answer.

`decode_many` is the bulk path a store is opened through: records verified in one pass, their
JSON parsed in one call, and events built from their rows by a trusted constructor (the rows
are negotrack's own, proven by their digests, so the checks an `Event` runs when made from
user input are not run again). Whatever the bulk path cannot take is decoded alone, so that
its error names it. `build` is that trusted making of values from verified data, shared with
packs (`negotrack._packs`), which are verified as a whole.
"""

from __future__ import annotations

import functools
import hashlib
import json
import linecache
import types
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar, cast

import attrs

from . import _codec
from ._codec import DERIVED, NOT_CONTENT
from ._exceptions import excerpt
from ._recorder import Stored

T = TypeVar("T")


def encode(kind: str, value: Any, given_id: str | None = None) -> Stored:
    """The stored record of `value` ("scenario", "commitment" or "event").

    An event is kept as its row, under its id; one with a derived id needs no digest, as its
    id is the digest of its row. Anything else is kept as its data, with a digest of the
    record, so that a byte changed anywhere is caught when it is read.
    """
    if kind == "event":
        payload = _codec.row_text(value)
        if given_id is None:
            return Stored(kind, _codec.digest_id(payload, DERIVED), payload, None)
        return Stored(kind, given_id, payload, _digest(kind, given_id, payload))
    payload = json.dumps(_codec.unstructure(value, omit_defaults=True), ensure_ascii=False)
    record_id = None if value is None else getattr(value, "id", None)
    return Stored(kind, record_id, payload, _digest(kind, record_id, payload))


def verify(stored: Stored) -> str | None:
    """What is wrong with a record read from a store, or None when it is what was written."""
    if stored.kind == "event" and stored.digest is None:
        if stored.id is None or not stored.id.startswith(DERIVED):
            return "an event without a digest must have a derived id"
        if _codec.digest_id(stored.payload, DERIVED) != stored.id:
            return f"event {stored.id!r} does not match its content"
        return None
    if stored.kind not in ("scenario", "commitment", "event"):
        return f"unknown record kind {excerpt(stored.kind)}"
    if stored.digest != _digest(stored.kind, stored.id, stored.payload):
        return f"the {stored.kind} record {stored.id or ''} does not match its digest".replace(
            "  ", " "
        )
    return None


def decode(stored: Stored, classes: Mapping[str, type[Any]]) -> Any:
    """The value a record holds, as an instance of `classes[stored.kind]`, once verified.

    ValueError says what is wrong with a record that is not what negotrack wrote: a digest
    that does not match, a payload its class refuses (and where it stands).
    """
    problem = verify(stored)
    if problem is not None:
        raise ValueError(f"{problem} (position {stored.position})")
    try:
        return _decoded(stored, classes[stored.kind])
    except Exception as err:
        raise ValueError(
            f"the {stored.kind} at position {stored.position} is not valid ({err})"
        ) from None


def decode_many(records: Sequence[Stored], classes: Mapping[str, type[Any]]) -> list[Any]:
    """The values of `records`, all of one kind, each verified: `decode` of each, in bulk."""
    if not records:
        return []
    kind = records[0].kind
    cls = classes.get(kind)
    if cls is not None and _verified(kind, records):
        try:
            data = json.loads("[" + ",".join([r.payload for r in records]) + "]")
            if len(data) == len(records):
                return build(kind, cls, givens(kind, records), data)
        except Exception:
            pass
    return [decode(record, classes) for record in records]


def givens(kind: str, records: Sequence[Stored]) -> list[str | None] | None:
    """The given ids of `records`, all of `kind`, as `build` takes them.

    An event record with a digest holds an event with a given id (its record's id); one
    without has a derived id (None). None when no record of `records` has a given id.
    """
    if kind != "event" or all(r.digest is None for r in records):
        return None
    return [None if r.digest is None else r.id for r in records]


def build(kind: str, cls: Any, givens: Sequence[str | None] | None, data: list[Any]) -> list[Any]:
    """Values of `kind` made from their verified data, trusted (see the module docstring).

    `data` holds what the records' payloads hold, parsed; `givens` the events' given ids (None
    for one whose id is derived), or None when none has one. Anything else raises.
    """
    if kind == "event":
        make = _event_builder(cls)
        if givens is None:
            return [make(row, None) for row in data]
        return [make(row, given) for row, given in zip(data, givens, strict=True)]
    if kind == "commitment":
        make_data = _data_builder(cls)
        return [make_data(value) for value in data]
    if kind == "scenario":  # None: the description was removed
        return [None if value is None else _codec.structure(value, cls) for value in data]
    raise ValueError(f"unknown record kind {excerpt(kind)}")


def _verified(kind: str, records: Sequence[Stored]) -> bool:
    """True when every one of `records` is of `kind` and what negotrack wrote (`verify`)."""
    return all(r.kind == kind and verify(r) is None for r in records)


def _setters(cls: Any, names: Sequence[str], scope: dict[str, Any]) -> list[str]:
    """Lines setting each field of `names` from a local of the same index, in place.

    A slotted attrs class keeps each field in a slot: its descriptor's ``__set__`` is the
    cheapest way in, cheaper than ``object.__setattr__`` by name. A class that caches its
    hash starts with an empty cache, as attrs's own ``__setstate__`` does.
    """
    lines = []
    for i, name in enumerate(names):
        slot = getattr(cls, name)
        if not isinstance(slot, types.MemberDescriptorType):
            raise TypeError(f"{cls.__name__}.{name} is not a slot: expected a slotted class")
        scope[f"set{i}"] = slot.__set__
        lines.append(f"    set{i}(made, value{i})")
    if _HASH_CACHE in getattr(cls, "__slots__", ()):
        scope["unhashed"] = getattr(cls, _HASH_CACHE).__set__
        lines.append("    unhashed(made, None)")
    return lines


@functools.cache
def _event_builder(cls: Any) -> Callable[[list[Any], str | None], Any]:
    """A trusted constructor of `cls` from a verified row and its given id (or None).

    It converts what a row holds as text (dates, enumerations), pads the fields a row leaves
    out (those added later, unset) and sets each field in place: no checks, no converters,
    one generated function (as attrs generates its own methods), which is what makes it
    fast.
    """
    fields, decoders = _codec.row_decoders(cls)
    everything = attrs.fields(cls)
    assert everything[: len(fields)] == fields, "the content fields come first"
    given = [f.name for f in everything[len(fields) :]]
    assert len(given) == 1
    assert NOT_CONTENT in everything[-1].metadata
    size = len(fields)
    scope: dict[str, Any] = {"new": object.__new__, "cls": cls, "padding": [None] * size}
    lines = [
        "def build(row, given):",
        "    n = len(row)",
        f"    if n < {size}:",
        "        row = row + padding[n:]",
        f"    elif n > {size}:",
        f"        raise ValueError(f'a {cls.__name__} row has {{n}} values, at most {size}')",
        "    " + ", ".join(f"value{i}" for i in range(size)) + ", = row",
    ]
    for i, decode in enumerate(decoders):
        if decode is not _codec.same:
            scope[f"decode{i}"] = decode
            lines.append(f"    if value{i} is not None:")
            lines.append(f"        value{i} = decode{i}(value{i})")
    lines.append(f"    value{size} = given")
    lines.append("    made = new(cls)")
    lines += _setters(cls, [f.name for f in fields] + given, scope)
    lines.append("    return made")
    build: Callable[[list[Any], str | None], Any] = _generated(lines, scope, "row", cls)
    return build


def _generated(lines: list[str], scope: dict[str, Any], what: str, cls: Any) -> Any:
    """The function `build` that `lines` define, compiled under a name linecache knows.

    attrs does the same for its methods: a traceback through the function and
    `inspect.getsource` show the generated lines.
    """
    script = "\n".join(lines) + "\n"
    filename = f"<negotrack {what} constructor {cls.__module__}.{cls.__qualname__}>"
    linecache.cache[filename] = (len(script), None, script.splitlines(True), filename)
    exec(compile(script, filename, "exec"), scope)
    return scope["build"]


# Where attrs keeps a cached hash (`cache_hash=True`); None means "not computed yet".
_HASH_CACHE = "_attrs_cached_hash"


@functools.cache
def _data_builder(cls: Any) -> Callable[[Any], Any]:
    """A trusted constructor of `cls` from its verified data (a mapping, as stored).

    Data with only plain fields (text, dates, enumerations) is set in place like an event's
    row, by one generated function; anything else (a target, links) goes through
    `negotrack._codec.structure`.
    """
    attrs.resolve_types(cls)
    fields = attrs.fields(cls)
    if any(isinstance(f.default, attrs.Factory) for f in fields):  # type: ignore[arg-type]
        return functools.partial(_codec.structure, cls=cls)
    keys = [_codec.key_of(cls, f.name) for f in fields]
    decoders = [_codec.plain_decoder(f.type) for f in fields]
    scope: dict[str, Any] = {
        "new": object.__new__,
        "cls": cls,
        "structure": _codec.structure,
        "plain": frozenset(k for k, d in zip(keys, decoders, strict=True) if d is not None),
    }
    lines = [
        "def build(data):",
        "    if type(data) is not dict or not data.keys() <= plain:",
        "        return structure(data, cls)",
        "    get = data.get",
    ]
    for i, (key, decode, field) in enumerate(zip(keys, decoders, fields, strict=True)):
        scope[f"default{i}"] = field.default
        lines.append(f"    value{i} = get({key!r}, default{i})")
        if decode is not None and decode is not _codec.same:
            scope[f"decode{i}"] = decode
            lines.append(f"    if value{i} is not None:")
            lines.append(f"        value{i} = decode{i}(value{i})")
    lines.append("    made = new(cls)")
    lines += _setters(cls, [f.name for f in fields], scope)
    lines.append("    return made")
    build: Callable[[Any], Any] = _generated(lines, scope, "data", cls)
    return build


def _decoded(stored: Stored, cls: type[T]) -> T | None:
    data = json.loads(stored.payload)
    if data is None and stored.kind == "scenario":
        return None  # the description was removed
    if stored.kind == "event":
        given = None if stored.digest is None else stored.id
        fields: Any = attrs.fields(cast(Any, cls))
        named = {f.alias or f.name: given for f in fields if NOT_CONTENT in f.metadata}
        return _codec.from_row(cls, data, **named)
    return _codec.structure(data, cls)


def _digest(kind: str, record_id: str | None, payload: str) -> str:
    text = f"{kind}\n{record_id or ''}\n{payload}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]
