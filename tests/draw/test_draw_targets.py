"""Target draws, ratio mode (docs/draw-spec.md §6)."""

from __future__ import annotations

import hashlib
from fractions import Fraction
from math import ceil

import pytest
from draw_reference import RefStream, ref_substream_seed
from hypothesis import given, settings
from hypothesis import strategies as st

from drawsvc.draw.pool import TargetRecord, freeze_targets
from drawsvc.draw.targets import RatioRule, draw_ratio, target_count, target_eligible
from drawsvc.errors import InvalidInput

SEED = hashlib.sha256(b"targets").digest()


def _pool(n: int, **kw):
    recs = [TargetRecord(f"91350100M{k:09d}", kw.get("stratum", "ABCD"[k % 4]), k % 3, k % 11 == 0)
            for k in range(n)]
    return freeze_targets(recs).records


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 10**6), st.integers(0, 10_000), st.integers(0, 10_000))
def test_count_is_ceil_of_the_max_ratio_in_exact_arithmetic(n, r, m):
    assert target_count(n, r, m) == ceil(Fraction(max(r, m) * n, 10_000))


def test_minimum_ratio_is_a_floor():
    assert target_count(1000, 100, 300) == 30
    assert target_count(1000, 500, 300) == 50
    assert target_count(1, 1, 0) == 1  # any positive ratio of a non-empty group draws one
    assert target_count(0, 5000, 0) == 0


@pytest.mark.parametrize("bad", [-1, 10_001, 2.5, True])
def test_ratios_are_integer_basis_points(bad):
    with pytest.raises(InvalidInput):
        RatioRule(ratio_bp=bad)


def test_cap_excludes_targets_checked_cap_times_unless_risk_flagged():
    assert target_eligible(TargetRecord("9" * 18, checks=1), cap=2)
    assert not target_eligible(TargetRecord("9" * 18, checks=2), cap=2)
    assert target_eligible(TargetRecord("9" * 18, checks=5, risk=True), cap=2)
    assert not target_eligible(TargetRecord("9" * 18, checks=3), cap=3)


def test_cap_must_be_positive():
    with pytest.raises(InvalidInput):
        RatioRule(ratio_bp=100, cap=0)


def test_capped_targets_are_never_drawn():
    recs = _pool(300)
    part = draw_ratio(SEED, recs, RatioRule(ratio_bp=10_000))
    by_id = {r.id: r for r in recs}
    assert part["selected"], "a 100 % draw selected nothing"
    assert all(by_id[i].checks < 2 or by_id[i].risk for i in part["selected"])
    assert part["eligible"] == sum(1 for r in recs if r.checks < 2 or r.risk) == len(part["selected"])


def test_single_group_draw_is_sample_on_the_targets_default_substream():
    recs = _pool(500)
    part = draw_ratio(SEED, recs, RatioRule(ratio_bp=500, cap=100))
    ref = RefStream(ref_substream_seed(SEED, ["targets", "default"]))
    assert part["selected"] == [recs[i].id for i in ref.sample(500, 25)]
    assert part["groups"][0]["position"] == ref.pos


def test_risk_and_class_groups_use_their_own_ratios():
    recs = _pool(1000)
    rule = RatioRule(ratio_bp=300, class_ratio_bp={"D": 2000}, risk_ratio_bp=5000, min_ratio_bp=500)
    part = draw_ratio(SEED, recs, rule)
    groups = {g["group"]: g for g in part["groups"]}
    assert list(groups) == ["default", "risk", "stratum:D"]
    eligible = [r for r in recs if r.checks < 2 or r.risk]
    risk = [r for r in eligible if r.risk]
    d = [r for r in eligible if not r.risk and r.stratum == "D"]
    assert groups["risk"]["count"] == target_count(len(risk), 5000)
    assert groups["stratum:D"]["count"] == target_count(len(d), 2000)
    assert groups["default"]["ratio_bp"] == 500  # the minimum ratio floors the 3 % default
    by_id = {r.id: r for r in recs}
    assert all(by_id[i].risk for i in groups["risk"]["selected"])
    assert all(by_id[i].stratum == "D" and not by_id[i].risk for i in groups["stratum:D"]["selected"])
    assert part["selected"] == [i for g in part["groups"] for i in g["selected"]]


def test_uninspected_first_takes_tier_one_before_tier_two():
    recs = _pool(300)
    part = draw_ratio(SEED, recs, RatioRule(ratio_bp=5000, uninspected_first=True))
    by_id = {r.id: r for r in recs}
    checks = [by_id[i].checks for i in part["selected"]]
    n0 = sum(1 for r in recs if r.checks == 0)
    assert len(checks) > n0, "the test needs a count above tier 1"
    assert checks[:n0] == [0] * n0 and all(c > 0 for c in checks[n0:])


