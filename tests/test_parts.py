"""Wholes and their parts: a whole's status lists its parts' stages and adds up their progress."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from helpers import cli, commitment, day, event
from hypothesis import given
from hypothesis import strategies as st

import negotrack as nt

EXAMPLES = Path(__file__).parent.parent / "examples"


def goal(**kw: Any) -> nt.Target:
    if "additional" not in kw:
        kw.setdefault("amount", 10)
    kw.setdefault("unit", "USD bn")
    kw.setdefault("start", day("2020-01-01"))
    kw.setdefault("end", day("2021-12-31"))
    return nt.Target(**kw)


def deal(whole: nt.Target | None = None, *parts: nt.Target | None) -> nt.Tracker:
    """A tracker with a whole "w" and parts "p0", "p1"... carrying the targets given."""
    t = nt.Tracker()
    t.add(commitment("w", target=whole))
    t.add(*(commitment(f"p{i}", target=g, part_of="w") for i, g in enumerate(parts)))
    return t


def test_a_whole_lists_its_parts_stages() -> None:
    """A whole's status maps each part, in the order added, to its stage on the date."""
    t = deal(None, None, None)
    t.record(event("approved", "2020-01-15", "p0"), event("proposed", "2020-02-01", "p1"))
    status = t.status("w", on=day("2020-01-31"))
    assert dict(status.parts) == {"p0": nt.Stage.APPROVED, "p1": None}
    assert t.snapshot(on=day("2020-01-31"))["w"] == status
    assert dict(t.status("w", on=day("2020-02-01")).parts)["p1"] is nt.Stage.PROPOSED


def test_a_commitment_without_parts_has_none() -> None:
    """A part, or a commitment with no parts, has an empty mapping of parts (the shared one)."""
    t = deal(None, None)
    status = t.status("p0", on=day("2020-01-01"))
    assert status.parts == {}
    assert status.to_dict()["parts"] == {}
    assert "parts" not in status.to_dict(t.commitment("p0"))


def test_parts_progress_adds_up_period_by_period() -> None:
    """A whole without figures of its own delivers the sum of its parts' figures, each
    period on its own, against its own target."""
    t = deal(goal(amount=30, per="year"), goal(amount=20, per="year"), goal(per="year"))
    t.record(
        event("measured", "2020-03-01", "p0", amount=4),
        event("measured", "2020-04-01", "p1", amount=3),
        event("measured", "2021-02-01", "p1", total=9),
    )
    p = t.status("w", on=day("2021-06-30")).progress
    assert p is not None
    assert [period.delivered for period in p.periods] == [7, 9]
    assert (p.target, p.delivered, p.figure_on) == (30, 9, day("2021-02-01"))


def test_the_wholes_own_figure_wins_in_its_period() -> None:
    """A figure measured for the whole itself is its delivered amount in that period: the
    parts are not added to it (that would count them twice)."""
    t = deal(goal(amount=30), goal(amount=20), goal())
    t.record(
        event("measured", "2020-03-01", "p0", amount=4),
        event("measured", "2020-05-01", "w", total=12),
    )
    p = t.status("w", on=day("2020-06-30")).progress
    assert p is not None
    assert p.delivered == 12


def test_no_figure_in_any_part_is_no_data() -> None:
    """While no part has a figure, the whole's progress has no data (None, not zero)."""
    p = deal(None, goal(), goal()).status("w", on=day("2020-06-30")).progress
    assert p is not None
    assert (p.target, p.delivered, p.on_track) == (20, None, None)


def test_a_whole_without_a_target_takes_the_sum_of_its_parts() -> None:
    """Without a target of its own, a whole is measured against its parts' sum, their
    baselines summed too."""
    t = deal(None, goal(baseline=5, additional=10), goal(baseline=1, amount=4))
    p = t.status("w", on=day("2020-01-01")).progress
    assert p is not None
    assert (p.target, p.baseline, p.additional) == (19, 6, 13)


