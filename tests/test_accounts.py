"""Accounts: whose word each event is, the answers on one party's word, disputes and vintages.

Example tests show each rule on a small case; the laws check the answers on a party's word
against a tracker holding only that party's and the neutral events, the default answers
against a tracker whose events carry no accounts, disputes against the parties' own answers,
and figures against the report dates of their revisions.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest
from helpers import cli, commitment, day, event
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import cases, dates

import negotrack as nt
from negotrack import Stage
from negotrack.testing import negotiations

DAY = timedelta(days=1)
PARTIES = {"US": "United States", "CN": "China"}


def scenario(**sources: nt.Source) -> nt.Scenario:
    return nt.Scenario(id="x", title="X", parties=PARTIES, sources=sources)


def disputed() -> nt.Tracker:
    """Rare earths: the neutral wire says proposed, MOFCOM a consensus, the White House approval."""
    t = nt.Tracker(
        scenario=scenario(
            wire=nt.Source(title="Wire"),
            mofcom=nt.Source(title="MOFCOM", party="CN"),
            wh=nt.Source(title="White House", party="US"),
        )
    )
    t.add(commitment("re", by="CN", to="US"))
    t.record(
        event("proposed", "2025-10-25", "re", source="wire"),
        event("consensus_reached", "2025-10-26", "re", source="mofcom", actor="Li Chenggang"),
        event("approved", "2025-11-01", "re", source="wh"),
    )
    return t


class TestAccounts:
    """Which events count on a party's word, and what a status says of the accounts."""

    def test_a_source_gives_its_party_account(self) -> None:
        """Events citing a source with a party count only on that party's word."""
        t = disputed()
        on = day("2025-11-05")
        assert t.status("re", on=on).stage is Stage.APPROVED  # every event: today's answer
        assert t.status("re", on=on, according_to="US").stage is Stage.APPROVED
        cn = t.status("re", on=on, according_to="CN")
        assert (cn.stage, cn.since) == (Stage.PRELIMINARY_CONSENSUS, day("2025-10-26"))
        assert cn.evidence is not None
        assert cn.evidence.actor == "Li Chenggang"

    def test_an_event_account_wins_over_its_source(self) -> None:
        """`account:` on the event names the party even when its source gives another's."""
        t = disputed()
        t.record(event("implemented", "2025-11-07", "re", source="wh", account="CN"))
        on = day("2025-11-10")
        assert t.status("re", on=on, according_to="CN").stage is Stage.IMPLEMENTED
        assert t.status("re", on=on, according_to="US").stage is Stage.APPROVED

    def test_status_lists_each_party_stage_and_says_disputed(self) -> None:
        """Status.accounts maps each party with an account to its stage; disputed if they differ."""
        t = disputed()
        before = t.status("re", on=day("2025-10-25"))
        assert dict(before.accounts) == {}
        assert not before.disputed
        one = t.status("re", on=day("2025-10-28"))
        assert dict(one.accounts) == {"CN": Stage.PRELIMINARY_CONSENSUS}
        assert not one.disputed  # one account cannot disagree with itself
        both = t.status("re", on=day("2025-11-05"))
        assert list(both.accounts) == ["US", "CN"]  # the scenario's order of parties
        assert both.accounts["CN"] is Stage.PRELIMINARY_CONSENSUS
        assert both.disputed
        assert t.snapshot(on=day("2025-11-05"))["re"] == both

    def test_known_by_hides_an_account_not_reported_yet(self) -> None:
        """An account whose only event was reported later is not there as known before."""
        t = disputed()
        t.record(event("implemented", "2025-11-07", "re", source="mofcom", reported="2025-11-20"))
        early = t.status("re", on=day("2025-11-10"), known_by=day("2025-11-10"))
        late = t.status("re", on=day("2025-11-10"))
        assert early.accounts["CN"] is Stage.PRELIMINARY_CONSENSUS
        assert late.accounts["CN"] is Stage.IMPLEMENTED

    def test_disputes_hold_each_side_evidence(self) -> None:
        """Tracker.disputes lists disputed commitments, each party's status with its evidence."""
        t = disputed()
        assert t.disputes(on=day("2025-10-28")) == ()
        [found] = t.disputes(on=day("2025-11-05"))
        assert found.commitment == "re"
        assert found.on == day("2025-11-05")
        us, cn = found.accounts["US"], found.accounts["CN"]
        assert us == t.status("re", on=day("2025-11-05"), according_to="US")
        assert cn.evidence is not None
        assert cn.evidence.source == "mofcom"
        assert dict(found.stages) == {"US": Stage.APPROVED, "CN": Stage.PRELIMINARY_CONSENSUS}

    def test_an_unknown_party_is_refused_with_the_declared_ones(self) -> None:
        """according_to must name a declared party; the message lists them."""
        with pytest.raises(nt.InvalidValue, match="expected one of US, CN"):
            disputed().status("re", on=day("2025-11-05"), according_to="EU")
        with pytest.raises(nt.InvalidValue, match="party's code"):
            disputed().snapshot(on=day("2025-11-05"), according_to="")

    def test_history_and_timeline_follow_the_party(self) -> None:
        """history and timeline on a party's word leave out the other party's steps."""
        t = disputed()
        steps = t.history("re", according_to="CN")
        assert [s.target for s in steps] == [Stage.PROPOSED, Stage.PRELIMINARY_CONSENSUS]
        assert t.timeline(according_to="CN") == steps
        assert len(t.timeline()) == 3

    def test_changes_on_a_party_word(self) -> None:
        """changes on a party's word list only the steps that party's account holds."""
        t = disputed()
        us = t.changes(day("2025-10-25"), day("2025-11-30"), according_to="US")
        assert [c.target for c in us] == [Stage.APPROVED]
        cn = t.changes(day("2025-10-25"), day("2025-11-30"), according_to="CN")
        assert [c.target for c in cn] == [Stage.PRELIMINARY_CONSENSUS]

    def test_a_scenario_change_moves_the_accounts(self) -> None:
        """Giving a source a party later re-reads every answer with the new accounts."""
        t = disputed()
        on = day("2025-11-05")
        assert t.status("re", on=on).disputed
        t.scenario = scenario(wire=nt.Source(title="Wire"), mofcom=nt.Source(title="MOFCOM"))
        assert not t.status("re", on=on).disputed
        assert t.status("re", on=on, according_to="CN").stage is Stage.APPROVED


