"""One codec: every value object to plain data and back.

Plain data is what JSON holds: dicts, lists, text, numbers, booleans and None, with dates
written ``YYYY-MM-DD`` and enumerations by their value. Scenario files, store records, the
command line's JSON, content ids and `negotrack.testing` all go through this module, so that a
field added to a value object is written, read, stored and digested the same way everywhere.

Nothing here names a value object: field lists come from `attrs.fields`, and a class says how
it differs from the plain rule in its own field metadata (`key`, `PAIR`, `NOT_CONTENT`,
`LATER`). cattrs does the walking; it is imported on first use, so that ``import negotrack``
stays light. (eventsourcing's mapper and transcoder are the model: the domain never knows how
it is stored.)

Three forms:

- *data* (`unstructure`, `structure`): a mapping per object, keyed as in scenario files;
  files leave out fields at their default, the command line's JSON keeps them all.
- *rows* (`row`, `from_row`): an object's content as a list of values in field order, the
  compact form a store keeps and a content id digests. Fields marked `LATER` were added after
  the first release: they are left out while they and every field after them are unset, so
  that ids derived before stay what they were.
The third form, *stored records*, is `negotrack._records`'s: rows and data with a digest
verified on read.
"""

from __future__ import annotations

import enum
import functools
import hashlib
import json
import math
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar, cast, get_args

import attrs

from . import _checks

if TYPE_CHECKING:
    import cattrs

T = TypeVar("T")

# -- how a class declares its plain form ------------------------------------------------------

KEY = "negotrack.key"
"""Field metadata: the field's key in plain data, when it is not the field's init alias."""
PAIR = "negotrack.pair"
"""Field metadata on a two-field class written ``{first: second}`` (a link: ``{reciprocal: x}``)."""
NOT_CONTENT = "negotrack.not_content"
"""Field metadata: the field is not part of the object's content (an id given to it)."""
LATER = "negotrack.later"
"""Field metadata: added after the first release; rows leave it out while it is unset."""


def key(name: str) -> dict[str, str]:
    """Metadata giving a field the key `name` in plain data."""
    return {KEY: name}


def keys(cls: type) -> tuple[str, ...]:
    """The keys of `cls` in plain data, in field order."""
    return tuple(_key(field) for field in attrs.fields(cls))


def key_of(cls: type, attribute: str) -> str:
    """The key of the attribute named `attribute` of `cls` (the name itself if unknown)."""
    for field in attrs.fields(cls):
        if field.name == attribute:
            return _key(field)
    return attribute


def _key(field: attrs.Attribute[Any]) -> str:
    named: str | None = field.metadata.get(KEY)
    return named if named is not None else field.alias or field.name


# -- data ---------------------------------------------------------------------------------------


def unstructure(value: Any, *, omit_defaults: bool = False) -> Any:
    """`value` as plain data; with `omit_defaults`, fields at their default are left out."""
    return _converter(omit_defaults).unstructure(value)


def structure(data: Any, cls: type[T]) -> T:
    """Plain data as an instance of `cls`, checked as strictly as a scenario file is.

    Errors are cattrs's detailed validation groups (`negotrack._files.read` turns them into
    messages with lines).
    """
    return _converter(True).structure(data, cls)


def describe(value: Any) -> str:
    """What kind of plain value `value` is, for messages: ``a number 7``, ``a list``..."""
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
    shown = "" if isinstance(value, (list, dict)) else _excerpt(value)
    return f"{kind} {shown}".strip()


def _excerpt(value: Any) -> str:
    from ._exceptions import excerpt

    return excerpt(value)


# The structure hooks: plain data from files is checked as it is read, with messages that
# say what was expected.