def test_uninspected_first_small_count_uses_only_tier_one():
    recs = _pool(300)
    part = draw_ratio(SEED, recs, RatioRule(ratio_bp=100, uninspected_first=True))
    by_id = {r.id: r for r in recs}
    assert part["selected"] and all(by_id[i].checks == 0 for i in part["selected"])


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 200), st.integers(0, 10_000), st.booleans(), st.binary(min_size=32, max_size=32))
def test_ratio_draw_is_deterministic_distinct_and_within_counts(n, bp, tiers, seed):
    recs = _pool(n)
    rule = RatioRule(ratio_bp=bp, class_ratio_bp={"A": 10_000 - bp}, risk_ratio_bp=bp // 2,
                     uninspected_first=tiers)
    a, b = draw_ratio(seed, recs, rule), draw_ratio(seed, recs, rule)
    assert a == b
    assert len(set(a["selected"])) == len(a["selected"])
    for g in a["groups"]:
        assert len(g["selected"]) == g["count"] == target_count(g["eligible"], g["ratio_bp"])


@st.composite
def target_pools(draw):
    n = draw(st.integers(0, 80))
    recs = [TargetRecord(f"91350100M{k:09d}", draw(st.sampled_from("ABC")), draw(st.integers(0, 4)),
                         draw(st.booleans())) for k in range(n)]
    return freeze_targets(recs).records


@settings(max_examples=120, deadline=None)
@given(target_pools(), st.integers(1, 4), st.integers(0, 10_000), st.booleans(),
       st.binary(min_size=32, max_size=32))
