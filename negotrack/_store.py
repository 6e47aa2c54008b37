"""Stores: `negotrack.open` gives a `Tracker` whose every change is kept in a store.

A store is named by a file path (an SQLite file, created when missing) or by a PostgreSQL
URL (``postgresql://...``, with the ``[postgres]`` extra). Either way the tracker is the same:
`add` and `record` return once what they wrote is committed, and every question first takes
in what other processes appended.
"""

from __future__ import annotations

import os
from pathlib import Path

from ._exceptions import InvalidValue
from ._lifecycle import LIFECYCLE, Lifecycle
from ._recorder import Recorder
from ._sqlite import SQLiteRecorder
from ._tracker import Tracker


def open(  # shadows the builtin inside this module only: negotrack.open is the API
    path: str | os.PathLike[str],
    *,
    strict: bool = False,
    lifecycle: Lifecycle = LIFECYCLE,
    timeout: float = 5.0,
    create: bool = True,
) -> Tracker:
    """Open the store at `path` (created when missing, unless ``create=False``).

    The tracker has the in-memory tracker's API; `add` and `record` return once what they
    wrote is committed to disk. `timeout` is how long a writer waits for other writers
    before raising `StoreBusy`. Close it with `close()` or a ``with`` block.
    """
    recorder = recorder_for(path, timeout=timeout, create=create)
    try:
        return Tracker(strict=strict, lifecycle=lifecycle, recorder=recorder)
    except BaseException:
        recorder.close()
        raise


def recorder_for(location: str | os.PathLike[str], *, timeout: float, create: bool) -> Recorder:
    """The recorder for a store's path or URL."""
    if not isinstance(location, (str, os.PathLike)) or not str(location).strip():
        raise InvalidValue("path", location, "a store's file path or a postgresql:// URL")
    return SQLiteRecorder(Path(location), timeout=timeout, create=create)
