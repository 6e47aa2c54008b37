"""The HTML report: one self-contained page that shows a negotiation as of a date.

`write` renders the Jinja2 template shipped in the package (``templates/report.html.j2``, with
autoescaping on: every piece of the scenario's text is escaped, none is trusted as HTML) and
replaces the file in one step. Charts are drawn by `negotrack.plot` and inlined as SVG; the
page fetches nothing (its Content-Security-Policy forbids it), so it opens the same offline,
from a mail attachment or an archive. This module needs the ``[report]`` extra (jinja2 and
matplotlib); `negotrack.report` imports it only when called.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import os
import re
import stat
import tempfile
import warnings
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import jinja2
import matplotlib
from markupsafe import Markup, escape
from matplotlib.figure import Figure

from negotrack import __version__, plot
from negotrack._changes import Change, ChangeKind
from negotrack._events import Event
from negotrack._exceptions import InvalidValue
from negotrack._lifecycle import Stage
from negotrack._scenario import Source
from negotrack._status import Status, Transition
from negotrack._tracker import Tracker
from negotrack._words import (
    NO_STAGE,
    PAGE,
    amount,
    delivered_cell,
    knowledge,
    pace,
    progress_cell,
    stage,
    wording,
)

from .charts import shift

CHANGES_DAYS = 30
"""The report lists the changes of this many days up to the as-of date."""
DUE_DAYS = 90
"""The report lists what falls due in this many days after the as-of date."""

# The page's only script: open every <details> before printing, so evidence is on paper too.
SCRIPT = (
    'addEventListener("beforeprint",function(){'
    'document.querySelectorAll("details").forEach(function(d){d.open=true})});'
)
_SCRIPT_HASH = base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
# Nothing may be fetched: no network, no other file. Styles are inline (the template's and the
# charts'); the one script is allowed by its hash.
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    f"script-src 'sha256-{_SCRIPT_HASH}'"
)

_ENVIRONMENT: jinja2.Environment | None = None


def _environment() -> jinja2.Environment:
    global _ENVIRONMENT
    if _ENVIRONMENT is None:
        _ENVIRONMENT = jinja2.Environment(
            loader=jinja2.PackageLoader("negotrack._report", "templates"),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        _ENVIRONMENT.filters["stage_class"] = _stage_class
    return _ENVIRONMENT


def _stage_class(stage: str) -> str:
    """The CSS class suffix of a stage as shown (`NO_STAGE` is no name a class can hold)."""
    return "no-stage" if stage == NO_STAGE else stage


def write(
    tracker: Tracker,
    path: Path,
    *,
    on: date,
    known_by: date | None,
    according_to: str | None = None,
) -> None:
    """Render the report of `tracker` and replace `path` with it in one step."""
    _atomic_write(path, render(tracker, on=on, known_by=known_by, according_to=according_to))


def render(
    tracker: Tracker, *, on: date, known_by: date | None, according_to: str | None = None
) -> str:
    """The report of `tracker` as of `on`, from what was known by `known_by`, as HTML."""
    with tracker.transaction():  # one consistent state, even while others append
        context = _context(tracker, on, known_by, according_to)
        return _environment().get_template("report.html.j2").render(context)


def _context(
    tracker: Tracker, on: date, known_by: date | None, party: str | None
) -> dict[str, Any]:
    scenario = tracker.scenario
    commitments = tracker.commitments()
    index = {c.id: i for i, c in enumerate(commitments)}
    sources = dict(scenario.sources) if scenario is not None else {}
    source_keys = {key: n for n, key in enumerate(sources)}
    snapshot = tracker.snapshot(on=on, known_by=known_by, according_to=party)
    steps: dict[str, list[Transition]] = {c.id: [] for c in commitments}
    for step in tracker.timeline(known_by=known_by, according_to=party):
        if step.on <= on:
            steps[step.commitment].append(step)

    def evidence(event: Event | None) -> dict[str, Any] | None:
        if event is None:
            return None
        source = sources.get(event.source) if event.source is not None else None
        return {
            "actor": event.actor,
            "source": event.source,
            "source_title": source.title if source is not None else None,
            "source_url": _url(source),
            "source_anchor": None if event.source is None else source_keys.get(event.source),
            "quote": event.quote,
            "note": event.note,
            "reported": event.known_on if event.known_on != event.on else None,
        }

    def step_view(step: Transition) -> dict[str, Any]:
        return {"on": step.on, "move": wording(step, PAGE), "evidence": evidence(step.event)}

    rows = []
    for c in commitments:
        status = snapshot[c.id]
        rows.append(
            {
                "n": index[c.id],
                "c": c,
                "status": status,
                "stage": stage(status.stage),
                "progress": None if status.progress is None else progress_cell(status.progress),
                "on_track": None if status.progress is None else status.progress.on_track,
                "risk": [(cid, index[cid]) for cid in status.at_risk_from],
                "evidence": evidence(status.evidence),
                "history": [step_view(s) for s in steps[c.id]],
                # Each side's stage and evidence, where the parties' accounts differ.
                "accounts": [
                    {
                        "party": side,
                        "stage": stage(mine.stage),
                        "since": mine.since,
                        "evidence": evidence(mine.evidence),
                    }
                    for side in (status.accounts if status.disputed else ())
                    for mine in (tracker.status(c.id, on=on, known_by=known_by, according_to=side),)
                ],
            }
        )
    stages = [row["stage"] for row in rows]
    # The default stages first, then those of other lifecycles, each in ladder order.
    named = [s.value for c in commitments for s in tracker.lifecycle_of(c.id).stages]
    order = dict.fromkeys([*(s.value for s in Stage), *named, NO_STAGE])
    counts = {s: stages.count(s) for s in order if s in stages}
    since = shift(on, -CHANGES_DAYS)
    until = shift(on, DUE_DAYS)
    changes = [
        _change_view(change, index, evidence)
        for change in tracker.changes(since, on, known_by=known_by, according_to=party)
    ]
    due = [{"d": d, "n": index[d.commitment]} for d in tracker.due(on, (until - on).days)]
    with _quiet_fonts():
        pages = plot.timelines(tracker, on=on, known_by=known_by, according_to=party)
        timeline = [
            _svg(fig, f"t{n}", f"Timeline of the commitments' stages, part {n + 1}")
            for n, fig in enumerate(pages)
        ]
        targets = [
            {
                "n": index[c.id],
                "c": c,
                "svg": _svg(
                    plot.targets(tracker, c.id, on=on, known_by=known_by, according_to=party),
                    f"g{index[c.id]}",
                    f"Deliveries of {c.id} against its target",
                ),
                "periods": _periods(snapshot[c.id], on),
            }
            for c in commitments
            if c.target is not None
        ]
    return {
        "version": __version__,
        "csp": CSP,
        "script": Markup(SCRIPT),  # our constant, never user text
        "scenario": scenario,
        "title": scenario.title if scenario is not None else "Commitments",
        "sources": [
            {"n": n, "key": key, "s": s, "url": _url(s)}
            for n, (key, s) in enumerate(sources.items())
        ],
        "on": on,
        "known_by": known_by,
        "knowledge": knowledge(known_by, party),
        "according_to": party,
        "disputed": sum(1 for row in rows if row["accounts"]),
        "since": since,
        "changes_days": CHANGES_DAYS,
        "due_days": DUE_DAYS,
        "until": until,
        "rows": rows,
        "counts": counts,
        "at_risk": sum(1 for row in rows if row["risk"]),
        "timeline": timeline,
        "targets": targets,
        "changes": changes,
        "due": due,
        "anomalies": [
            {"a": a, "n": index[a.commitment]}
            for a in tracker.anomalies(on=on, known_by=known_by, according_to=party)
        ],
    }


def _change_view(change: Change, index: dict[str, int], evidence: Any) -> dict[str, Any]:
    step: Transition | None
    if change.kind in (ChangeKind.STAGE, ChangeKind.EVIDENCE):
        assert change.transition is not None
        what, step = wording(change.transition, PAGE), change.transition
    else:
        what = "at risk from" if change.kind is ChangeKind.AT_RISK else "no longer at risk from"
        step = change.cause
    return {
        "on": change.on,
        "commitment": change.commitment,
        "n": index[change.commitment],
        "kind": change.kind.value,
        "what": what,
        "others": [(cid, index[cid]) for cid in change.at_risk_from],
        # What moved the counterpart (its lapse, its revival), when that made the change.
        "cause": None
        if step is None or step.commitment == change.commitment
        else wording(step, PAGE),
        "inferred": step is not None and step.inferred,
        "evidence": None if step is None else evidence(step.event),
        # When it became known, where that is not the day it happened (a late report).
        "known_on": None if change.known_on in (None, change.on) else change.known_on,
    }


def _periods(status: Status, on: date) -> list[dict[str, Any]]:
    progress = status.progress
    if progress is None:
        return []
    found = []
    for p in progress.periods:
        state = p.phase(on)
        if state is None:
            state = f"running, {pace(progress)} of the pace"
            state += f" (expected {amount(progress.expected)} by {on:%Y-%m-%d})"
        found.append(
            {
                "start": p.start,
                "end": p.end,
                "delivered": delivered_cell(p.delivered),
                "target": amount(p.target),
                "state": state,
            }
        )
    return found


_SAFE_URL = re.compile(r"https?://[^\s<>\"'`\\]+\Z", re.IGNORECASE)


def _url(source: Source | None) -> str | None:
    """A source's address if it is a web address; anything else (`javascript:`...) is not a link."""
    if source is None or source.url is None:
        return None
    return source.url if _SAFE_URL.match(source.url) else None


