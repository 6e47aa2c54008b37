"""Stateful test: random operations on a tracker, checked against the reference model each step.

The machine adds commitments (some refused, atomically), records events in and out of date order
(valid moves, invalid ones, late and early reports, extensions, duplicates, id conflicts) into
a lenient and a strict tracker, and asks as-of and known-by questions. After every step both
trackers must agree with the reference model of tests/test_properties.py. `tracker_machine`
takes the lifecycle under test, so that tests/test_teeth.py can run it on planted bugs.
"""

from __future__ import annotations

from datetime import date, timedelta

import attrs
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from strategies import END, START, dates, events, known_by_dates
from test_properties import (
    LIVE,
    TABLE,
    Reference,
    anomaly_triples,
    edge_of_contract,
    observed,
    observed_snapshot,
    observed_steps,
    raises,
)

import negotrack as nt
from negotrack import EventKind, Stage

# The moves that take a commitment on from a stage (corroborations left out).
MOVES = {
    stage: [k for (s, k), t in TABLE.items() if s == stage and (t != s or k is EventKind.EXTENDED)]
    for stage in (None, *nt.LIFECYCLE.stages)
}
# Moves back down the ladder (a stale report of an earlier rung), which never fit.
LADDER = [Stage.PROPOSED, Stage.PRELIMINARY_CONSENSUS, Stage.APPROVED, Stage.IMPLEMENTED]
FORWARD = [
    EventKind.PROPOSED,
    EventKind.CONSENSUS_REACHED,
    EventKind.APPROVED,
    EventKind.IMPLEMENTED,
]
BACK = {
    stage: FORWARD[: LADDER.index(stage)] if stage in LADDER else []
    for stage in (None, *nt.LIFECYCLE.stages)
}


@st.composite
def plausible_events(draw: st.DrawFn, model: Reference) -> nt.Event:
    """A move that fits where a commitment stood at its latest event; sometimes a move back
    down the ladder (a stale report), sometimes any event at all."""
    ids = list(model.commitments)
    if draw(st.integers(0, 9)) < 2:
        return draw(events(ids, start=START, end=END))
    cid = draw(st.sampled_from(ids))
    known = [e.on for e in model.log if e.commitment == cid]
    base = max(known, default=START + timedelta(days=draw(st.integers(0, 40))))
    on = min(END, base + timedelta(days=draw(st.sampled_from([0, 0, 1, 2, 5, 9]))))
    stage = model.course(cid).state_on(base).stage if known else None
    moves = BACK[stage] if BACK[stage] and draw(st.integers(0, 9)) < 2 else MOVES[stage]
    kind = draw(st.sampled_from(moves))
    return draw(events([cid], start=on, end=on, kinds=[kind]))