def test_parts_in_other_units_do_not_add_up() -> None:
    """Parts with targets in different units leave the whole's progress its own."""
    t = deal(None, goal(), goal(unit="MMT"))
    assert t.status("w", on=day("2020-06-30")).progress is None
    assert t.status("w", on=day("2020-06-30")).parts.keys() == {"p0", "p1"}


def test_status_json_gains_parts_last() -> None:
    """status --json: a whole's row ends with "parts" (stages by part id); other rows keep
    their exact keys."""
    path = EXAMPLES / "phase-one-2020.yaml"
    doc = json.loads(cli("status", path, "--as-of", "2020-06-30", "--json").stdout)
    rows = {row["id"]: row for row in doc["commitments"]}
    whole = rows["phase-one-purchases"]
    assert list(whole)[-2:] == ["source", "parts"]
    assert whole["parts"]["phase-one-energy"] == "approved"
    assert "parts" not in rows["phase-one-energy"]


def test_check_warns_when_parts_do_not_add_up(tmp_path: Path) -> None:
    """check warns, at the whole's target line, when its parts' targets do not add up to it."""
    text = (EXAMPLES / "phase-one-2020.yaml").read_text(encoding="utf-8")
    path = tmp_path / "bad.yaml"
    path.write_text(text.replace("amount: 37.9", "amount: 37.0"), encoding="utf-8")
    line = next(i for i, s in enumerate(text.splitlines(), 1) if "amount: 200" in s)
    result = cli("check", path)
    assert result.returncode == 0
    assert f"bad.yaml:{line}: warning: the targets of the parts of 'phase-one-purchases'" in (
        result.stderr
    )
    assert "add up to 199.1 USD bn over 2017, not its target of 200" in result.stderr
    assert "warning" not in cli("check", EXAMPLES / "phase-one-2020.yaml").stderr


def test_a_part_added_later_reaches_the_whole() -> None:
    """A part added after the whole's status was asked for is in the next answer."""
    t = deal(None, goal())
    assert t.status("w", on=day("2020-01-01")).parts.keys() == {"p0"}
    t.add(commitment("p9", part_of="w"))
    assert t.snapshot(on=day("2020-01-01"))["w"].parts.keys() == {"p0", "p9"}


_FIGURES = st.lists(st.tuples(st.integers(0, 729), st.integers(1, 50), st.booleans()), max_size=6)


@given(st.lists(_FIGURES, min_size=1, max_size=4), st.integers(0, 800))
def test_a_wholes_progress_is_the_sum_of_its_parts(
    figures: list[list[tuple[int, int, bool]]], offset: int
) -> None:
    """On generated parts and figures (amounts and totals), a whole without figures of its
    own delivers, in each period, the sum of its parts' delivered amounts (None if none has)."""
    start = date(2020, 1, 1)
    t = deal(None, *(goal(per="year") for _ in figures))
    for i, mine in enumerate(figures):
        t.record(
            *(
                nt.Event(
                    commitment=f"p{i}",
                    kind="measured",
                    on=start + timedelta(days=d),
                    **({"total": n} if is_total else {"amount": n}),
                )
                for d, n, is_total in mine
            )
        )
    on = start + timedelta(days=offset)
    whole = t.status("w", on=on).progress
    parts = [t.status(f"p{i}", on=on).progress for i in range(len(figures))]
    assert whole is not None
    for n, period in enumerate(whole.periods):
        got = [p.periods[n].delivered for p in parts if p is not None]
        known = [g for g in got if g is not None]
        expected = None if not known else sum(known)  # whole numbers: no rounding
        assert period.delivered == expected
        assert period.target == 10 * len(figures)


# -- parts of other spans: periods that nest in the whole's -----------------------------------


def _progress(t: nt.Tracker, on: str, cid: str = "w") -> nt.Progress:
    """The progress of `cid` (the whole, by default) on `on`, which it has."""
    found = t.status(cid, on=day(on)).progress
    assert found is not None
    return found