# -- charts as inline SVG ----------------------------------------------------------------------

_TAG = re.compile(r"<[^>]*>")
_ID = re.compile(r'\sid="([^"]*)"')
_REFERENCE = re.compile(r'(url\(#|href="#)([^)"]*)')
_OURS = re.compile(r"(?:lane|targets)-\d+\Z")


def _svg(fig: Figure, prefix: str, label: str) -> Markup:
    """`fig` as an SVG element to inline: text kept as text, ids unique in the page."""
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "negotrack"}):
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    text = buffer.getvalue()
    text = text[text.index("<svg") :]  # no XML declaration, no DOCTYPE in HTML
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, count=1, flags=re.S)
    # Tags only: text between them is the charts' labels, escaped by matplotlib, left alone.
    used = {m[2] for tag in _TAG.findall(text) for m in _REFERENCE.finditer(tag)}

    def fix_id(match: re.Match[str]) -> str:
        name = match[1]
        if _OURS.match(name):
            return match[0]
        return f' id="{prefix}-{name}"' if name in used else ""

    def fix_tag(match: re.Match[str]) -> str:
        tag = _ID.sub(fix_id, match[0])
        return _REFERENCE.sub(lambda m: f"{m[1]}{prefix}-{m[2]}", tag)

    text = _TAG.sub(fix_tag, text)
    text = text.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1)
    return Markup(text)  # matplotlib escaped its text


@contextlib.contextmanager
def _quiet_fonts() -> Iterator[None]:
    """Silence matplotlib's warnings about glyphs its default font lacks (Chinese names, say).

    The charts keep their text as text, which the browser draws with its own fonts.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message="Glyph .* missing from font", category=UserWarning
        )
        warnings.filterwarnings("ignore", message="Matplotlib currently does not support")
        yield


# -- writing -----------------------------------------------------------------------------------


def _atomic_write(path: Path, text: str) -> None:
    """Replace `path` with `text` in one step: a failure leaves the old file as it was."""
    target = Path(os.path.realpath(path))  # through a link, to the file it names
    if target.is_dir():
        raise InvalidValue(
            "path", str(path), "a file to write", message=f"{path} is a directory; expected a file"
        )
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        mode = 0o666 & ~mask
    try:
        fd, temporary = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".tmp", dir=target.parent
        )
    except OSError as err:
        raise OSError(err.errno, err.strerror or str(err), str(path)) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fchmod(handle.fileno(), mode)
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException as err:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(err, OSError):
            raise OSError(err.errno, err.strerror or str(err), str(path)) from None
        raise