class TestVintages:
    """A figure reported again later supersedes the earlier report from its report date on."""

    def tracker(self) -> nt.Tracker:
        t = nt.Tracker(scenario=scenario(usda=nt.Source(title="USDA", party="US")))
        goal = nt.Target(amount=12, unit="MMT", start=day("2025-10-30"), end=day("2026-02-28"))
        t.add(commitment("soy", target=goal))
        t.record(event("approved", "2025-10-30", "soy"))
        return t

    def test_a_downward_revision_counts_from_its_report_date(self) -> None:
        """57 then 56: the later report wins from its date, even though it is lower."""
        t = self.tracker()
        t.record(
            event("measured", "2025-12-15", "soy", total=7, reported="2025-12-20"),
            event("measured", "2025-12-15", "soy", total=6.5, reported="2026-01-05"),
        )
        on = day("2026-01-10")

        def progress(known_by: date | None) -> nt.Progress:
            found = t.status("soy", on=on, known_by=known_by).progress
            assert found is not None
            return found

        assert progress(day("2025-12-19")).delivered is None  # nothing reported yet
        first = progress(day("2026-01-04"))
        assert (first.delivered, first.revised_from) == (7, None)
        revised = progress(None)
        assert (revised.delivered, revised.revised_from) == (6.5, 7)
        assert (revised.figure_on, revised.figure_reported) == (
            day("2025-12-15"),
            day("2026-01-05"),
        )

    def test_each_account_keeps_its_own_figures(self) -> None:
        """Two statistical bases: each party's figure counts on its word, not the other's."""
        t = self.tracker()
        t.record(
            event("measured", "2025-12-15", "soy", total=7, source="usda"),
            event("measured", "2025-12-15", "soy", total=5, account="CN", reported="2026-01-02"),
        )
        on = day("2026-01-10")
        us = t.status("soy", on=on, according_to="US").progress
        cn = t.status("soy", on=on, according_to="CN").progress
        assert us is not None
        assert cn is not None
        assert (us.delivered, cn.delivered) == (7, 5)
        assert us.revised_from is None
        assert cn.revised_from is None

    def test_no_figure_is_no_data_not_zero(self) -> None:
        """Without a figure, delivered, share and on_track are None, and the table says so."""
        t = self.tracker()
        p = t.status("soy", on=day("2025-12-01")).progress
        assert p is not None
        assert (p.delivered, p.share, p.on_track) == (None, None, None)
        t.record(event("measured", "2025-12-01", "soy", total=0))
        zero = t.status("soy", on=day("2025-12-01")).progress
        assert zero is not None
        assert (zero.delivered, zero.share) == (0, 0)

    def test_no_figure_at_the_end_lapses_only_when_asked(self) -> None:
        """A final period without any figure does not lapse, unless lapse_without_figures."""
        t = self.tracker()
        assert t.status("soy", on=day("2026-03-10")).stage is Stage.APPROVED
        strict = nt.Tracker()
        goal = nt.Target(
            amount=12,
            unit="MMT",
            start=day("2025-10-30"),
            end=day("2026-02-28"),
            lapse_without_figures=True,
        )
        strict.add(commitment("soy", target=goal))
        strict.record(event("approved", "2025-10-30", "soy"))
        s = strict.status("soy", on=day("2026-03-10"))
        assert (s.stage, s.reason, s.since) == (
            Stage.LAPSED,
            nt.LapseReason.TARGET_MISSED,
            day("2026-03-01"),
        )


