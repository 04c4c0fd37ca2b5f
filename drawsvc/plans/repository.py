"""Queries of annual plans (no rules, no logging): the service composes these."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from drawsvc.plans.models import AnnualPlan


def latest(session: Session, department: str, year: int) -> AnnualPlan | None:
    return session.scalars(
        sa.select(AnnualPlan)
        .where(AnnualPlan.department_code == department, AnnualPlan.year == year)
        .order_by(AnnualPlan.version.desc())
        .limit(1)
    ).one_or_none()


def published(session: Session, department: str, year: int) -> AnnualPlan | None:
    return session.scalars(
        sa.select(AnnualPlan).where(
            AnnualPlan.department_code == department,
            AnnualPlan.year == year,
            AnnualPlan.status == "published",
        )
    ).one_or_none()


def versions(session: Session, department: str, year: int) -> list[AnnualPlan]:
    return list(
        session.scalars(
            sa.select(AnnualPlan)
            .where(AnnualPlan.department_code == department, AnnualPlan.year == year)
            .order_by(AnnualPlan.version)
        )
    )


def list_plans(
    session: Session,
    *,
    year: int | None = None,
    department: str | None = None,
    drafts_of: str | None = None,
    all_drafts: bool = False,
    offset: int = 0,
    limit: int = 100,
) -> list[AnnualPlan]:
    """Plan versions by department, year, version. Drafts only of ``drafts_of`` (or all)."""
    query = sa.select(AnnualPlan)
    if year is not None:
        query = query.where(AnnualPlan.year == year)
    if department is not None:
        query = query.where(AnnualPlan.department_code == department)
    if not all_drafts:
        public = AnnualPlan.status != "draft"
        query = query.where(sa.or_(public, AnnualPlan.department_code == drafts_of) if drafts_of else public)
    order = (AnnualPlan.department_code, AnnualPlan.year, AnnualPlan.version)
    return list(session.scalars(query.order_by(*order).offset(offset).limit(limit)))
