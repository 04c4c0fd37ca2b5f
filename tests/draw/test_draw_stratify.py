"""Stratified allocation and draws (docs/draw-spec.md §7)."""

from __future__ import annotations

import hashlib
from fractions import Fraction

import pytest
from draw_reference import ref_allocation_quota
from hypothesis import given, settings
from hypothesis import strategies as st

from drawsvc.draw.pool import TargetRecord, freeze_targets
from drawsvc.draw.stratify import StratifiedRule, allocate, draw_stratified
from drawsvc.draw.stream import DrawStream
from drawsvc.errors import DrawInfeasible, InvalidInput

SEED = hashlib.sha256(b"strata").digest()


def _stream() -> DrawStream:
    return DrawStream.derived(SEED, ["allocation"])


@st.composite
def problems(draw):
    keys = draw(st.lists(st.text("ABCDEFGH", min_size=1, max_size=2), min_size=1, max_size=7, unique=True))
    sizes = {k: draw(st.integers(1, 60)) for k in keys}
    minimums = {k: draw(st.integers(0, sizes[k])) for k in keys if draw(st.booleans())}
    lo = sum(minimums.values())
    total = draw(st.integers(lo, sum(sizes.values())))
    return sizes, total, minimums


@settings(max_examples=300, deadline=None)
@given(problems())
def test_allocation_sums_to_total_respects_minimums_and_sizes(p):
    sizes, total, minimums = p
    a = allocate(sizes, total, minimums, _stream()).counts
    assert sum(a.values()) == total
    for s in sizes:
        assert minimums.get(s, 0) <= a[s] <= sizes[s]


@settings(max_examples=300, deadline=None)
@given(problems())
def test_allocation_is_within_one_of_the_water_filling_quota(p):
    sizes, total, minimums = p
    a = allocate(sizes, total, minimums, _stream()).counts
    quota = ref_allocation_quota(sizes, total, minimums)
    assert sum(quota.values()) == total
    for s in sizes:
        assert abs(a[s] - quota[s]) < 1, (s, a[s], quota[s])


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.text("ABCDEF", min_size=1, max_size=2), st.integers(1, 1000), min_size=1,
                       max_size=6), st.data())
def test_without_minimums_it_is_plain_largest_remainder(sizes, data):
    total = data.draw(st.integers(0, sum(sizes.values())))
    a = allocate(sizes, total, {}, _stream()).counts
    n = sum(sizes.values())
    for s in sizes:
        q = Fraction(total * sizes[s], n)
        assert a[s] in (q.numerator // q.denominator, -(-q.numerator // q.denominator))


def test_ties_at_the_boundary_are_broken_by_the_allocation_stream():
    sizes = {"A": 10, "B": 10, "C": 10, "D": 10}
    alloc = allocate(sizes, 6, {}, _stream())
    assert sorted(alloc.counts.values()) == [1, 1, 2, 2]
    assert len(alloc.tie_winners) == 2 and alloc.position > 0
    expected = [["A", "B", "C", "D"][i] for i in DrawStream.derived(SEED, ["allocation"]).sample(4, 2)]
    assert alloc.tie_winners == expected
    assert {s for s, c in alloc.counts.items() if c == 2} == set(expected)


def test_no_randomness_is_used_without_a_tie():
    alloc = allocate({"A": 30, "B": 10}, 5, {}, _stream())
    assert alloc.counts == {"A": 4, "B": 1} and alloc.position == 0 and alloc.tie_winners == []


def test_minimums_take_seats_from_the_proportional_share():
    alloc = allocate({"A": 90, "B": 10}, 10, {"B": 4}, _stream())
    assert alloc.counts == {"A": 6, "B": 4}


def test_minimum_above_stratum_size_is_infeasible_and_names_the_stratum():
    with pytest.raises(DrawInfeasible) as e:
        allocate({"A": 5, "B": 2}, 4, {"B": 3}, _stream())
    assert e.value.rule == "DRAW-31" and e.value.subject == "B"


def test_minimum_for_an_empty_stratum_is_infeasible():
    with pytest.raises(DrawInfeasible) as e:
        allocate({"A": 5}, 2, {"Z": 1}, _stream())
    assert e.value.subject == "Z"


def test_minimums_above_total_are_infeasible():
    with pytest.raises(DrawInfeasible) as e:
        allocate({"A": 5, "B": 5}, 3, {"A": 2, "B": 2}, _stream())
    assert e.value.rule == "DRAW-32"


def test_total_above_pool_is_infeasible():
    with pytest.raises(DrawInfeasible) as e:
        allocate({"A": 5, "B": 5}, 11, {}, _stream())
    assert e.value.rule == "DRAW-30"


def test_rule_needs_exactly_one_of_count_and_ratio():
    with pytest.raises(InvalidInput):
        StratifiedRule()
    with pytest.raises(InvalidInput):
        StratifiedRule(count=3, ratio_bp=100)


def test_stratified_draw_samples_each_stratum_on_its_own_substream():
    recs = freeze_targets(TargetRecord(f"91350100M{k:09d}", "XYZ"[k % 3] if k % 7 else "W")
                          for k in range(210)).records
    part = draw_stratified(SEED, recs, StratifiedRule(count=21, minimums={"W": 6}))
    by = {s["stratum"]: s for s in part["strata"]}
    assert by["W"]["allocated"] == 6 and sum(s["allocated"] for s in part["strata"]) == 21
    idx = {r.id: r for r in recs}
    for s in part["strata"]:
        assert all(idx[i].stratum == s["stratum"] for i in s["selected"])
        members = [r for r in recs if r.stratum == s["stratum"]]
        stream = DrawStream.derived(SEED, ["stratum", s["stratum"]])
        assert s["selected"] == [members[i].id for i in stream.sample(len(members), s["allocated"])]
    # adding a minimum elsewhere does not change a stratum's sample order, only its length
    again = draw_stratified(SEED, recs, StratifiedRule(count=21, minimums={"W": 6}))
    assert again == part
