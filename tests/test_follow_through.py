"""The follow-through's data (issue 15): Busan approvals, end dates, new commitments, sources.

End dates are read one way per wording (see the scenario's top note): "until D", "to D" and the
last day of "from X to D" are still in force, so `expires` is D + 1; a term ending at an hour
of day D (the US orders' 12:01 a.m., China's 13:01) or a measure reimposed on D gives D.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

import negotrack as nt
from negotrack import LapseReason, Stage

ROOT = Path(__file__).parent.parent
SEED = ROOT / "seeds" / "us-china-kuala-lumpur-2025.yaml"
FOLLOW = ROOT / "examples" / "us-china-2025-2026.yaml"
SCENARIOS = (SEED, FOLLOW)
LIVE_OR_LATER = {Stage.APPROVED, Stage.IMPLEMENTED}
NEW = (
    "cn-fentanyl-precursor-controls",
    "cn-general-licences",
    "us-301-exclusions-extension",
    "cn-tariff-exclusion-process",
    "nexperia-exports",
)
# Outlets that notes name; each must be declared as (part of) a source's publisher.
OUTLETS = (
    "benzinga",
    "AP",
    "livemint",
    "Feed Strategy",
    "Bloomberg",
    "farmpolicynews",
    "Xinhua",
    "Skadden",
    "Squire Patton Boggs",
    "Fenwick",
    "Vedder Price",
    "gcaptain",
    "mfame",
    "BBC",
    "Reuters",
    "CBS",
    "AFP",
)


def raw(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def notes(data: dict[str, Any]) -> list[str]:
    found = [data.get("note")]
    found += [c.get("note") for c in data["commitments"]]
    found += [e.get("note") for e in data["events"]]
    return [n for n in found if n]


def test_busan_package_is_approved_as_of_31_october() -> None:
    """The package MOFCOM published on 30 October reads approved (or later) on the 31st."""
    t = nt.load(FOLLOW)
    for cid in (
        "tariff-truce-extension",
        "us-affiliates-rule-suspension",
        "us-port-fees-suspension",
        "cn-port-fees-suspension",
        "cn-fentanyl-precursor-controls",
    ):
        status = t.status(cid, on=date(2025, 10, 31))
        assert status.stage in LIVE_OR_LATER, cid
        assert status.since == date(2025, 10, 30), cid
        assert t.status(cid, on=date(2025, 10, 29)).stage is not Stage.APPROVED, cid
    mofcom = [
        e
        for e in t.events()
        if (e.on, e.source, e.kind) == (date(2025, 10, 30), "mofcom-kl", nt.EventKind.APPROVED)
    ]
    assert {e.commitment for e in mofcom} >= {
        "tariff-truce-extension",
        "us-affiliates-rule-suspension",
        "us-port-fees-suspension",
        "cn-port-fees-suspension",
    }
    assert all(e.actor == "MOFCOM" for e in mofcom)
    # The fact sheet of 1 November stays on record as corroboration.
    assert any(
        e.commitment == "us-affiliates-rule-suspension" and e.source == "wh-fact-sheet"
        for e in t.events()
    )


def test_general_items_are_superseded_on_30_october() -> None:
    """The Kuala Lumpur placeholders give way to the concrete suspensions the same day."""
    t = nt.load(FOLLOW)
    for cid in ("export-controls", "port-fees"):
        status = t.status(cid, on=date(2025, 10, 30))
        assert (status.stage, status.reason) == (Stage.LAPSED, LapseReason.SUPERSEDED), cid


@pytest.mark.parametrize(
    ("cid", "last_day"),
    [
        ("rare-earth-export-delay", date(2026, 11, 10)),  # Ann. 70: "until 10 November 2026"
        ("cn-gallium-germanium-ban-suspension", date(2026, 11, 27)),  # Ann. 72: "until 27 Nov"
        ("us-301-exclusions-extension", date(2026, 11, 10)),  # fact sheet: to 10 November 2026
        ("cn-tariff-exclusion-process", date(2026, 12, 31)),  # fact sheet: to 31 December 2026
        ("us-affiliates-rule-suspension", date(2026, 11, 9)),  # BIS: reimposed 10 November
        ("us-port-fees-suspension", date(2026, 11, 9)),  # 10 Nov 2025 to 9 Nov 2026
        ("cn-port-fees-suspension", date(2026, 11, 9)),  # one year from 13:01 on 10 Nov 2025
        ("cn-tariff-truce", date(2026, 11, 9)),  # one year from 13:01 on 10 Nov 2025
    ],
)
def test_end_dates_follow_one_reading(cid: str, last_day: date) -> None:
    """Each measure is live on its last day in force and lapsed (expired) the day after."""
    t = nt.load(FOLLOW)
    assert t.status(cid, on=last_day).stage in LIVE_OR_LATER
    after = t.status(cid, on=date.fromordinal(last_day.toordinal() + 1))
    assert (after.stage, after.reason, after.inferred) == (Stage.LAPSED, LapseReason.EXPIRED, True)
    note = t.commitment(cid).note
    assert note is not None
    assert "End date" in note, "the reading of the end date is recorded in the note"


def test_every_end_date_has_its_reading_in_the_note() -> None:
    """Every commitment with an expiry says in its note how the end date was read."""
    t = nt.load(FOLLOW)
    dated = [c for c in t.commitments() if c.expires is not None]
    assert len(dated) >= 10
    for c in dated:
        assert c.note is not None
        assert "End date" in c.note, c.id


def test_new_commitments_exist_with_their_links() -> None:
    """The five commitments the fact sheet names are tracked, approved, and linked."""
    t = nt.load(FOLLOW)
    for cid in NEW:
        c = t.commitment(cid)
        expected = ("US", "CN") if cid.startswith("us-") else ("CN", "US")
        assert (c.by, c.to) == expected, cid
        assert t.status(cid, on=date(2025, 11, 1)).stage is Stage.APPROVED, cid
        assert any(e.commitment == cid and e.source == "wh-fact-sheet" for e in t.events()), cid
    assert (
        nt.Link("reciprocal", "us-fentanyl-tariff-cut")
        in t.commitment("cn-fentanyl-precursor-controls").links
    )
    assert (
        nt.Link("reciprocal", "cn-tariff-exclusion-process")
        in t.commitment("us-301-exclusions-extension").links
    )
    assert t.commitment("us-301-exclusions-extension").expires == date(2026, 11, 11)
    assert t.commitment("cn-tariff-exclusion-process").expires == date(2027, 1, 1)


def test_fentanyl_link_binds_both_ways() -> None:
    """When the court voids the US fentanyl tariff, China's precursor controls are at risk."""
    t = nt.load(FOLLOW)
    on = date(2026, 3, 1)
    assert t.status("cn-fentanyl-precursor-controls", on=on).at_risk_from == (
        "us-fentanyl-tariff-cut",
    )
    assert t.status("cn-fentanyl-precursor-controls", on=date(2026, 2, 19)).at_risk is False


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.name for p in SCENARIOS])
def test_every_event_source_is_declared(path: Path) -> None:
    """Every event's `source` names a key declared under `sources`."""
    data = raw(path)
    declared = set(data["sources"])
    for event in data["events"]:
        assert event.get("source") in declared, (event["on"], event["commitment"])


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.name for p in SCENARIOS])
def test_outlets_named_in_notes_are_declared(path: Path) -> None:
    """An outlet named in any note appears in some declared source's publisher."""
    data = raw(path)
    publishers = " ".join(str(s.get("publisher", "")) for s in data["sources"].values())
    for note in notes(data):
        for outlet in OUTLETS:
            if re.search(rf"\b{re.escape(outlet)}\b", note):
                assert re.search(rf"\b{re.escape(outlet)}\b", publishers), (outlet, note)