class TestLearned:
    """Tracker.learned: what became known after a date, whatever the date it happened."""

    def test_a_late_report_is_retroactive_and_an_inference_is_taken_back(self) -> None:
        """A deadline extension reported late is retroactive; the lapse it cancels is withdrawn."""
        t = nt.Tracker()
        t.add(commitment("c", deadline=day("2025-11-10")))
        t.record(
            event("approved", "2025-10-30"),
            event("extended", "2025-11-09", deadline="2025-12-31", reported="2025-11-20"),
        )
        found = t.learned(day("2025-11-15"))
        added = [c for c in found if not c.withdrawn]
        gone = [c for c in found if c.withdrawn]
        assert [(c.kind, c.on, c.known_on, c.retroactive) for c in added] == [
            (nt.ChangeKind.EVIDENCE, day("2025-11-09"), day("2025-11-20"), True),
            (nt.ChangeKind.STAGE, day("2026-01-01"), day("2025-11-20"), False),
        ]
        assert [(c.on, c.target) for c in gone] == [(day("2025-11-11"), Stage.LAPSED)]
        assert t.learned(day("2025-11-20")) == ()  # nothing became known after that


class TestFiles:
    """Parties of sources and accounts of events are checked in files like every other name."""

    BASE = """\
negotrack: 1
id: x
title: X
parties: {US: United States, CN: China}
sources:
  mofcom: {title: MOFCOM statements, party: CN}
commitments:
  - {id: re, title: Rare earths, by: CN, to: US}
events:
  - {on: 2025-10-26, commitment: re, event: consensus_reached, source: mofcom}
  - {on: 2025-11-01, commitment: re, event: approved, account: US}
"""

    def test_a_file_with_accounts_loads(self, tmp_path: Path) -> None:
        """party on a source and account on an event load and give the accounts."""
        path = tmp_path / "x.yaml"
        path.write_text(self.BASE, encoding="utf-8")
        t = nt.load(path)
        assert t.scenario is not None
        assert t.scenario.sources["mofcom"].party == "CN"
        assert t.status("re", on=day("2025-11-02")).disputed

    @pytest.mark.parametrize(
        ("old", "new", "line", "words"),
        [
            ("party: CN}", "party: EU}", 6, "party 'EU' of source 'mofcom' is not declared"),
            ("account: US}", "account: EU}", 11, "account 'EU' of an event of 're'"),
        ],
    )
    def test_an_undeclared_party_is_an_error_at_its_line(
        self, tmp_path: Path, old: str, new: str, line: int, words: str
    ) -> None:
        """An undeclared party, on a source or as an account, is a ScenarioError at its line."""
        path = tmp_path / "x.yaml"
        path.write_text(self.BASE.replace(old, new), encoding="utf-8")
        with pytest.raises(nt.ScenarioError) as caught:
            nt.load(path)
        assert caught.value.line == line
        assert words in str(caught.value)

    def test_the_command_line_on_accounts(self, tmp_path: Path) -> None:
        """status --json carries disputed and accounts; disputes --json each side's evidence;
        --according-to answers on one party's word; a bad party exits 2 with one line."""
        path = tmp_path / "x.yaml"
        path.write_text(self.BASE, encoding="utf-8")
        status = json.loads(cli("status", path, "--as-of", "2025-11-02", "--json").stdout)
        [row] = status["commitments"]
        assert (row["disputed"], row["accounts"]) == (
            True,
            {"US": "approved", "CN": "preliminary_consensus"},
        )
        cn = json.loads(
            cli("status", path, "--as-of", "2025-11-02", "--according-to", "CN", "--json").stdout
        )
        assert cn["according_to"] == "CN"
        assert cn["commitments"][0]["stage"] == "preliminary_consensus"
        doc = json.loads(cli("disputes", path, "--as-of", "2025-11-02", "--json").stdout)
        [dispute] = doc["disputes"]
        assert dispute["accounts"]["CN"]["evidence"]["source"] == "mofcom"
        assert dispute["accounts"]["US"]["since"] == "2025-11-01"
        table = cli("status", path, "--as-of", "2025-11-02").stdout
        assert "US: approved / CN: preliminary_consensus" in table
        text = cli("disputes", path, "--as-of", "2025-11-02").stdout
        assert "re: Rare earths" in text
        assert "mofcom" in text
        bad = cli("status", path, "--according-to", "EU")
        assert bad.returncode == 2
        assert "expected one of US, CN" in bad.stderr
        assert "Traceback" not in bad.stderr

    def test_changes_known_since_and_timeline_as_of(self, tmp_path: Path) -> None:
        """changes --known-since marks retroactive steps; timeline --as-of marks projected ones."""
        path = tmp_path / "x.yaml"
        text = (
            self.BASE.replace(
                "  - {id: re, title: Rare earths, by: CN, to: US}",
                "  - {id: re, title: Rare earths, by: CN, to: US, deadline: 2025-12-01}",
            )
            + "  - {on: 2025-10-20, commitment: re, event: proposed, reported: 2025-11-05}\n"
        )
        path.write_text(text, encoding="utf-8")
        doc = json.loads(cli("changes", path, "--known-since", "2025-11-02", "--json").stdout)
        # The late proposal, and the consensus step it reshapes (from proposed, not from none).
        assert [(c["on"], c["from"], c["known_on"], c["withdrawn"]) for c in doc["changes"]] == [
            ("2025-10-20", None, "2025-11-05", False),
            ("2025-10-26", "proposed", "2025-11-05", False),
            ("2025-10-26", None, "2025-11-05", True),
        ]
        assert all(c["retroactive"] for c in doc["changes"])
        both = cli("changes", path, "--since", "2025-10-01", "--known-since", "2025-11-02")
        assert both.returncode == 2
        assert "without --since" in both.stderr
        rows = json.loads(cli("timeline", path, "--as-of", "2025-11-15", "--json").stdout)
        projected = [t for t in rows["transitions"] if t["projected"]]
        assert [(t["on"], t["to"]) for t in projected] == [("2025-12-02", "lapsed")]
        assert "[projected]" in cli("timeline", path, "--as-of", "2025-11-15").stdout


