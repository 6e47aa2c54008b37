"""A lifecycle as plain data: the `lifecycles:` entries of a scenario file.

One entry, under its name::

    treaty:
      stages: [signed, ratified, in_force, withdrawn]   # in ladder order
      final: [withdrawn]             # stages with no way out (optional)
      lapse: withdrawn               # the event a time limit infers (optional)
      events:                        # in the order events of one date apply
        signed: {from: [start], to: signed}
        ratified: {from: [start, signed], to: ratified}
        extended: {from: [signed, ratified], dates: move}   # no `to`: keeps the stage
      time_limits:
        - {field: expires, delay: 0, reason: expired}

``start`` stands for "no stage yet". `read` turns an entry into a `Lifecycle`, every fault a
(line, message) pair; `data` is the inverse, for writing a tracker back.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Protocol

from ._exceptions import InvalidDefinition, NegotrackError
from ._lifecycle import EventKind, Lifecycle, Rule, TimeLimit
from ._located import Located, line_of

Problem = tuple[int | None, str]

KEYS = ("stages", "final", "live", "lapse", "events", "time_limits")
EVENT_KEYS = ("from", "to", "dates")
LIMIT_KEYS = ("field", "delay", "reason", "exempt")
START = "start"


def data(lifecycle: Lifecycle) -> dict[str, Any]:
    """`lifecycle` as a `lifecycles:` entry (plain data; `live` only where not the default)."""
    entry: dict[str, Any] = {"stages": [s.value for s in lifecycle.stages]}
    if lifecycle.final:
        entry["final"] = [s.value for s in lifecycle.stages if s in lifecycle.final]
    if lifecycle.lapse is not EventKind.LAPSED:
        entry["lapse"] = None if lifecycle.lapse is None else lifecycle.lapse.value
    if lifecycle.live != Lifecycle(**{**_fields(lifecycle), "live": ()}).live:
        entry["live"] = [s.value for s in lifecycle.stages if s in lifecycle.live]
    events: dict[str, Any] = {}
    for kind in lifecycle.event_order():
        rule = lifecycle.rule(kind)
        ranked = sorted(rule.sources, key=lambda s: -1 if s is None else lifecycle.stages.index(s))
        item: dict[str, Any] = {"from": [START if s is None else s.value for s in ranked]}
        if rule.target is not None:
            item["to"] = rule.target.value
        if rule.dates != "keep":
            item["dates"] = rule.dates
        events[kind.value] = item
    entry["events"] = events
    if lifecycle.time_limits:
        entry["time_limits"] = [_limit_data(limit) for limit in lifecycle.time_limits]
    return entry


def _fields(lifecycle: Lifecycle) -> dict[str, Any]:
    names = ("stages", "initial", "rules", "same_day_order", "time_limits", "final", "lapse")
    return {name: getattr(lifecycle, name) for name in names} | {"name": lifecycle.name}


def _limit_data(limit: TimeLimit) -> dict[str, Any]:
    item: dict[str, Any] = {
        "field": limit.field,
        "delay": limit.delay,
        "reason": limit.reason.value,
    }
    if limit.exempt:
        item["exempt"] = sorted(s.value for s in limit.exempt)
    return item


def from_data(name: str, entry: Any) -> Lifecycle:
    """The lifecycle an entry describes (trusted data, a store's); raise on any fault."""
    lifecycle, problems = _build(name, entry, None)
    if lifecycle is None:
        raise InvalidDefinition([message for _, message in problems])
    return lifecycle


def read(tree: Any) -> tuple[dict[str, Lifecycle], list[Problem]]:
    """The lifecycles of a scenario file's `lifecycles:` mapping, and its faults with lines."""
    found: dict[str, Lifecycle] = {}
    problems: list[Problem] = []
    if not isinstance(tree, Mapping):
        return found, [(line_of(tree, ()), "lifecycles must be a mapping of name to lifecycle")]
    for name, entry in tree.items():
        lifecycle, faults = _build(name, entry, tree)
        problems += faults
        if lifecycle is not None:
            found[name] = lifecycle
    return found, problems


def _build(name: Any, entry: Any, tree: Any) -> tuple[Lifecycle | None, list[Problem]]:
    where = (name,)
    problems = list(_shape(name, entry, tree))
    if problems:
        return None, problems
    rules, limits = [], []
    for kind, item in entry["events"].items():
        try:
            rules.append(_rule(kind, item))
        except (NegotrackError, ValueError, TypeError) as err:
            problems.append((line_of(tree, (*where, "events", kind)), f"event {kind!r}: {err}"))
    for index, item in enumerate(entry.get("time_limits", ())):
        try:
            limits.append(_limit(item))
        except (NegotrackError, ValueError, TypeError, KeyError) as err:
            line = line_of(tree, (*where, "time_limits", index))
            problems.append((line, f"time limit {index + 1}: {err}"))
    if problems:
        return None, problems
    try:
        return Lifecycle(
            name=name,
            stages=entry["stages"],
            live=entry.get("live", ()),
            final=entry.get("final", ()),
            rules=rules,
            same_day_order=[rule.event for rule in rules],
            time_limits=limits,
            lapse=entry.get("lapse", EventKind.LAPSED),
        ), []
    except InvalidDefinition as err:
        line = line_of(tree, where)
        return None, [(line, f"lifecycle {name!r}: {p}") for p in err.problems]
    except (NegotrackError, ValueError, TypeError) as err:
        return None, [(line_of(tree, where), f"lifecycle {name!r}: {err}")]


def _shape(name: Any, entry: Any, tree: Any) -> Iterator[Problem]:
    line = line_of(tree, (name,))
    if not isinstance(entry, Mapping):
        yield line, f"lifecycle {name!r} must be a mapping with the keys {', '.join(KEYS)}"
        return
    for key in entry:
        if key not in KEYS:
            at = line_of(tree, (name, key)) if isinstance(entry, Located) else line
            yield at, f"unknown key {key!r} in lifecycle {name!r}; expected only {', '.join(KEYS)}"
    for key in ("stages", "events"):
        if key not in entry:
            yield line, f"lifecycle {name!r} is missing the required key {key!r}"
    events = entry.get("events")
    if events is not None and not isinstance(events, Mapping):
        yield line, f"the events of lifecycle {name!r} must be a mapping of event to its rule"
    elif events is not None:
        for kind, item in events.items():
            if not isinstance(item, Mapping) or not set(item) <= set(EVENT_KEYS):
                yield (
                    line_of(tree, (name, "events", kind)),
                    f"event {kind!r} of lifecycle {name!r} must be a mapping with the keys "
                    f"{', '.join(EVENT_KEYS)} (from: [start, ...], to: stage)",
                )
    if not isinstance(entry.get("time_limits", []), list):
        yield line, f"the time_limits of lifecycle {name!r} must be a list"


def _rule(kind: str, item: Mapping[str, Any]) -> Rule:
    sources = item.get("from", ())
    if isinstance(sources, str):
        sources = [sources]
    return Rule(
        kind,
        sources=[None if s == START else s for s in sources],
        target=item.get("to"),
        dates=item.get("dates", "keep"),
    )


def _limit(item: Any) -> TimeLimit:
    if not isinstance(item, Mapping) or not set(item) <= set(LIMIT_KEYS):
        raise ValueError(f"expected a mapping with the keys {', '.join(LIMIT_KEYS)}")
    delay = item.get("delay", 0)
    if not isinstance(delay, int) or isinstance(delay, bool):
        raise ValueError(f"delay must be a whole number of days, got {delay!r}")
    return TimeLimit(
        item["field"], delay=delay, reason=item["reason"], exempt=item.get("exempt", ())
    )


class _Named(Protocol):
    """What `references` reads of a commitment."""

    @property
    def id(self) -> str: ...
    @property
    def lifecycle(self) -> str | None: ...
    @property
    def part_of(self) -> str | None: ...


def references(
    tree: Any, commitments: Sequence[tuple[int, _Named]], known: Mapping[str, Lifecycle]
) -> Iterator[Problem]:
    """The lifecycles and the wholes that a file's commitments name exist."""
    ids = {c.id for _, c in commitments}
    for index, c in commitments:
        if c.lifecycle is not None and c.lifecycle not in known:
            yield (
                line_of(tree, (index, "lifecycle")),
                f"commitment {c.id!r} follows unknown lifecycle {c.lifecycle!r}; expected one "
                f"of {', '.join(known)} (or declare it under lifecycles)",
            )
        if c.part_of is not None and c.part_of not in ids:
            yield (
                line_of(tree, (index, "part_of")),
                f"commitment {c.id!r} is part_of unknown commitment {c.part_of!r}; expected "
                "the id of a commitment in this file",
            )
