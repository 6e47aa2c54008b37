"""Spent limits: a deadline or an expiry date that falls before its commitment's first event.

A time limit is decided by the stage at the end of its date (see `negotrack._course`): one
whose date passes while the commitment has no stage yet is spent, and never makes it lapse.
The data is kept as it is, but such a date is almost always a slip of the keyboard (a year
typed wrong), so `negotrack check` warns about each one.
"""

from __future__ import annotations

from datetime import date

import attrs

from negotrack._tracker import Tracker

_NOUNS = {"deadline": "deadline", "expires": "expiry date"}


@attrs.frozen
class SpentLimit:
    """`commitment`'s `field` (``deadline`` or ``expires``) is `on`, before its first event.

    `first` is the date of the first event that gave the commitment a stage.
    """

    commitment: str
    field: str
    on: date
    first: date

    @property
    def message(self) -> str:
        """What the date means and how to fix it."""
        check = "check the year" if self.on.year != self.first.year else "check the date"
        return (
            f"{self.field} {self.on.isoformat()} is before the first event of "
            f"{self.commitment!r} ({self.first.isoformat()}): the {_NOUNS[self.field]} can "
            f"never make it lapse; {check}"
        )


def spent_limits(tracker: Tracker) -> tuple[SpentLimit, ...]:
    """Every deadline and expiry date set before its commitment's first event, in order."""
    first: dict[str, date] = {}
    for step in tracker.timeline():  # in date order: a commitment's first step comes first
        first.setdefault(step.commitment, step.on)
    found = []
    for c in tracker.commitments():
        start = first.get(c.id)
        for field, value in (("deadline", c.deadline), ("expires", c.expires)):
            if start is not None and value is not None and value < start:
                found.append(SpentLimit(c.id, field, value, start))
    return tuple(found)
