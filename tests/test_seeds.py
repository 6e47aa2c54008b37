"""The seed and example scenarios: valid, clean, and saying what the sources say."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from helpers import cli

import negotrack as nt
from negotrack import LapseReason, Stage

ROOT = Path(__file__).parent.parent
SEED = ROOT / "seeds" / "us-china-kuala-lumpur-2025.yaml"
FOLLOW = ROOT / "examples" / "us-china-2025-2026.yaml"
SCENARIOS = sorted(
    [*ROOT.glob("seeds/*.y*ml"), *ROOT.glob("examples/*.y*ml"), *ROOT.glob("examples/*.json")]
)


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.name for p in SCENARIOS])
def test_check_is_clean(path: Path) -> None:
    """`negotrack check --strict` passes on every scenario shipped, with no warning."""
    result = cli("check", "--strict", path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "0 anomalies" in result.stdout


def test_seed_stands_as_of_26_october() -> None:
    """The seed records nothing after 26 October 2025 and has the report's commitments."""
    t = nt.load(SEED)
    assert max(e.on for e in t.events()) == date(2025, 10, 26)
    snap = t.snapshot(on=date(2025, 10, 26))
    for cid in (
        "rare-earth-export-delay",
        "us-100pct-tariff-suspension",
        "soybean-purchases-resume",
    ):
        assert snap[cid].stage is Stage.PRELIMINARY_CONSENSUS, cid
    for cid in (
        "export-controls",
        "port-fees",
        "tiktok",
        "joint-follow-up-mechanism",
        "tariff-truce-extension",
    ):
        assert snap[cid].stage is Stage.PROPOSED, cid
    assert snap["tariff-truce"].stage is Stage.IMPLEMENTED
    assert snap["tariff-truce"].expires == date(2025, 11, 10)
    assert snap["leaders-meeting"].stage is Stage.APPROVED
    assert t.commitment("leaders-meeting").deadline == date(2025, 10, 30)
    assert (
        nt.Link("reciprocal", "us-100pct-tariff-suspension")
        in t.commitment("rare-earth-export-delay").links
    )


def test_seed_cites_its_source_and_corrects_the_ustr() -> None:
    """Statements cite the report; Greer is recorded as Jamieson with a note on the error."""
    t = nt.load(SEED)
    assert t.scenario is not None
    assert t.scenario.sources["kl-report"].language == "fr"
    on_the_day = [e for e in t.events() if e.on == date(2025, 10, 26)]
    assert all(e.source == "kl-report" for e in on_the_day)
    greer = [e for e in on_the_day if e.actor and "Greer" in e.actor]
    assert greer
    for e in greer:
        assert "Jamieson Greer" in e.actor  # type: ignore[operator]
        assert e.note is not None
        assert "Sarah Greer" in e.note
    quotes = {e.quote for e in t.events() if e.quote}
    assert "effectively off the table" in quotes
    assert all(len(q.split()) <= 8 for q in quotes), "quotes stay short"


def test_follow_through_records_the_court_and_the_expiries() -> None:
    """The example scenario voids the US tariffs on 20 February 2026 and lets terms run out."""
    t = nt.load(FOLLOW)
    voided = t.status("us-fentanyl-tariff-cut", on=date(2026, 2, 20))
    assert (voided.stage, voided.reason, voided.inferred) == (
        Stage.LAPSED,
        LapseReason.VOIDED,
        False,
    )
    truce = t.status("tariff-truce", on=date(2026, 2, 19))
    assert truce.stage is Stage.IMPLEMENTED
    assert truce.expires == date(2026, 11, 10)
    assert t.status("cn-tariff-truce", on=date(2026, 3, 1)).at_risk_from == ("tariff-truce",)
    # Announcement 70 suspends "until 10 November 2026": that day is still in force.
    assert t.status("rare-earth-export-delay", on=date(2026, 11, 10)).stage is Stage.IMPLEMENTED
    expired = t.status("rare-earth-export-delay", on=date(2026, 11, 11))
    assert (expired.reason, expired.inferred) == (LapseReason.EXPIRED, True)
    assert t.status("leaders-meeting", on=date(2025, 10, 30)).stage is Stage.IMPLEMENTED


def test_follow_through_records_late_reports() -> None:
    """A rule published two days after it took effect is unknown in between."""
    t = nt.load(FOLLOW)
    cid = "us-affiliates-rule-suspension"
    assert t.status(cid, on=date(2025, 11, 11), known_by=date(2025, 11, 11)).stage is Stage.APPROVED
    assert t.status(cid, on=date(2025, 11, 11)).stage is Stage.IMPLEMENTED


def test_shared_ids_mean_the_same_commitment() -> None:
    """Every seed commitment reappears in the follow-through with the same parties."""
    seed, follow = nt.load(SEED), nt.load(FOLLOW)
    for c in seed.commitments():
        other = follow.commitment(c.id)
        assert (other.by, other.to) == (c.by, c.to), c.id
