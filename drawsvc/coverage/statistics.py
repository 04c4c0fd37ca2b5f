"""Coverage and fairness statistics (docs/specs/coverage.md): pure arithmetic on counted groups.

The queries (``drawsvc.coverage.repository``) hand over small grouped counts; everything here
works on those plain values and returns plain dicts (JSON as it stands), so the public site
can chart them and another implementation can recompute them. Integers only: ratios are basis
points rounded down, the number a minimum ratio requires is rounded up (DRAW-21's
``target_count``), so ``meets`` never depends on floating point.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from drawsvc.draw.targets import BASIS_POINTS, target_count
from drawsvc.registries.models import CREDIT_CLASSES, DEFAULT_CAP_PER_TARGET_PER_YEAR

COVERAGE_SPEC = "drawsvc/coverage/v1"
CHARTS_SPEC = "drawsvc/coverage-charts/v1"
NO_CLASS = "-"  # a checked target no longer in the directory (its class is unknown)


@dataclass(frozen=True)
class ItemRule:
    """What a check item asks (registries.md §3): its minimum ratio and yearly cap, per class."""

    department: str
    code: str
    name: str
    target_type: str  # "" : every target of the directory
    min_ratio_bp: int
    cap: int = DEFAULT_CAP_PER_TARGET_PER_YEAR
    class_ratios_bp: Mapping[str, int] = field(default_factory=dict)
    class_caps: Mapping[str, int] = field(default_factory=dict)

    def ratio_of(self, credit_class: str) -> int:
        return self.class_ratios_bp.get(credit_class, self.min_ratio_bp)

    def cap_of(self, credit_class: str) -> int:
        return self.class_caps.get(credit_class, self.cap)


@dataclass(frozen=True)
class CheckedGroup:
    """Targets checked under one key (a check item, or a department) sharing every other value.

    ``checks``: the target's inspections of the year, every kind, every department (what the
    yearly cap counts, entries.md §9); ``drawn``: at least one of them random under this key;
    ``targets``: how many targets share these values; ``nonrandom``: their non-random
    inspections under this key.
    """

    key: tuple[str, str]
    credit_class: str
    flagged: bool
    checks: int
    drawn: bool
    targets: int
    nonrandom: int


def ratio_bp(part: int, whole: int) -> int | None:
    """``floor(part × 10000 / whole)``; None for an empty whole."""
    return part * BASIS_POINTS // whole if whole else None


def _coverage(directory: int, checked: int, minimum_bp: int) -> dict[str, Any]:
    required = target_count(directory, 0, minimum_bp)
    return {
        "directory": directory,
        "targets_checked": checked,
        "ratio_bp": ratio_bp(checked, directory),
        "min_ratio_bp": minimum_bp,
        "required": required,
        "shortfall": max(0, required - checked),
        "meets": checked >= required,
    }


class _Tally:
    """Counts of one key (or one class of a key) built from its groups."""

    def __init__(self) -> None:
        self.checked = 0
        self.nonrandom_inspections = 0
        self.nonrandom_only = 0
        self.over_cap = 0
        self.over_cap_exempt = 0
        self.histogram: dict[int, int] = defaultdict(int)

    def add(self, g: CheckedGroup, cap: int) -> None:
        self.nonrandom_inspections += g.nonrandom
        if g.drawn:
            self.checked += g.targets
        else:
            self.nonrandom_only += g.targets
        self.histogram[g.checks] += g.targets
        if g.checks > cap:
            if g.flagged:
                self.over_cap_exempt += g.targets
            else:
                self.over_cap += g.targets

    def fairness(self, cap: int) -> dict[str, Any]:
        return {
            "cap": cap,
            "over_cap": self.over_cap,
            "over_cap_exempt": self.over_cap_exempt,
            "nonrandom_inspections": self.nonrandom_inspections,
            "nonrandom_only_targets": self.nonrandom_only,
            "checks_per_target": [{"checks": k, "targets": n} for k, n in sorted(self.histogram.items())],
        }


def _directory_of(rule: ItemRule, directory: Mapping[tuple[str, str], int]) -> dict[str, int]:
    """Active targets the item applies to, per credit class (its ``target_type``, or all)."""
    out: dict[str, int] = defaultdict(int)
    for (target_type, credit_class), n in directory.items():
        if not rule.target_type or target_type == rule.target_type:
            out[credit_class] += n
    return out


def item_coverage(
    rule: ItemRule, directory: Mapping[tuple[str, str], int], groups: Iterable[CheckedGroup]
) -> dict[str, Any]:
    """One check item's year: ratio of drawn targets to its directory, cap, per credit class.

    ``directory`` maps (target type, credit class) to active targets; ``groups`` are the item's.
    A class with its own ratio (``risk_class_ratios_bp``) is held to it; the item as a whole to
    its ``min_ratio_bp``.
    """
    per_class_directory = _directory_of(rule, directory)
    whole = _Tally()
    classes: dict[str, _Tally] = defaultdict(_Tally)
    for g in groups:
        whole.add(g, rule.cap_of(g.credit_class))
        classes[g.credit_class].add(g, rule.cap_of(g.credit_class))
    out: dict[str, Any] = {
        "department": rule.department,
        "code": rule.code,
        "name": rule.name,
        "target_type": rule.target_type,
        **_coverage(sum(per_class_directory.values()), whole.checked, rule.min_ratio_bp),
        **whole.fairness(rule.cap),
        "classes": [],
    }
    names = [c for c in CREDIT_CLASSES if c in per_class_directory or c in classes]
    names += sorted(c for c in set(classes) | set(per_class_directory) if c not in CREDIT_CLASSES)
    for c in names:
        tally = classes.get(c) or _Tally()
        out["classes"].append({
            "class": c,
            **_coverage(per_class_directory.get(c, 0), tally.checked, rule.ratio_of(c)),
            **tally.fairness(rule.cap_of(c)),
        })
    return out


def department_fairness(department: str, groups: Iterable[CheckedGroup]) -> dict[str, Any]:
    """A department's year across its items: targets it drew, non-random checks, the yearly cap
    (the national default of 2; risk-flagged targets exempt)."""
    whole = _Tally()
    for g in groups:
        whole.add(g, DEFAULT_CAP_PER_TARGET_PER_YEAR)
    return {"department": department, "targets_checked": whole.checked,
            **whole.fairness(DEFAULT_CAP_PER_TARGET_PER_YEAR)}


def coverage_report(
    *,
    year: int,
    rules: Sequence[ItemRule],
    directory: Mapping[tuple[str, str], int],
    item_groups: Iterable[CheckedGroup],
    department_groups: Iterable[CheckedGroup],
    departments: Sequence[str],
) -> dict[str, Any]:
    """The whole report (spec ``drawsvc/coverage/v1``): departments and items, sorted by code."""
    by_item: dict[tuple[str, str], list[CheckedGroup]] = defaultdict(list)
    for g in item_groups:
        by_item[g.key].append(g)
    by_dept: dict[str, list[CheckedGroup]] = defaultdict(list)
    for g in department_groups:
        by_dept[g.key[0]].append(g)
    ordered = sorted(rules, key=lambda r: (r.department, r.code))
    return {
        "spec": COVERAGE_SPEC,
        "year": year,
        "departments": [department_fairness(d, by_dept.get(d, ())) for d in sorted(departments)],
        "items": [item_coverage(r, directory, by_item.get((r.department, r.code), ())) for r in ordered],
    }


def chart_data(report: Mapping[str, Any]) -> dict[str, Any]:
    """What the public site charts (spec ``drawsvc/coverage-charts/v1``): per item, coverage
    against the minimum ratio (one bar and one mark per item, and per credit class) and the
    checks-per-target distribution. Only counts: no firm, no person."""
    items = report["items"]
    return {
        "spec": CHARTS_SPEC,
        "year": report["year"],
        "coverage": [
            {
                "id": f"{i['department']}/{i['code']}",
                "label": i["name"],
                "value_bp": i["ratio_bp"],
                "minimum_bp": i["min_ratio_bp"],
                "meets": i["meets"],
                "classes": [
                    {"label": c["class"], "value_bp": c["ratio_bp"], "minimum_bp": c["min_ratio_bp"],
                     "meets": c["meets"]}
                    for c in i["classes"]
                ],
            }
            for i in items
        ],
        "checks_per_target": [
            {
                "id": f"{i['department']}/{i['code']}",
                "label": i["name"],
                "cap": i["cap"],
                "bins": [[b["checks"], b["targets"]] for b in i["checks_per_target"]],
                "over_cap": i["over_cap"],
                "over_cap_exempt": i["over_cap_exempt"],
            }
            for i in items
        ],
    }
