"""Scenario files: `load` and `dump`, the way in and out of YAML and JSON.

The format itself lives in `negotrack._files.read` (reading) and `negotrack._files.write` (writing),
imported on first use, so that ``import negotrack`` loads neither PyYAML nor cattrs.
"""

from __future__ import annotations

import os

from negotrack._exceptions import InvalidValue
from negotrack._tracker import Tracker


def load(path: str | os.PathLike[str], *, strict: bool = False) -> Tracker:
    """Read a scenario file (.yaml, .yml or .json) into a new `Tracker`.

    The file loads whole or not at all: any fault raises `ScenarioError` with a message that
    reads ``PATH:LINE: what is wrong; what was expected``, one line per fault. With
    ``strict=True`` an event that does not fit the lifecycle raises `InvalidTransition`.
    """
    from .read import load_with_lines

    _check_path(path)
    return load_with_lines(path, strict=strict)[0]


def dump(tracker: Tracker, path: str | os.PathLike[str]) -> None:
    """Write `tracker` as a scenario file (.yaml, .yml or .json) that loads back the same.

    The file is replaced in one step: a failure leaves the old file as it was. A tracker
    backed by a store is written as one consistent state, even while others append.
    """
    from .write import write_scenario

    if not isinstance(tracker, Tracker):
        raise InvalidValue("tracker", tracker, "a Tracker")
    _check_path(path)
    write_scenario(tracker, path)


def _check_path(path: object) -> None:
    if not isinstance(path, (str, os.PathLike)) or not str(path).strip() or "\x00" in str(path):
        raise InvalidValue("path", path, "a file path (str or os.PathLike)")
