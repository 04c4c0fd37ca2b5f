"""Annual plans (年度抽查计划, docs/specs/plans.md). A department's bureau writes and publishes
its plan; published versions (and the versions they superseded) are public; drafts are read
by their own bureau and discipline."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from drawsvc.api import auth
from drawsvc.api.auth import Role
from drawsvc.api.deps import PrincipalDep, RuntimeDep, SessionDep, api_router
from drawsvc.api.schemas.plans import PlanIn, PlanOut
from drawsvc.plans import repository, service
from drawsvc.plans.models import AnnualPlan

router = api_router(prefix="/v1/plans", tags=["plans"])

Dept = Annotated[str, Path(min_length=1, max_length=64)]
Year = Annotated[int, Path(ge=2000, le=2100)]


def _out(row: AnnualPlan) -> PlanOut:
    return PlanOut(department=row.department_code, year=row.year, version=row.version, status=row.status,
                   items=row.items, reason=row.reason, updated_at=row.updated_at,
                   published_at=row.published_at, log_index=row.log_index)


@router.post("/{department}", response_model=PlanOut)
def upsert_plan(department: Dept, body: PlanIn, principal: PrincipalDep, runtime: RuntimeDep,
                session: SessionDep) -> PlanOut:
    """Create or edit the year's draft; a published plan is revised as a new version (``reason``)."""
    auth.require_bureau_of(principal, department)
    row = service.upsert_plan(session, runtime.journal, department=department, year=body.year,
                              items=[i.raw() for i in body.items], reason=body.reason, actor=principal.actor)
    return _out(row)


@router.post("/{department}/{year}/publish", response_model=PlanOut)
def publish_plan(department: Dept, year: Year, principal: PrincipalDep, runtime: RuntimeDep,
                 session: SessionDep) -> PlanOut:
    """Publish the draft (logged); an earlier published version becomes ``superseded``."""
    auth.require_bureau_of(principal, department)
    return _out(service.publish_plan(session, runtime.journal, department=department, year=year,
                                     actor=principal.actor))


@router.get("", response_model=list[PlanOut])
def list_plans(principal: PrincipalDep, session: SessionDep,
               year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
               department: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
               offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
               limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[PlanOut]:
    """Every version by department, year, version: published and superseded ones for everyone,
    drafts for their own bureau and discipline."""
    rows = repository.list_plans(
        session, year=year, department=department,
        drafts_of=principal.department if principal.role is Role.BUREAU else None,
        all_drafts=principal.role is Role.DISCIPLINE, offset=offset, limit=limit)
    return [_out(r) for r in rows]
