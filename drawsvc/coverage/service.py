"""The coverage report of a year (docs/specs/coverage.md): the queries, then the pure core."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from drawsvc.coverage import repository as repo
from drawsvc.coverage.statistics import checked_groups, coverage_report
from drawsvc.errors import InvalidInput, NotFound

MIN_YEAR, MAX_YEAR = 2000, 2100


def coverage(session: Session, *, year: int, department: str | None = None) -> dict[str, Any]:
    """Every department's (or one's) check items in ``year``: coverage against the minimum
    ratio, checks per target against the yearly cap, per credit class; non-random checks."""
    if type(year) is not int or not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidInput(f"year: {MIN_YEAR}..{MAX_YEAR}", field="year", rule="coverage.year")
    departments = repo.department_codes(session, department)
    if department and not departments:
        raise NotFound(f"department {department}: unknown", field="department", subject=department)
    rules = repo.item_rules(session, department)
    types = None if any(not r.target_type for r in rules) else [r.target_type for r in rules]
    item_groups, department_groups = checked_groups(repo.inspection_rows(session, year), department)
    return coverage_report(
        year=year,
        rules=rules,
        directory=repo.directory_counts(session, types) if rules else {},
        item_groups=item_groups,
        department_groups=department_groups,
        departments=departments,
    )
