"""Anomalies: why an event kept in the log does not fit where it falls, and what would have.

`anomaly` turns a course's record of an out-of-place event into an `Anomaly` with its message;
the message names the stage met, what would have been valid there, and how to fix it.
"""

from __future__ import annotations

from datetime import date

from ._course import Course
from ._engine import Engine
from ._events import Event
from ._fold import earlier
from ._lifecycle import AnyKind, EventKind, Lifecycle
from ._status import Anomaly


def anomaly(engine: Engine, course: Course, index: int) -> Anomaly:
    """The `index`-th anomaly of `course`, with its message."""
    event, stage, state = course.anomalies[index]
    expected = engine.expected[stage]
    return Anomaly(
        event=event,
        stage=stage,
        expected=expected,
        message=explain(engine.lifecycle, event, course, state, expected),
    )


def explain(
    lifecycle: Lifecycle,
    event: Event,
    course: Course,
    state: int,
    expected: tuple[AnyKind, ...],
) -> str:
    """Say why `event` does not fit where it falls, and what would have."""
    kind = event.kind.value
    head = f"{kind!r} on {event.on.isoformat()} does not fit {event.commitment!r}"
    valid = ", ".join(repr(e.value) for e in expected) or "none"
    if event.kind not in lifecycle.kinds():
        return (
            f"{head}: {kind!r} is not an event of its lifecycle, {lifecycle.name!r}; "
            f"expected one of {valid}"
        )
    if state < 0:
        return (
            f"{head}: it has no stage yet, and a first event must move it forward; "
            f"expected one of {valid}"
        )
    stage, since_day, reason, inferred, _evidence, deadline, expires = course.state(state)
    since = date.fromordinal(since_day)
    for name, new, current in (
        ("deadline", event.deadline, deadline),
        ("expires", event.expires, expires),
    ):
        if lifecycle.rule(event.kind).dates == "move" and earlier(new, current):
            assert new is not None
            assert current is not None
            return (
                f"{head}: it would move {name} back from {current.isoformat()} to "
                f"{new.isoformat()}, and an extension only moves dates later; to end it "
                f"sooner, record 'lapsed' on the day it ends"
            )
    if stage not in lifecycle.live:
        why = f"it is {stage.value} since {since.isoformat()}"
        if reason is not None:
            why += f" ({reason.value}{', inferred' if inferred else ''})"
        hint = "; record 'revived' first to reopen it" if EventKind.REVIVED in expected else ""
        return f"{head}: {why}; from {stage.value} expected one of {valid}{hint}"
    target = lifecycle.rule(event.kind).target
    ladder = lifecycle.stages
    if target is not None and target in ladder and ladder.index(target) < ladder.index(stage):
        why = f"it would move back from {stage.value} to {target.value}"
    else:
        why = f"it is {stage.value} since {since.isoformat()}"
    return f"{head}: {why}; from {stage.value} expected one of {valid}"
