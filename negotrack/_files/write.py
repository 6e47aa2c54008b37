"""A tracker as a scenario document: what `negotrack.dump` and `negotrack export` write.

The document is plain data from the codec (`negotrack._codec`), in the format that
`negotrack._files.read` reads back to the same answers.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import attrs

from negotrack import _checks, _codec
from negotrack._scenario import Scenario, Source
from negotrack._tracker import Tracker

from . import disk
from .read import FORMAT_VERSION


def write_scenario(tracker: Tracker, path: str | os.PathLike[str]) -> None:
    """Write `tracker` as a scenario file, atomically (see `negotrack.dump`)."""
    where = Path(path)
    disk.write(where, document(tracker, default_id=where.stem))


def document(tracker: Tracker, *, default_id: str = "scenario") -> dict[str, Any]:
    """The scenario document of `tracker`, as plain data ready for YAML or JSON."""
    with tracker.transaction():  # one consistent state, even while others append
        scenario = tracker.scenario
        commitments = tracker.commitments()
        recorded = tracker.events()
    if scenario is None:
        # Named after the file, if its name is text a scenario can hold.
        name = default_id if _checks.plain(default_id) else "scenario"
        scenario = Scenario(id=name, title=name)
    # A file declares every party and source it names: those the tracker's scenario does
    # not describe are named after their code.
    parties = dict(scenario.parties)
    for c in commitments:
        for code in (c.by, c.to):
            parties.setdefault(code, code)
    sources = dict(scenario.sources)
    for e in recorded:
        if e.source is not None:
            sources.setdefault(e.source, Source(title=e.source))
    scenario = attrs.evolve(scenario, parties=parties, sources=sources)
    ranks = {c.id: tracker.lifecycle_of(c.id).same_day_rank() for c in commitments}
    # Sorted by date for reading, in the order events of a day apply; the sort is stable, so
    # ties keep their recording order and the file loads back to the same answers (an event
    # of another lifecycle's kind, an anomaly, ranks first).
    events = sorted(recorded, key=lambda e: (e.on, ranks[e.commitment].get(e.kind, -1)))
    top = _codec.unstructure(scenario, omit_defaults=True)
    result: dict[str, Any] = {"negotrack": FORMAT_VERSION, **top}
    if not sources:
        result.pop("sources", None)
    result["commitments"] = [_codec.unstructure(c, omit_defaults=True) for c in commitments]
    result["events"] = [_readable(_codec.unstructure(e, omit_defaults=True)) for e in events]
    return result


_FIRST = ("id", "on", "commitment", "event")  # an event reads best from its date


def _readable(event: dict[str, Any]) -> dict[str, Any]:
    return {**{k: event[k] for k in _FIRST if k in event}, **event}
