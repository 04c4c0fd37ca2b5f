"""Annual plan versions (docs/specs/plans.md §2).

One row per version of a department's plan for a year. A draft is edited in place; publishing
makes it public; a revision of a published plan is a new version (with a reason) and the old
one stays, ``superseded`` once the revision is published (PL-6).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from drawsvc.db.base import Base

PLAN_STATUSES = ("draft", "published", "superseded")


class AnnualPlan(Base):
    """A version of a department's annual plan; ``items`` is the public item list (spec §2)."""

    __tablename__ = "annual_plans"
    __table_args__ = (
        UniqueConstraint("department_code", "year", "version", name="uq_annual_plans_dept_year_version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    department_code: Mapped[str] = mapped_column(ForeignKey("departments.code"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)  # revision of a published plan
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    log_index: Mapped[int] = mapped_column(Integer)  # the latest plan.upsert / plan.publish entry
