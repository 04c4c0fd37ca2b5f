"""Admin models: API keys (the key itself appears only in the creation response)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class KeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Literal["bureau", "discipline", "admin"]
    department: str | None = Field(default=None, max_length=64, description="required for bureau keys only")
    label: str = Field(default="", max_length=200)


class KeyInfo(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    role: str
    department: str | None
    label: str
    created_at: datetime
    revoked_at: datetime | None


class KeyCreated(KeyInfo):
    key: str = Field(description="the API key; shown this once, never stored")