# -- laws ---------------------------------------------------------------------------------------

ACCOUNTED = negotiations(accounts=True, max_commitments=3)


def _days(negotiation: nt.testing.Negotiation) -> list[date]:
    days = sorted({e.on for e in negotiation.events})
    return [days[0] - DAY, *days, days[-1] + 30 * DAY] if days else [date(2025, 1, 1)]


def _plain(status: nt.Status) -> tuple[Any, ...]:
    """What a status says apart from the accounts (which every lens shares)."""
    return attrs.astuple(attrs.evolve(status, accounts={}), recurse=False)


@settings(max_examples=60, deadline=None)
@given(cases(ACCOUNTED), st.sampled_from(["US", "CN"]))
def test_an_account_is_the_fold_of_the_neutral_and_the_party_events(
    case: tuple[nt.testing.Negotiation, list[date | None]], party: str
) -> None:
    """Law: the answer on a party's word equals a tracker holding only the neutral events and
    that party's, for every date and known-by date."""
    negotiation, known_bys = case
    t = negotiation.tracker()
    alone = nt.Tracker()
    alone.add(*negotiation.commitments)
    alone.record(*(e for e in negotiation.events if e.account in (None, party)))
    for known_by in known_bys:
        for on in _days(negotiation):
            mine = t.snapshot(on=on, known_by=known_by, according_to=party)
            theirs = alone.snapshot(on=on, known_by=known_by)
            assert {k: _plain(s) for k, s in mine.items()} == {
                k: _plain(s) for k, s in theirs.items()
            }
        for c in negotiation.commitments:
            assert t.history(c.id, known_by=known_by, according_to=party) == alone.history(
                c.id, known_by=known_by
            )


