"""What we learned and where the parties disagree: the answers that compare two records.

`learned` compares the record known by one date with the record known by a later one, step by
step: what the later reports added (marked retroactive when it happened on or before the
earlier date) and what they took back. `disputes` compares the parties' accounts of each
commitment on one date (see `negotrack._accounts`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date
from types import MappingProxyType

import attrs

from ._changes import Change, ChangeKind
from ._lifecycle import AnyStage
from ._log import EventLog
from ._status import Status, Transition
from ._views import Views


@attrs.frozen(kw_only=True)
class Dispute:
    """A commitment whose parties' accounts put it in different stages on one date.

    `status` is the answer from every event; `accounts` maps each party that gave its own
    account to its status by that account (the neutral events and the party's), evidence
    included, in the scenario's order of parties.
    """

    commitment: str
    on: date
    status: Status
    accounts: Mapping[str, Status] = attrs.field(hash=False)

    @property
    def stages(self) -> Mapping[str, AnyStage | None]:
        """Each party's stage, as in `Status.accounts`."""
        return self.status.accounts


def disputes(log: EventLog, views: Views, day: int, known_by: date | None) -> tuple[Dispute, ...]:
    """The disputed commitments on `day` (an ordinal), in the order added."""
    found = []
    for cid in views.accounted():
        status = views.status(cid, day, known_by)
        if status.disputed:
            sides = {party: views.status(cid, day, known_by, party) for party in status.accounts}
            found.append(
                Dispute(
                    commitment=cid,
                    on=date.fromordinal(day),
                    status=status,
                    accounts=MappingProxyType(sides),
                )
            )
    return tuple(found)


def learned(
    log: EventLog, views: Views, since: date, known_by: date | None, party: str | None
) -> tuple[Change, ...]:
    """Every step the record known by `known_by` adds to, or takes from, the one of `since`."""
    limit = date.max if known_by is None else known_by
    found: list[Change] = []
    for cid in log.commitments:
        reports = [e.known_on for e in log.events_of(cid) if since < e.known_on <= limit]
        if not reports:
            continue  # nothing became known: both records are the same
        latest = max(reports)
        before = views.history(cid, since, party)
        after = views.history(cid, known_by, party)
        found += (_change(s, since, latest, withdrawn=False) for s in _beyond(after, before))
        found += (_change(s, since, latest, withdrawn=True) for s in _beyond(before, after))
    order = {cid: i for i, cid in enumerate(log.commitments)}
    found.sort(key=lambda c: (c.known_on, c.on, order[c.commitment], c.withdrawn))
    return tuple(found)


def _beyond(steps: Sequence[Transition], other: Sequence[Transition]) -> list[Transition]:
    """The steps of `steps` that `other` does not hold (as many times), in their order."""
    held = Counter(other)
    found = []
    for step in steps:
        if held[step]:
            held[step] -= 1
        else:
            found.append(step)
    return found


def _change(step: Transition, since: date, latest: date, *, withdrawn: bool) -> Change:
    moved = step.source != step.target
    # A step whose own evidence was known before is new (or gone) because of later reports.
    event = step.event
    known_on = event.known_on if event and not withdrawn and event.known_on > since else latest
    return Change(
        commitment=step.commitment,
        on=step.on,
        kind=ChangeKind.STAGE if moved else ChangeKind.EVIDENCE,
        source=step.source,
        target=step.target,
        transition=step,
        known_on=known_on,
        retroactive=step.on <= since,
        withdrawn=withdrawn,
    )
