"""Parts: a deal's whole and the commitments that are its parts (`Commitment.part_of`).

A whole's status lists its parts' stages. Its progress adds up its parts' when they can be
added: every part with a target has it in one unit over the same periods (start, end and
`per`), and the whole has no target, or one in that unit over those periods. Then in each
period the whole's delivered amount is

- its own figure, when a measurement of the whole is dated in the period: an aggregate
  reported for the whole (a tracker's total of purchases, say) is the better figure, and
  adding the parts to it would count them twice;
- else the sum of the figures of the parts that have one dated in the period (a part without
  a figure adds nothing: no data is not zero, so the sum is None while no part has one).

A whole without a target of its own is measured against the sum of its parts' targets (and
of their baselines, when every part has one). When the parts cannot be added, the whole's
progress is its own alone; `negotrack check` warns (`mismatch`). The whole's stage is its own
events' alone: a part's shortfall does not make the whole lapse.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from ._commitments import Commitment
from ._targets import Measure, Progress, Tally, Target, progress_by, tally, tidy

_Shape = tuple[str, date, date, "str | None"]


def _shape(target: Target) -> _Shape:
    return (target.unit, target.start, target.end, target.per)


def _targets(parts: Sequence[Commitment]) -> list[Target]:
    return [part.target for part in parts if part.target is not None]


def rolled_target(whole: Commitment, parts: Sequence[Commitment]) -> Target | None:
    """What `whole`'s progress is measured against when its `parts` add up (None: they don't).

    Its own target, if it has one in the parts' unit over their periods; else the sum of
    theirs.
    """
    goals = _targets(parts)
    if not goals:
        return None
    shape = _shape(goals[0])
    if any(_shape(goal) != shape for goal in goals):
        return None
    own = whole.target
    if own is not None:
        return own if _shape(own) == shape else None
    baselines = [goal.baseline for goal in goals]
    unit, start, end, _ = shape
    return Target(
        amount=tidy(sum(goal.amount for goal in goals)),
        unit=unit,
        start=start,
        end=end,
        per=goals[0].per,
        baseline=None if None in baselines else tidy(sum(b for b in baselines if b is not None)),
    )


def rolled_progress(
    target: Target, own: Sequence[Measure], parts: Sequence[Sequence[Measure]], on: date
) -> Progress:
    """The progress of a whole on `on`: its `own` figures, else its `parts'` added up.

    Period by period (see the module docstring). The figure it rests on is the latest of
    those counted; `revised_from` is the sum as it stood before the revisions counted.
    """

    def count(begin: date, until: date) -> Tally:
        mine = tally(own, begin, until)
        if mine[0] is not None:
            return mine
        found = [t for t in (tally(m, begin, until) for m in parts) if t[0] is not None]
        if not found:
            return (None, None, None)
        total = tidy(sum(t[0] for t in found if t[0] is not None))
        figures = [t[1] for t in found if t[1] is not None]
        figure = max(figures, key=lambda m: (m[0], m[4])) if figures else None
        if all(t[2] is None for t in found):
            return (total, figure, None)
        before = sum(t[2] if t[2] is not None else t[0] or 0 for t in found)
        return (total, figure, tidy(before))

    return progress_by(target, count, on)


def mismatch(whole: Commitment, parts: Sequence[Commitment]) -> str | None:
    """Why the targets of `whole`'s `parts` do not add up to its target (None: they do).

    None too when there is nothing to compare: the whole or its parts have no target.
    """
    goals, own = _targets(parts), whole.target
    if not goals or own is None:
        return None
    shape = _shape(own)
    if any(_shape(goal) != shape for goal in goals):
        return (
            f"the parts of {whole.id!r} have targets in other units or spans than its own "
            f"({own.unit}, {own.start} to {own.end}"
            f"{'' if own.per is None else ' per ' + own.per}): its progress does not add "
            "them up; give the parts targets in its unit over its span"
        )
    total = tidy(sum(goal.amount for goal in goals))
    if total != own.amount:
        named = ", ".join(p.id for p in parts if p.target is not None)
        return (
            f"the targets of the parts of {whole.id!r} ({named}) add up to {total:g} "
            f"{own.unit}, not its target of {own.amount:g} {own.unit}; check the amounts, or "
            "add the missing part"
        )
    return None


def _wholes(commitments: Iterable[Commitment]) -> dict[str, list[Commitment]]:
    """The parts of each whole among `commitments`, by the whole's id, in order."""
    parts: dict[str, list[Commitment]] = {}
    for c in commitments:
        if c.part_of is not None:
            parts.setdefault(c.part_of, []).append(c)
    return parts


def measured_targets(commitments: Iterable[Commitment]) -> dict[str, Target]:
    """What each of `commitments` is measured against, by id (those without a target left out).

    A whole whose parts add up, their sum (or its own target); any other, its own target.
    """
    commitments = list(commitments)
    parts = _wholes(commitments)
    found = {}
    for c in commitments:
        mine = parts.get(c.id)
        goal = rolled_target(c, mine) if mine else None
        goal = c.target if goal is None else goal
        if goal is not None:
            found[c.id] = goal
    return found


def mismatches(commitments: Iterable[Commitment]) -> list[tuple[str, str]]:
    """Each whole among `commitments` whose parts' targets do not add up: (id, why), in order."""
    commitments = list(commitments)
    parts = _wholes(commitments)
    found = []
    for c in commitments:
        why = mismatch(c, parts[c.id]) if c.id in parts else None
        if why is not None:
            found.append((c.id, why))
    return found
