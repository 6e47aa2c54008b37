"""Parts: a deal's whole and the commitments that are its parts (`Commitment.part_of`).

A whole's status lists its parts' stages. Its progress adds up its parts' when they can be
added: every part with a target has it in one unit, the whole has no target or one in that
unit, and each period of each part's target nests in one period of the whole's (lies wholly
within it: a part's 2020 inside the whole's 2020-2021 counts toward it). A whole without a
target takes its periods from its parts: the finest of their targets' periods in which every
part's periods nest. Then in each period of the whole its delivered amount is

- its own figure, when a measurement of the whole is dated in the period: an aggregate
  reported for the whole (a tracker's total of purchases, say) is the better figure, and
  adding the parts to it would count them twice;
- else the sum, over the part periods nested in it, of the parts' delivered amounts in
  those periods (a part period without a figure adds nothing: no data is not zero, so the sum
  is None while no part has one).

A whole without a target of its own is measured against the sum of its parts' targets over
each of its periods (and of their baselines, when every part has one); that sum must be the
same in every period of the whole, since a target promises one amount per period. When the
parts cannot be added (other units; a part period that straddles two periods of the whole or
lies outside its span; sums that differ between periods), the whole's progress is its own
alone; `negotrack check` warns (`mismatch`): a part's period is never split between two of
the whole's, nor dropped. The whole's stage is its own events' alone: a part's shortfall does
not make the whole lapse, and neither does the lapse of every part (`lapsed_parts` says so
for `check`: a whole may stand while its parts are renegotiated).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from datetime import date

from ._commitments import Commitment
from ._targets import Measure, Progress, Tally, Target, progress_by, tally, tidy

_Span = tuple[date, date]


def _targets(parts: Sequence[Commitment]) -> list[tuple[str, Target]]:
    return [(part.id, part.target) for part in parts if part.target is not None]


def _home(periods: Sequence[_Span], span: _Span) -> int | None:
    """The index of the period of `periods` (in order) that holds all of `span` (None: none)."""
    i = bisect_right(periods, (span[0], date.max)) - 1
    return i if i >= 0 and span[1] <= periods[i][1] else None


def _stray(frame: Target, goals: Sequence[tuple[str, Target]]) -> tuple[str, _Span] | None:
    """The first part period (part id, period) that no period of `frame` holds (None: all nest)."""
    periods = frame.periods()
    for part, goal in goals:
        for span in goal.periods():
            if _home(periods, span) is None:
                return part, span
    return None


def _sums(frame: Target, goals: Sequence[tuple[str, Target]]) -> list[tuple[float, float | None]]:
    """The parts' target and baseline summed over each period of `frame` (they nest in it).

    The baseline is None unless every part has one.
    """
    periods = frame.periods()
    amounts, baselines = [0.0] * len(periods), [0.0] * len(periods)
    for _, goal in goals:
        for span in goal.periods():
            i = _home(periods, span)
            assert i is not None  # the caller checked that they nest
            amounts[i] += goal.amount
            baselines[i] += goal.baseline or 0
    based = all(goal.baseline is not None for _, goal in goals)
    return [(tidy(a), tidy(b) if based else None) for a, b in zip(amounts, baselines, strict=True)]


def _frame(whole: Commitment, goals: Sequence[tuple[str, Target]]) -> Target | None:
    """The target whose periods the whole's progress is counted in (None: no such target).

    Its own, if it has one; else the finest of its parts' targets in which every part's
    periods nest (the first of those as fine), as the parts have them.
    """
    if whole.target is not None:
        return whole.target
    fitting = [goal for _, goal in goals if _stray(goal, goals) is None]
    if not fitting:
        return None
    finest = max(len(goal.periods()) for goal in fitting)
    return next(goal for goal in fitting if len(goal.periods()) == finest)


def rolled_target(whole: Commitment, parts: Sequence[Commitment]) -> Target | None:
    """What `whole`'s progress is measured against when its `parts` add up (None: they don't).

    Its own target, if it has one in the parts' unit whose periods hold theirs; else the sum
    of theirs over each of its periods (see the module docstring).
    """
    goals = _targets(parts)
    if not goals:
        return None
    unit = goals[0][1].unit
    if any(goal.unit != unit for _, goal in goals):
        return None
    frame = _frame(whole, goals)
    if frame is None or frame.unit != unit or _stray(frame, goals) is not None:
        return None
    if frame is whole.target:
        return frame
    sums = _sums(frame, goals)
    if any(s != sums[0] for s in sums):
        return None
    amount, baseline = sums[0]
    return Target(
        amount=amount,
        unit=unit,
        start=frame.start,
        end=frame.end,
        per=frame.per,
        baseline=baseline,
    )


def rolled_progress(
    target: Target,
    own: Sequence[Measure],
    parts: Sequence[tuple[Target, Sequence[Measure]]],
    on: date,
) -> Progress:
    """The progress of a whole on `on`: its `own` figures, else its `parts'` added up.

    `parts` are each part's target and measurements; the periods of each nest in those of
    `target` (`rolled_target` says so). Period by period (see the module docstring). The
    figure it rests on is the latest of those counted; `revised_from` is the sum as it stood
    before the revisions counted.
    """
    periods = target.periods()
    nested: dict[date, list[tuple[Sequence[Measure], date, date]]] = {}
    for goal, measures in parts:
        for span in goal.periods():
            i = _home(periods, span)
            if i is not None:  # `rolled_target` refuses parts that do not nest
                nested.setdefault(periods[i][0], []).append((measures, *span))

    def count(begin: date, until: date) -> Tally:
        mine = tally(own, begin, until)
        if mine[0] is not None:
            return mine
        # The part periods nested in this period of the whole; one that starts after `until`
        # (the date asked) has no figure yet.
        counted = (
            tally(measures, start, min(end, until))
            for measures, start, end in nested.get(begin, ())
            if start <= until
        )
        found = [t for t in counted if t[0] is not None]
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


def _spanned(span: _Span) -> str:
    return f"{span[0]} to {span[1]}"


def mismatch(whole: Commitment, parts: Sequence[Commitment]) -> str | None:
    """Why the targets of `whole`'s `parts` do not add up to its target (None: they do).

    None too when there is nothing to compare: the parts have no target, or the whole has
    none and its parts are in other units (purchases and investment are not one quantity).
    """
    goals, own = _targets(parts), whole.target
    if not goals:
        return None
    unit = goals[0][1].unit
    if any(goal.unit != unit for _, goal in goals) or (own is not None and own.unit != unit):
        if own is None:
            return None
        return (
            f"the parts of {whole.id!r} have targets in other units than its own "
            f"({own.unit}, {own.start} to {own.end}"
            f"{'' if own.per is None else ' per ' + own.per}): its progress does not add "
            "them up; give the parts targets in its unit"
        )
    frame = _frame(whole, goals) or goals[0][1]
    stray = _stray(frame, goals)
    if stray is not None:
        part, span = stray
        touched = [p for p in frame.periods() if p[0] <= span[1] and span[0] <= p[1]]
        whose = f"the target of {whole.id!r}" if frame is own else f"the target of {goals[0][0]!r}"
        if len(touched) > 1:
            joined = " and " if len(touched) == 2 else " through "
            where = (
                f"straddles periods {_spanned(touched[0])}{joined}{_spanned(touched[-1])} of "
                f"{whose}"
            )
        else:
            where = f"is not within the span of {whose}, {frame.start} to {frame.end}"
        fix = (
            f"give {part!r} periods within those of {whole.id!r}"
            if frame is own
            else f"give {whole.id!r} a target whose periods hold its parts'"
        )
        return (
            f"the target of {part!r}, part of {whole.id!r}, has a period {_spanned(span)} that "
            f"{where}: the progress of {whole.id!r} does not add up its parts (a part's period "
            f"is not split between two of the whole's); {fix}"
        )
    sums = _sums(frame, goals)
    if own is None:
        if any(s != sums[0] for s in sums):
            amounts = ", ".join(
                f"{a:g} in {_spanned(p)}" for (a, _), p in zip(sums, frame.periods(), strict=True)
            )
            return (
                f"the targets of the parts of {whole.id!r} add up to different amounts in its "
                f"periods ({amounts} {unit}): its progress does not add them up; give it a "
                "target of its own"
            )
        return None
    named = ", ".join(part for part, _ in goals)
    wrong = [(s, p) for s, p in zip(sums, frame.periods(), strict=True) if s[0] != own.amount]
    if not wrong:
        return None
    (total, _), span = wrong[0]
    when = "" if len(sums) == 1 else f" in {_spanned(span)}"
    return (
        f"the targets of the parts of {whole.id!r} ({named}) add up to {total:g} "
        f"{own.unit}{when}, not its target of {own.amount:g} {own.unit}; check the amounts, or "
        "add the missing part"
    )


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


# The last step of a commitment's history, as `lapsed_parts` reads it: (the stage it leads to,
# its date, whether that stage is the lifecycle's lapse, why it lapsed or None).
LastStep = tuple[str, date, bool, "str | None"]


def lapsed_parts(
    commitments: Iterable[Commitment], last: Callable[[str], LastStep | None]
) -> list[tuple[str, str]]:
    """Each whole whose every part lapses, as recorded, while it does not: (id, why), in order.

    `last` gives a commitment's last step (reported or inferred; None before its first event).
    A whole does not lapse from its parts (it may stand while they are renegotiated), so this
    is for `negotrack check` to say, not a step. A whole without events, or with a part
    without one, is left out.
    """
    commitments = list(commitments)
    parts = _wholes(commitments)
    found = []
    for c in commitments:
        if c.id not in parts:
            continue
        mine = last(c.id)
        lasts = [(part.id, last(part.id)) for part in parts[c.id]]
        lapsed = [(part, step) for part, step in lasts if step is not None and step[2]]
        if mine is None or mine[2] or len(lapsed) < len(lasts):
            continue
        named = ", ".join(
            f"{part} on {on}" + ("" if why is None else f" ({why})")
            for part, (_, on, _, why) in lapsed
        )
        found.append(
            (
                c.id,
                f"every part of {c.id!r} lapses as recorded ({named}) while {c.id!r} stays "
                f"{mine[0]}: a whole does not lapse from its parts; record its own lapse if it "
                "has lapsed",
            )
        )
    return found
