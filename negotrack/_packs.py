"""Packs: a store's records kept a second time, in bulk, so that a large store opens fast.

Reading records one by one costs a row, a digest and a parse each; a pack holds every record
from position `first` to `last` as one JSON text with one digest, so that reading it costs one
row, one digest and one parse. Packs are a cache beside the records, which stay the store's
truth:

- negotrack writes a pack only from records it has just verified and taken in, or just
  appended itself, when at least `SIZE` of them follow the last pack; records never change, so
  a pack never goes stale;
- a reader checks a pack's digest, and that the record at its last position is the one it was
  made from (its `anchor`), before taking it in; a pack that fails either check, or that will
  not parse, is set aside and its records are read instead (and the next pack written over
  it); store verification (`negotrack check --db`) names it, and checks that every pack a
  reader would take in holds exactly the records at its positions.

A pack's body is a JSON array of runs, in store order: ``[kind, givens, values]``, where
`values` are the records' payloads, parsed, and `givens` the events' given ids (null for an
event whose id is derived), or null when no record of the run has one.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Mapping, Sequence
from operator import attrgetter
from typing import Any

from . import _records
from ._recorder import Pack, Stored

SIZE = 20_000  # records after the last pack before a new pack is worth writing


def anchor(record: Stored) -> str:
    """What names `record` in a pack that ends with it."""
    return f"{record.kind}\n{record.id or ''}\n{record.digest or ''}"


def make(records: Sequence[Stored], first: int, last: int) -> Pack:
    """The pack of `records`, all those at positions `first` to `last`, in order."""
    runs = []
    for kind, group in itertools.groupby(records, key=attrgetter("kind")):
        run = list(group)
        named = json.dumps(_records.givens(kind, run))
        values = ",".join([r.payload for r in run])
        runs.append(f"[{json.dumps(kind)},{named},[{values}]]")
    body = "[" + ",".join(runs) + "]"
    end = anchor(records[-1])
    return Pack(first, last, end, body, _digest(first, last, end, body))


def problem(pack: Pack, last: Stored | None) -> str | None:
    """What is wrong with `pack`, given the record the store holds at its last position."""
    if pack.digest != _digest(pack.first, pack.last, pack.anchor, pack.body):
        return "does not match its digest"
    if last is None or last.position != pack.last or anchor(last) != pack.anchor:
        return "does not end with the record the store holds at its last position"
    return None


def runs(pack: Pack, classes: Mapping[str, type[Any]]) -> list[tuple[str, list[Any]]]:
    """The values `pack` holds, run by run: (kind, values); ValueError if it will not parse."""
    try:
        taken = []
        for kind, givens, data in json.loads(pack.body):
            values = _records.build(kind, classes[kind], givens, data)
            if not values:
                raise ValueError("an empty run")
            taken.append((kind, values))
        return taken
    except Exception as err:
        raise ValueError(f"the pack of positions {pack.first}-{pack.last} will not parse") from err


def check(
    pack: Pack, last: Stored | None, records: Sequence[Stored], classes: Mapping[str, type[Any]]
) -> str | None:
    """What is wrong with `pack` against `records`, those at its positions (for `verify`)."""
    where = f"the pack of the records at positions {pack.first}-{pack.last}"
    found = problem(pack, last)
    if found is None:
        try:
            held = [value for _, values in runs(pack, classes) for value in values]
        except ValueError:
            found = "will not parse"
        else:
            kept = [_records.decode(record, classes) for record in records]
            if held == kept and [type(v) for v in held] == [type(v) for v in kept]:
                return None
            # A good digest and the right last record: readers take it in as it is.
            return (
                f"{where} does not hold the records at its positions: readers take it in, so "
                "answers from this store may be wrong; delete the packs (a copy: nothing is "
                "lost), e.g. sqlite3 STORE 'DELETE FROM packs', and open the store again to "
                "write them anew"
            )
    return (
        f"{where} {found}; it is set aside and those records are read one by one (a pack is "
        "a copy: nothing is lost), and the next reader writes it again"
    )


def _digest(first: int, last: int, end: str, body: str) -> str:
    text = f"pack\n{first}\n{last}\n{end}\n{body}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]