def test_yearly_parts_roll_up_into_a_two_year_whole(tmp_path: Path) -> None:
    """Parts with yearly targets add up into a whole over both years: each part period counts
    toward the whole period that holds it, its total read in its own year."""
    t = deal(goal(amount=35), goal(amount=10, per="year"), goal(amount=15))
    t.record(
        event("measured", "2020-06-01", "p0", total=4),
        event("measured", "2021-03-01", "p0", total=6),  # 2021's running total, not 2020's
        event("measured", "2021-05-01", "p1", amount=5),
    )
    p = t.status("w", on=day("2021-06-30")).progress
    assert p is not None
    assert [(x.start, x.end, x.target, x.delivered) for x in p.periods] == [
        (day("2020-01-01"), day("2021-12-31"), 35, 4 + 6 + 5)
    ]
    assert _progress(t, "2020-12-31").delivered == 4
    assert "warning" not in _check(t, tmp_path).stderr


def test_a_whole_without_a_target_takes_the_coarsest_parts_periods() -> None:
    """Without a target of its own, a whole whose parts are yearly and quarterly is counted by
    year (the quarters nest in the years, not the other way), against their sum per year."""
    t = deal(None, goal(amount=10, per="year"), goal(amount=2, per="quarter", baseline=1))
    p = t.status("w", on=day("2020-02-01")).progress
    assert p is not None
    assert (p.start, p.end, p.target) == (day("2020-01-01"), day("2020-12-31"), 10 + 4 * 2)
    assert (p.baseline, p.additional) == (None, None)  # the yearly part has no baseline
    both = deal(None, goal(amount=30, baseline=20, per="year"), goal(amount=2, per="quarter"))
    assert _progress(both, "2020-02-01").baseline is None


def test_nested_baselines_and_additional_add_up() -> None:
    """A whole over two years of yearly parts over a baseline has, as baseline and additional,
    the sums over both years of its parts' (2017's level counts once per year)."""
    t = deal(
        None,
        goal(baseline=5, additional=10, per="year"),
        goal(baseline=1, additional=2, per="quarter", start=day("2020-01-01")),
        goal(baseline=3, additional=4, start=day("2020-01-01"), end=day("2021-12-31")),
    )
    p = t.status("w", on=day("2020-02-01")).progress
    assert p is not None
    years, quarters = 2, 8
    assert p.baseline == 5 * years + 1 * quarters + 3
    assert p.additional == 10 * years + 2 * quarters + 4
    assert p.target == p.baseline + p.additional


def _check(t: nt.Tracker, folder: Path) -> Any:
    """`negotrack check` of the tracker `t`, dumped to a new file in `folder`."""
    folder.mkdir(exist_ok=True)
    path = folder / f"deal-{len(list(folder.iterdir()))}.yaml"
    nt.dump(t, path)
    return cli("check", path)


def test_a_part_straddling_two_of_the_wholes_periods_is_refused(tmp_path: Path) -> None:
    """A part whose period straddles two of the whole's (a fiscal year in calendar years) is
    not split nor dropped: the whole's progress is its own alone, and check warns, naming the
    part, the whole and the dates."""
    fiscal = goal(amount=5, start=day("2020-07-01"), end=day("2021-06-30"))
    t = deal(goal(amount=15, per="year"), goal(amount=10, per="year"), fiscal)
    t.record(event("measured", "2020-09-01", "p1", amount=3))
    p = t.status("w", on=day("2020-12-31")).progress
    assert p is not None
    assert p.delivered is None  # its own: no figure of the whole, and the parts not added
    result = _check(t, tmp_path)
    assert result.returncode == 0
    warning = next(line for line in result.stderr.splitlines() if "warning" in line)
    for named in ("'p1'", "'w'", "2020-07-01 to 2021-06-30"):
        assert named in warning
    assert "straddles periods 2020-01-01 to 2020-12-31 and 2021-01-01 to 2021-12-31" in warning


def test_a_part_outside_the_wholes_span_is_refused(tmp_path: Path) -> None:
    """A part period beyond the whole's span holds nothing of it: refused, and check says so."""
    t = deal(goal(amount=20), goal(), goal(start=day("2022-01-01"), end=day("2022-12-31")))
    t.record(event("measured", "2020-03-01", "p0", amount=4))
    assert _progress(t, "2020-06-30").delivered is None
    warning = _check(t, tmp_path).stderr
    assert "'p1', part of 'w', has a period 2022-01-01 to 2022-12-31 that is not within" in (
        warning
    )


