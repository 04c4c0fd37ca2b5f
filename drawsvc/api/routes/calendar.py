"""The working-day calendar: public reads (arrangements and deadline arithmetic)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Query

from drawsvc.api.deps import SessionDep, api_router
from drawsvc.api.schemas.calendar import ArrangementInfo, DeadlineOut
from drawsvc.calendar import service as calendar_service

router = api_router(prefix="/v1/calendar", tags=["calendar"])


@router.get("", response_model=list[ArrangementInfo])
def list_arrangements(session: SessionDep,
                      year: Annotated[int | None, Query(ge=1949, le=9998)] = None) -> list[ArrangementInfo]:
    return [ArrangementInfo.model_validate(r) for r in calendar_service.list_arrangements(session, year=year)]


@router.get("/deadline", response_model=DeadlineOut)
def deadline(session: SessionDep, start: Annotated[date, Query()],
             working_days: Annotated[int, Query(ge=0, le=3650)]) -> DeadlineOut:
    """The deadline ``working_days`` working days after ``start`` (spec calendar.md §5)."""
    result = calendar_service.compute_deadline(session, start, working_days)
    return DeadlineOut(start=start, working_days=working_days, deadline=result.as_dict())
