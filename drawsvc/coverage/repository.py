"""Queries of the coverage statistics (docs/specs/coverage.md §3): set-based, a few grouped rows out.

Each query groups in the database and returns at most a few hundred rows for a year of a
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
    "sqlite": ("json_each(i.check_items) AS e",
               "json_extract(e.value, '$.department')", "json_extract(e.value, '$.code')"),
    "postgresql": ("json_array_elements(i.check_items) AS e(value)",
                   "e.value->>'department'", "e.value->>'code'"),
}

# Every inspection of the year that counts (superseded ones belong to a replaced draw):
# per target, how many (the yearly cap counts every kind, entries.md §9).
_CHECKS = """
checks AS (
    SELECT target_uscc, COUNT(*) AS n FROM inspections
    WHERE year = :year AND NOT superseded GROUP BY target_uscc
)"""

_GROUPED = """
SELECT p.k1, p.k2, COALESCE(t.credit_class, :no_class) AS credit_class,
       COALESCE(CAST(t.risk_flags AS TEXT) <> '[]', FALSE) AS flagged,
       c.n AS checks, p.drawn, COUNT(*) AS targets, SUM(p.nonrandom) AS nonrandom
FROM per_target p
JOIN checks c ON c.target_uscc = p.uscc
LEFT JOIN targets t ON t.uscc = p.uscc
GROUP BY 1, 2, 3, 4, 5, 6
"""

_PER_TARGET = """
per_target AS (
    SELECT {k1} AS k1, {k2} AS k2, i.target_uscc AS uscc,
           MAX(CASE WHEN i.kind = 'random' THEN 1 ELSE 0 END) AS drawn,
           SUM(CASE WHEN i.kind = 'random' THEN 0 ELSE 1 END) AS nonrandom
    FROM inspections i{join}
    WHERE i.year = :year AND NOT i.superseded{where}
    GROUP BY 1, 2, 3
)"""


def _unnest(session: Session) -> tuple[str, str, str]:
    name = session.get_bind().dialect.name
    try:
        return _UNNEST[name]
    except KeyError:
        raise NotImplementedError(f"coverage statistics on {name}") from None


def _groups(session: Session, sql: str, params: dict[str, object]) -> list[CheckedGroup]:
    rows = session.execute(sa.text(sql), {**params, "no_class": NO_CLASS})
    return [
        CheckedGroup(key=(k1, k2), credit_class=cls, flagged=bool(flagged), checks=int(checks),
                     drawn=bool(drawn), targets=int(targets), nonrandom=int(nonrandom or 0))
        for k1, k2, cls, flagged, checks, drawn, targets, nonrandom in rows
    ]


def item_groups(session: Session, year: int, department: str | None = None) -> list[CheckedGroup]:
    """Targets checked per check item (of ``department``'s items, or all), grouped by class,
    risk flag, yearly checks and drawn-or-not."""
    table, dept, code = _unnest(session)
    where = f" AND {dept} = :department" if department else ""
    per_target = _PER_TARGET.format(k1=dept, k2=code, join=f", {table}", where=where)
    sql = f"WITH {_CHECKS},{per_target}{_GROUPED}"
    return _groups(session, sql, {"year": year, "department": department})


def department_groups(session: Session, year: int, department: str | None = None) -> list[CheckedGroup]:
    """Targets checked per inspecting department (``inspections.department``), grouped alike."""
    where = " AND i.department = :department" if department else ""
    per_target = _PER_TARGET.format(k1="i.department", k2="''", join="", where=where)
    sql = f"WITH {_CHECKS},{per_target}{_GROUPED}"
    return _groups(session, sql, {"year": year, "department": department})


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