def tracker_machine(lifecycle: nt.Lifecycle) -> type[RuleBasedStateMachine]:
    """The state machine class that drives trackers built with `lifecycle`."""

    class TrackerMachine(RuleBasedStateMachine):
        """A lenient and a strict tracker, and what the reference model says each should say."""

        def __init__(self) -> None:
            super().__init__()
            self.lenient = nt.Tracker(lifecycle=lifecycle)
            self.strict = nt.Tracker(strict=True, lifecycle=lifecycle)
            self.model = Reference()  # what the lenient tracker should say
            self.strict_model = Reference()  # what the strict one should say
            self.serial = 0

        def pairs(self) -> list[tuple[nt.Tracker, Reference]]:
            """Each tracker with the model of what it should say."""
            return [(self.lenient, self.model), (self.strict, self.strict_model)]

        def next_id(self, prefix: str) -> str:
            """A fresh id, never used before in this run."""
            self.serial += 1
            return f"{prefix}{self.serial}"

        # -- commitments ----------------------------------------------------------------------

        @rule(data=st.data(), size=st.integers(1, 2))
        def add_commitments(self, data: st.DataObject, size: int) -> None:
            """Add one or two commitments, linked to earlier ones or to each other."""
            new = [self.next_id("k") for _ in range(size)]
            made = []
            for cid in new:
                targets = [*self.model.commitments, *(x for x in new if x != cid)]
                links: list[nt.Link] = []
                if targets:
                    pairs = st.tuples(st.sampled_from(list(nt.LinkKind)), st.sampled_from(targets))
                    links = [
                        nt.Link(*p) for p in data.draw(st.lists(pairs, max_size=2, unique=True))
                    ]
                made.append(
                    nt.Commitment(
                        id=cid,
                        title=f"commitment {cid}",
                        by="A",
                        to="B",
                        deadline=data.draw(st.none() | dates(START, END)),
                        expires=data.draw(st.none() | dates(START, END)),
                        links=links,
                    )
                )
            for tracker, model in self.pairs():
                tracker.add(*made)
                model.add(*made)

        @precondition(lambda self: self.model.commitments)
        @rule(data=st.data(), duplicate=st.booleans())
        def add_refused(self, data: st.DataObject, duplicate: bool) -> None:
            """A batch with a known id or a link to an unknown id is refused as a whole."""
            fresh = nt.Commitment(id=f"fresh{self.serial}", title="fresh", by="A", to="B")
            if duplicate:
                cid = data.draw(st.sampled_from(list(self.model.commitments)))
                bad = nt.Commitment(id=cid, title="again", by="A", to="B")
                error: type[Exception] = nt.DuplicateCommitment
            else:
                link = nt.Link("conditional_on", "nowhere")
                bad = nt.Commitment(
                    id=f"bad{self.serial}", title="bad", by="A", to="B", links=[link]
                )
                error = nt.UnknownCommitment
            batch = data.draw(st.permutations([fresh, bad]))
            for tracker, _ in self.pairs():
                before = tracker.commitments()
                raises(error, lambda t=tracker: t.add(*batch))
                assert tracker.commitments() == before

        # -- events ---------------------------------------------------------------------------

        @precondition(lambda self: self.model.commitments)
        @rule(data=st.data())
        def record(self, data: st.DataObject) -> None:
            """Record a batch of events; the strict tracker takes it only if all of it fits."""
            batch = data.draw(st.lists(plausible_events(self.model), min_size=1, max_size=3))
            for i, event in enumerate(batch):
                if data.draw(st.integers(0, 9)) < 2:
                    batch[i] = attrs.evolve(event, id=self.next_id("x"))
            new = len(self.model.fresh(batch))
            assert self.lenient.record(*batch) == new
            self.model.record(*batch)
            trial = Reference()
            trial.add(*self.strict_model.commitments.values())
            trial.record(*self.strict_model.log, *batch)
            before = self.strict.events()
            if trial.anomalies():
                raises(nt.InvalidTransition, lambda: self.strict.record(*batch))
                assert self.strict.events() == before, "a refused batch was partly recorded"
            else:
                try:
                    added = self.strict.record(*batch)
                except nt.InvalidTransition as err:
                    raise AssertionError(f"a batch that fits was refused: {err}") from err
                assert added == len(self.strict_model.fresh(batch))
                self.strict_model.record(*batch)

        @precondition(lambda self: self.model.log)
        @rule(data=st.data())
        def record_again(self, data: st.DataObject) -> None:
            """Recording an event already recorded is a no-op."""
            event = data.draw(st.sampled_from(self.model.log))
            for tracker, model in self.pairs():
                if event in model.log:
                    before = tracker.events()
                    assert tracker.record(event) == 0
                    assert tracker.events() == before

        @precondition(lambda self: any(e.given_id is not None for e in self.model.log))
        @rule(data=st.data())
        def record_conflict(self, data: st.DataObject) -> None:
            """A different event under a recorded id raises ConflictingEvent, changing nothing."""
            named = [e for e in self.model.log if e.given_id is not None]
            event = data.draw(st.sampled_from(named))
            other = attrs.evolve(event, note=f"{event.note} (corrected)")
            for tracker, model in self.pairs():
                if event in model.log:
                    before = tracker.events()
                    raises(nt.ConflictingEvent, lambda t=tracker: t.record(other))
                    assert tracker.events() == before

        # -- questions ------------------------------------------------------------------------

        @precondition(lambda self: self.model.commitments)
        @rule(on=dates(START - timedelta(days=10), END + timedelta(days=60)), r=known_by_dates())
        def ask(self, on: date, r: date | None) -> None:
            """Status, snapshot and anomalies on any date, as known by any date, are the model's."""
            for tracker, model in self.pairs():
                want = model.snapshot(on, r)
                assert observed_snapshot(tracker.snapshot(on=on, known_by=r)) == list(want.items())
                for cid, expected in want.items():
                    assert observed(tracker.status(cid, on=on, known_by=r)) == expected
                assert anomaly_triples(tracker.anomalies(on=on, known_by=r)) == model.anomalies(
                    on, r
                )
                assert observed_steps(tracker.timeline(known_by=r)) == model.timeline(r)
                later = [on + timedelta(days=k) for k in (0, 3, 40)]
                for day, answer in tracker.snapshots(later, known_by=r).items():
                    assert observed_snapshot(answer) == list(model.snapshot(day, r).items())

        @invariant()
        def agrees_with_the_model(self) -> None:
            """After every step both trackers hold and say what the model does."""
            for tracker, model in self.pairs():
                assert [c.id for c in tracker.commitments()] == list(model.commitments)
                assert tracker.events() == tuple(model.log)
                for cid in model.commitments:
                    history = tracker.history(cid)
                    assert observed_steps(history) == model.history(cid), cid
                    for step in history:
                        assert step.target in nt.LIFECYCLE.stages
                        assert edge_of_contract(step), step
                        if step.source is Stage.LAPSED and step.target is not Stage.LAPSED:
                            assert step.kind is EventKind.REVIVED
                assert anomaly_triples(tracker.anomalies()) == model.anomalies()
                for on in (START + timedelta(days=30), END):
                    assert observed_snapshot(tracker.snapshot(on=on)) == list(
                        model.snapshot(on).items()
                    )
            assert self.strict.anomalies() == ()
            for status in self.lenient.snapshot(on=END).values():
                assert status.stage is None or status.stage in nt.LIFECYCLE.stages
                assert not status.at_risk or status.stage in LIVE

    return TrackerMachine


def test_tracker_follows_the_model_step_by_step() -> None:
    """Any sequence of adds, records and questions keeps the trackers equal to the model."""
    run_state_machine_as_test(
        tracker_machine(nt.LIFECYCLE),
        settings=settings(
            max_examples=max(10, settings.default.max_examples // 5),
            stateful_step_count=25,
        ),
    )
