"""draw/v1 target draws (docs/draw-spec.md §6, rules DRAW-20 .. DRAW-27).

The service applies the directed filters (industry, region, item) and freezes the pool; this
module applies the yearly cap (DRAW-20), splits the eligible targets into ratio groups (DRAW-22),
computes each group's count from integer basis points (DRAW-21) and samples it, optionally
uninspected-first (DRAW-24), with partial Fisher–Yates on the group's own sub-stream (DRAW-23).

Integer arithmetic only: ``count = ceil(max(ratio_bp, min_ratio_bp) * n / 10000)``.

The pool is sampled as columns (``pool.TargetColumns``: pool positions, no record object per
target; a million-target draw reads the ids of the drawn positions only). Records are accepted
too and turned into columns first. tests/draw/draw_reference.py keeps the record-by-record
transcription of this section; a property test compares both.

API: ``RatioRule`` (``as_json``/``from_json``), ``target_eligible(record, cap, class_caps)``,
``eligible_positions(columns, cap, class_caps)``,
``target_count(eligible, ratio_bp, min_ratio_bp)``, ``group_of``, ``sample_positions``,
``draw_ratio(seed, targets, rule) -> dict`` (the result's "targets" part, DRAW-25).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import compress, repeat
from operator import lt, not_, or_
from typing import Any

from drawsvc.draw.pool import TargetColumns, TargetRecord, ids_at
from drawsvc.draw.stream import DrawStream
from drawsvc.errors import InvalidInput

BASIS_POINTS = 10_000
DEFAULT_CAP = 2
GROUP_DEFAULT = "default"
GROUP_RISK = "risk"
GROUP_STRATUM_PREFIX = "stratum:"
MAX_SAFE = 2**53 - 1  # C-3


def _bp(name: str, value: Any) -> int:
    if type(value) is not int or not 0 <= value <= BASIS_POINTS:
        raise InvalidInput(f"{name} is an integer number of basis points 0..10000", field=name,
                           rule="DRAW-21")
    return value


Targets = Sequence[TargetRecord] | TargetColumns  # a frozen pool, in pool order


def target_columns(targets: Targets) -> TargetColumns:
    """The pool as columns (records are split once; columns are taken as they are)."""
    return targets if isinstance(targets, TargetColumns) else TargetColumns.of_records(targets)


def target_eligible(record: TargetRecord, cap: int = DEFAULT_CAP,
                    class_caps: Mapping[str, int] | None = None) -> bool:
    """DRAW-20: a target checked its cap or more times this year is out, unless risk-flagged.

    Its cap is ``class_caps[record.stratum]`` when its class (the ``stratum`` field) has one,
    else ``cap`` (differentiated supervision: e.g. class D up to 4 times a year, class A once).
    """
    if class_caps:
        cap = class_caps.get(record.stratum, cap)
    return record.risk or record.checks < cap


def eligible_positions(cols: TargetColumns, cap: int, class_caps: Mapping[str, int]) -> Sequence[int]:
    """DRAW-20 over a pool: the positions of the eligible targets, in pool order — ``target_eligible``
    position by position, as C-level passes over the columns (``range(n)`` when nobody is out)."""
    checks, risk = cols.checks, cols.risk
    n = len(checks)
    if not class_caps:
        if not n or max(checks) < cap:  # nobody at the cap: one C-level pass
            return range(n)
        caps: Any = repeat(cap)
    else:
        caps = map(class_caps.get, cols.strata, repeat(cap))
    return list(compress(range(n), map(or_, map(bool, risk), map(lt, checks, caps))))


def target_count(eligible: int, ratio_bp: int, min_ratio_bp: int = 0) -> int:
    """DRAW-21: ``ceil(max(ratio_bp, min_ratio_bp) * eligible / 10000)``, integers only."""
    bp = max(_bp("ratio_bp", ratio_bp), _bp("min_ratio_bp", min_ratio_bp))
    if type(eligible) is not int or eligible < 0:
        raise InvalidInput("eligible is a non-negative integer", field="eligible", rule="DRAW-21")
    return (bp * eligible + BASIS_POINTS - 1) // BASIS_POINTS


@dataclass(frozen=True)
class RatioRule:
    """Ratio-mode target rule (spec §6).

    ``ratio_bp``: default ratio; ``min_ratio_bp``: the item's minimum ratio (a floor for every
    group); ``class_ratio_bp``: own ratios for strata (credit classes A/B/C/D, 信用风险分类);
    ``risk_ratio_bp``: own ratio for risk-flagged targets (None: they stay in their stratum group);
    ``cap``: yearly cap (DRAW-20); ``class_caps``: own yearly caps for classes (strata), overriding
    ``cap`` (DRAW-20; omitted from ``as_json`` when empty); ``uninspected_first``: two tiers (DRAW-24).
    """

    ratio_bp: int
    min_ratio_bp: int = 0
    class_ratio_bp: Mapping[str, int] = field(default_factory=dict)
    risk_ratio_bp: int | None = None
    cap: int = DEFAULT_CAP
    uninspected_first: bool = False
    class_caps: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _bp("ratio_bp", self.ratio_bp)
        _bp("min_ratio_bp", self.min_ratio_bp)
        if not isinstance(self.class_ratio_bp, Mapping):
            raise InvalidInput("class ratios map classes to basis points", field="class_ratio_bp",
                               rule="DRAW-22")
        if type(self.uninspected_first) is not bool:
            raise InvalidInput("uninspected_first is a boolean", field="uninspected_first", rule="DRAW-24")
        for k, v in self.class_ratio_bp.items():
            if type(k) is not str:
                raise InvalidInput("class names are strings", field="class_ratio_bp", rule="DRAW-22")
            _bp(f"class_ratio_bp.{k}", v)
        if self.risk_ratio_bp is not None:
            _bp("risk_ratio_bp", self.risk_ratio_bp)
        _check_cap(self.cap)
        _check_class_caps(self.class_caps)

    def as_json(self) -> dict[str, Any]:
        out = {"mode": "ratio", "ratio_bp": self.ratio_bp, "min_ratio_bp": self.min_ratio_bp,
               "class_ratio_bp": dict(sorted(self.class_ratio_bp.items())),
               "risk_ratio_bp": self.risk_ratio_bp, "cap": self.cap,
               "uninspected_first": self.uninspected_first}
        return with_class_caps(out, self.class_caps)

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> RatioRule:
        return cls(ratio_bp=obj["ratio_bp"], min_ratio_bp=obj.get("min_ratio_bp", 0),
                   class_ratio_bp=dict(obj.get("class_ratio_bp", {})),
                   risk_ratio_bp=obj.get("risk_ratio_bp"), cap=obj.get("cap", DEFAULT_CAP),
                   uninspected_first=obj.get("uninspected_first", False),
                   class_caps=dict(obj.get("class_caps", {})))


def _check_cap(cap: Any) -> None:
    if type(cap) is not int or cap < 1:
        raise InvalidInput("the yearly cap is an integer >= 1", field="cap", rule="DRAW-20")


def _check_class_caps(class_caps: Any) -> None:
    if not isinstance(class_caps, Mapping) or not all(
        type(k) is str and type(v) is int and 1 <= v <= MAX_SAFE for k, v in class_caps.items()
    ):
        raise InvalidInput("class caps map classes to integers >= 1", field="class_caps", rule="DRAW-20")


def with_class_caps(rule_json: dict[str, Any], class_caps: Mapping[str, int]) -> dict[str, Any]:
    """DRAW-20: ``class_caps`` enters the rule object only when non-empty (rules without it keep
    their earlier bytes)."""
    if class_caps:
        rule_json["class_caps"] = dict(sorted(class_caps.items()))
    return rule_json


def group_of(record: TargetRecord, rule: RatioRule) -> str:
    """DRAW-22: "risk" (if risk_ratio_bp set and flagged), "stratum:<s>" (own ratio), else "default"."""
    return _group(record.stratum, record.risk, rule)


def _group(stratum: str, risk: bool, rule: RatioRule) -> str:
    if risk and rule.risk_ratio_bp is not None:
        return GROUP_RISK
    if stratum in rule.class_ratio_bp:
        return GROUP_STRATUM_PREFIX + stratum
    return GROUP_DEFAULT


def group_ratio(group: str, rule: RatioRule) -> int:
    if group == GROUP_RISK:
        assert rule.risk_ratio_bp is not None
        return rule.risk_ratio_bp
    if group.startswith(GROUP_STRATUM_PREFIX):
        return rule.class_ratio_bp[group[len(GROUP_STRATUM_PREFIX):]]
    return rule.ratio_bp


def sample_positions(
    stream: DrawStream, cols: TargetColumns, members: Sequence[int], count: int, *, uninspected_first: bool
) -> list[str]:
    """Draw ``count`` ids from the targets at pool positions ``members`` (in pool order) (DRAW-23,
    DRAW-24).

    Without tiers: ``stream.sample(len(members), count)``. With tiers: tier 1 = ``checks == 0``,
    tier 2 = the rest (both in pool order); draw ``min(count, len(tier1))`` from tier 1, then the
    remainder from tier 2, on the same stream.
    """
    if count > len(members):
        raise InvalidInput("count exceeds the group", field="count", rule="DRAW-21")
    ids = cols.ids
    if not uninspected_first:
        return ids_at(ids, map(members.__getitem__, stream.sample(len(members), count)))
    checks = cols.checks
    # checks == 0 per member (checks are integers >= 0, DRAW-18)
    member_checks = checks if members == range(len(checks)) else map(checks.__getitem__, members)
    uninspected = list(map(not_, member_checks))
    tier1 = list(compress(members, uninspected))
    tier2 = list(compress(members, map(not_, uninspected)))
    k1 = min(count, len(tier1))
    out = ids_at(ids, map(tier1.__getitem__, stream.sample(len(tier1), k1)))
    return out + ids_at(ids, map(tier2.__getitem__, stream.sample(len(tier2), count - k1)))


def draw_ratio(seed: bytes, targets: Targets, rule: RatioRule) -> dict[str, Any]:
    """Ratio-mode draw over a frozen, sorted pool (spec §6). Returns the "targets" result part."""
    cols = target_columns(targets)
    eligible = eligible_positions(cols, rule.cap, rule.class_caps)
    groups: dict[str, Sequence[int]] = {}
    if not rule.class_ratio_bp and rule.risk_ratio_bp is None:
        if eligible:
            groups[GROUP_DEFAULT] = eligible
    else:
        strata, risk = cols.strata, cols.risk
        for k in eligible:
            groups.setdefault(_group(strata[k], risk[k], rule), []).append(k)  # type: ignore[attr-defined]
    out_groups = []
    selected: list[str] = []
    for key in sorted(groups):
        members = groups[key]
        ratio = group_ratio(key, rule)
        count = target_count(len(members), ratio, rule.min_ratio_bp)
        stream = DrawStream.derived(seed, ["targets", key])
        ids = sample_positions(stream, cols, members, count, uninspected_first=rule.uninspected_first)
        selected += ids
        out_groups.append({"group": key, "eligible": len(members), "ratio_bp": max(ratio, rule.min_ratio_bp),
                           "count": count, "selected": ids, "position": stream.position})
    return {"mode": "ratio", "pool": len(cols.ids), "eligible": len(eligible), "groups": out_groups,
            "selected": selected}
