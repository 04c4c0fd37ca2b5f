"""Coverage and fairness statistics (docs/specs/coverage.md): public, counts only.

The figures say how many targets of a directory were drawn and how often each was checked;
they name no firm and no person, so anyone may read them (the site charts them)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query

from drawsvc.api.deps import SessionDep, api_router
from drawsvc.coverage.service import MAX_YEAR, MIN_YEAR, coverage
from drawsvc.coverage.statistics import chart_data

router = api_router(prefix="/v1/coverage", tags=["coverage"])

Year = Annotated[int, Path(ge=MIN_YEAR, le=MAX_YEAR)]
Department = Annotated[str | None, Query(min_length=1, max_length=64)]


@router.get("/{year}")
def get_coverage(year: Year, session: SessionDep, department: Department = None) -> dict[str, Any]:
    """The year's report (``drawsvc/coverage/v1``): per department and per check item, targets
    drawn against the minimum ratio, checks per target against the yearly cap, per credit class."""
    return coverage(session, year=year, department=department)


@router.get("/{year}/charts")
def get_coverage_charts(year: Year, session: SessionDep, department: Department = None) -> dict[str, Any]:
    """The same year as chart series (``drawsvc/coverage-charts/v1``)."""
    return chart_data(coverage(session, year=year, department=department))
