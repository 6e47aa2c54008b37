"""Teeth: plant bugs in copies of the lifecycle and check that the properties catch each one.

Each mutant is a copy of `nt.LIFECYCLE` with one planted bug; the tracker under test runs it,
while the laws and the reference model keep judging by the true lifecycle. A law "catches" a
mutant when it fails on it. The runs are derandomized, without a database and without
shrinking, so that they are reproducible, and the true lifecycle must pass the same laws under
the same settings.

Derandomized runs still depend a little on the environment: Hypothesis mixes in constants
from the local modules loaded at the time (so running this file alone and running the whole
suite draw different examples). The budgets are therefore set so that no particular sequence
is needed: each listed law fails on at least 10% of the examples of its mutant, measured over
random seeds, so 150 examples (100 runs of the state machine) miss it with negligible chance;
the path law, which sees a backward move only when a walk reaches `implemented` first, fails
on about 3% of them, and gets 600 (a miss once in a billion runs).
"""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.stateful import run_state_machine_as_test
from test_properties import LAWS
from test_stateful import tracker_machine

import negotrack as nt
from negotrack import EventKind, Stage

LC = nt.LIFECYCLE

pytestmark = pytest.mark.slow


def _with_rule(lifecycle: nt.Lifecycle, kind: EventKind, **changes: Any) -> tuple[nt.Rule, ...]:
    """The rules of `lifecycle`, with the rule of `kind` changed."""
    return tuple(
        attrs.evolve(rule, **changes) if rule.event is kind else rule for rule in lifecycle.rules
    )


MUTANTS: dict[str, nt.Lifecycle] = {
    # (a) implemented -> approved allowed: the approved rule also starts from implemented.
    "implemented_to_approved": attrs.evolve(
        LC,
        rules=_with_rule(
            LC,
            EventKind.APPROVED,
            sources=LC.rule(EventKind.APPROVED).sources | {Stage.IMPLEMENTED},
        ),
    ),
    # (b) lapsed is terminal: nothing revives, and lapsed is declared final so it validates.
    "lapsed_is_terminal": attrs.evolve(
        LC,
        rules=_with_rule(LC, EventKind.REVIVED, sources=frozenset()),
        final={Stage.LAPSED},
    ),
    # (c) no same-day order: the events of one day apply in recording order only.
    "no_same_day_order": attrs.evolve(LC, same_day_order=()),
    # (d) expiry a day late: the expires time limit fires one day after the date.
    "expiry_a_day_late": attrs.evolve(
        LC,
        time_limits=tuple(
            attrs.evolve(limit, delay=1) if limit.field == "expires" else limit
            for limit in LC.time_limits
        ),
    ),
}

# Which law catches which planted bug. Every mutant appears at least once.
CAUGHT = [
    # The reference model catches every planted bug.
    ("reference", "implemented_to_approved"),
    ("reference", "lapsed_is_terminal"),
    ("reference", "no_same_day_order"),
    ("reference", "expiry_a_day_late"),
    # Law 1: same-day events recorded in another order now give other answers.
    ("recording_order", "no_same_day_order"),
    # Law 3: implemented -> approved is not an edge of the lifecycle.
    ("path", "implemented_to_approved"),
    # Law 5: a live commitment on its expiry date.
    ("time", "expiry_a_day_late"),
    # Law 6: a revival refused as an anomaly, a backward move accepted as valid.
    ("invalid_events", "implemented_to_approved"),
    ("invalid_events", "lapsed_is_terminal"),
    # Law 6, strict mode: a valid event refused, or an invalid one accepted.
    ("strict", "implemented_to_approved"),
    ("strict", "lapsed_is_terminal"),
    ("strict", "no_same_day_order"),
    # The stateful machine catches every planted bug.
    ("stateful", "implemented_to_approved"),
    ("stateful", "lapsed_is_terminal"),
    ("stateful", "no_same_day_order"),
    ("stateful", "expiry_a_day_late"),
]

_TEETH = settings(
    derandomize=True,
    database=None,
    report_multiple_bugs=False,
    phases=[Phase.explicit, Phase.generate],
    deadline=None,
    print_blob=False,
    suppress_health_check=[HealthCheck.too_slow],
)
_EXAMPLES = 150
_EXAMPLES_OF = {"path": 600}
_STATEFUL_EXAMPLES = 100


def run_law(name: str, lifecycle: nt.Lifecycle) -> None:
    """Run law `name` against a tracker built with `lifecycle`; raise AssertionError if it fails."""
    if name == "stateful":
        run_state_machine_as_test(
            tracker_machine(lifecycle),
            settings=settings(_TEETH, max_examples=_STATEFUL_EXAMPLES, stateful_step_count=30),
        )
        return
    check, strategy = LAWS[name]

    @settings(_TEETH, max_examples=_EXAMPLES_OF.get(name, _EXAMPLES))
    @given(strategy)
    def law(args: tuple[Any, ...]) -> None:
        """The law on one generated case."""
        check(lifecycle, *args)

    law()


def test_every_mutant_is_a_valid_lifecycle_and_is_caught() -> None:
    """Each planted bug builds a valid lifecycle that differs from the true one, and some law
    is listed as catching it."""
    for name, mutant in MUTANTS.items():
        assert mutant != LC, name
        assert name in {m for _, m in CAUGHT}, name


@pytest.mark.parametrize(("law", "mutant"), CAUGHT)
def test_law_catches_planted_bug(law: str, mutant: str) -> None:
    """The law fails when the tracker runs a lifecycle with the planted bug."""
    with pytest.raises(AssertionError):
        run_law(law, MUTANTS[mutant])


@pytest.mark.parametrize("law", sorted({law for law, _ in CAUGHT}))
def test_true_lifecycle_passes_the_same_laws(law: str) -> None:
    """The same law, under the same settings, passes on the true lifecycle."""
    run_law(law, LC)