def test_section_301_is_named_as_a_us_action() -> None:
    """China's probe is described as an investigation into the US Section 301 action."""
    text = FOLLOW.read_text(encoding="utf-8")
    assert "counter-investigation under Section 301" not in text
    note = nt.load(FOLLOW).commitment("cn-port-fees-suspension").note
    assert note is not None
    assert "investigation into the US Section 301 action" in note


def test_100pct_approval_is_stated_as_an_inference() -> None:
    """The approval of the 100% tariff's suspension says plainly that it is inferred."""
    t = nt.load(FOLLOW)
    (approval,) = [
        e
        for e in t.events()
        if e.commitment == "us-100pct-tariff-suspension" and e.kind is nt.EventKind.APPROVED
    ]
    assert approval.on == date(2025, 10, 30)
    assert approval.note is not None
    assert "inference" in approval.note


def test_seed_states_the_venue_as_a_later_correction() -> None:
    """The seed and its README give Busan as a later correction, and no repository-less path."""
    note = nt.load(SEED).commitment("leaders-meeting").note
    assert note is not None
    assert "Later correction" in note
    assert "in fact held" not in note
    readme = (ROOT / "seeds" / "README.md").read_text(encoding="utf-8")
    assert "../shared" not in readme
    assert "later correction" in readme
    assert "French" in readme
    assert "26 October 2025" in readme
