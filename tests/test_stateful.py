"""Stateful test: random operations on a tracker, checked against the reference model each step.

The machine adds commitments (some refused, atomically), records events in and out of date order
(valid moves, invalid ones, late and early reports, extensions, duplicates, id conflicts) into
a lenient and a strict tracker, and asks as-of and known-by questions. After every step both
trackers must agree with the reference model of tests/test_properties.py. `tracker_machine`
takes the lifecycle under test, so that tests/test_teeth.py can run it on planted bugs.

`lifecycles_machine` does the same on a generated lifecycle (tests/strategies.py's
`lifecycles`), drawn first: most commitments name it, the others follow the default lifecycle,
in one tracker; the reference model reads each commitment's own lifecycle. Each step also
checks that a tracker rebuilt from the log in another recording order answers the same, and
that every inferred lapse falls on the day one of the lifecycle's time limits says.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import attrs
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from strategies import END, START, dates, events, known_by_dates, lifecycles, reorderings
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
    table_of,
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


def record_strictly(
    strict: nt.Tracker, model: Reference, trial: Reference, batch: list[nt.Event]
) -> None:
    """Record `batch` into the strict tracker: refused whole when the model's record with it
    (`trial`, an empty reference of the same lifecycles) has an anomaly, else recorded whole,
    and the model follows."""
    trial.add(*model.commitments.values())
    trial.record(*model.log, *batch)
    before = strict.events()
    if trial.anomalies():
        raises(nt.InvalidTransition, lambda: strict.record(*batch))
        assert strict.events() == before, "a refused batch was partly recorded"
    else:
        try:
            added = strict.record(*batch)
        except nt.InvalidTransition as err:
            raise AssertionError(f"a batch that fits was refused: {err}") from err
        assert added == len(model.fresh(batch))
        model.record(*batch)


def answers_agree(tracker: nt.Tracker, model: Reference, on: date, r: date | None) -> None:
    """Status, snapshot, anomalies, timeline and snapshots of later dates on `on`, as known
    by `r`, are the model's."""
    want = model.snapshot(on, r)
    assert observed_snapshot(tracker.snapshot(on=on, known_by=r)) == list(want.items())
    for cid, expected in want.items():
        assert observed(tracker.status(cid, on=on, known_by=r)) == expected
    assert anomaly_triples(tracker.anomalies(on=on, known_by=r)) == model.anomalies(on, r)
    assert observed_steps(tracker.timeline(known_by=r)) == model.timeline(r)
    later = [on + timedelta(days=k) for k in (0, 3, 40)]
    for day, answer in tracker.snapshots(later, known_by=r).items():
        assert observed_snapshot(answer) == list(model.snapshot(day, r).items())


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
            record_strictly(self.strict, self.strict_model, Reference(), batch)

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
                answers_agree(tracker, model, on, r)

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


# -- generated lifecycles ---------------------------------------------------------------------

# Kinds of other lifecycles than a commitment's own (the default's, a treaty's, a law's): on
# it, each is an anomaly, "not an event of its lifecycle".
OTHERS: tuple[nt.EventKind | str, ...] = (
    *nt.LIFECYCLE.kinds(),
    *nt.TREATY.kinds(),
    *nt.LEGISLATION.kinds(),
)
SHIFTS = [0, 0, 1, 2, 5, 9]


def moves_from(lifecycle: nt.Lifecycle, stage: object) -> list[object]:
    """The events that take a commitment on from `stage` (corroborations left out)."""
    table = table_of(lifecycle)
    return [
        kind
        for kind in lifecycle.event_order()
        if (stage, kind) in table
        and (table[stage, kind] != stage or lifecycle.rule(kind).dates == "move")
    ]


@st.composite
def event_of(
    draw: st.DrawFn, c: nt.Commitment, kind: object, on: date, lifecycle: nt.Lifecycle
) -> nt.Event:
    """An event of `kind` for `c` on `on`: reported late or early at times; a lapse with a
    reason at times; an extension with new dates (some earlier than those in force); a
    revival with new terms or none; a delivery as an amount or a total."""
    reported = None
    if draw(st.integers(0, 9)) < 3:
        reported = on + timedelta(days=draw(st.integers(-15, 30).filter(bool)))
    reason = None
    if kind in (lifecycle.lapse, EventKind.LAPSED):
        reason = draw(st.none() | st.sampled_from(list(nt.LapseReason)))
    effect = lifecycle.rule(kind).dates if kind in lifecycle.kinds() else "keep"
    later = st.integers(0, 45).map(lambda n: on + timedelta(days=n))
    deadline = expires = None
    if kind is EventKind.EXTENDED or effect == "move":
        which = draw(st.sampled_from(["deadline", "expires", "both"]))
        deadline = draw(later) if which != "expires" else None
        expires = draw(later) if which != "deadline" else None
    elif kind is EventKind.REVIVED or effect == "reset":
        deadline, expires = draw(st.none() | later), draw(st.none() | later)
    amount = total = None
    if kind is EventKind.MEASURED:
        figure = draw(st.integers(0, 30))
        amount, total = (figure, None) if draw(st.booleans()) else (None, figure)
    return nt.Event(
        commitment=c.id,
        kind=kind,  # type: ignore[arg-type]  # a generated lifecycle's kinds are names
        on=on,
        reported=reported,
        reason=reason,
        deadline=deadline,
        expires=expires,
        amount=amount,
        total=total,
    )


