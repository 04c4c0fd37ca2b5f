"""Expert draws: eligibility, rotation, designation, ordered draw and top-ups (docs/draw-spec.md §10)."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest
from draw_reference import RefStream, ref_substream_seed
from hypothesis import given, settings
from hypothesis import strategies as st

from drawsvc.draw.experts import (
    EXCLUDED_AGE,
    EXCLUDED_CONFLICT,
    EXCLUDED_EXITED,
    EXCLUDED_TERM,
    Decline,
    age_on,
    draw_experts,
    expert_exclusion,
    sit_outs,
    top_up,
)
from drawsvc.draw.teams import Designation
from drawsvc.errors import DrawInfeasible, InvalidInput

SEED = hashlib.sha256(b"experts").digest()
POOL = [f"E{k:03d}" for k in range(30)]
ON = date(2026, 11, 26)


def _excl(**kw):
    args = {"on": ON, "exited_on": None, "term_start": date(2024, 1, 1), "term_end": date(2027, 12, 31),
            "birth_date": date(1960, 6, 1), "age_limit": 70, "conflicted": False}
    args.update(kw)
    return expert_exclusion(**args)


def test_eligible_expert_has_no_exclusion():
    assert _excl() is None


@pytest.mark.parametrize("kw,rule", [
    ({"exited_on": ON}, EXCLUDED_EXITED),
    ({"term_end": date(2026, 11, 25)}, EXCLUDED_TERM),
    ({"term_start": date(2026, 11, 27)}, EXCLUDED_TERM),
    ({"birth_date": date(1955, 11, 25)}, EXCLUDED_AGE),
    ({"conflicted": True}, EXCLUDED_CONFLICT),
])
def test_each_exclusion_names_its_rule(kw, rule):
    assert _excl(**kw) == rule


def test_term_and_exit_boundaries():
    assert _excl(exited_on=date(2026, 11, 27)) is None
    assert _excl(term_end=ON) is None and _excl(term_start=ON) is None


def test_age_limit_is_completed_years_on_the_draw_date():
    assert _excl(birth_date=date(1956, 11, 26)) is None  # exactly 70 today: not over the limit
    assert _excl(birth_date=date(1955, 11, 27)) is None  # 70, turns 71 tomorrow
    assert _excl(birth_date=date(1955, 11, 26)) == EXCLUDED_AGE  # 71 today


def test_leap_day_birthday_is_reached_on_first_of_march():
    assert age_on(date(2000, 2, 29), date(2026, 2, 28)) == 25
    assert age_on(date(2000, 2, 29), date(2026, 3, 1)) == 26
    assert age_on(date(2000, 2, 29), date(2028, 2, 29)) == 28


def test_rotation_sits_out_experts_in_both_previous_draws():
    assert sit_outs([["E1", "E2", "E3"], ["E3", "E1", "E9"]]) == ["E1", "E3"]
    assert sit_outs([["E1"]]) == []
    assert sit_outs([]) == []
    with pytest.raises(InvalidInput):
        sit_outs([["E1"], ["E1"], ["E1"]])


def test_draw_is_sequential_without_replacement_on_the_experts_substream():
    part = draw_experts(SEED, POOL, subject="P/G", headcount=5)
    ref = RefStream(ref_substream_seed(SEED, ["experts"]))
    remaining, expected = list(POOL), []
    for _ in range(5):
        expected.append(remaining.pop(ref.uniform(len(remaining))))
    assert part["sequence"] == expected == part["panel"] and part["position"] == ref.pos


@settings(max_examples=100, deadline=None)
@given(st.binary(min_size=32, max_size=32), st.integers(1, 8), st.data())
def test_experts_never_break_rotation_headcount_or_designation(seed, headcount, data):
    prev = [data.draw(st.lists(st.sampled_from(POOL), max_size=8, unique=True)) for _ in range(2)]
    designated = [Designation(x, "r", "a") for x in
                  data.draw(st.lists(st.sampled_from([*POOL, "OUTSIDE"]), max_size=headcount, unique=True))]
    declines = data.draw(st.lists(st.integers(0, 7), max_size=6))
    try:
        part = draw_experts(seed, POOL, subject="P/G", headcount=headcount, previous=prev,
                            designated=designated)
    except DrawInfeasible:
        return
    sat = set(prev[0]) & set(prev[1])
    for k in declines:
        try:
            decline = Decline(part["panel"][k % headcount], "no-answer")
            part, _ = top_up(seed, part, POOL, decline, subject="P/G")
        except DrawInfeasible as e:
            assert e.rule == "DRAW-63"
            break
    assert len(part["panel"]) == headcount == len(set(part["panel"]))
    assert not sat & set(part["sequence"]), "DRAW-61 rotation"
    assert not set(part["declined"]) & set(part["panel"]), "a declined expert is back on the panel"
    assert len(set(part["sequence"])) == len(part["sequence"])
    assert not {d.id for d in designated} & set(part["sequence"]), "designation is never random"
    again = draw_experts(seed, POOL, subject="P/G", headcount=headcount, previous=prev, designated=designated)
    assert again["sequence"] == part["sequence"][: headcount - len(designated)], "DRAW-2 determinism"


def test_top_up_takes_the_seat_of_the_decliner_from_the_resumed_stream():
    part = draw_experts(SEED, POOL, subject="P/G", headcount=3)
    gone = part["panel"][1]
    new, rec = top_up(SEED, part, POOL, Decline(gone, "declined"), subject="P/G")
    assert new["panel"][0] == part["panel"][0] and new["panel"][2] == part["panel"][2]
    assert new["panel"][1] not in part["sequence"]
    assert rec["position_before"] == part["position"] and new["declined"] == [gone]
    # the top-up equals the 4th step of an uninterrupted sequential draw
    longer = draw_experts(SEED, POOL, subject="P/G", headcount=4)
    assert longer["sequence"][3] == new["panel"][1]


def test_designated_experts_take_seats_without_randomness():
    d = [Designation("E007", "rare specialty", "处长")]
    part = draw_experts(SEED, POOL, subject="P/G", headcount=3, designated=d)
    assert part["panel"][0] == "E007" and "E007" not in part["sequence"] and len(part["sequence"]) == 2
    assert part["designated"] == [{"id": "E007", "reason": "rare specialty", "approver": "处长"}]


def test_too_few_eligible_experts_is_infeasible_and_names_pool_and_group():
    with pytest.raises(DrawInfeasible) as e:
        draw_experts(SEED, POOL[:4], subject="P1/G2", headcount=3,
                     previous=[POOL[:2], POOL[:2]])
    assert e.value.subject == "P1/G2" and e.value.rule == "DRAW-62"


def test_top_up_with_nobody_left_is_infeasible():
    part = draw_experts(SEED, POOL[:2], subject="P/G", headcount=2)
    with pytest.raises(DrawInfeasible) as e:
        top_up(SEED, part, POOL[:2], Decline(part["panel"][0], "declined"), subject="P/G")
    assert e.value.rule == "DRAW-63"


def test_decline_of_someone_not_on_the_panel_is_refused():
    part = draw_experts(SEED, POOL, subject="P/G", headcount=2)
    outsider = next(x for x in POOL if x not in part["panel"])
    with pytest.raises(InvalidInput):
        top_up(SEED, part, POOL, Decline(outsider, "declined"), subject="P/G")
    with pytest.raises(InvalidInput):
        top_up(SEED, part, POOL, Decline(part["panel"][0], "bored"), subject="P/G")


@pytest.mark.parametrize("kw", [{"headcount": 0}, {"headcount": 1, "designated": [
    Designation("E1", "r", "a"), Designation("E2", "r", "a")]}, {"headcount": 2, "designated": [
        Designation("E1", "r", "a"), Designation("E1", "r", "a")]}])
def test_bad_expert_requests_are_refused(kw):
    with pytest.raises(InvalidInput):
        draw_experts(SEED, POOL, subject="P/G", **kw)


@st.composite
def expert_registry(draw):
    """Experts with random birth dates, terms and exits, and a draw date."""
    on = draw(st.dates(date(2024, 1, 1), date(2030, 12, 31)))
    people = []
    for k in range(draw(st.integers(3, 25))):
        start = draw(st.dates(date(2020, 1, 1), date(2031, 1, 1)))
        people.append({
            "id": f"ZJ{k:03d}",
            "birth_date": draw(st.dates(date(1945, 1, 1), date(2000, 12, 31))),
            "term_start": start, "term_end": draw(st.dates(start, date(2035, 1, 1))),
            "exited_on": draw(st.none() | st.dates(date(2020, 1, 1), date(2035, 1, 1))),
            "conflicted": draw(st.integers(0, 5)) == 0,
        })
    return on, draw(st.integers(55, 75)), people


@settings(max_examples=120, deadline=None)
@given(expert_registry(), st.integers(1, 5), st.binary(min_size=32, max_size=32), st.data())
def test_no_panel_ever_seats_an_ineligible_expert(reg, headcount, seed, data):
    on, limit, people = reg
    pool = [p["id"] for p in people if expert_exclusion(
        on=on, exited_on=p["exited_on"], term_start=p["term_start"], term_end=p["term_end"],
        birth_date=p["birth_date"], age_limit=limit, conflicted=p["conflicted"]) is None]
    try:
        part = draw_experts(seed, pool, subject="P/G", headcount=headcount)
        for _ in range(data.draw(st.integers(0, 3))):
            part, _ = top_up(seed, part, pool, Decline(part["panel"][0], "declined"), subject="P/G")
    except DrawInfeasible:
        return
    by_id = {p["id"]: p for p in people}
    for x in part["panel"]:
        p = by_id[x]
        assert age_on(p["birth_date"], on) <= limit, "DRAW-60 age"
        assert p["term_start"] <= on <= p["term_end"], "DRAW-60 term"
        assert p["exited_on"] is None or p["exited_on"] > on, "DRAW-60 exited"
        assert not p["conflicted"], "DRAW-60 conflict"