def test_no_draw_ever_selects_a_capped_target(recs, cap, bp, stratified, seed):
    from drawsvc.draw.stratify import StratifiedRule, draw_stratified

    if stratified:
        part = draw_stratified(seed, recs, StratifiedRule(ratio_bp=bp, cap=cap))
    else:
        part = draw_ratio(seed, recs, RatioRule(ratio_bp=bp, risk_ratio_bp=bp // 3, cap=cap))
    by_id = {r.id: r for r in recs}
    eligible = [r for r in recs if r.checks < cap or r.risk]
    assert part["eligible"] == len(eligible)
    assert all(by_id[i].checks < cap or by_id[i].risk for i in part["selected"]), "DRAW-20 cap"
    assert len(set(part["selected"])) == len(part["selected"])


# --- per-class yearly caps (DRAW-20 class_caps, differentiated supervision) ---------------------


def test_a_class_d_target_checked_twice_is_drawable_under_its_class_cap_of_4():
    d = TargetRecord("91350100M000000001", "D", 2, False)
    assert not target_eligible(d, cap=2)
    assert target_eligible(d, cap=2, class_caps={"A": 1, "D": 4})
    assert not target_eligible(TargetRecord("91350100M000000001", "D", 4, False), cap=2, class_caps={"D": 4})
    part = draw_ratio(SEED, [d], RatioRule(ratio_bp=10_000, class_caps={"A": 1, "D": 4}))
    assert part["eligible"] == 1 and part["selected"] == [d.id]


def test_a_class_a_target_checked_once_is_not_drawable_under_its_class_cap_of_1():
    a = TargetRecord("91350100M000000002", "A", 1, False)
    assert target_eligible(a, cap=2)
    assert not target_eligible(a, cap=2, class_caps={"A": 1, "D": 4})
    assert target_eligible(a._replace(risk=True), cap=2, class_caps={"A": 1})  # risk-flagged: exempt
    part = draw_ratio(SEED, [a], RatioRule(ratio_bp=10_000, class_caps={"A": 1, "D": 4}))
    assert part["eligible"] == 0 and part["selected"] == []


def test_class_caps_are_left_out_of_the_rule_object_when_empty():
    from drawsvc.draw.stratify import StratifiedRule

    assert "class_caps" not in RatioRule(ratio_bp=100).as_json()
    assert "class_caps" not in StratifiedRule(count=3).as_json()
    rule = RatioRule(ratio_bp=100, class_caps={"D": 4, "A": 1})
    assert rule.as_json()["class_caps"] == {"A": 1, "D": 4}
    assert RatioRule.from_json(rule.as_json()) == rule
    srule = StratifiedRule(count=3, class_caps={"A": 1})
    assert StratifiedRule.from_json(srule.as_json()) == srule


@pytest.mark.parametrize("bad", [{"A": 0}, {"A": -1}, {"A": 1.0}, {"A": True}, {1: 2}, ["A"], {"A": 2**53}])
def test_class_caps_are_positive_integers_by_class(bad):
    from drawsvc.draw.stratify import StratifiedRule

    with pytest.raises(InvalidInput) as e:
        RatioRule(ratio_bp=100, class_caps=bad)
    assert e.value.rule == "DRAW-20"
    with pytest.raises(InvalidInput):
        StratifiedRule(count=1, class_caps=bad)


@settings(max_examples=120, deadline=None)
@given(target_pools(), st.integers(1, 4), st.dictionaries(st.sampled_from("ABC"), st.integers(1, 5)),
       st.integers(0, 10_000), st.booleans(), st.binary(min_size=32, max_size=32))
def test_no_draw_ever_selects_a_target_over_its_class_cap(recs, cap, caps, bp, stratified, seed):
    from drawsvc.draw.stratify import StratifiedRule, draw_stratified

    if stratified:
        part = draw_stratified(seed, recs, StratifiedRule(ratio_bp=bp, cap=cap, class_caps=caps))
    else:
        part = draw_ratio(seed, recs, RatioRule(ratio_bp=bp, class_ratio_bp={"A": bp // 2}, cap=cap,
                                                class_caps=caps))
    by_id = {r.id: r for r in recs}

    def ok(r: TargetRecord) -> bool:
        return r.risk or r.checks < caps.get(r.stratum, cap)

    assert part["eligible"] == sum(1 for r in recs if ok(r))
    assert all(ok(by_id[i]) for i in part["selected"]), "DRAW-20 class cap"
    if not caps:  # without class caps the result is the one of the single cap
        plain = (draw_stratified(seed, recs, StratifiedRule(ratio_bp=bp, cap=cap)) if stratified else
                 draw_ratio(seed, recs, RatioRule(ratio_bp=bp, class_ratio_bp={"A": bp // 2}, cap=cap)))
        assert plain == part


# --- columns (the engine) against records (the reference) ---------------------------------------


@st.composite
def ratio_rules(draw):
    return RatioRule(
        ratio_bp=draw(st.integers(0, 10_000)),
        min_ratio_bp=draw(st.sampled_from([0, 0, 2_500])),
        class_ratio_bp=draw(st.dictionaries(st.sampled_from("ABC"), st.integers(0, 10_000), max_size=2)),
        risk_ratio_bp=draw(st.none() | st.integers(0, 10_000)),
        cap=draw(st.integers(1, 5)),
        uninspected_first=draw(st.booleans()),
        class_caps=draw(st.dictionaries(st.sampled_from("ABC"), st.integers(1, 5), max_size=2)),
    )


@settings(max_examples=300, deadline=None)
@given(target_pools(), ratio_rules(), st.binary(min_size=32, max_size=32))
def test_ratio_draw_over_columns_picks_exactly_what_the_record_reference_picks(recs, rule, seed):
    from draw_reference import ref_draw_ratio

    from drawsvc.draw.pool import TargetColumns, freeze_target_columns

    expected = ref_draw_ratio(seed, recs, rule)
    assert draw_ratio(seed, recs, rule) == expected  # records in: split into columns first
    cols = TargetColumns.of_records(recs)
    assert draw_ratio(seed, cols, rule) == expected
    if recs:  # the engine's input: a pool frozen from columns, which builds no records
        pool = freeze_target_columns(cols)
        assert draw_ratio(seed, pool.columns, rule) == expected and pool._records is None


@settings(max_examples=300, deadline=None)
@given(target_pools(), st.booleans(), st.integers(0, 30), st.integers(0, 10_000), st.integers(1, 5),
       st.dictionaries(st.sampled_from("ABC"), st.integers(1, 5), max_size=2),
       st.dictionaries(st.sampled_from("ABC"), st.integers(0, 3), max_size=2), st.booleans(),
       st.binary(min_size=32, max_size=32))
def test_stratified_draw_over_columns_picks_exactly_what_the_record_reference_picks(
    recs, by_count, count, bp, cap, caps, minimums, tiers, seed
):
    from draw_reference import ref_draw_stratified

    from drawsvc.draw.pool import TargetColumns
    from drawsvc.draw.stratify import StratifiedRule, draw_stratified
    from drawsvc.errors import DrawInfeasible

    rule = StratifiedRule(count=count if by_count else None, ratio_bp=None if by_count else bp, cap=cap,
                          class_caps=caps, minimums=minimums, uninspected_first=tiers)
    try:
        expected = ref_draw_stratified(seed, recs, rule)
    except DrawInfeasible as exc:
        for given_ in (recs, TargetColumns.of_records(recs)):
            with pytest.raises(DrawInfeasible) as again:
                draw_stratified(seed, given_, rule)
            assert (again.value.rule, again.value.subject) == (exc.rule, exc.subject)
        return
    assert draw_stratified(seed, recs, rule) == expected
    assert draw_stratified(seed, TargetColumns.of_records(recs), rule) == expected


def test_engine_draws_from_the_columns_of_a_pool_frozen_from_columns_without_building_records():
    from drawsvc.draw.pool import TargetColumns, assume_frozen_columns, freeze_target_columns

    recs = _pool(300)
    cols = TargetColumns.of_records(recs)
    rule = RatioRule(ratio_bp=1_000, cap=2, uninspected_first=True)
    for pool in (freeze_target_columns(cols), assume_frozen_columns(cols, freeze_targets(recs).root.hex())):
        assert draw_ratio(SEED, pool.columns, rule) == draw_ratio(SEED, recs, rule)
        assert pool._records is None and pool.size == 300 and pool.ids == [r.id for r in recs]
        assert pool.records == tuple(recs) and pool == freeze_targets(recs)  # built when asked
