"""Tables of inspection results and what follows them (docs/specs/results.md §3).

Public identifiers only cross the boundary: the result code (``R-`` + 16 hex, random, saying
nothing about the firm) with its version, the objection code (``O-`` + 16 hex), task ids, USCCs,
inspector and department codes. Integer ids are internal. Private values (a refusal note, a
witness, the person who filed an objection for the firm) sit beside their salt and reach the
log only as commitments (``drawsvc.privacy``). Every row is the current state of something the
log records.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from drawsvc.db.base import Base

METHODS = ("实地核查", "书面检查", "网络监测")
RESULT_STATUSES = ("submitted", "formed", "audited", "published")
ANSWERS = ("confirm", "dissent")
OBJECTION_STATUSES = ("filed", "更正", "维持")
OBJECTION_CHANNELS = ("书面", "窗口", "网上")
FOLLOW_UP_STEPS = (
    "rectification.ordered",
    "rectification.confirmed",
    "case.opened",
    "penalty.decided",
    "transferred",
)
TRANSFER_KINDS = ("authority", "judiciary")


def new_result_code() -> str:
    return "R-" + secrets.token_hex(8)


def new_objection_code() -> str:
    return "O-" + secrets.token_hex(8)


class ResultVocabulary(Base):
    """A vocabulary the service used, as logged (``result.vocabulary``)."""

    __tablename__ = "result_vocabularies"
    __table_args__ = (UniqueConstraint("vocabulary_id", "version", name="uq_result_vocabularies_id_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vocabulary_id: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    content_sha256: Mapped[str] = mapped_column(String(64))
    log_index: Mapped[int] = mapped_column(Integer, unique=True)


class ResultSetting(Base):
    """A department's result settings (``result.settings``); absent: the national defaults."""

    __tablename__ = "result_settings"

    department_code: Mapped[str] = mapped_column(ForeignKey("departments.code"), primary_key=True)
    results_due_working_days: Mapped[int] = mapped_column(Integer)
    objection_window_working_days: Mapped[int] = mapped_column(Integer)
    vocabulary: Mapped[str] = mapped_column(String(120))  # "<id>/v<version>"
    log_index: Mapped[int] = mapped_column(Integer)


class InspectionResult(Base):
    """One version of the result for (task, target, check item); a correction is version n + 1."""

    __tablename__ = "inspection_results"
    __table_args__ = (
        UniqueConstraint("code", "version", name="uq_inspection_results_code_version"),
        UniqueConstraint(
            "task_code",
            "target_uscc",
            "item_department",
            "item_code",
            "version",
            name="uq_inspection_results_task_target_item_version",
        ),
        Index("ix_inspection_results_department_status", "department", "status"),
        Index("ix_inspection_results_target", "target_uscc"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(24))
    version: Mapped[int] = mapped_column(Integer, default=1)
    task_code: Mapped[str] = mapped_column(String(80))
    round: Mapped[int] = mapped_column(Integer)
    department: Mapped[str] = mapped_column(String(64))  # the task's owner: 谁检查、谁录入、谁公开
    target_uscc: Mapped[str] = mapped_column(String(18))
    item_department: Mapped[str] = mapped_column(String(64))
    item_code: Mapped[str] = mapped_column(String(64))
    leader: Mapped[str] = mapped_column(String(64))
    team: Mapped[list[str]] = mapped_column(JSON)
    inspected_on: Mapped[date] = mapped_column(Date)
    completed_on: Mapped[date] = mapped_column(Date)
    method: Mapped[str] = mapped_column(String(20))
    firm_signed: Mapped[bool] = mapped_column(Boolean)
    refusal_note: Mapped[str | None] = mapped_column(Text, nullable=True)  # private
    refusal_note_salt: Mapped[str | None] = mapped_column(String(32), nullable=True)
    witness: Mapped[str | None] = mapped_column(Text, nullable=True)  # private
    witness_salt: Mapped[str | None] = mapped_column(String(32), nullable=True)
    categories: Mapped[list[str]] = mapped_column(JSON)
    subcategories: Mapped[list[str]] = mapped_column(JSON)
    vocabulary_index: Mapped[int] = mapped_column(Integer)  # the result.vocabulary entry
    problem: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(20), default="submitted")
    source: Mapped[str] = mapped_column(String(20), default="entry")  # entry | import | correction
    due: Mapped[date] = mapped_column(Date)  # formed within N working days of completion
    due_calendar_version: Mapped[list[int]] = mapped_column(JSON)
    formed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    publish_due: Mapped[date | None] = mapped_column(Date, nullable=True)  # 20 working days after formed
    publish_due_calendar_version: Mapped[list[int] | None] = mapped_column(JSON, nullable=True)
    auditor: Mapped[str | None] = mapped_column(String(200), nullable=True)
    audited_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    published_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    publish_index: Mapped[int | None] = mapped_column(Integer, nullable=True)
    superseded: Mapped[bool] = mapped_column(Boolean, default=False)  # by a published correction
    objection_code: Mapped[str | None] = mapped_column(String(24), nullable=True)  # the correction's
    follow_up: Mapped[str | None] = mapped_column(String(40), nullable=True)  # current state
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    log_index: Mapped[int] = mapped_column(Integer)