@st.composite
def lifecycle_events(
    draw: st.DrawFn, model: Reference, every: tuple[object, ...] = OTHERS
) -> nt.Event:
    """An event for one of `model`'s commitments: mostly a move that fits where it stood at
    its latest event, sometimes any event of its lifecycle, sometimes one of `every` that its
    lifecycle does not have, on a date near its latest event or anywhere."""
    cid = draw(st.sampled_from(list(model.commitments)))
    c = model.commitments[cid]
    lifecycle = model.lifecycle_of(cid)
    known = [e.on for e in model.log if e.commitment == cid]
    base = max(known, default=START + timedelta(days=draw(st.integers(0, 40))))
    on = min(END, base + timedelta(days=draw(st.sampled_from(SHIFTS))))
    if draw(st.integers(0, 9)) < 2:
        on = draw(dates(START, END))
    stage = model.course(cid).state_on(base).stage if known else None
    choice = draw(st.integers(0, 9))
    if choice < 6 and moves_from(lifecycle, stage):
        kinds = moves_from(lifecycle, stage)
    elif choice < 9:
        kinds = list(lifecycle.kinds())
    else:
        kinds = [k for k in every if k not in lifecycle.kinds()]
    usable = [k for k in kinds if k is not EventKind.MEASURED or c.target is not None]
    kind = draw(st.sampled_from(usable or [lifecycle.kinds()[0]]))
    return draw(event_of(c, kind, on, lifecycle))


def inferred_lapses_fall_on_their_day(tracker: nt.Tracker, model: Reference) -> None:
    """Every lapse that no event reported is a lapse event of the commitment's lifecycle, from
    a live stage to its lapse stage, on the day one of its time limits with that reason falls
    (the date in force then, plus the limit's delay)."""
    for cid, c in model.commitments.items():
        lifecycle = model.lifecycle_of(cid)
        for step in tracker.history(cid):
            if not step.inferred:
                continue
            assert step.kind == lifecycle.lapse, step
            assert (step.source in lifecycle.live, step.target) == (True, lifecycle.lapsed), step
            watched = {
                "deadline": step.deadline,
                "expires": step.expires,
                "target": None if c.target is None else c.target.end,
            }
            falls = [
                value + timedelta(days=limit.delay)
                for limit in lifecycle.time_limits
                if limit.reason == step.reason and (value := watched[limit.field]) is not None
            ]
            assert step.on in falls, (step, falls)


def comparable_anomalies(t: nt.Tracker, anomalies: tuple[nt.Anomaly, ...]) -> list[object]:
    """`anomalies` as (event, stage met, expected kinds): what must not depend on the
    recording order, those of kinds the commitment's lifecycle lacks included."""
    return [(a.event, a.stage, a.expected) for a in anomalies]


