"""The lifecycles shipped with negotrack, and the engines of a tracker's commitments.

`LIFECYCLES` holds the built-ins by name: the default `negotiation` (`LIFECYCLE`), `treaty`
and `legislation`. A commitment names its lifecycle (``lifecycle: treaty``); one that names
none follows its tracker's default. `Engines` finds each commitment's engine and folds
commitments of several lifecycles in one call, one `replay_many` per lifecycle.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from types import MappingProxyType
from typing import Any

from ._commitments import Commitment
from ._course import Course, PartyOf
from ._engine import Engine, engine
from ._events import Event
from ._fold import replay_many
from ._lifecycle import LIFECYCLE, EventKind, LapseReason, Lifecycle, Rule, TimeLimit

_EXTENDED = EventKind.EXTENDED
_MEASURED = EventKind.MEASURED

_TREATY_LIVE = ("signed", "ratified", "in_force")
TREATY = Lifecycle(
    name="treaty",
    stages=(*_TREATY_LIVE, "withdrawn", "terminated"),
    final=("withdrawn", "terminated"),
    rules=(
        Rule("signed", sources=(None,), target="signed"),
        # Ratification by a party (the last one needed, for a bilateral treaty).
        Rule("ratified", sources=(None, "signed"), target="ratified"),
        Rule("entered_into_force", sources=(None, "signed", "ratified"), target="in_force"),
        # A party leaves (or the signature is withdrawn before ratification).
        Rule("withdrawn", sources=_TREATY_LIVE, target="withdrawn"),
        # The treaty ends for all: by its own terms, by agreement, or by its expiry date.
        Rule("terminated", sources=_TREATY_LIVE, target="terminated"),
        Rule(_EXTENDED, sources=_TREATY_LIVE, target=None, dates="move"),
        Rule(_MEASURED, sources=(None, *_TREATY_LIVE, "withdrawn", "terminated"), target=None),
    ),
    same_day_order=(
        *("signed", "ratified", "entered_into_force", _EXTENDED),
        *("withdrawn", "terminated", _MEASURED),
    ),
    lapse="terminated",
    time_limits=(
        # The deadline is the last day to enter into force; `expires`, the first day not in force.
        TimeLimit("deadline", delay=1, reason=LapseReason.DEADLINE_MISSED, exempt=("in_force",)),
        TimeLimit("expires", delay=0, reason=LapseReason.EXPIRED),
    ),
)
"""A treaty's lifecycle: signed, ratified, in force, then withdrawn or terminated."""

_LAW_LIVE = ("proposed", "adopted", "in_force")
LEGISLATION = Lifecycle(
    name="legislation",
    stages=(*_LAW_LIVE, "repealed"),
    final=("repealed",),
    rules=(
        # A bill or a Commission proposal is tabled.
        Rule(EventKind.PROPOSED, sources=(None,), target="proposed"),
        # Adopted by the legislature (both chambers; Parliament and Council in the EU).
        Rule("adopted", sources=(None, "proposed"), target="adopted"),
        Rule("entered_into_force", sources=(None, *_LAW_LIVE[:2]), target="in_force"),
        # Repealed, or a proposal withdrawn: either way it no longer stands.
        Rule("repealed", sources=_LAW_LIVE, target="repealed"),
        Rule(_EXTENDED, sources=_LAW_LIVE, target=None, dates="move"),
        Rule(_MEASURED, sources=(None, *_LAW_LIVE, "repealed"), target=None),
    ),
    same_day_order=(
        *(EventKind.PROPOSED, "adopted", "entered_into_force", _EXTENDED),
        *("repealed", _MEASURED),
    ),
    lapse="repealed",
    time_limits=(
        # The deadline is the last day to enter into force; `expires` is a sunset clause.
        TimeLimit("deadline", delay=1, reason=LapseReason.DEADLINE_MISSED, exempt=("in_force",)),
        TimeLimit("expires", delay=0, reason=LapseReason.EXPIRED),
    ),
)
"""A law's lifecycle: proposed, adopted, in force, then repealed."""

LIFECYCLES: Mapping[str, Lifecycle] = MappingProxyType(
    {lc.name: lc for lc in (LIFECYCLE, TREATY, LEGISLATION)}
)
"""The lifecycles shipped, by name: ``negotiation`` (the default), ``treaty``, ``legislation``."""


class Engines:
    """The engine of each commitment of a tracker: its default's, or its named lifecycle's.

    `named` finds a lifecycle by name (the tracker's own, its scenario's, then the built-ins);
    engines are kept by name until `forget`. They fire the Machine if the tracker was made
    inside `through_machine` (`fire`).
    """

    def __init__(
        self, default: Lifecycle, named: Callable[[str], Lifecycle], *, fire: bool
    ) -> None:
        self.default = engine(default, fire=fire)
        self._named = named
        self._fire = fire
        self._by_name: dict[str, Engine] = {}

    def of(self, commitment: Commitment) -> Engine:
        """The engine of `commitment`'s lifecycle."""
        name = commitment.lifecycle
        if name is None:
            return self.default
        found = self._by_name.get(name)
        if found is None:
            found = self._by_name[name] = engine(self._named(name), fire=self._fire)
        return found

    def forget(self) -> None:
        """Find the named lifecycles again (the scenario that declares some changed)."""
        self._by_name.clear()

    def replay(
        self,
        logs: Sequence[tuple[Commitment, Sequence[Event]]],
        *,
        known_by: date | None,
        with_steps: bool,
        party: str | None = None,
        party_of: PartyOf | None = None,
    ) -> list[Course]:
        """`replay_many` of `logs`, each through its commitment's engine, in their order.

        `party` and `party_of` are `replay_many`'s: the fold on one party's word.
        """
        accounts: dict[str, Any] = {} if party_of is None else {"party_of": party_of}
        for c, _ in logs:  # a plain loop: twice as fast as all() over a generator
            if c.lifecycle is not None:
                break
        else:
            return replay_many(
                logs,
                self.default,
                known_by=known_by,
                with_steps=with_steps,
                party=party,
                **accounts,
            )
        groups: dict[Engine, list[int]] = {}
        for i, (c, _) in enumerate(logs):
            groups.setdefault(self.of(c), []).append(i)
        found: list[Course | None] = [None] * len(logs)
        for each, places in groups.items():
            folded = replay_many(
                [logs[i] for i in places],
                each,
                known_by=known_by,
                with_steps=with_steps,
                party=party,
                **accounts,
            )
            for i, course in zip(places, folded, strict=True):
                found[i] = course
        return found  # type: ignore[return-value]  # every place is filled