def _text(value: Any, _: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected text, got {describe(value)}; quote it if it is meant as text")
    if not value.strip():
        raise ValueError("expected text, got an empty string")
    return value


def _day(value: Any, _: Any) -> date:
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise ValueError(f"expected a date written YYYY-MM-DD, got {describe(value)}")
    return _checks.iso_date(value)


def _integer(value: Any, _: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"expected a whole number, got {describe(value)}")
    return value


def _number(value: Any, _: Any) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise TypeError(f"expected a number, got {describe(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"expected a finite number, got {describe(value)}")
    return value


def _structure_member(value: Any, enum_type: type[enum.Enum]) -> Any:
    if not isinstance(value, str):
        values = ", ".join(str(m.value) for m in enum_type)
        raise TypeError(f"expected one of {values}, got {describe(value)}")
    return _checks.member(enum_type, value)


def _lifecycle_names(annotation: Any, *, trusted: bool = False) -> Callable[[Any], Any] | None:
    """How to read a field that holds a stage or an event of any lifecycle, else None.

    Such a field is annotated with `Name`: it holds a member of `Stage` or `EventKind`, or a
    lifecycle's own name. An event's kind must be one some lifecycle declared, unless the
    data is `trusted` (a store's, verified).
    """
    from ._lifecycle import EventKind, Name, event_kind, kind_of, stage_of

    choices = get_args(annotation)
    if Name not in choices:
        return None
    if EventKind not in choices:
        return stage_of
    return kind_of if trusted else event_kind


def _structure_name(value: Any, annotation: Any) -> Any:
    if not isinstance(value, str):
        raise TypeError(f"expected a name, got {describe(value)}")
    read = _lifecycle_names(annotation)
    assert read is not None
    return read(value)


def _is_pair(cls: Any) -> bool:
    return attrs.has(cls) and any(PAIR in field.metadata for field in attrs.fields(cls))


def _pair_unstructure(cls: type) -> Callable[[Any], Any]:
    first, second = (field.name for field in attrs.fields(cls))

    def unstructure(value: Any) -> dict[str, Any]:
        tag = getattr(value, first)
        return {tag.value if isinstance(tag, enum.Enum) else tag: getattr(value, second)}

    return unstructure


def _pair_structure(cls: type) -> Callable[[Any, Any], Any]:
    tag_type: Any = attrs.fields(attrs.resolve_types(cls))[0].type
    members: list[enum.Enum] = list(tag_type) if isinstance(tag_type, enum.EnumMeta) else []
    allowed = [member.value for member in members]
    shown = " or ".join(f"{{{v}: other-id}}" for v in allowed)

    def structure(value: Any, _: Any) -> Any:
        if not isinstance(value, Mapping) or len(value) != 1:
            raise ValueError(f"a {cls.__name__.lower()} is written {shown}, got {describe(value)}")
        [(tag, target)] = value.items()
        if tag not in allowed:
            raise ValueError(
                f"unknown {cls.__name__.lower()} kind {_excerpt(tag)}; expected one of "
                + ", ".join(allowed)
            )
        return cls(tag, _text(target, None))

    return structure


@functools.cache
def _converter(omit_defaults: bool) -> cattrs.Converter:
    import cattrs
    from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

    from . import _ladders
    from ._lifecycle import Lifecycle, Name

    conv = cattrs.Converter(
        detailed_validation=True,
        forbid_extra_keys=True,
        unstruct_collection_overrides={Sequence: list},
    )
    conv.register_structure_hook(str, _text)
    conv.register_structure_hook(date, _day)
    conv.register_structure_hook(int, _integer)
    conv.register_structure_hook(float, _number)
    conv.register_unstructure_hook(date, date.isoformat)
    conv.register_structure_hook_func(lambda t: _lifecycle_names(t) is not None, _structure_name)
    conv.register_unstructure_hook(Name, str.__str__)
    # A lifecycle is written as a scenario file's `lifecycles:` entry, under its name.
    conv.register_unstructure_hook(Lifecycle, _ladders.data)
    conv.register_structure_hook_func(
        lambda t: t == Mapping[str, Lifecycle],
        lambda value, _: {name: _ladders.from_data(name, entry) for name, entry in value.items()},
    )
    # StrEnum first in its MRO, so that its members are not taken for plain str.
    for base in (enum.Enum, enum.StrEnum):
        conv.register_structure_hook(base, _structure_member)
        conv.register_unstructure_hook(base, _enum_value)

    def renames(cls: Any) -> dict[str, Any]:
        return {
            field.name: override(rename=_key(field))
            for field in attrs.fields(cls)
            if _key(field) != field.name
        }

    conv.register_unstructure_hook_factory(
        attrs.has,
        lambda cls: make_dict_unstructure_fn(
            cls, conv, _cattrs_omit_if_default=omit_defaults, **renames(cls)
        ),
    )
    conv.register_structure_hook_factory(
        attrs.has,
        lambda cls: make_dict_structure_fn(
            cls, conv, _cattrs_forbid_extra_keys=True, **renames(cls)
        ),
    )
    # Registered last, so that they win over the general attrs hooks above.
    conv.register_unstructure_hook_factory(_is_pair, _pair_unstructure)
    conv.register_structure_hook_factory(_is_pair, _pair_structure)
    return conv


def _enum_value(member: enum.Enum) -> Any:
    return member.value


# -- rows and content ids -----------------------------------------------------------------------


def row(value: Any) -> list[Any]:
    """The content of `value` as a list of plain values, in field order (see the module doc)."""
    data = unstructure(value)
    fields = _content_fields(type(value))
    values = [data[_key(field)] for field in fields]
    while values and values[-1] is None and LATER in fields[len(values) - 1].metadata:
        values.pop()
    return values


def row_text(value: Any) -> str:
    """`row(value)` as JSON text: the exact bytes a content id digests and a store keeps."""
    return json.dumps(row(value), ensure_ascii=False)


def content_id(value: Any, prefix: str) -> str:
    """A stable id derived from everything `value` says: `prefix` and a digest of its row."""
    return digest_id(row_text(value), prefix)


def digest_id(text: str, prefix: str) -> str:
    """The id derived from a row's JSON text (UnicodeEncodeError if it is not valid Unicode)."""
    return prefix + hashlib.sha256(text.encode()).hexdigest()[:20]


def from_row(cls: type[T], values: Sequence[Any], **extra: Any) -> T:
    """The inverse of `row`: an instance of `cls` from its content (plus `extra` fields).

    It is meant for rows negotrack wrote itself and has verified (a store's): values are
    converted by their field's type and the class's own checks run, without cattrs's walk.
    """
    fields, decoders = row_decoders(cast(Any, cls))
    if len(values) > len(fields):
        raise ValueError(f"a {cls.__name__} row has {len(values)} values, at most {len(fields)}")
    kwargs = {
        field.alias or field.name: decode(value) if value is not None else None
        for field, decode, value in zip(fields, decoders, values, strict=False)
    }
    return cls(**kwargs, **extra)


def _content_fields(cls: type) -> tuple[attrs.Attribute[Any], ...]:
    return tuple(field for field in attrs.fields(cls) if NOT_CONTENT not in field.metadata)


@functools.cache
def row_decoders(
    cls: Any,
) -> tuple[tuple[attrs.Attribute[Any], ...], tuple[Callable[[Any], Any], ...]]:
    attrs.resolve_types(cls)
    fields = _content_fields(cls)
    return fields, tuple(_decoder(field.type) for field in fields)


def _decoder(annotation: Any) -> Callable[[Any], Any]:
    """How to read a plain value of a field annotated `annotation` (optional or not)."""
    names = _lifecycle_names(annotation, trusted=True)
    if names is not None:
        return names
    choices = [t for t in get_args(annotation) if t is not type(None)] or [annotation]
    kind = choices[0]
    if kind is date:
        return date.fromisoformat
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        members = {m.value: m for m in kind}
        return members.__getitem__
    return same


def plain_decoder(annotation: Any) -> Callable[[Any], Any] | None:
    """How to read a field annotated `annotation` from trusted plain data, or None.

    Only a plain value has one: text, a number, a date, an enumeration, optional or not.
    """
    if _lifecycle_names(annotation) is not None:
        return _decoder(annotation)
    choices = [t for t in get_args(annotation) if t is not type(None)] or [annotation]
    if len(choices) != 1:
        return None
    kind = choices[0]
    if kind in (str, int, float) or kind is date:
        return _decoder(annotation)
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return _decoder(annotation)
    return None


def same(value: Any) -> Any:
    return value


# -- derived ids ----------------------------------------------------------------------------------

DERIVED = "ev-"
"""The prefix of ids derived from an event's content, reserved for them."""
