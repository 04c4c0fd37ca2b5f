"""draw/v1 target draws (docs/draw-spec.md §6, rules DRAW-20 .. DRAW-27).

The service applies the directed filters (industry, region, item) and freezes the pool; this
module applies the yearly cap (DRAW-20), splits the eligible targets into ratio groups (DRAW-22),
computes each group's count from integer basis points (DRAW-21) and samples it, optionally
uninspected-first (DRAW-24), with partial Fisher–Yates on the group's own sub-stream (DRAW-23).

Integer arithmetic only: ``count = ceil(max(ratio_bp, min_ratio_bp) * n / 10000)``.

API: ``RatioRule`` (``as_json``/``from_json``), ``target_eligible(record, cap, class_caps)``,
``eligible_records(records, cap, class_caps)``,
``target_count(eligible, ratio_bp, min_ratio_bp)``, ``group_of``, ``sample_records``,
``draw_ratio(seed, records, rule) -> dict`` (the result's "targets" part, DRAW-25).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from drawsvc.draw.pool import TargetRecord
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


_CHECKS = itemgetter(2)  # TargetRecord.checks


def target_eligible(record: TargetRecord, cap: int = DEFAULT_CAP,
                    class_caps: Mapping[str, int] | None = None) -> bool:
    """DRAW-20: a target checked its cap or more times this year is out, unless risk-flagged.

    Its cap is ``class_caps[record.stratum]`` when its class (the ``stratum`` field) has one,
    else ``cap`` (differentiated supervision: e.g. class D up to 4 times a year, class A once).
    """
    if class_caps:
        cap = class_caps.get(record.stratum, cap)
    return record.risk or record.checks < cap


def eligible_records(records: Sequence[TargetRecord], cap: int,
                     class_caps: Mapping[str, int]) -> Sequence[TargetRecord]:
    """DRAW-20 over a pool (pool order kept)."""
    if not class_caps:
        if not records or max(map(_CHECKS, records)) < cap:  # nobody at the cap: one C-level pass
            return records
        return [r for r in records if r[3] or r[2] < cap]
    get = class_caps.get
    return [r for r in records if r[3] or r[2] < get(r[1], cap)]


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
    if record.risk and rule.risk_ratio_bp is not None:
        return GROUP_RISK
    if record.stratum in rule.class_ratio_bp:
        return GROUP_STRATUM_PREFIX + record.stratum
    return GROUP_DEFAULT


def group_ratio(group: str, rule: RatioRule) -> int:
    if group == GROUP_RISK:
        assert rule.risk_ratio_bp is not None
        return rule.risk_ratio_bp
    if group.startswith(GROUP_STRATUM_PREFIX):
        return rule.class_ratio_bp[group[len(GROUP_STRATUM_PREFIX):]]
    return rule.ratio_bp


def sample_records(
    stream: DrawStream, records: Sequence[TargetRecord], count: int, *, uninspected_first: bool
) -> list[str]:
    """Draw ``count`` ids from ``records`` (pool order) (DRAW-23, DRAW-24).

    Without tiers: ``stream.sample(len(records), count)``. With tiers: tier 1 = ``checks == 0``,
    tier 2 = the rest (both in pool order); draw ``min(count, len(tier1))`` from tier 1, then the
    remainder from tier 2, on the same stream.
    """
    if count > len(records):
        raise InvalidInput("count exceeds the group", field="count", rule="DRAW-21")
    if not uninspected_first:
        return [records[i].id for i in stream.sample(len(records), count)]
    tier1 = [r for r in records if r.checks == 0]
    tier2 = [r for r in records if r.checks != 0]
    k1 = min(count, len(tier1))
    out = [tier1[i].id for i in stream.sample(len(tier1), k1)]
    out += [tier2[i].id for i in stream.sample(len(tier2), count - k1)]
    return out


def draw_ratio(seed: bytes, records: Sequence[TargetRecord], rule: RatioRule) -> dict[str, Any]:
    """Ratio-mode draw over a frozen, sorted pool (spec §6). Returns the "targets" result part."""
    eligible = eligible_records(records, rule.cap, rule.class_caps)
    groups: dict[str, list[TargetRecord]] = {}
    if not rule.class_ratio_bp and rule.risk_ratio_bp is None:
        if eligible:
            groups[GROUP_DEFAULT] = eligible
    else:
        for r in eligible:
            groups.setdefault(group_of(r, rule), []).append(r)
    out_groups = []
    selected: list[str] = []
    for key in sorted(groups):
        members = groups[key]
        ratio = group_ratio(key, rule)
        count = target_count(len(members), ratio, rule.min_ratio_bp)
        stream = DrawStream.derived(seed, ["targets", key])
        ids = sample_records(stream, members, count, uninspected_first=rule.uninspected_first)
        selected += ids
        out_groups.append({"group": key, "eligible": len(members), "ratio_bp": max(ratio, rule.min_ratio_bp),
                           "count": count, "selected": ids, "position": stream.position})
    return {"mode": "ratio", "pool": len(records), "eligible": len(eligible), "groups": out_groups,
            "selected": selected}
