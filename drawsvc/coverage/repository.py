"""Queries of the coverage statistics (docs/specs/coverage.md §5): set-based, a few grouped rows out.

The query groups in the database and returns at most a few hundred rows for a year of a
million-target directory and 50,000 inspections, never one row per target. The check items
of an inspection are a JSON list (``inspections.check_items``); they are unnested with the
dialect's table-valued JSON function (SQLite ``json_each``, PostgreSQL
``json_array_elements``), the only dialect-specific text here.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from drawsvc.coverage.statistics import NO_CLASS, CheckedGroup, ItemRule
from drawsvc.registries.models import CheckItem, Department, Target

# (table-valued function, the element's department, the element's code)
_UNNEST = {
    "sqlite": ("json_each(b.ci) AS e",
               "json_extract(e.value, '$.department')", "json_extract(e.value, '$.code')"),
    "postgresql": ("json_array_elements(b.ci) AS e(value)",
                   "e.value->>'department'", "e.value->>'code'"),
}

# One statement for both groupings, so the year's inspections are read and the checked
# targets looked up (class, risk flag) once. ``base``: every inspection of the year that
# counts (superseded ones belong to a replaced draw); ``checks``: per target, how many (the
# yearly cap counts every kind and department, entries.md §9) with its class and risk flag.
_SQL = """
WITH base AS (
    SELECT i.target_uscc AS uscc, i.department AS dept, i.check_items AS ci,
           CASE WHEN i.kind = 'random' THEN 1 ELSE 0 END AS r
    FROM inspections i WHERE i.year = :year AND NOT i.superseded
),
checks AS (
    SELECT c.uscc, c.n, COALESCE(t.credit_class, :no_class) AS cls,
           COALESCE(CAST(t.risk_flags AS TEXT) <> '[]', FALSE) AS flagged
    FROM (SELECT uscc, COUNT(*) AS n FROM base GROUP BY uscc) c
    LEFT JOIN targets t ON t.uscc = c.uscc
),
per_target AS (
    SELECT 'item' AS grp, {item_dept} AS k1, {item_code} AS k2, b.uscc,
           MAX(b.r) AS drawn, SUM(1 - b.r) AS nonrandom
    FROM base b, {unnest}{item_where}
    GROUP BY {item_dept}, {item_code}, b.uscc
    UNION ALL
    SELECT 'department', b.dept, '', b.uscc, MAX(b.r), SUM(1 - b.r)
    FROM base b{dept_where}
    GROUP BY b.dept, b.uscc
)
SELECT p.grp, p.k1, p.k2, c.cls, c.flagged, c.n, p.drawn, COUNT(*) AS targets, SUM(p.nonrandom)
FROM per_target p JOIN checks c ON c.uscc = p.uscc
GROUP BY p.grp, p.k1, p.k2, c.cls, c.flagged, c.n, p.drawn
"""


def _unnest(session: Session) -> tuple[str, str, str]:
    name = session.get_bind().dialect.name
    try:
        return _UNNEST[name]
    except KeyError:
        raise NotImplementedError(f"coverage statistics on {name}") from None


def checked_groups(
    session: Session, year: int, department: str | None = None
) -> tuple[list[CheckedGroup], list[CheckedGroup]]:
    """(per check item, per inspecting department): targets checked, grouped by class, risk
    flag, yearly checks and drawn-or-not; ``department``: only its items / its inspections."""
    table, dept, code = _unnest(session)
    sql = _SQL.format(
        item_dept=dept, item_code=code, unnest=table,
        item_where=f" WHERE {dept} = :department" if department else "",
        dept_where=" WHERE b.dept = :department" if department else "",
    )
    items: list[CheckedGroup] = []
    departments: list[CheckedGroup] = []
    params = {"year": year, "department": department, "no_class": NO_CLASS}
    for grp, k1, k2, cls, flagged, checks, drawn, targets, nonrandom in session.execute(sa.text(sql), params):
        group = CheckedGroup(key=(k1, k2), credit_class=cls, flagged=bool(flagged), checks=int(checks),
                             drawn=bool(drawn), targets=int(targets), nonrandom=int(nonrandom or 0))
        (items if grp == "item" else departments).append(group)
    return items, departments


def directory_counts(session: Session, target_types: Sequence[str] | None) -> dict[tuple[str, str], int]:
    """Active targets per (target type, credit class): today's directory (名录库).

    ``target_types``: only these (None: every type, for an item that applies to all)."""
    q = sa.select(Target.target_type, Target.credit_class, sa.func.count()).where(Target.status == "active")
    if target_types is not None:
        q = q.where(Target.target_type.in_(sorted(set(target_types))))
    q = q.group_by(Target.target_type, Target.credit_class)
    return {(tt, cc): int(n) for tt, cc, n in session.execute(q)}


def item_rules(session: Session, department: str | None = None) -> list[ItemRule]:
    """The check items (of ``department``, or all) with their ratio and cap rules."""
    q = sa.select(CheckItem)
    if department:
        q = q.where(CheckItem.department_code == department)
    return [
        ItemRule(
            department=i.department_code, code=i.code, name=i.name, target_type=i.target_type or "",
            min_ratio_bp=i.min_ratio_bp, cap=i.cap_per_target_per_year,
            class_ratios_bp=dict(i.risk_class_ratios_bp or {}), class_caps=dict(i.risk_class_frequency or {}),
        )
        for i in session.scalars(q.order_by(CheckItem.department_code, CheckItem.code))
    ]


def department_codes(session: Session, department: str | None = None) -> list[str]:
    q = sa.select(Department.code)
    if department:
        q = q.where(Department.code == department)
    return list(session.scalars(q.order_by(Department.code)))
