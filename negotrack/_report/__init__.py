"""`negotrack.report`: the way to the HTML report, light enough to import with negotrack.

The report itself (`negotrack._report.page`) needs jinja2 and matplotlib, the ``[report]`` extra; it
is imported only when a report is asked for, so ``import negotrack`` never loads either. The
same goes for the timeline a tracker shows in a notebook (`negotrack._notebook.TIMELINE`).
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any

from negotrack import _checks, _notebook
from negotrack._accounts import party_named
from negotrack._exceptions import InvalidValue, NegotrackError, install_hint
from negotrack._tracker import Tracker

EXTRA = install_hint("report")


class MissingExtra(NegotrackError, ImportError):
    """The report needs packages that are not installed (it is also an `ImportError`)."""


def report(
    tracker: Tracker,
    path: str | os.PathLike[str],
    *,
    on: date,
    known_by: date | None = None,
    according_to: str | None = None,
) -> None:
    """Write the HTML report of `tracker` as of `on`, from what was known by `known_by`.

    With `according_to`, every answer rests on the neutral events and that party's account;
    either way, a disputed commitment shows each party's stage and evidence.

    One self-contained file (nothing is fetched when it is opened): the scenario's title and
    sources, the status of every commitment with its evidence, the timeline of their stages,
    the targets charts, the changes of the 30 days up to `on`, what falls due in the 90 days
    after it, and the anomalies. The file is replaced in one step: a failure leaves the old
    one as it was. Needs the ``[report]`` extra (jinja2 and matplotlib); without it, raises
    `MissingExtra`, an `ImportError` and a `NegotrackError` that says what to install.
    """
    if not isinstance(tracker, Tracker):
        raise InvalidValue("tracker", tracker, "a Tracker")
    if not isinstance(path, (str, os.PathLike)) or not str(path).strip() or "\x00" in str(path):
        raise InvalidValue("path", path, "a file path (str or os.PathLike)")
    _checks.ordinal("on", on)
    if known_by is not None:
        _checks.ordinal("known_by", known_by)
    try:
        from . import page
    except ImportError as err:
        missing = err.name or "jinja2 or matplotlib"
        raise MissingExtra(
            f"the HTML report needs {missing}, which is not installed; {EXTRA}"
        ) from None
    party_named(tracker.scenario, according_to)
    page.write(tracker, Path(path), on=on, known_by=known_by, according_to=according_to)


def _timeline(tracker: Tracker, on: date) -> Any:
    """The timeline of `tracker` up to `on`; ImportError without matplotlib."""
    from negotrack import plot

    return plot.timeline(tracker, on=on)


_notebook.TIMELINE[:] = [_timeline]
