"""Loaded holiday arrangements (spec §6): every version ever loaded, each with its log index.

A year has exactly one current version (``superseded`` false); a correction marks the old
row superseded and keeps it, so the log and this table both hold every version.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from drawsvc.db.base import Base


class CalendarArrangement(Base):
    __tablename__ = "calendar_arrangements"
    __table_args__ = (
        sa.UniqueConstraint("year", "version", name="uq_calendar_arrangements_year_version"),
        sa.Index("ix_calendar_arrangements_year_current", "year", "superseded"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    version: Mapped[int] = mapped_column(sa.Integer, nullable=False)  # 1, 2, … per year
    log_index: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, unique=True)
    body: Mapped[dict[str, Any]] = mapped_column(sa.JSON, nullable=False)  # canonical arrangement
    content_sha256: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    source: Mapped[str] = mapped_column(sa.String(20), nullable=False)  # "bundled" | "upload"
    reason: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
    supersedes_log_index: Mapped[int | None] = mapped_column(sa.BigInteger, nullable=True)
    superseded: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    loaded_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), nullable=False)
    loaded_by: Mapped[str] = mapped_column(sa.String(200), nullable=False)
