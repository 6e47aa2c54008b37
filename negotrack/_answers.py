"""The tracker's answers: as of a date, as known by a date, on whose word.

`Answers` is the half of `negotrack.Tracker` that asks: every question checks its arguments,
takes in what other processes appended to the store, and reads the folded views
(`negotrack._views`) or the answers built on them (`negotrack._changes`,
`negotrack._learned`). The other half, in `negotrack._tracker`, holds and changes the record.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from . import _changes, _checks, _learned
from ._accounts import party_named
from ._changes import Change, Due, Revision
from ._collector import collector_paused
from ._exceptions import InvalidValue
from ._learned import Dispute
from ._log import EventLog
from ._session import Session
from ._status import Anomaly, Snapshot, Status, Transition
from ._views import Views


class Answers:
    """The questions a `Tracker` answers (see the module docstring)."""

    _log: EventLog
    _views: Views
    _session: Session

    def status(
        self,
        commitment: str,
        *,
        on: date,
        known_by: date | None = None,
        according_to: str | None = None,
    ) -> Status:
        """Where `commitment` stood on `on` (inclusive), from what was known by `known_by`.

        With `according_to` (a party's code), the answer rests on the neutral events and that
        party's account only (see `Event.account`); without it, on every event. Either way,
        `Status.accounts` gives each party's own account and `Status.disputed` says whether
        they differ.
        """
        day = _checks.ordinal("on", on)
        party = self._lens(known_by, according_to)
        return self._views.status(self._log.require(commitment).id, day, known_by, party)

    def snapshot(
        self, *, on: date, known_by: date | None = None, according_to: str | None = None
    ) -> Snapshot:
        """The status of every commitment on `on`, keyed by id in the order they were added.

        `according_to` is as for `status`. The answer is a read-only mapping (a `Snapshot`):
        its `to_dict()` is its plain form, and a notebook shows it as a table.
        """
        day = _checks.ordinal("on", on)
        party = self._lens(known_by, according_to)
        with collector_paused():
            return self._views.snapshot(day, known_by, party)

    def snapshots(
        self,
        dates: Iterable[date],
        *,
        known_by: date | None = None,
        according_to: str | None = None,
    ) -> dict[date, Snapshot]:
        """The snapshot of each of `dates`, keyed by date in ascending order.

        Each answer equals `snapshot(on=day, known_by=known_by, according_to=according_to)`;
        asking for many dates at once
        is one sweep over the commitments' change points instead of one lookup per
        commitment and date, which is what a chart or a daily series wants.
        """
        if isinstance(dates, (date, str)) or not isinstance(dates, Iterable):
            raise InvalidValue(
                "dates",
                dates,
                "an iterable of datetime.date",
                message=f"dates must be an iterable of datetime.date, not "
                f"{type(dates).__name__}; for one date, use snapshot(on=...)",
            )
        days = sorted({_checks.ordinal("dates", day) for day in dates})
        party = self._lens(known_by, according_to)
        with collector_paused():
            found = self._views.snapshots(days, known_by, party)
        return {date.fromordinal(day): answer for day, answer in zip(days, found, strict=True)}

    def history(
        self,
        commitment: str,
        *,
        known_by: date | None = None,
        according_to: str | None = None,
    ) -> tuple[Transition, ...]:
        """Every dated step of `commitment`, with its evidence, in the order applied."""
        party = self._lens(known_by, according_to)
        return self._views.history(self._log.require(commitment).id, known_by, party)

    def timeline(
        self, *, known_by: date | None = None, according_to: str | None = None
    ) -> tuple[Transition, ...]:
        """Every step of every commitment, in date order (ties in the order added)."""
        party = self._lens(known_by, according_to)
        return self._views.timeline(known_by, party)

    def changes(
        self,
        since: date,
        until: date,
        *,
        known_by: date | None = None,
        according_to: str | None = None,
    ) -> tuple[Change, ...]:
        """What changed in `(since, until]`, in date order.

        Every stage change, with its step and evidence, and every commitment that became or
        stopped being at risk.
        """
        _checks.ordinal("since", since)
        _checks.ordinal("until", until)
        party = self._lens(known_by, according_to)
        return _changes.changes(self._log, self._views, since, until, known_by, party)

    def learned(
        self,
        since: date,
        *,
        known_by: date | None = None,
        according_to: str | None = None,
    ) -> tuple[Change, ...]:
        """What became known after `since` (up to `known_by`), whatever the date it happened.

        Every step of the record known by `known_by` that the record known by `since` lacks,
        with the date it became known (`Change.known_on`), `retroactive` if it happened on or
        before `since`; and every step that record held and later reports took back
        (`Change.withdrawn`); in the order they became known, then by date.
        """
        _checks.ordinal("since", since)
        party = self._lens(known_by, according_to)
        return _learned.learned(self._log, self._views, since, known_by, party)

    def disputes(self, *, on: date, known_by: date | None = None) -> tuple[Dispute, ...]:
        """The commitments whose parties' accounts put them in different stages on `on`.

        Each `Dispute` holds every party's status by its own account, evidence included, in
        the order the commitments were added.
        """
        day = _checks.ordinal("on", on)
        _check_known_by(known_by)
        self._session.refresh()
        return _learned.disputes(self._log, self._views, day, known_by)

    def _lens(self, known_by: object, according_to: object) -> str | None:
        """Check `known_by`, take in the store's news, and check `according_to` against it."""
        _check_known_by(known_by)
        self._session.refresh()
        return self._party(according_to)

    def _party(self, according_to: object) -> str | None:
        return party_named(self._log.scenario, according_to)

    def revisions(
        self, before: date, after: date, *, on: date | None = None
    ) -> tuple[Revision, ...]:
        """What the reports that became known in `(before, after]` changed in the record.

        For each commitment whose answer known by `before` differs from the one known by
        `after`: on `on` when given, else the first date the two records disagree.
        """
        _checks.ordinal("before", before)
        _checks.ordinal("after", after)
        if on is not None:
            _checks.ordinal("on", on)
        self._session.refresh()
        return _changes.revisions(self._log, self._views, before, after, on)

    def due(self, on: date, within: int | timedelta = 90) -> tuple[Due, ...]:
        """Deadlines, expiries and target period ends in `(on, on + within]` (days).

        In date order, each with what happens if nothing more is reported after `on`.
        """
        _checks.ordinal("on", on)
        days = within.days if isinstance(within, timedelta) else within
        if isinstance(days, bool) or not isinstance(days, int) or days < 0:
            raise InvalidValue(
                "within", within, "a number of days (an int or a timedelta), 0 or more"
            )
        self._session.refresh()
        return _changes.due(self._log, self._views, on, days)

    def anomalies(
        self,
        *,
        on: date | None = None,
        known_by: date | None = None,
        according_to: str | None = None,
    ) -> tuple[Anomaly, ...]:
        """Events kept but out of place, dated on or before `on` (all when None)."""
        if on is not None:
            _checks.ordinal("on", on)
        _check_known_by(known_by)
        self._session.refresh()
        return self._views.anomalies(on, known_by, self._party(according_to))


def _check_known_by(value: object) -> None:
    if value is not None:
        _checks.ordinal("known_by", value)
