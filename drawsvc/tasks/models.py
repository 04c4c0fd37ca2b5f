"""Tables of inspection tasks and their draws (docs/tasks.md, docs/specs/entries.md).

Public identifiers only cross the boundary: ``Task.code`` (task id), target USCCs, inspector
and expert codes, department codes. Integer ids are internal. Every row here is the current
state of something the log records; the log is the authority (``drawsvc verify-draw`` reads
only the log).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ColumnElement,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    literal,
    or_,
)
from sqlalchemy.orm import Mapped, mapped_column

from drawsvc.db.base import Base
from drawsvc.tasks import result_store

# Life cycle of a task (docs/tasks.md §2): draft → committed → drawn → locked → dispatched.
TASK_STATUSES = ("draft", "committed", "drawn", "locked", "dispatched")
POOLS = ("targets", "inspectors", "experts")
POOL_ORIGINS = ("filter", "import", "manual")
DRAW_STATUSES = ("current", "superseded")
INSPECTION_KINDS = ("random", "complaint", "assigned", "patrol")
SLOT_STATUSES = ("invited", "accepted", "declined", "no_answer", "designated", "superseded")


class Task(Base):
    """An inspection task (抽查任务) or a sub-draw of one (``parent_code`` set, ``unit`` drawing)."""

    __tablename__ = "tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(80), unique=True)
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("tasks.code"), nullable=True, index=True)
    title: Mapped[str] = mapped_column(String(300))
    year: Mapped[int] = mapped_column(Integer)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    organiser: Mapped[str] = mapped_column(String(32))  # department code
    departments: Mapped[list[str]] = mapped_column(JSON, default=list)  # participating (joint task)
    unit: Mapped[str | None] = mapped_column(String(200), nullable=True)  # sub-draw: drawing unit
    check_items: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)  # {department, code}
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # draw parameters (entries.md §3)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    round: Mapped[int] = mapped_column(Integer, default=0)  # current commitment round (0: none)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    log_index: Mapped[int] = mapped_column(Integer)


class PoolMember(Base):
    """One candidate of a task's pool before the commitment freezes it (``removed`` keeps history)."""

    __tablename__ = "task_pool_members"
    __table_args__ = (UniqueConstraint("task_code", "pool", "member", name="uq_task_pool_members_tpm"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_code: Mapped[str] = mapped_column(ForeignKey("tasks.code"), index=True)
    pool: Mapped[str] = mapped_column(String(20))
    member: Mapped[str] = mapped_column(String(80))  # USCC / inspector code / expert code
    origin: Mapped[str] = mapped_column(String(20))
    removed: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)  # manual add/remove reason


def pool_edited() -> ColumnElement[bool]:
    """A hand-edited pool row: removed, or added by hand (few among a million built rows).

    The predicate of the partial index ``ix_task_pool_members_edits``, constant inlined: SQLite
    and PostgreSQL use a partial index only for a query whose WHERE contains this very term, so
    queries take it from here.
    """
    return or_(PoolMember.removed.is_(True), PoolMember.origin == literal("manual", literal_execute=True))


# Covering (the few edited rows, whole): without statistics SQLite would otherwise weigh it
# equal to ix_task_pool_members_task_code and might take that one (a million rows to filter).
Index(
    "ix_task_pool_members_edits",
    PoolMember.task_code,
    PoolMember.pool,
    PoolMember.member,
    PoolMember.origin,
    PoolMember.removed,
    sqlite_where=pool_edited(),
    postgresql_where=pool_edited(),
)


class Commitment(Base):
    """A logged ``draw.commit`` (round n); round > 1 is a redraw with approver and reason."""

    __tablename__ = "task_commitments"
    __table_args__ = (UniqueConstraint("task_code", "round", name="uq_task_commitments_round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_code: Mapped[str] = mapped_column(ForeignKey("tasks.code"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    commitments: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # [{party, department, commitment}]
    beacon: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)  # {source, round}
    pools: Mapped[dict[str, Any]] = mapped_column(JSON)  # {pool: {root, size, entries: [first, count]}}
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    approver: Mapped[str | None] = mapped_column(String(200), nullable=True)
    avoidance_salt: Mapped[str | None] = mapped_column(String(64), nullable=True)  # secret until the draw
    log_index: Mapped[int] = mapped_column(Integer)
    drawn: Mapped[bool] = mapped_column(Boolean, default=False)


class Draw(Base):
    """A logged ``draw.result``; ``result`` is the current state after top-ups and replacements
    (``{"inspection": engine result | None, "experts": engine result | None}``, draw-spec §11).

    The column ``result`` holds it in the compact row form of ``drawsvc.tasks.result_store``
    (the log already has the full JSON); the ``result`` property reads and writes the full
    result, expanded once per loaded row value and kept for the instance."""

    __tablename__ = "task_draws"
    __table_args__ = (UniqueConstraint("task_code", "round", name="uq_task_draws_round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_code: Mapped[str] = mapped_column(ForeignKey("tasks.code"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    seed: Mapped[str] = mapped_column(String(64))
    stored_result: Mapped[dict[str, Any]] = mapped_column("result", JSON)  # result_store row form
    reveals: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # [{party, secret}] as logged
    beacon: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="current")
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    dispatch: Mapped[dict[str, list[str]] | None] = mapped_column(JSON, nullable=True)  # unit → USCCs
    log_index: Mapped[int] = mapped_column(Integer)
    drawn_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    @property
    def result(self) -> dict[str, Any]:
        stored = self.stored_result
        cached = self.__dict__.get("_full_result")
        if cached is not None and cached[0] is stored:
            return cached[1]
        full = result_store.expand(stored)
        self.__dict__["_full_result"] = (stored, full)
        return full

    @result.setter
    def result(self, value: dict[str, Any]) -> None:
        stored = result_store.compact(value)
        self.stored_result = stored
        self.__dict__["_full_result"] = (stored, value)


class ExpertSlot(Base):
    """One invitation of an expert by a draw, or (round 0) a designation without a draw."""

    __tablename__ = "task_expert_slots"
    __table_args__ = (Index("ix_task_expert_slots_task_round", "task_code", "round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_code: Mapped[str] = mapped_column(ForeignKey("tasks.code"))
    round: Mapped[int] = mapped_column(Integer)
    expert_code: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20), default="invited")
    deadline: Mapped[date | None] = mapped_column(Date, nullable=True)
    # log indices of the calendar arrangements that computed ``deadline`` (calendar.md §6.3)
    deadline_calendar_version: Mapped[list[int] | None] = mapped_column(JSON, nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)  # designation
    approver: Mapped[str | None] = mapped_column(String(200), nullable=True)
    log_index: Mapped[int] = mapped_column(Integer)


class Inspection(Base):
    """An inspection of a target: drawn (``random``) or not (complaint, assigned, patrol).

    Counted by the per-target annual cap and by the merge report. ``superseded`` marks random
    inspections of a draw replaced by a redraw.
    """

    __tablename__ = "inspections"
    __table_args__ = (Index("ix_inspections_target_year", "target_uscc", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    target_uscc: Mapped[str] = mapped_column(String(18))
    year: Mapped[int] = mapped_column(Integer)
    on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20))
    department: Mapped[str] = mapped_column(String(32))
    task_code: Mapped[str | None] = mapped_column(String(80), nullable=True, index=True)
    round: Mapped[int | None] = mapped_column(Integer, nullable=True)
    check_items: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    superseded: Mapped[bool] = mapped_column(Boolean, default=False)
    log_index: Mapped[int] = mapped_column(Integer)