def lifecycles_machine(
    plant: Callable[[nt.Lifecycle], nt.Lifecycle] | None = None,
) -> type[RuleBasedStateMachine]:
    """The state machine class that drives trackers on a generated lifecycle, drawn first.

    With `plant`, the trackers under test run ``plant(lifecycle)`` (a planted bug, under the
    same name) while the reference model keeps judging by the lifecycle drawn.
    """

    class LifecyclesMachine(RuleBasedStateMachine):
        """A lenient and a strict tracker whose commitments mostly name a generated lifecycle,
        and what the reference model says each should say."""

        def __init__(self) -> None:
            super().__init__()
            self.serial = 0

        @initialize(lifecycle=lifecycles())
        def choose(self, lifecycle: nt.Lifecycle) -> None:
            """Draw the lifecycle, and make the trackers and the models knowing it."""
            self.lifecycle = lifecycle
            run = lifecycle if plant is None else plant(lifecycle)
            self.lenient = nt.Tracker(lifecycles=[run])
            self.strict = nt.Tracker(strict=True, lifecycles=[run])
            self.model = Reference(lifecycles=[lifecycle])
            self.strict_model = Reference(lifecycles=[lifecycle])

        def pairs(self) -> list[tuple[nt.Tracker, Reference]]:
            """Each tracker with the model of what it should say."""
            return [(self.lenient, self.model), (self.strict, self.strict_model)]

        def next_id(self, prefix: str) -> str:
            """A fresh id, never used before in this run."""
            self.serial += 1
            return f"{prefix}{self.serial}"

        @rule(data=st.data(), size=st.integers(1, 2))
        def add_commitments(self, data: st.DataObject, size: int) -> None:
            """Add one or two commitments, most naming the generated lifecycle, some with a
            target (to take deliveries), linked to earlier ones or to each other."""
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
                target = None
                if data.draw(st.integers(0, 9)) < 2:
                    first = data.draw(dates(START, END))
                    target = nt.Target(
                        amount=data.draw(st.integers(1, 40)),
                        unit="t",
                        start=first,
                        end=data.draw(dates(first, END)),
                        per=data.draw(st.sampled_from([None, "month"])),
                    )
                own = data.draw(st.integers(0, 9)) < 8
                made.append(
                    nt.Commitment(
                        id=cid,
                        title=f"commitment {cid}",
                        by="A",
                        to="B",
                        deadline=data.draw(st.none() | dates(START, END)),
                        expires=data.draw(st.none() | dates(START, END)),
                        target=target,
                        links=links,
                        lifecycle=self.lifecycle.name if own else None,
                    )
                )
            for tracker, model in self.pairs():
                tracker.add(*made)
                model.add(*made)

        @precondition(lambda self: self.model.commitments)
        @rule(data=st.data())
        def record(self, data: st.DataObject) -> None:
            """Record a batch of events; the strict tracker takes it only if all of it fits."""
            every = (*OTHERS, *self.lifecycle.kinds())
            batch = data.draw(st.lists(lifecycle_events(self.model, every), min_size=1, max_size=3))
            for i, event in enumerate(batch):
                if data.draw(st.integers(0, 9)) < 2:
                    batch[i] = attrs.evolve(event, id=self.next_id("x"))
            assert self.lenient.record(*batch) == len(self.model.fresh(batch))
            self.model.record(*batch)
            trial = Reference(lifecycles=[self.lifecycle])
            record_strictly(self.strict, self.strict_model, trial, batch)

        @precondition(lambda self: any(e.given_id is not None for e in self.model.log))
        @rule(data=st.data())
        def record_conflict(self, data: st.DataObject) -> None:
            """A different event under a recorded id raises ConflictingEvent, changing nothing."""
            named = [e for e in self.model.log if e.given_id is not None]
            event = data.draw(st.sampled_from(named))
            other = attrs.evolve(event, note="corrected")
            for tracker, model in self.pairs():
                if event in model.log:
                    before = tracker.events()
                    raises(nt.ConflictingEvent, lambda t=tracker: t.record(other))
                    assert tracker.events() == before

        @precondition(lambda self: self.model.log)
        @rule(data=st.data(), r=known_by_dates())
        def reorder(self, data: st.DataObject, r: date | None) -> None:
            """The same events recorded in another order (those sharing commitment, date and
            kind kept in theirs), in batches of any size, give the same answers."""
            order = data.draw(reorderings(list(self.lenient.events())))
            again = nt.Tracker(
                lifecycles=[self.lifecycle if plant is None else plant(self.lifecycle)]
            )
            again.add(*self.lenient.commitments())
            cuts = sorted(data.draw(st.lists(st.integers(0, len(order)), max_size=3)))
            for start, end in zip([0, *cuts], [*cuts, len(order)], strict=True):
                again.record(*order[start:end])
            for on in (START + timedelta(days=20), START + timedelta(days=60), END):
                assert again.snapshot(on=on, known_by=r) == self.lenient.snapshot(on=on, known_by=r)
            assert again.timeline(known_by=r) == self.lenient.timeline(known_by=r)
            assert comparable_anomalies(again, again.anomalies(known_by=r)) == (
                comparable_anomalies(self.lenient, self.lenient.anomalies(known_by=r))
            )

        @precondition(lambda self: self.model.commitments)
        @rule(on=dates(START - timedelta(days=10), END + timedelta(days=60)), r=known_by_dates())
        def ask(self, on: date, r: date | None) -> None:
            """Status, snapshot and anomalies on any date, as known by any date, are the model's."""
            for tracker, model in self.pairs():
                answers_agree(tracker, model, on, r)

        @invariant()
        def agrees_with_the_model(self) -> None:
            """After every step both trackers hold and say what the model does, each
            commitment following its own lifecycle's edges and time limits."""
            for tracker, model in self.pairs():
                assert [c.id for c in tracker.commitments()] == list(model.commitments)
                assert tracker.events() == tuple(model.log)
                for cid in model.commitments:
                    lifecycle = model.lifecycle_of(cid)
                    assert tracker.lifecycle_of(cid).name == lifecycle.name
                    history = tracker.history(cid)
                    assert observed_steps(history) == model.history(cid), cid
                    table = table_of(lifecycle)
                    for step in history:
                        assert step.target in lifecycle.stages
                        assert step.inferred or table.get((step.source, step.kind)) == step.target
                inferred_lapses_fall_on_their_day(tracker, model)
                assert anomaly_triples(tracker.anomalies()) == model.anomalies()
                for on in (START + timedelta(days=30), END):
                    assert observed_snapshot(tracker.snapshot(on=on)) == list(
                        model.snapshot(on).items()
                    )
            assert self.strict.anomalies() == ()

    return LifecyclesMachine


def test_generated_lifecycles_follow_the_model_step_by_step() -> None:
    """On a generated lifecycle (beside the default one, in one tracker), any sequence of adds,
    records, reorderings and questions keeps the trackers equal to the model."""
    run_state_machine_as_test(
        lifecycles_machine(),
        settings=settings(
            max_examples=max(10, settings.default.max_examples // 5),
            stateful_step_count=20,
        ),
    )
