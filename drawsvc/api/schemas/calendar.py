"""Calendar models (docs/specs/calendar.md)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ArrangementUpload(BaseModel):
    model_config = ConfigDict(extra="forbid")

    arrangement: dict[str, Any] = Field(description="calendar-arrangement/v1 document (spec §3)")
    reason: str | None = Field(default=None, max_length=1000,
                               description="required to replace a loaded year (a logged correction)")


class ArrangementInfo(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    year: int
    version: int
    log_index: int
    content_sha256: str
    source: str
    reason: str | None
    superseded: bool
    loaded_at: datetime


class DeadlineOut(BaseModel):
    start: date
    working_days: int
    deadline: dict[str, Any]
