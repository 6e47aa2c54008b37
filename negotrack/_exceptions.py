"""Every error negotrack raises: one hierarchy under `NegotrackError`.

Each error also subclasses the builtin a caller would naturally catch (`ValueError` for bad
values, `KeyError` for unknown ids, `OSError` for storage), carries structured attributes, and
says in its message what was expected.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._events import Event
    from ._lifecycle import EventKind, Stage


class NegotrackError(Exception):
    """The root of every error negotrack raises on purpose."""


class InvalidDefinition(NegotrackError, ValueError):
    """A lifecycle definition is inconsistent; `problems` lists every defect found."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        listed = "; ".join(self.problems)
        super().__init__(f"invalid lifecycle definition: {listed}")


class InvalidTransition(NegotrackError, ValueError):
    """An event does not fit the lifecycle at the point where it falls (raised in strict mode)."""

    def __init__(
        self,
        message: str,
        *,
        event: Event,
        stage: Stage | None,
        expected: Sequence[EventKind],
    ) -> None:
        self.event = event
        self.commitment = event.commitment
        self.stage = stage
        self.expected = tuple(expected)
        super().__init__(message)


class UnknownCommitment(NegotrackError, KeyError):
    """An id names no commitment the tracker knows."""

    def __init__(self, commitment: str, *, known: Sequence[str] = ()) -> None:
        self.commitment = commitment
        hint = "add it first with Tracker.add(Commitment(...))"
        if known:
            shown = ", ".join(repr(k) for k in sorted(known)[:5])
            more = ", ..." if len(known) > 5 else ""
            hint += f"; known ids: {shown}{more}"
        self.message = f"unknown commitment {commitment!r}; {hint}"
        super().__init__(self.message)

    def __str__(self) -> str:
        # KeyError.__str__ would wrap the message in quotes.
        return self.message


class DuplicateCommitment(NegotrackError, ValueError):
    """A commitment id is added twice."""

    def __init__(self, commitment: str) -> None:
        self.commitment = commitment
        super().__init__(
            f"commitment {commitment!r} is already tracked; give each commitment a unique id, "
            "or record an event to change an existing one"
        )


class ConflictingEvent(NegotrackError, ValueError):
    """A different event arrives under an id that is already recorded."""

    def __init__(self, event_id: str, *, recorded: Event, offered: Event) -> None:
        self.event_id = event_id
        self.recorded = recorded
        self.offered = offered
        super().__init__(
            f"event id {event_id!r} is already recorded for a different event "
            f"({recorded.kind.value} of {recorded.commitment!r} on {recorded.on.isoformat()}); "
            "events are append-only: record the correction as a new event with its own id"
        )


class ScenarioError(NegotrackError, ValueError):
    """A scenario file cannot be loaded; the message reads ``PATH:LINE: problem; expectation``."""

    def __init__(self, path: str | Path, line: int | None, problem: str) -> None:
        self.path = str(path)
        self.line = line
        self.problem = problem
        where = self.path if line is None else f"{self.path}:{line}"
        super().__init__(f"{where}: {problem}")


class StoreError(NegotrackError, OSError):
    """A store file cannot be opened, read or written."""

    def __init__(self, path: str | Path, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")

    def __str__(self) -> str:
        # OSError.__str__ would format its own args.
        return f"{self.path}: {self.problem}"


class StoreBusy(StoreError):
    """Another process holds the store's write lock; retrying later is safe."""
