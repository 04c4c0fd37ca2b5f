"""Annual plan shapes (docs/specs/plans.md §2). The plan service checks every rule (PL-n);
these models bound sizes and document the fields."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints

from drawsvc.api.schemas.registries import Body

Code = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class PlanItemIn(Body):
    check_item: Code = Field(description="code of one of the department's active check items")
    ratio_bp: Annotated[int, Field(ge=1, le=10_000)] = Field(description="planned ratio (bp), ≥ item minimum")
    frequency: Annotated[int, Field(ge=1, le=365)] = Field(description="planned inspections per year")
    period_start: date = Field(description="first day of the planned period (within the year)")
    period_end: date = Field(description="last day of the planned period (within the year)")
    joint_departments: Annotated[list[Code], Field(max_length=50)] = Field(default_factory=list)


class PlanIn(Body):
    year: Annotated[int, Field(ge=2000, le=2100)]
    items: Annotated[list[PlanItemIn], Field(min_length=1, max_length=500)]
    reason: Annotated[str, StringConstraints(max_length=1000)] | None = Field(
        default=None, description="required to revise a published plan (a new version); absent otherwise")


class PlanOut(BaseModel):
    department: str
    year: int
    version: int
    status: str = Field(description="draft, published or superseded (by a published revision)")
    items: list[dict[str, Any]]
    reason: str | None
    updated_at: datetime
    published_at: datetime | None
    log_index: int = Field(description="the latest plan.upsert / plan.publish entry of this version")