def test_straddling_parts_of_a_whole_without_a_target_are_refused(tmp_path: Path) -> None:
    """Without a target of its own, a whole whose parts' periods do not nest in one another's
    has no progress; check warns, naming the parts and the dates."""
    fiscal = goal(amount=5, per="year", start=day("2020-07-01"), end=day("2022-06-30"))
    t = deal(None, goal(per="year"), fiscal)
    assert t.status("w", on=day("2020-06-30")).progress is None
    warning = _check(t, tmp_path).stderr
    assert "'p1', part of 'w', has a period 2020-07-01 to 2021-06-30" in warning
    assert "of the target of 'p0'" in warning
    assert "give 'w' a target whose periods hold its parts'" in warning


def test_parts_adding_up_differently_in_each_period_are_refused(tmp_path: Path) -> None:
    """A whole without a target, over two years, with a part in one year only: the parts add
    up to different amounts in its two years, which no target of one amount per year says."""
    t = deal(None, goal(per="year"), goal(amount=3, start=day("2020-01-01"), end=day("2020-12-31")))
    assert t.status("w", on=day("2020-06-30")).progress is None
    assert "add up to different amounts in its periods (13 in 2020-01-01 to 2020-12-31, 10 in" in (
        _check(t, tmp_path).stderr
    )


def test_parts_in_another_unit_than_the_wholes_are_refused(tmp_path: Path) -> None:
    """Units: a whole's target in one unit and its parts' in another do not add up (its
    progress is its own), and check warns; parts in two units without a whole's target are
    not added either, without a warning (purchases and investment are not one quantity)."""
    t = deal(goal(amount=20), goal(unit="MMT", per="year"), goal(unit="MMT", per="year"))
    t.record(event("measured", "2020-03-01", "p0", amount=4))
    assert _progress(t, "2020-06-30").delivered is None
    assert "the parts of 'w' have targets in other units than its own" in _check(t, tmp_path).stderr
    mixed = deal(None, goal(per="year"), goal(unit="MMT"))
    assert mixed.status("w", on=day("2020-06-30")).progress is None
    assert "warning" not in _check(mixed, tmp_path).stderr


def test_check_says_when_every_part_lapses_and_the_whole_stands(tmp_path: Path) -> None:
    """A whole does not lapse from its parts: with every part lapsed, its stage is still its
    own, and check warns at its id, naming the parts and when they lapsed."""
    t = deal(None, None, None)
    t.record(
        event("approved", "2020-01-15", "w"),
        event("approved", "2020-01-15", "p0"),
        event("approved", "2020-01-15", "p1"),
        event("lapsed", "2020-06-01", "p0"),
    )
    assert "every part" not in _check(t, tmp_path).stderr  # p1 still stands
    t.record(event("lapsed", "2020-09-01", "p1"))
    assert t.status("w", on=day("2020-12-31")).stage is nt.Stage.APPROVED
    warning = _check(t, tmp_path).stderr
    assert "every part of 'w' lapses as recorded (p0 on 2020-06-01, p1 on 2020-09-01)" in warning
    assert "while 'w' stays approved" in warning
    t.record(event("lapsed", "2020-10-01", "w"))
    assert "every part" not in _check(t, tmp_path).stderr


def _phase_one() -> tuple[dict[str, Any], nt.Tracker]:
    import yaml

    path = EXAMPLES / "phase-one-2020.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8")), nt.load(path, strict=True)


