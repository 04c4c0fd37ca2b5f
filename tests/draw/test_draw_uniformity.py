"""Selection is uniform among eligible candidates: chi-square tests over a fixed seed list.

Deterministic (the seeds are SHA-256 of fixed strings) and fast (< 5 s). Critical values are for
p = 0.001, so a correct implementation fails none of these by chance with these fixed seeds, and
an off-by-one or a biased reduction (e.g. ``x mod n`` without rejection on a small range, always
skipping the first candidate, favouring low loads wrongly) fails them.
"""

from __future__ import annotations

import hashlib
from collections import Counter

from drawsvc.draw.experts import draw_experts
from drawsvc.draw.pool import InspectorRecord, TargetRecord, freeze_inspectors, freeze_targets
from drawsvc.draw.stratify import allocate
from drawsvc.draw.stream import DrawStream
from drawsvc.draw.targets import RatioRule, draw_ratio
from drawsvc.draw.teams import Avoidance, TeamRule, assign_teams

# chi-square critical values at p = 0.001 by degrees of freedom
CHI2_999 = {2: 13.816, 3: 16.266, 5: 20.515, 7: 24.322, 11: 31.264, 19: 43.820, 29: 59.703}
SEEDS = [hashlib.sha256(b"draw/v1 uniformity %d" % i).digest() for i in range(3000)]


def chi2(counts: Counter, cells: list, expected: float) -> float:
    return sum((counts[c] - expected) ** 2 / expected for c in cells)


def test_uniform_integers_are_uniform():
    s = DrawStream(SEEDS[0])
    counts = Counter(s.uniform(12) for _ in range(24_000))
    assert chi2(counts, list(range(12)), 2000) < CHI2_999[11]


def test_target_selection_is_uniform_among_eligible_targets():
    recs = [TargetRecord(f"91350100M{k:09d}", "", 2 if k % 4 == 0 else 0) for k in range(40)]
    pool = freeze_targets(recs).records
    eligible = [r.id for r in pool if r.checks < 2]
    counts: Counter = Counter()
    rule = RatioRule(ratio_bp=1000)  # 10 % of 30 eligible = 3 per draw
    for seed in SEEDS:
        counts.update(draw_ratio(seed, pool, rule)["selected"])
    assert set(counts) == set(eligible), "a capped target was drawn or an eligible one never"
    assert chi2(counts, eligible, len(SEEDS) * 3 / 30) < CHI2_999[29]


def test_team_slots_are_uniform_among_eligible_inspectors():
    pool = freeze_inspectors(InspectorRecord(f"ZF{k:02d}", "D", True) for k in range(10)).records
    target = "91350100M000000001"
    avoided = {pool[2].id, pool[7].id}
    avoid = Avoidance.from_pairs(b"s" * 16, [(p, target) for p in avoided])
    leaders: Counter = Counter()
    seconds: Counter = Counter()
    for seed in SEEDS:
        members = assign_teams(seed, [target], pool, TeamRule(), avoid)["assignments"][0]["members"]
        leaders[members[0]["id"]] += 1
        seconds[members[1]["id"]] += 1
    eligible = [r.id for r in pool if r.id not in avoided]
    assert not avoided & (set(leaders) | set(seconds))
    assert chi2(leaders, eligible, len(SEEDS) / 8) < CHI2_999[7]
    assert chi2(seconds, eligible, len(SEEDS) / 8) < CHI2_999[7]


def test_expert_selection_is_uniform_among_candidates_not_sitting_out():
    pool = [f"E{k:02d}" for k in range(14)]
    prev = [pool[:4], pool[2:6]]  # E02, E03 sit out
    counts: Counter = Counter()
    for seed in SEEDS:
        counts.update(draw_experts(seed, pool, subject="P/G", headcount=3, previous=prev)["sequence"])
    cells = [x for x in pool if x not in ("E02", "E03")]
    assert set(counts) == set(cells)
    assert chi2(counts, cells, len(SEEDS) * 3 / 12) < CHI2_999[11]


def test_allocation_ties_are_broken_uniformly():
    counts: Counter = Counter()
    for seed in SEEDS[:1500]:
        counts.update(allocate({"A": 10, "B": 10, "C": 10, "D": 10}, 5, {}, DrawStream(seed)).tie_winners)
    assert chi2(counts, ["A", "B", "C", "D"], 1500 / 4) < CHI2_999[3]
