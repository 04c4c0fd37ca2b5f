"""Coverage and fairness statistics of a hand-counted year (tests/coverage/coverage_support.py)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))
from coverage_support import seed_year

from drawsvc.coverage.service import coverage
from drawsvc.coverage.statistics import chart_data, checked_groups
from drawsvc.errors import InvalidInput, NotFound


def _item(report: dict[str, Any], code: str) -> dict[str, Any]:
    return next(i for i in report["items"] if i["code"] == code)


def _class(item: dict[str, Any], name: str) -> dict[str, Any]:
    return next(c for c in item["classes"] if c["class"] == name)


@pytest.fixture
def report(runtime: Any) -> dict[str, Any]:
    with runtime.transaction() as s:
        seed_year(s)
        return coverage(s, year=2026)


def test_item_coverage_against_its_minimum_ratio(report: dict[str, Any]) -> None:
    i1 = _item(report, "QY-01")
    # 40 active 食品 (the deregistered one not counted); drawn: F0 F1 F2 C0 O0 (N0 only by complaint)
    assert (i1["directory"], i1["targets_checked"], i1["ratio_bp"]) == (40, 5, 1250)
    assert (i1["min_ratio_bp"], i1["required"], i1["shortfall"], i1["meets"]) == (500, 2, 0, True)
    i2 = _item(report, "QY-02")  # every type: 100 active; F0 O0 F2 drawn: exactly 3 %
    assert (i2["directory"], i2["targets_checked"], i2["ratio_bp"], i2["required"], i2["meets"]) == (
        100, 3, 300, 3, True)
    i3 = _item(report, "QY-03")  # 60 其他, nothing checked: 3 short of 5 %
    assert (i3["directory"], i3["targets_checked"], i3["ratio_bp"], i3["required"], i3["shortfall"],
            i3["meets"]) == (60, 0, 0, 3, 3, False)


def test_per_credit_class_with_the_class_ratio(report: dict[str, Any]) -> None:
    i1 = _item(report, "QY-01")
    b, c = _class(i1, "B"), _class(i1, "C")
    assert (b["directory"], b["targets_checked"], b["ratio_bp"], b["min_ratio_bp"], b["required"]) == (
        30, 4, 1333, 500, 2)
    assert (c["directory"], c["targets_checked"], c["ratio_bp"], c["min_ratio_bp"], c["required"],
            c["meets"]) == (10, 1, 1000, 1000, 1, True)
    assert [x["class"] for x in i1["classes"]] == ["B", "C"]


def test_yearly_cap_counts_every_kind_and_exempts_risk_flagged(report: dict[str, Any]) -> None:
    i1 = _item(report, "QY-01")
    # F0: T1 + T2 + patrol = 3 > 2; F2 flagged, 3 checks: exempt; the superseded and 2025 rows not counted
    assert (i1["cap"], i1["over_cap"], i1["over_cap_exempt"]) == (2, 1, 1)
    assert i1["checks_per_target"] == [{"checks": 1, "targets": 3}, {"checks": 2, "targets": 1},
                                       {"checks": 3, "targets": 2}]
    assert (i1["nonrandom_inspections"], i1["nonrandom_only_targets"]) == (2, 1)
    i2 = _item(report, "QY-02")
    assert (i2["over_cap"], i2["over_cap_exempt"]) == (1, 1)
    assert (i2["nonrandom_inspections"], i2["nonrandom_only_targets"]) == (1, 0)


def test_department_totals(report: dict[str, Any]) -> None:
    qy, zb = report["departments"]
    assert qy == {
        "department": "QY", "targets_checked": 5, "cap": 2, "over_cap": 1, "over_cap_exempt": 1,
        "nonrandom_inspections": 4, "nonrandom_only_targets": 1,  # patrol F0, complaints F1 F2 N0
        "checks_per_target": [{"checks": 1, "targets": 3}, {"checks": 2, "targets": 1},
                              {"checks": 3, "targets": 2}],
    }
    assert zb["department"] == "ZB" and zb["targets_checked"] == 0 and zb["checks_per_target"] == []
    zb1 = _item(report, "ZB-01")
    assert (zb1["directory"], zb1["targets_checked"], zb1["required"], zb1["meets"]) == (40, 0, 2, False)


def test_one_department_and_another_year(runtime: Any) -> None:
    with runtime.transaction() as s:
        seed_year(s)
        qy = coverage(s, year=2026, department="QY")
        last = coverage(s, year=2025, department="QY")
    assert [d["department"] for d in qy["departments"]] == ["QY"]
    assert [i["code"] for i in qy["items"]] == ["QY-01", "QY-02", "QY-03"]
    assert _item(qy, "QY-01")["targets_checked"] == 5
    assert _item(last, "QY-01")["targets_checked"] == 1  # F9 in 2025
    assert last["departments"][0]["checks_per_target"] == [{"checks": 1, "targets": 1}]


def test_bad_year_and_unknown_department_are_refused(runtime: Any) -> None:
    with runtime.transaction() as s:
        seed_year(s)
        with pytest.raises(InvalidInput) as bad:
            coverage(s, year=1999)
        assert bad.value.field == "year"
        with pytest.raises(NotFound):
            coverage(s, year=2026, department="XX")


def test_chart_data_is_counts_only(report: dict[str, Any]) -> None:
    charts = chart_data(report)
    assert charts["spec"] == "drawsvc/coverage-charts/v1"
    bar = next(c for c in charts["coverage"] if c["id"] == "QY/QY-03")
    assert (bar["value_bp"], bar["minimum_bp"], bar["meets"]) == (0, 500, False)
    hist = next(c for c in charts["checks_per_target"] if c["id"] == "QY/QY-01")
    assert hist["bins"] == [[1, 3], [2, 1], [3, 2]] and hist["over_cap"] == 1
    assert "913" not in repr(charts)  # no USCC (all start 91…) reaches the chart data


def test_a_real_draw_is_counted(runtime: Any) -> None:
    sys.path.insert(0, str(Path(__file__).parents[1] / "results"))
    from results_support import drawn_task, seed

    with runtime.transaction() as s:
        seed(s, targets=12)
    drawn_task(runtime)  # every one of the 12 targets, item QY-01
    with runtime.transaction() as s:
        report = coverage(s, year=2026, department="QY")
    item = _item(report, "QY-01")
    assert (item["directory"], item["targets_checked"], item["ratio_bp"]) == (12, 12, 10_000)
    assert report["departments"][0]["checks_per_target"] == [{"checks": 1, "targets": 12}]


def test_postgresql_gives_the_same_figures(pg_runtime: Any, runtime: Any) -> None:
    figures = []
    for rt in (pg_runtime, runtime):
        with rt.transaction() as s:
            seed_year(s)
            figures.append(coverage(s, year=2026))
    assert figures[0] == figures[1]


# --- the pure fold, against a direct count of its definition (coverage.md §5) ---------------


_ITEMS = [("QY", "QY-01"), ("QY", "QY-02"), ("ZB", "ZB-01")]
_row = st.tuples(
    st.sampled_from(["F0", "F1", "F2", "F3"]),
    st.sampled_from(["QY", "ZB"]),
    st.lists(st.sampled_from(_ITEMS), max_size=3).map(tuple),
    st.booleans(),
)
_CLASS = {"F0": ("A", False), "F1": ("D", True), "F2": ("-", False), "F3": ("B", False)}


def _naive(rows: list[tuple[Any, ...]], department: str | None) -> tuple[set[Any], set[Any]]:
    """Each group counted straight from its definition, one target at a time."""
    checks = {u: sum(1 for r in rows if r[0] == u) for u in {r[0] for r in rows}}

    def groups(cells: dict[tuple[Any, str], list[int]]) -> set[Any]:
        out: dict[Any, list[int]] = {}
        for (key, u), (drawn, nonrandom) in cells.items():
            g = out.setdefault((key, *_CLASS[u], checks[u], bool(drawn)), [0, 0])
            g[0] += 1
            g[1] += nonrandom
        return {(*k, t, n) for k, (t, n) in out.items()}

    items: dict[tuple[Any, str], list[int]] = {}
    depts: dict[tuple[Any, str], list[int]] = {}
    for u, dept, refs, random in rows:
        cells = [(items, k) for k in refs if department in (None, k[0])]
        if department in (None, dept):
            cells.append((depts, (dept, "")))
        for acc, key in cells:
            cell = acc.setdefault((key, u), [0, 0])
            cell[0] = max(cell[0], int(random))
            cell[1] += 0 if random else 1
    return groups(items), groups(depts)


@settings(max_examples=200, deadline=None)
@given(st.lists(_row, max_size=25), st.sampled_from([None, "QY", "ZB", "XX"]))
def test_checked_groups_is_its_definition(rows: list[tuple[Any, ...]], department: str | None) -> None:
    full = [(u, d, refs, r, *_CLASS[u]) for u, d, refs, r in rows]
    items, depts = checked_groups(full, department)

    def as_set(groups: list[Any]) -> set[Any]:
        out = {(g.key, g.credit_class, g.flagged, g.checks, g.drawn, g.targets, g.nonrandom) for g in groups}
        assert len(out) == len(groups)  # no group split in two
        return out

    assert (as_set(items), as_set(depts)) == _naive(rows, department)
