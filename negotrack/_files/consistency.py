"""Checks between the items of a scenario file, once each item is read on its own.

Unique commitment ids, declared parties (of commitments, sources and accounts) and sources,
links and events naming commitments of the file, measurements that fit their target, and no
event twice. Each problem is a line and a message; `negotrack._files.read` gathers them.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from negotrack._commitments import Commitment
from negotrack._events import Event
from negotrack._exceptions import excerpt
from negotrack._lifecycle import EventKind
from negotrack._scenario import Source
from negotrack._targets import Target

from . import disk

Problem = tuple[int | None, str]
"""A problem in a file: its line (None when it has none) and what is wrong."""


def declarations(
    parties: Mapping[str, str],
    sources: Mapping[str, Source],
    tree: disk.Located,
    commitments: Sequence[tuple[int, Commitment]],
    events: Sequence[tuple[int, Event]],
) -> Iterable[Problem]:
    """Each item against the top of the file: unique ids, declared parties and sources."""
    c_tree = tree.get("commitments", disk.LocatedList())
    e_tree = tree.get("events", disk.LocatedList())
    ids: dict[str, int] = {}
    for index, c in commitments:
        if c.id in ids:
            yield (
                disk.line_of(c_tree, (index, "id")),
                f"duplicate commitment id {c.id!r} (first at item {ids[c.id] + 1}); "
                "expected each id once",
            )
            continue
        ids[c.id] = index
        for key, code in (("by", c.by), ("to", c.to)):
            if code not in parties:
                declared = ", ".join(parties) or "none"
                yield (
                    disk.line_of(c_tree, (index, key)),
                    f"party {code!r} ({key}) of commitment {c.id!r} is not declared; "
                    f"add it under parties (declared: {declared})",
                )
    declared = ", ".join(parties) or "none"
    for key, source in sources.items():
        if source.party is not None and source.party not in parties:
            yield (
                disk.line_of(tree, ("sources", key, "party")),
                f"party {excerpt(source.party)} of source {key!r} is not declared; "
                f"add it under parties (declared: {declared})",
            )
    for index, e in events:
        if e.account is not None and e.account not in parties:
            yield (
                disk.line_of(e_tree, (index, "account")),
                f"account {excerpt(e.account)} of an event of {e.commitment!r} is not a "
                f"declared party; name a party declared under parties (declared: {declared})",
            )
        if e.source is not None and e.source not in sources:
            close = difflib.get_close_matches(e.source, list(sources), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            declared = ", ".join(sources) or "none"
            yield (
                disk.line_of(e_tree, (index, "source")),
                f"source {excerpt(e.source)} is not declared{hint}; cite a key declared under "
                f"sources (declared: {declared}), and put free text in note",
            )


def _measure(e: Event, target: Target | None, tree: Any, index: int) -> Iterable[Problem]:
    """A measurement fits its commitment's target: there is one, in the same unit."""
    if target is None:
        yield (
            disk.line_of(tree, (index, "event")),
            f"a 'measured' event reports a delivery against a target, and {e.commitment!r} "
            "has none; give the commitment a target (amount, unit, start, end), or record "
            "another kind of event",
        )
    elif e.unit is not None and e.unit != target.unit:
        yield (
            disk.line_of(tree, (index, "unit")),
            f"unit {excerpt(e.unit)} differs from the unit of {e.commitment!r}'s target "
            f"({target.unit!r}); convert the figure, or leave the unit out",
        )


def references(
    tree: disk.Located,
    commitments: Sequence[tuple[int, Commitment]],
    events: Sequence[tuple[int, Event]],
) -> Iterable[Problem]:
    """Between items: links and events name commitments of the file; no event twice."""
    c_tree = tree.get("commitments", disk.LocatedList())
    e_tree = tree.get("events", disk.LocatedList())
    ids = [c.id for _, c in commitments]
    known = set(ids)
    for index, c in commitments:
        for number, link in enumerate(c.links):
            if link.target not in known:
                yield (
                    disk.line_of(c_tree, (index, "links", number)),
                    f"commitment {c.id!r} links to unknown commitment {link.target!r}; "
                    "expected the id of a commitment in this file",
                )
    shown = ", ".join(ids[:5]) + (", ..." if len(ids) > 5 else "")
    targets = {c.id: c.target for _, c in commitments}
    seen: dict[str, tuple[int, Event]] = {}
    for index, e in events:
        if e.commitment not in known:
            yield (
                disk.line_of(e_tree, (index, "commitment")),
                f"event names unknown commitment {e.commitment!r}; expected one of the "
                f"commitment ids ({shown})",
            )
        elif e.kind is EventKind.MEASURED:
            yield from _measure(e, targets[e.commitment], e_tree, index)
        earlier = seen.get(e.id)
        if earlier is None:
            seen[e.id] = (index, e)
            continue
        first, other = earlier
        same = "the same event as" if other == e else "the same id as a different event at"
        yield (
            disk.line_of(e_tree, (index,)),
            f"{same} line {disk.line_of(e_tree, (first,))}; "
            "expected each event once (give distinct reports distinct ids or evidence)",
        )
