"""draw/v1 stratified draws (docs/draw-spec.md §7, rules DRAW-30 .. DRAW-36).

``allocate`` splits a total sample across strata in proportion to their sizes, with per-stratum
minimums, no stratum above its size, exact integer arithmetic, and largest-remainder rounding
whose boundary ties are broken by the ``["allocation"]`` sub-stream (DRAW-33, DRAW-34).
``draw_stratified`` then samples each stratum on its own ``["stratum", key]`` sub-stream (DRAW-35).

Allocation (DRAW-33), with ``N_s`` the stratum sizes, ``m_s`` the minimums, ``T`` the total:

1. ``F`` (strata fixed at their minimum) starts empty.
2. ``R = T - sum(m_s for s in F)``, ``U`` = the other strata, ``N_U = sum(N_s for s in U)``.
3. Every ``s`` in ``U`` with ``R * N_s < m_s * N_U`` joins ``F``; if any joined, go to 2.
4. For ``s`` in ``U``: ``a_s = floor(R * N_s / N_U)``, remainder ``r_s = R * N_s mod N_U``.
   ``L = R - sum(a_s)`` strata get one more: those with the ``L`` largest remainders; if the
   ``L``-th largest remainder ``t`` is shared by more strata than places left, the strata with
   ``r_s > t`` get one each and the ``L - |{r_s > t}|`` others are chosen among the tied strata
   (sorted by key) with ``sample(len(tied), places)`` on the allocation stream.

API: ``allocate(sizes, total, minimums, stream) -> Allocation(counts, tie_winners, position)``,
``StratifiedRule`` (``as_json``/``from_json``), ``draw_stratified(seed, targets, rule) -> dict``
(the result's "targets" part, DRAW-36).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from drawsvc.draw.stream import DrawStream
from drawsvc.draw.targets import (
    DEFAULT_CAP,
    Targets,
    _bp,
    _check_cap,
    _check_class_caps,
    eligible_positions,
    sample_positions,
    target_columns,
    target_count,
    with_class_caps,
)
from drawsvc.errors import DrawInfeasible, InvalidInput


@dataclass(frozen=True)
class Allocation:
    """Result of ``allocate``: counts per stratum (key order), strata given +1 by the stream."""

    counts: dict[str, int]
    tie_winners: list[str]
    position: int


def allocate(
    sizes: Mapping[str, int], total: int, minimums: Mapping[str, int], stream: DrawStream
) -> Allocation:
    """Proportional allocation with minimums and largest remainder (DRAW-30 .. DRAW-34)."""
    strata = sorted(sizes)
    if type(total) is not int or total < 0:
        raise InvalidInput("the total is a non-negative integer", field="total", rule="DRAW-30")
    for s in strata:
        if type(sizes[s]) is not int or sizes[s] < 1:
            raise InvalidInput("a stratum size is a positive integer", field=f"sizes.{s}", rule="DRAW-30")
    for s in sorted(minimums):
        m = minimums[s]
        if type(m) is not int or m < 0:
            raise InvalidInput("a stratum minimum is a non-negative integer", field=f"minimums.{s}",
                               rule="DRAW-31")
        if m > sizes.get(s, 0):
            raise DrawInfeasible(f"stratum {s!r} has {sizes.get(s, 0)} eligible targets, fewer than its "
                                 f"minimum {m}", rule="DRAW-31", subject=s)
    pool = sum(sizes.values())
    if total > pool:
        raise DrawInfeasible(f"the total {total} exceeds the {pool} eligible targets", rule="DRAW-30",
                             subject="total")
    need = sum(minimums.get(s, 0) for s in strata)
    if need > total:
        raise DrawInfeasible(f"the minimums add up to {need}, more than the total {total}", rule="DRAW-32",
                             subject="total")
    fixed: dict[str, int] = {}
    while True:
        free = [s for s in strata if s not in fixed]
        rest = total - sum(fixed.values())
        n_free = sum(sizes[s] for s in free)
        joined = [s for s in free if rest * sizes[s] < minimums.get(s, 0) * n_free]
        if not joined:
            break
        for s in joined:
            fixed[s] = minimums.get(s, 0)
    counts = dict(fixed)
    remainders: dict[str, int] = {}
    for s in free:
        counts[s], remainders[s] = divmod(rest * sizes[s], n_free)
    left = rest - sum(counts[s] for s in free)
    winners: list[str] = []
    if left > 0:
        ranked = sorted((remainders[s] for s in free), reverse=True)
        t = ranked[left - 1]
        above = [s for s in free if remainders[s] > t]
        tied = [s for s in free if remainders[s] == t]
        places = left - len(above)
        if places == len(tied):
            chosen = tied
        else:
            chosen = [tied[i] for i in stream.sample(len(tied), places)]
            winners = chosen
        for s in above + chosen:
            counts[s] += 1
    return Allocation({s: counts[s] for s in strata}, winners, stream.position)


@dataclass(frozen=True)
class StratifiedRule:
    """Stratified-mode target rule (spec §7): a fixed ``count`` or a ratio of the eligible pool."""

    count: int | None = None
    ratio_bp: int | None = None
    min_ratio_bp: int = 0
    minimums: Mapping[str, int] = field(default_factory=dict)
    cap: int = DEFAULT_CAP
    uninspected_first: bool = False
    class_caps: Mapping[str, int] = field(default_factory=dict)  # per stratum, overriding cap (DRAW-20)

    def __post_init__(self) -> None:
        if (self.count is None) == (self.ratio_bp is None):
            raise InvalidInput("give exactly one of count and ratio_bp", field="count", rule="DRAW-30")
        if self.count is not None and (type(self.count) is not int or self.count < 0):
            raise InvalidInput("count is a non-negative integer", field="count", rule="DRAW-30")
        if self.ratio_bp is not None:
            _bp("ratio_bp", self.ratio_bp)
        _bp("min_ratio_bp", self.min_ratio_bp)
        _check_cap(self.cap)
        _check_class_caps(self.class_caps)
        if not isinstance(self.minimums, Mapping) or not all(
            isinstance(k, str) and type(v) is int and v >= 0 for k, v in self.minimums.items()
        ):
            raise InvalidInput("minimums map strata to non-negative integers", field="minimums",
                               rule="DRAW-31")
        if type(self.uninspected_first) is not bool:
            raise InvalidInput("uninspected_first is a boolean", field="uninspected_first", rule="DRAW-24")

    def as_json(self) -> dict[str, Any]:
        out = {"mode": "stratified", "count": self.count, "ratio_bp": self.ratio_bp,
               "min_ratio_bp": self.min_ratio_bp, "minimums": dict(sorted(self.minimums.items())),
               "cap": self.cap, "uninspected_first": self.uninspected_first}
        return with_class_caps(out, self.class_caps)

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> StratifiedRule:
        return cls(count=obj.get("count"), ratio_bp=obj.get("ratio_bp"),
                   min_ratio_bp=obj.get("min_ratio_bp", 0), minimums=dict(obj.get("minimums", {})),
                   cap=obj.get("cap", DEFAULT_CAP), uninspected_first=obj.get("uninspected_first", False),
                   class_caps=dict(obj.get("class_caps", {})))


def draw_stratified(seed: bytes, targets: Targets, rule: StratifiedRule) -> dict[str, Any]:
    """Cap (DRAW-20), allocate (DRAW-33), sample each stratum on its own sub-stream (DRAW-35).
    The pool is sampled as columns (pool positions), as in ``targets.draw_ratio``."""
    cols = target_columns(targets)
    eligible = eligible_positions(cols, rule.cap, rule.class_caps)
    strata_of = cols.strata
    by_stratum: dict[str, list[int]] = {}
    for k in eligible:
        by_stratum.setdefault(strata_of[k], []).append(k)
    if rule.count is not None:
        total = rule.count
    else:
        assert rule.ratio_bp is not None
        total = target_count(len(eligible), rule.ratio_bp, rule.min_ratio_bp)
    alloc_stream = DrawStream.derived(seed, ["allocation"])
    alloc = allocate({s: len(v) for s, v in by_stratum.items()}, total, rule.minimums, alloc_stream)
    strata = []
    selected: list[str] = []
    for s, k in alloc.counts.items():
        stream = DrawStream.derived(seed, ["stratum", s])
        ids = sample_positions(stream, cols, by_stratum[s], k, uninspected_first=rule.uninspected_first)
        selected += ids
        strata.append({"stratum": s, "size": len(by_stratum[s]), "minimum": rule.minimums.get(s, 0),
                       "allocated": k, "selected": ids, "position": stream.position})
    return {"mode": "stratified", "pool": len(cols.ids), "eligible": len(eligible), "total": total,
            "tie_winners": alloc.tie_winners, "allocation_position": alloc.position,
            "strata": strata, "selected": selected}
