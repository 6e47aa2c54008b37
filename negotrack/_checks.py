"""attrs validators and converters shared by the value objects.

Messages name the field, show the bad value with ``!r`` and its type, and say what was
expected, so that a wrong value fed by another tool is easy to trace.
"""

from __future__ import annotations

import enum
import re
from datetime import date, datetime
from typing import Any, TypeVar

import attrs

from ._exceptions import InvalidValue, excerpt

E = TypeVar("E", bound=enum.Enum)


def text(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """Require a string that is not blank."""
    _text(attribute.name, value)


def flag(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """An attrs validator: `value` is True or False."""
    if not isinstance(value, bool):
        raise InvalidValue(attribute.name, value, "True or False")


def optional_text(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """Require None or a string that is not blank (None is how to say "nothing")."""
    if value is not None:
        _text(attribute.name, value, "or None")


def _text(name: str, value: Any, alternative: str = "") -> None:
    if not isinstance(value, str) or not value or value.isspace():
        raise InvalidValue(
            name, value, f"a non-blank str{' ' + alternative if alternative else ''}"
        )
    if not unicode(value):
        raise InvalidValue(
            name,
            value,
            "valid Unicode text, without lone surrogates (U+D800 to U+DFFF), which files and "
            "stores cannot hold",
        )


def unicode(text: str) -> bool:
    """True when `text` can be written as UTF-8 (no lone surrogates); cheap for ASCII."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def optional_day(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """Require None or a `datetime.date` that is not a `datetime`."""
    if value is not None:
        _day(attribute.name, value)


def plain(value: object) -> bool:
    """True for a str that is not blank: the usual case, which `fields` then need not see."""
    return type(value) is str and bool(value) and not value.isspace() and unicode(value)


def fields(
    instance: Any,
    *,
    text: tuple[str, ...] = (),
    optional_text: tuple[str, ...] = (),
    day: tuple[str, ...] = (),
    optional_day: tuple[str, ...] = (),
) -> None:
    """Check several fields at once, with the messages of the validators above.

    Value objects built by the hundred thousand (events read from a store, say) check their
    fields in one call from ``__attrs_post_init__`` instead of one validator call per field.
    """
    for name in text:
        _text(_label(instance, name), getattr(instance, name))
    for name in optional_text:
        value = getattr(instance, name)
        if value is not None:
            _text(_label(instance, name), value, "or None")
    for name in day:
        _day(_label(instance, name), getattr(instance, name))
    for name in optional_day:
        value = getattr(instance, name)
        if value is not None:
            _day(_label(instance, name), value)


def _label(instance: Any, name: str) -> str:
    """The name a caller used for the field: its init alias (``id`` for ``given_id``)."""
    field = attrs.fields_dict(type(instance)).get(name)
    return name if field is None else field.alias or name


def _day(name: str, value: Any) -> None:
    if type(value) is not date and (not isinstance(value, date) or isinstance(value, datetime)):
        raise InvalidValue(name, value, "a datetime.date")


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def iso_date(text: str) -> date:
    """Parse a date written exactly ``YYYY-MM-DD``; ValueError says what is wrong."""
    if not _ISO_DATE.fullmatch(text):
        raise ValueError(f"{text!r} is not a date; expected YYYY-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError as err:
        raise ValueError(f"{text!r} is not a real date ({err}); expected YYYY-MM-DD") from None


def iso(day: date | None) -> str | None:
    """A date written ``YYYY-MM-DD``, or None."""
    return None if day is None else day.isoformat()


def ordinal(name: str, value: Any) -> int:
    """The day ordinal of a date argument, refusing anything but a `datetime.date`."""
    _day(name, value)
    return int(value.toordinal())


def member(enum_type: type[E], value: Any, name: str | None = None) -> E:
    """Convert a member or its value to a member of `enum_type`, listing the valid values."""
    if isinstance(value, enum_type):
        return value
    try:
        return enum_type(value)
    except (ValueError, TypeError):
        valid = ", ".join(repr(m.value) for m in enum_type)
        kind = enum_type.__name__
        raise InvalidValue(
            name or kind,
            value,
            f"one of {valid}",
            message=f"{excerpt(value)} is not a valid {kind}; expected one of {valid}",
        ) from None


def names(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """Require a mapping of non-blank text to non-blank text (such as party codes to names)."""
    for key, name in value.items():
        _text(f"{attribute.name} key", key)
        _text(f"{attribute.name}[{key!r}]", name)
