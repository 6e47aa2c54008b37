"""Answers in words for people, the one wording shared by the terminal and the HTML report.

"No stage yet", a date, an amount, a progress, what an answer is drawn from, where a period
stands and a step of a timeline are worded here once; the terminal (`negotrack._cli.text`) and
the page (`negotrack._report.page`) differ only where a `Style` says so: the terminal keeps the
stages' own names and an ASCII arrow, the page writes names as words and says more of a step.
Text is made safe for a terminal: control characters in ids, titles, quotes and notes are
written as escapes, so that a newline cannot forge a row and an ANSI sequence cannot reach the
screen.
"""

from __future__ import annotations

import enum
import unicodedata
from datetime import date
from typing import Any

import attrs

from ._lifecycle import Name
from ._status import Transition
from ._targets import Progress

NO_STAGE = "(none)"
"""How every text output spells "no stage yet"."""


def safe(text: str) -> str:
    """`text` with control, format and line-separator characters written as escapes."""
    if text.isprintable():
        return text
    return "".join(_escape(ch) for ch in text)


_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(ch: str) -> str:
    if ch in _NAMED:
        return _NAMED[ch]
    # Control, format and separator characters, and the lone surrogates a file name that is
    # not UTF-8 brings (Python's surrogateescape).
    if ch == " " or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Zl", "Zp"):
        return ch
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def day(value: date | None) -> str:
    """A date for a table cell."""
    return "-" if value is None else value.isoformat()


def stage(value: Any) -> str:
    """A stage for text output."""
    return NO_STAGE if value is None else str(value.value)


def knowledge(known_by: date | None, party: str | None = None) -> str:
    """What answers are drawn from, to end a heading: `as known on R`, or everything.

    On one party's word, `, according to P` follows.
    """
    found = "with everything recorded" if known_by is None else f"as known on {known_by}"
    return found if party is None else f"{found}, according to {safe(party)}"


def as_of(on: date, known_by: date | None, party: str | None = None) -> str:
    """The heading of answers as of `on`: `as of D, as known on R` (or with everything)."""
    return f"as of {on.isoformat()}, {knowledge(known_by, party)}"


def amount(value: float) -> str:
    """A quantity for people: no trailing zeros, at most three decimals."""
    return f"{round(value, 3):g}"


def delivered_cell(value: float | None) -> str:
    """A delivered amount for people: the amount, or "-" without any figure."""
    return "-" if value is None else amount(value)


def progress_cell(progress: Progress | None) -> str:
    """A progress in a table cell: `7/12 MMT (58%), ahead` (or behind)."""
    if progress is None:
        return "-"
    if progress.delivered is None or progress.share is None:
        return f"no data yet (target {amount(progress.target)} {safe(progress.unit)})"
    pace = "ahead" if progress.on_track else "behind"
    percent = round(progress.share * 100)
    return (
        f"{amount(progress.delivered)}/{amount(progress.target)} {safe(progress.unit)} "
        f"({percent}%), {pace}"
    )


def pace(progress: Progress) -> str:
    """The pace of a running period: "ahead" or "behind" of what the pace implies."""
    return "ahead" if progress.on_track else "behind"


@attrs.frozen
class Style:
    """How a step is worded: the terminal's compact form or the page's prose.

    `names` writes a stage, kind or reason; `arrow` joins the stage left and the one reached;
    `prose` adds what the page says and the terminal leaves to other columns (the event's
    kind, "again", "inferred").
    """

    arrow: str
    prose: bool

    def name(self, value: enum.Enum | Name | None) -> str:
        """A stage, kind or reason: its own name, or in words (``preliminary consensus``)."""
        if value is None:
            return NO_STAGE
        text = str(value.value)
        return text.replace("_", " ") if self.prose else text


TERMINAL = Style(arrow="->", prose=False)
PAGE = Style(arrow="\N{RIGHTWARDS ARROW}", prose=True)


def wording(step: Transition, style: Style) -> str:
    """A step in words: what it did to the stage, or to the dates when the stage stayed.

    A corroboration names the stage it confirms; a step that kept its stage names the dates
    it set; any other names the stage left and the one reached, and why when a time limit or
    a rule made it (on the page, with the kind of event and whether it was inferred).
    """
    name = style.name
    if step.corroboration:
        if style.prose:
            return f"{name(step.target)} again ({name(step.kind)}, corroborated)"
        return f"{name(step.target)} (corroborated)"
    if step.source == step.target:
        dates = ", ".join(
            f"{label} {value.isoformat()}"
            for label, value in (("deadline", step.deadline), ("expires", step.expires))
            if value
        )
        return f"{name(step.kind)}: {dates}" if style.prose else f"{name(step.target)} ({dates})"
    text = f"{name(step.source)} {style.arrow} {name(step.target)}"
    if style.prose and step.kind.value != step.target.value:
        text = f"{name(step.kind)}: {text}"
    if step.reason is not None:
        inferred = ", inferred" if style.prose and step.inferred else ""
        text += f" ({name(step.reason)}{inferred})"
    return text
