"""Every error negotrack raises: one hierarchy under `NegotrackError`.

Each error also subclasses the builtin a caller would naturally catch (`ValueError` for bad
values, `KeyError` for unknown ids, `OSError` for storage), carries structured attributes, and
says in its message what was expected. This module depends on nothing else in negotrack, so
that every other module can raise from it; the two errors that carry events
(`InvalidTransition` and `ConflictingEvent`) are defined beside `Event`, in `_events`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

# The longest excerpt of a value an error message shows: a message is one readable line
# even when the value is a 50 MB string.
EXCERPT = 80


def excerpt(value: object) -> str:
    """`repr(value)`, cut to a short excerpt when it is long."""
    shown = (
        repr(value) if not isinstance(value, int) or value.bit_length() < 200 else "<a huge int>"
    )
    if len(shown) > EXCERPT:
        shown = f"{shown[: EXCERPT - 20]}...{shown[-12:]} ({len(shown):,} characters)"
    return shown


class NegotrackError(Exception):
    """The root of every error negotrack raises on purpose."""


class InvalidValue(NegotrackError, TypeError, ValueError):
    """A value given to negotrack is not what it expects.

    It is both a `TypeError` and a `ValueError`, so that code catching either builtin keeps
    working; `name` is the field or argument, `value` what was given.
    """

    def __init__(
        self, name: str, value: object, expected: str, *, message: str | None = None
    ) -> None:
        self.name = name
        self.value = value
        self.expected = expected
        if message is None:
            message = f"{name} must be {expected}, got {excerpt(value)} ({type(value).__name__})"
        super().__init__(message)


class InvalidDefinition(NegotrackError, ValueError):
    """A lifecycle definition is inconsistent; `problems` lists every defect found."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        listed = "; ".join(self.problems)
        super().__init__(f"invalid lifecycle definition: {listed}")


class UnknownCommitment(NegotrackError, KeyError):
    """An id names no commitment the tracker knows."""

    def __init__(self, commitment: object, *, known: Sequence[str] = ()) -> None:
        self.commitment = commitment
        hint = "add it first with Tracker.add(Commitment(...))"
        if known:
            shown = ", ".join(repr(k) for k in sorted(known)[:5])
            more = ", ..." if len(known) > 5 else ""
            hint += f"; known ids: {shown}{more}"
        self.message = f"unknown commitment {excerpt(commitment)}; {hint}"
        super().__init__(self.message)

    def __str__(self) -> str:
        # KeyError.__str__ would wrap the message in quotes.
        return self.message


class DuplicateCommitment(NegotrackError, ValueError):
    """A different commitment is added under an id that is already tracked."""

    def __init__(self, commitment: str) -> None:
        self.commitment = commitment
        super().__init__(
            f"commitment {commitment!r} is already tracked, with other terms; give each "
            "commitment a unique id, or record an event to change an existing one"
        )


class ScenarioError(NegotrackError, ValueError):
    """A scenario file cannot be loaded; the message reads ``PATH:LINE: problem; expectation``.

    When a file has several faults, `problems` holds each as a (line, problem) pair, in line
    order, and the message lists them one per line.
    """

    def __init__(
        self,
        path: str | Path,
        line: int | None,
        problem: str,
        *,
        more: Sequence[tuple[int | None, str]] = (),
    ) -> None:
        self.path = str(path)
        self.line = line
        self.problem = problem
        self.problems: tuple[tuple[int | None, str], ...] = ((line, problem), *more)
        super().__init__("\n".join(self._where(at) + f": {text}" for at, text in self.problems))

    def _where(self, line: int | None) -> str:
        return self.path if line is None else f"{self.path}:{line}"


class StoreError(NegotrackError, OSError):
    """A store cannot be opened, read or written; `path` names it (a file, or a URL)."""

    def __init__(self, path: str | Path, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")

    def __str__(self) -> str:
        # OSError.__str__ would format its own args.
        return f"{self.path}: {self.problem}"


class StoreBusy(StoreError):
    """Another writer holds the store, or wrote first; nothing was written, retrying is safe."""


def install_hint(extra: str) -> str:
    """How to install the optional extra `extra` (negotrack is not on a package index)."""
    return (
        f"install the negotrack[{extra}] extra: pip install '.[{extra}]' in a clone of "
        f"negotrack, or pip install 'negotrack[{extra}]' --find-links DIR with a wheel built "
        "into DIR"
    )
