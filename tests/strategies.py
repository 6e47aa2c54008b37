"""The property suite's shared strategies, built on the public ones in `negotrack.testing`.

Dates stay within 120 days from `START` so that a day-by-day reference simulation is cheap and
events often collide on one day. Scenario documents are plain data; `yaml_text` and `json_text`
write them without going through negotrack, and `objects_of` reads them back into value objects
the same way, so that a loaded file can be compared with what it was made from.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import yaml
from hypothesis import strategies as st

import negotrack as nt
from negotrack.testing import (
    Negotiation,
    commitments,
    dates,
    events,
    negotiations,
    scenario_documents,
)

__all__ = [
    "END",
    "START",
    "Negotiation",
    "broken_documents",
    "broken_files",
    "cases",
    "commitments",
    "cutoffs",
    "dates",
    "events",
    "json_text",
    "known_by_dates",
    "lifecycles",
    "negotiations",
    "objects_of",
    "reorderings",
    "scenario_cases",
    "scenario_documents",
    "yaml_text",
]

START = date(2025, 1, 1)
END = START + timedelta(days=119)


# The names generated lifecycles draw from: few, so that the event names every lifecycle
# declares (which `Event` then accepts) stay a small set.
_RUNGS = ("drafted", "tabled", "agreed", "signed", "ratified", "in_force")


@st.composite
def lifecycles(draw: st.DrawFn) -> nt.Lifecycle:
    """Valid lifecycles of their own: 1 to 4 live rungs, each reached by its own event from
    no stage or from some lower rungs, an `ended` stage that time limits lead to (a trap, or
    left by a revival), and optionally a second final stage, extensions and measurements."""
    rungs = sorted(
        draw(st.lists(st.sampled_from(_RUNGS), min_size=1, max_size=4, unique=True)),
        key=_RUNGS.index,
    )
    rules = []
    for i, rung in enumerate(rungs):
        lower = draw(st.lists(st.sampled_from(rungs[:i]), unique=True)) if i else []
        rules.append(nt.Rule(f"{rung}_reached", sources=[None, *lower], target=rung))
    rules.append(nt.Rule("ended", sources=rungs, target="ended"))
    stages, final = [*rungs, "ended"], []
    if draw(st.booleans()):
        rules.append(
            nt.Rule(nt.EventKind.REVIVED, sources=["ended"], target=rungs[0], dates="reset")
        )
    else:
        final.append("ended")
    if len(rungs) < 4 and draw(st.booleans()):
        stages.append("annulled")
        final.append("annulled")
        rules.append(
            nt.Rule(
                "annulled",
                sources=draw(st.sets(st.sampled_from(rungs), min_size=1)),
                target="annulled",
            )
        )
    if draw(st.booleans()):
        rules.append(nt.Rule(nt.EventKind.EXTENDED, sources=rungs, target=None, dates="move"))
    if draw(st.booleans()):
        rules.append(nt.Rule(nt.EventKind.MEASURED, sources=[None, *stages], target=None))
    limits = [nt.TimeLimit("expires", delay=0, reason="expired")]
    if draw(st.booleans()):
        limits.insert(
            0, nt.TimeLimit("deadline", delay=1, reason="deadline_missed", exempt=[rungs[-1]])
        )
    # A same-day order: with none, events of one date apply in recording order only.
    order = draw(st.permutations([r.event for r in rules]))
    return nt.Lifecycle(
        name="generated",
        stages=stages,
        final=final,
        rules=rules,
        same_day_order=order,
        time_limits=limits,
        lapse="ended",
    )


def known_by_dates() -> st.SearchStrategy[date | None]:
    """A known-by date around the span (before it, in it, after it), or None."""
    return st.none() | dates(START - timedelta(days=20), END + timedelta(days=40))


@st.composite
def cases(
    draw: st.DrawFn, negotiation: st.SearchStrategy[Negotiation] | None = None
) -> tuple[Negotiation, list[date | None]]:
    """A negotiation and the known-by dates to question it with (None always among them)."""
    drawn = draw(negotiation if negotiation is not None else negotiations())
    known_bys: list[date | None] = [None]
    known_bys += draw(st.lists(known_by_dates(), min_size=1, max_size=2, unique=True))
    return drawn, list(dict.fromkeys(known_bys))


@st.composite
def reorderings(draw: st.DrawFn, log: list[nt.Event]) -> list[nt.Event]:
    """A permutation of `log` that keeps the relative order of the events that share their
    commitment, date and kind (the one order the contract lets answers depend on)."""
    shuffled = draw(st.permutations(range(len(log))))
    groups: dict[tuple[str, date, nt.EventKind], list[int]] = defaultdict(list)
    for index, event in enumerate(log):
        groups[event.commitment, event.on, event.kind].append(index)
    queues = {key: iter(indices) for key, indices in groups.items()}
    result = []
    for index in shuffled:
        event = log[index]
        result.append(log[next(queues[event.commitment, event.on, event.kind])])
    return result


def cutoffs(log: list[nt.Event]) -> st.SearchStrategy[date]:
    """A known-by date that splits `log` somewhere (or falls before or after all of it)."""
    known = sorted({e.known_on for e in log}) or [START]
    return st.sampled_from(known).flatmap(
        lambda d: st.sampled_from([d - timedelta(days=1), d, d + timedelta(days=1)])
    )


# -- scenario documents --------------------------------------------------------------------------


class _QuotingDumper(yaml.SafeDumper):
    """Writes every string double-quoted, so that no text is read back as something else."""


def _quoted(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"')


_QuotingDumper.add_representer(str, _quoted)


def yaml_text(document: Any) -> str:
    """`document` as YAML, every string double-quoted (independent of negotrack's writer)."""
    return yaml.dump(
        document,
        Dumper=_QuotingDumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=1 << 30,
    )


def json_text(document: Any) -> str:
    """`document` as JSON."""
    return json.dumps(document, ensure_ascii=False, indent=1)


def _day(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


def _target(data: dict[str, Any] | None) -> nt.Target | None:
    if data is None:
        return None
    return nt.Target(
        amount=data["amount"],
        unit=data["unit"],
        start=date.fromisoformat(data["start"]),
        end=date.fromisoformat(data["end"]),
        per=data.get("per"),
    )


def objects_of(document: dict[str, Any]) -> tuple[list[nt.Commitment], list[nt.Event]]:
    """The commitments and events a well-formed scenario document describes."""
    made = [
        nt.Commitment(
            id=c["id"],
            title=c["title"],
            by=c["by"],
            to=c["to"],
            subject=c.get("subject"),
            deadline=_day(c.get("deadline")),
            expires=_day(c.get("expires")),
            target=_target(c.get("target")),
            note=c.get("note"),
            links=[nt.Link(k, v) for link in c.get("links", ()) for k, v in link.items()],
        )
        for c in document.get("commitments", ())
    ]
    log = [
        nt.Event(
            commitment=e["commitment"],
            kind=e["event"],
            on=date.fromisoformat(e["on"]),
            reported=_day(e.get("reported")),
            actor=e.get("actor"),
            source=e.get("source"),
            quote=e.get("quote"),
            note=e.get("note"),
            reason=e.get("reason"),
            deadline=_day(e.get("deadline")),
            expires=_day(e.get("expires")),
            amount=e.get("amount"),
            total=e.get("total"),
            unit=e.get("unit"),
            id=e.get("id"),
        )
        for e in document.get("events", ())
    ]
    return made, log


def scenario_cases() -> st.SearchStrategy[dict[str, Any]]:
    """Well-formed scenario documents, small enough to write and read many times."""
    return scenario_documents(negotiations(max_commitments=3, max_steps=6))


# Values that are never valid where text, a date or a list is required.
_NOT_TEXT = (5, 1.5, True, [], ["x"], {}, {"x": "y"}, "", "   ")
_NOT_DATE = ("2025-13-45", "2025-02-30", "20250101", "2025-1-1", "1 May 2025", 20250101, True, "")
_NOT_A_LIST = ("x", 5, {"x": 1}, None)
_NOT_A_MAPPING = ("x", 5, ["x"], None)


Fault = Callable[[st.DrawFn, dict[str, Any]], Any]


def _pick(draw: st.DrawFn, items: list[Any]) -> Any:
    return draw(st.sampled_from(items))


def _top_key_missing(draw: st.DrawFn, doc: dict[str, Any]) -> Any:
    del doc[_pick(draw, ["negotrack", "id", "title", "parties"])]
    return doc


def _top_key_unknown(draw: st.DrawFn, doc: dict[str, Any]) -> Any:
    doc[_pick(draw, ["titel", "event", "extra", "Parties", "commitment"])] = "x"
    return doc


def _bad_version(draw: st.DrawFn, doc: dict[str, Any]) -> Any:
    doc["negotrack"] = _pick(draw, [2, 0, -1, "1", True, None, 1.5, 1.0, [1], {"v": 1}])
    return doc


def _bad_top_text(draw: st.DrawFn, doc: dict[str, Any]) -> Any:
    doc[_pick(draw, ["id", "title"])] = _pick(draw, [*_NOT_TEXT, None])
    return doc


def _bad_note(draw: st.DrawFn, doc: dict[str, Any]) -> Any:
    doc["note"] = _pick(draw, list(_NOT_TEXT))
    return doc


def _bad_parties(draw: st.DrawFn, doc: dict[str, Any]) -> Any:
    choice = draw(st.integers(0, 2))
    if choice == 0:
        doc["parties"] = _pick(draw, list(_NOT_A_MAPPING))
    elif choice == 1:
        code = _pick(draw, sorted(doc["parties"]))
        doc["parties"][code] = _pick(draw, [*_NOT_TEXT, None])
    else:
        doc["parties"][""] = "Nobody"
    return doc


def _bad_sources(draw: st.DrawFn, doc: dict[str, Any]) -> Any:
    choice = draw(st.integers(0, 4))
    if choice == 0:
        doc["sources"] = _pick(draw, list(_NOT_A_MAPPING))
    elif choice == 1:
        doc["sources"] = {"s": _pick(draw, list(_NOT_A_MAPPING))}
    elif choice == 2:
        doc["sources"] = {"s": {"publisher": "someone"}}  # no title
    elif choice == 3:
        doc["sources"] = {"s": {"title": "t", "titel": "t"}}
    else:
        doc["sources"] = {"s": {"title": "t", "published": _pick(draw, list(_NOT_DATE))}}
    return doc


def _bad_list(draw: st.DrawFn, doc: dict[str, Any]) -> Any:
    key = _pick(draw, ["commitments", "events"])
    if draw(st.booleans()):
        doc[key] = _pick(draw, list(_NOT_A_LIST))
    else:
        doc.setdefault(key, []).append(_pick(draw, list(_NOT_A_MAPPING)))
    return doc


def _commitment(draw: st.DrawFn, doc: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = _pick(draw, doc["commitments"])
    return found


def _event(draw: st.DrawFn, doc: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = _pick(draw, doc["events"])
    return found


def _commitment_key_missing(draw: st.DrawFn, doc: dict[str, Any]) -> Any:
    del _commitment(draw, doc)[_pick(draw, ["id", "title", "by", "to"])]
    return doc


def _commitment_key_unknown(draw: st.DrawFn, doc: dict[str, Any]) -> Any:
    _commitment(draw, doc)[_pick(draw, ["name", "deadlin", "expiry", "link"])] = "x"
    return doc


def _commitment_bad_text(draw: st.DrawFn, doc: dict[str, Any]) -> Any:
    c = _commitment(draw, doc)
    key = _pick(draw, ["id", "title", "by", "to", "subject", "note"])
    c[key] = _pick(draw, [*_NOT_TEXT, *([None] if key in ("id", "title", "by", "to") else [])])
    return doc


def _commitment_bad_date(draw: st.DrawFn, doc: dict[str, Any]) -> Any:
    _commitment(draw, doc)[_pick(draw, ["deadline", "expires"])] = _pick(draw, list(_NOT_DATE))
    return doc


def _undeclared_party(draw: st.DrawFn, doc: dict[str, Any]) -> Any:
    _commitment(draw, doc)[_pick(draw, ["by", "to"])] = "Undeclared Party"
    return doc


def _duplicate_commitment(draw: st.DrawFn, doc: dict[str, Any]) -> Any:
    c = _commitment(draw, doc)
    doc["commitments"].append({**c, "title": "another one"})
    return doc


def _bad_links(draw: st.DrawFn, doc: dict[str, Any]) -> Any:
    c = _commitment(draw, doc)
    other = c["id"]
    choice = draw(st.integers(0, 5))
    if choice == 0:
        c["links"] = _pick(draw, ["x", 5, {"reciprocal": other}])
    elif choice == 1:
        c["links"] = [_pick(draw, [{}, "x", 5, None, {"recip": other}, {"reciprocal": 5}])]
    elif choice == 2:
        c["links"] = [{"reciprocal": "no-such-commitment"}]
    elif choice == 3:
        c["links"] = [{_pick(draw, ["reciprocal", "conditional_on"]): c["id"]}]  # itself
    elif choice == 4:
        c["links"] = [{"reciprocal": "a", "conditional_on": "b"}]
    else:
        targets = [x["id"] for x in doc["commitments"] if x["id"] != c["id"]]
        if not targets:
            c["links"] = [{"conditional_on": "no-such-commitment"}]
        else:
            link = {_pick(draw, ["reciprocal", "conditional_on"]): _pick(draw, targets)}
            c["links"] = [link, dict(link)]  # the same link twice
    return doc


def _event_key_missing(draw: st.DrawFn, doc: dict[str, Any]) -> Any:
    del _event(draw, doc)[_pick(draw, ["on", "commitment", "event"])]
    return doc


def _event_key_unknown(draw: st.DrawFn, doc: dict[str, Any]) -> Any:
    _event(draw, doc)[_pick(draw, ["kind", "date", "actr", "reported_on", "ID"])] = "x"
    return doc


def _event_bad_text(draw: st.DrawFn, doc: dict[str, Any]) -> Any:
    e = _event(draw, doc)
    key = _pick(draw, ["commitment", "actor", "source", "quote", "note", "id"])
    e[key] = _pick(draw, [*_NOT_TEXT, *([None] if key == "commitment" else [])])
    return doc


def _event_bad_date(draw: st.DrawFn, doc: dict[str, Any]) -> Any:
    e = _event(draw, doc)
    key = _pick(draw, ["on", "reported"])
    e[key] = _pick(draw, [*_NOT_DATE, *([None] if key == "on" else [])])
    return doc


def _event_unknown_commitment(draw: st.DrawFn, doc: dict[str, Any]) -> Any:
    _event(draw, doc)["commitment"] = "no-such-commitment"
    return doc


def _event_bad_kind(draw: st.DrawFn, doc: dict[str, Any]) -> Any:
    _event(draw, doc)["event"] = _pick(draw, ["prolonged", "Approved", "", 5, None, ["approved"]])
    return doc


def _event_bad_reason(draw: st.DrawFn, doc: dict[str, Any]) -> Any:
    e = _event(draw, doc)
    if e["event"] == "lapsed":
        e["reason"] = _pick(draw, ["bored", "", 5, "Withdrawn"])
    else:
        e["reason"] = _pick(draw, ["withdrawn", "expired", "bored"])  # reason without a lapse
    return doc


def _event_bad_extension(draw: st.DrawFn, doc: dict[str, Any]) -> Any:
    e = _event(draw, doc)
    for key in ("reason", "deadline", "expires"):
        e.pop(key, None)
    choice = draw(st.integers(0, 2))
    if choice == 0:
        e["event"] = "extended"  # with no date to move
    elif choice == 1:
        e["event"] = "extended"
        before = date.fromisoformat(e["on"]) - timedelta(days=draw(st.integers(1, 30)))
        e[_pick(draw, ["deadline", "expires"])] = before.isoformat()
    else:
        e["event"] = _pick(draw, ["proposed", "approved", "lapsed", "revived"])
        e[_pick(draw, ["deadline", "expires"])] = e["on"]  # a date on a non-extension
    return doc


def _duplicate_event(draw: st.DrawFn, doc: dict[str, Any]) -> Any:
    doc["events"].append(dict(_event(draw, doc)))
    return doc


def _conflicting_event_id(draw: st.DrawFn, doc: dict[str, Any]) -> Any:
    e = _event(draw, doc)
    e["id"] = e.get("id", "some-id")
    doc["events"].append({**e, "note": "a different event under the same id"})
    return doc


def _not_a_mapping(draw: st.DrawFn, doc: dict[str, Any]) -> Any:
    return _pick(draw, [[], [doc], "negotrack", 1, None, 1.5, True])


# Each fault breaks a well-formed document in one way (some need a commitment or an event).
_FAULTS: list[tuple[Fault, str | None]] = [
    (_top_key_missing, None),
    (_top_key_unknown, None),
    (_bad_version, None),
    (_bad_top_text, None),
    (_bad_note, None),
    (_bad_parties, "commitments"),
    (_bad_sources, None),
    (_bad_list, None),
    (_commitment_key_missing, "commitments"),
    (_commitment_key_unknown, "commitments"),
    (_commitment_bad_text, "commitments"),
    (_commitment_bad_date, "commitments"),
    (_undeclared_party, "commitments"),
    (_duplicate_commitment, "commitments"),
    (_bad_links, "commitments"),
    (_event_key_missing, "events"),
    (_event_key_unknown, "events"),
    (_event_bad_text, "events"),
    (_event_bad_date, "events"),
    (_event_unknown_commitment, "events"),
    (_event_bad_kind, "events"),
    (_event_bad_reason, "events"),
    (_event_bad_extension, "events"),
    (_duplicate_event, "events"),
    (_conflicting_event_id, "events"),
    (_not_a_mapping, None),
]


@st.composite
def broken_documents(draw: st.DrawFn) -> Any:
    """A well-formed scenario document broken in exactly one way (still plain data)."""
    doc = draw(scenario_cases())
    usable = [fault for fault, needs in _FAULTS if needs is None or doc.get(needs)]
    fault = draw(st.sampled_from(usable))
    return fault(draw, doc)


def _text_faults(text: str, suffix: str) -> list[bytes]:
    """Ways to break the text of a well-formed document (in the format of `suffix`)."""
    data = text.encode()
    broken = [
        b"",
        b"   \n\n",
        data[: len(data) // 2] + b"\xff\xfe" + data[len(data) // 2 :],  # not UTF-8
    ]
    if suffix == ".json":
        broken += [
            data.rstrip()[:-1],  # unclosed
            b'{"negotrack": 1, ' + data.lstrip()[1:],  # duplicate key
            data.replace(b'"negotrack": 1', b'"negotrack": NaN', 1),
            data.replace(b"{", b"{'x': 1, ", 1),  # single quotes
            b"[" * 5000 + b"]" * 5000,
            b"null",
        ]
    else:
        broken += [
            b"# only a comment\n",
            data.replace(b'"negotrack": 1', b'"negotrack": [1', 1),  # unclosed
            data.replace(b'"negotrack": 1', b'"negotrack": &v 1', 1),  # anchor
            data.replace(b'"negotrack": 1', b'"negotrack": 1\nagain: *v', 1),  # alias
            data.replace(b'"negotrack": 1', b'"negotrack": !!python/object/apply:os.getcwd []', 1),
            data.replace(b'"negotrack": 1', b'"negotrack": !custom 1', 1),
            data.replace(b"\n  ", b"\n\t", 1),  # a tab for indentation
            data + b'id: "the same key again"\n',
            data + b"---\nnegotrack: 1\n",  # two documents
            data.replace(b'"negotrack": 1', b'"negotrack": 1\n? [a, b]\n: c', 1),  # a list as key
            data.replace(b'"negotrack": 1', b'"negotrack": 1\n<<: {x: 1}', 1),  # merge key
            b"- " * 2000 + b"x\n",
        ]
    assert all(b != data for b in broken)
    return broken


@st.composite
def broken_files(draw: st.DrawFn) -> tuple[str, bytes]:
    """A malformed scenario file as (suffix, content): a broken document, broken text, or a
    suffix negotrack does not read."""
    suffix = draw(st.sampled_from([".yaml", ".yml", ".json"]))
    choice = draw(st.integers(0, 2))
    if choice == 0:
        doc = draw(broken_documents())
        text = json_text(doc) if suffix == ".json" else yaml_text(doc)
        return suffix, text.encode()
    doc = draw(scenario_cases())
    text = json_text(doc) if suffix == ".json" else yaml_text(doc)
    if choice == 1:
        return suffix, draw(st.sampled_from(_text_faults(text, suffix)))
    return draw(st.sampled_from([".txt", ".yaml.bak", ".jsn", ""])), text.encode()