@settings(max_examples=60, deadline=None)
@given(cases(ACCOUNTED))
def test_the_default_answer_folds_every_event(
    case: tuple[nt.testing.Negotiation, list[date | None]],
) -> None:
    """Law: without according_to, stages are those of the same events with the accounts
    taken off every event but the measurements: accounts only add what each party says, they
    never move today's answer. A measurement keeps its account: each account's figures are
    vintages of their own (a later report supersedes only the same account's figure of that
    date), so taking accounts off would merge two parties' statistics into one."""
    negotiation, known_bys = case
    t = negotiation.tracker()
    stripped = nt.Tracker()
    stripped.add(*negotiation.commitments)
    stripped.record(
        *(
            e if e.kind is nt.EventKind.MEASURED else attrs.evolve(e, account=None)
            for e in negotiation.events
        )
    )
    for known_by in known_bys:
        for on in _days(negotiation):
            mine, theirs = (x.snapshot(on=on, known_by=known_by) for x in (t, stripped))
            for cid, status in mine.items():
                other = theirs[cid]
                assert (status.stage, status.since, status.reason, status.inferred) == (
                    other.stage,
                    other.since,
                    other.reason,
                    other.inferred,
                )
                assert (status.deadline, status.expires) == (other.deadline, other.expires)


@settings(max_examples=60, deadline=None)
@given(cases(ACCOUNTED))
def test_disputed_exactly_when_the_parties_accounts_differ(
    case: tuple[nt.testing.Negotiation, list[date | None]],
) -> None:
    """Law: accounts hold the parties with an event dated by then and known, each with its
    own answer's stage; disputed iff two of them differ; disputes lists exactly those."""
    negotiation, known_bys = case
    t = negotiation.tracker()
    for known_by in known_bys:
        limit = date.max if known_by is None else known_by
        for on in _days(negotiation):
            snapshot = t.snapshot(on=on, known_by=known_by)
            for cid, status in snapshot.items():
                spoke = {
                    e.account
                    for e in negotiation.events
                    if e.commitment == cid and e.account and e.on <= on and e.known_on <= limit
                }
                assert set(status.accounts) == spoke
                for party, stage in status.accounts.items():
                    mine = t.status(cid, on=on, known_by=known_by, according_to=party)
                    assert mine.stage is stage
                assert status.disputed == (len(set(status.accounts.values())) > 1)
            listed = [d.commitment for d in t.disputes(on=on, known_by=known_by)]
            assert listed == [cid for cid, s in snapshot.items() if s.disputed]


@settings(max_examples=100, deadline=None)
@given(
    first=st.integers(0, 30),
    later=st.integers(0, 30),
    reported=dates(date(2025, 12, 15), date(2026, 1, 31)),
    gap=st.integers(1, 40),
    known_by=dates(date(2025, 12, 1), date(2026, 3, 31)),
)
def test_a_revision_supersedes_exactly_from_its_report_date(
    first: int, later: int, reported: date, gap: int, known_by: date
) -> None:
    """Law: with a figure reported on R1 and a revision of it on R2 > R1, known by K the
    answer is no data before R1, the first figure from R1, the revision from R2 (lower or
    higher), which says what it revised."""
    revised = reported + gap * DAY
    t = nt.Tracker()
    goal = nt.Target(amount=12, unit="t", start=date(2025, 12, 1), end=date(2026, 6, 30))
    t.add(commitment("c", target=goal))
    t.record(
        nt.Event(commitment="c", kind="measured", on=date(2025, 12, 15), total=later,
                 reported=revised),
        nt.Event(commitment="c", kind="measured", on=date(2025, 12, 15), total=first,
                 reported=reported),
    )  # fmt: skip
    got = t.status("c", on=date(2026, 4, 1), known_by=known_by).progress
    assert got is not None
    if known_by < reported:
        assert (got.delivered, got.figure_reported) == (None, None)
    elif known_by < revised:
        assert (got.delivered, got.revised_from, got.figure_reported) == (first, None, reported)
    else:
        assert (got.delivered, got.figure_reported) == (later, revised)
        assert got.revised_from == first


def test_the_report_shows_both_sides_and_answers_on_a_party_word() -> None:
    """The report marks a disputed commitment with each side's stage and evidence, and on a
    party's word every part of it (table, charts, changes) is that party's account."""
    pytest.importorskip("jinja2")
    pytest.importorskip("matplotlib")
    from negotrack._report import page as _report

    t = disputed()
    page = _report.render(t, on=day("2025-11-05"), known_by=None)
    assert "Disputed: the parties' accounts differ." in page
    assert "disputed: US approved, CN preliminary consensus" in page
    assert "Li Chenggang" in page  # the CN side's evidence, shown beside the US one
    on_cn = _report.render(t, on=day("2025-11-05"), known_by=None, according_to="CN")
    assert "according to CN" in on_cn
    assert on_cn.count("stage-approved") < page.count("stage-approved")