def test_the_phase_one_whole_rolls_up_its_yearly_parts() -> None:
    """The Phase One example: manufactured goods by year (Annex 6.1) and the other categories
    over two years all nest in the whole's 2020-2021 and add up to its $200bn; figures given
    to the parts (here, made up for the test) add up into the whole's delivered amount."""
    doc, t = _phase_one()
    rows = {c["id"]: c for c in doc["commitments"]}
    parts = [c for c in doc["commitments"] if c.get("part_of") == "phase-one-purchases"]
    whole = rows["phase-one-purchases"]["target"]
    assert {c["target"]["start"].year for c in parts} == {2020, 2021}  # parts of other spans
    assert sum(c["target"]["amount"] for c in parts) == pytest.approx(whole["amount"])
    assert any(c["target"]["end"] < whole["end"] for c in parts)
    figures = {"phase-one-manufactured-2020": 20.1, "phase-one-manufactured-2021": 25.5}
    figures["phase-one-energy"] = 8.0
    t.record(
        *(
            nt.Event(commitment=cid, kind="measured", on=rows[cid]["target"]["end"], total=n)
            for cid, n in figures.items()
        )
    )
    p = t.status("phase-one-purchases", on=day("2021-12-31")).progress
    assert p is not None
    assert (p.start, p.end) == (whole["start"], whole["end"])
    assert p.target == whole["amount"]
    assert p.delivered == pytest.approx(sum(figures.values()))
    assert _progress(t, "2020-12-31", "phase-one-purchases").delivered == pytest.approx(
        figures["phase-one-manufactured-2020"]
    )


_SHAPES = st.sampled_from(["year", "quarter", "month"])
_PARTS = st.lists(
    st.tuples(_SHAPES, st.integers(1, 20), st.one_of(st.none(), st.integers(0, 9)), _FIGURES),
    min_size=1,
    max_size=4,
)


@given(_PARTS, st.booleans(), st.integers(0, 800))
def test_a_wholes_progress_is_the_sum_of_its_nested_parts(
    parts: list[tuple[str, int, int | None, list[tuple[int, int, bool]]]], own: bool, offset: int
) -> None:
    """On generated parts by year, quarter or month over two years, a whole (with a yearly
    target of its own, or none) delivers in each of its periods the sum of its parts' delivered
    amounts in the periods nested in it (None if none has), and is measured against the sum of
    their targets, baselines and additional amounts in it. Without a target of its own, its
    periods are those of its coarsest part."""
    start = date(2020, 1, 1)
    goals = [
        goal(per=per, amount=n) if b is None else goal(per=per, baseline=b, additional=n)
        for per, n, b, _ in parts
    ]
    t = deal(goal(amount=1000, per="year") if own else None, *goals)
    for i, (*_, mine) in enumerate(parts):
        t.record(
            *(
                nt.Event(
                    commitment=f"p{i}",
                    kind="measured",
                    on=start + timedelta(days=d),
                    **({"total": n} if is_total else {"amount": n}),
                )
                for d, n, is_total in mine
            )
        )
    on = start + timedelta(days=offset)
    whole = t.status("w", on=on).progress
    mine_ = [t.status(f"p{i}", on=on).progress for i in range(len(parts))]
    assert whole is not None
    coarsest = min(goals, key=lambda g: len(g.periods()))
    frame = goal(per="year") if own else coarsest
    assert [(p.start, p.end) for p in whole.periods] == [
        span for span in frame.periods() if span[0] <= max(on, start)
    ]
    for period in whole.periods:

        def nested(p: nt.Period, w: nt.Period = period) -> bool:
            return w.start <= p.start and p.end <= w.end

        got = [x.delivered for p in mine_ if p is not None for x in p.periods if nested(x)]
        known = [g for g in got if g is not None]
        assert period.delivered == (None if not known else sum(known))  # whole numbers
        if own:
            assert period.target == 1000
            continue
        inside = [
            [s for s in g.periods() if period.start <= s[0] and s[1] <= period.end] for g in goals
        ]
        assert period.target == sum(g.amount * len(s) for g, s in zip(goals, inside, strict=True))
        if all(g.baseline is not None for g in goals):
            assert whole.baseline == sum(
                (g.baseline or 0) * len(s) for g, s in zip(goals, inside, strict=True)
            )
            assert whole.additional == sum(
                (g.additional or 0) * len(s) for g, s in zip(goals, inside, strict=True)
            )
        else:
            assert whole.baseline is None