class ResultAnswer(Base):
    """A team member's confirmation of, or dissent from, a submitted result."""

    __tablename__ = "result_answers"
    __table_args__ = (UniqueConstraint("result_id", "inspector", name="uq_result_answers_result_inspector"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    result_id: Mapped[int] = mapped_column(ForeignKey("inspection_results.id"), index=True)
    inspector: Mapped[str] = mapped_column(String(64))
    answer: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    log_index: Mapped[int] = mapped_column(Integer)


class Objection(Base):
    """A firm's objection (异议) to a published result, and its review."""

    __tablename__ = "result_objections"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    result_code: Mapped[str] = mapped_column(String(24), index=True)
    result_version: Mapped[int] = mapped_column(Integer)
    department: Mapped[str] = mapped_column(String(64), index=True)
    firm_uscc: Mapped[str] = mapped_column(String(18))
    channel: Mapped[str] = mapped_column(String(20))
    received_on: Mapped[date] = mapped_column(Date)
    grounds: Mapped[str] = mapped_column(Text)
    objector: Mapped[str | None] = mapped_column(Text, nullable=True)  # private: who filed for the firm
    objector_salt: Mapped[str | None] = mapped_column(String(32), nullable=True)
    review_due: Mapped[date] = mapped_column(Date)
    review_due_calendar_version: Mapped[list[int]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="filed")
    reasons: Mapped[str | None] = mapped_column(Text, nullable=True)
    decided_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    corrected_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    log_index: Mapped[int] = mapped_column(Integer)
    decision_index: Mapped[int | None] = mapped_column(Integer, nullable=True)


class FollowUpStep(Base):
    """One step of the follow-up (后续处置) of a result with a problem."""

    __tablename__ = "result_follow_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    result_code: Mapped[str] = mapped_column(String(24), index=True)
    step: Mapped[str] = mapped_column(String(40))
    on: Mapped[date] = mapped_column(Date)
    unit: Mapped[str] = mapped_column(String(200))
    decision_no: Mapped[str | None] = mapped_column(String(200), nullable=True)
    transfer_kind: Mapped[str | None] = mapped_column(String(20), nullable=True)
    transferred_to: Mapped[str | None] = mapped_column(String(200), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)  # private (may name people)
    note_salt: Mapped[str | None] = mapped_column(String(32), nullable=True)
    log_index: Mapped[int] = mapped_column(Integer)


class DispatchConfirmation(Base):
    """A unit's confirmation that it received its dispatched targets (曲阳 §17)."""

    __tablename__ = "result_dispatch_confirmations"
    __table_args__ = (
        UniqueConstraint("task_code", "round", "unit", name="uq_result_dispatch_confirmations_tru"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_code: Mapped[str] = mapped_column(String(80))
    round: Mapped[int] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(200))
    dispatch_index: Mapped[int] = mapped_column(Integer)
    dispatched_on: Mapped[date] = mapped_column(Date)
    due: Mapped[date] = mapped_column(Date)
    due_calendar_version: Mapped[list[int]] = mapped_column(JSON)
    confirmed_on: Mapped[date] = mapped_column(Date)
    targets: Mapped[int] = mapped_column(Integer)
    log_index: Mapped[int] = mapped_column(Integer)


class TaskClosure(Base):
    """A task closed for results (``result.task.close``): no result is entered after it."""

    __tablename__ = "result_task_closures"

    task_code: Mapped[str] = mapped_column(String(80), primary_key=True)
    closed_on: Mapped[date] = mapped_column(Date)
    log_index: Mapped[int] = mapped_column(Integer)
