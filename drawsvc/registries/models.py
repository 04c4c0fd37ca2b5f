"""Registry tables: 一单两库 (check items, targets, inspectors) and the expert pools.

Every record has a stable public identifier used by draws for ordering and by log entries:
``Department.code``, ``(CheckItem.department_code, CheckItem.code)``, ``Target.uscc``,
``Inspector.code``, ``ExpertPool.code``, ``Expert.code``, ``InterestDeclaration.code``. Integer
ids are internal only. Private values (phone, ID number, birth date, home address, a
declaration's terms) are stored beside their salt (``*_salt``) and reach the log only as
commitments (``drawsvc.privacy``). Spec: docs/specs/registries.md §2.
"""

from __future__ import annotations

import secrets
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
    cast,
    literal,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from drawsvc.db.base import Base
from drawsvc.privacy import new_salt

# Closed lists (Chinese labels live in drawsvc.registries.vocab).
TARGET_STATUSES = ("active", "deregistered")
INSPECTOR_STATUSES = ("active", "transferred", "on_leave", "retired")
EXPERT_STATUSES = ("applied", "in_notice", "admitted", "rejected", "exited")
CHECK_METHODS = ("on_site", "documents", "online", "other")
CREDIT_CLASSES = ("A", "B", "C", "D")
RISK_FLAGS = ("complaints", "abnormal_operation", "dishonest", "serious_violation")
GRADES = ("excellent", "good", "fair", "poor")
INVITATION_OUTCOMES = ("accepted", "declined", "no_answer")
EXIT_REASONS = ("request", "over_age", "false_material", "second_poor", "no_answer_x3", "credit_blacklist")
DECLARATION_KINDS = (
    "works_there",
    "relative_works_there",
    "economic_interest",
    "requested_by_target",
    "other",
)
PERSON_KINDS = ("inspector", "expert")
OBJECTION_DECISIONS = ("upheld", "dismissed")

DECLARATION_CODE_PREFIX = "D-"


def new_declaration_code() -> str:
    """A declaration's public identifier: random, so it says nothing about the terms (P-5)."""
    return DECLARATION_CODE_PREFIX + secrets.token_hex(8)


DEFAULT_MIN_RATIO_BP = 300
DEFAULT_CAP_PER_TARGET_PER_YEAR = 2
DEFAULT_TERM_YEARS = 3


class Department(Base):
    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))


class CheckItem(Base):
    """随机抽查事项清单 entry. Changes bump ``version`` and keep a ``CheckItemVersion`` row."""

    __tablename__ = "check_items"
    __table_args__ = (UniqueConstraint("department_code", "code", name="uq_check_items_dept_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    department_code: Mapped[str] = mapped_column(ForeignKey("departments.code"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(300))
    legal_basis: Mapped[str] = mapped_column(Text, default="")
    target_type: Mapped[str] = mapped_column(String(100), default="")
    content: Mapped[str] = mapped_column(Text, default="")
    method: Mapped[str] = mapped_column(String(20), default="on_site")
    min_ratio_bp: Mapped[int] = mapped_column(Integer, default=DEFAULT_MIN_RATIO_BP)
    risk_class_ratios_bp: Mapped[dict[str, int] | None] = mapped_column(JSON, nullable=True)
    min_frequency_per_year: Mapped[int] = mapped_column(Integer, default=1)
    # per credit class: inspections per target per year (a per-class cap, RG-16a)
    risk_class_frequency: Mapped[dict[str, int] | None] = mapped_column(JSON, nullable=True)
    cap_per_target_per_year: Mapped[int] = mapped_column(Integer, default=DEFAULT_CAP_PER_TARGET_PER_YEAR)
    required_specialty: Mapped[str | None] = mapped_column(String(100), nullable=True)
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    versions: Mapped[list[CheckItemVersion]] = relationship(lazy="raise", back_populates="item")


class CheckItemVersion(Base):
    """History of a check item (动态调整): the public record as it was at each version."""

    __tablename__ = "check_item_versions"
    __table_args__ = (UniqueConstraint("check_item_id", "version", name="uq_check_item_versions_item_v"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    check_item_id: Mapped[int] = mapped_column(ForeignKey("check_items.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    record: Mapped[dict[str, Any]] = mapped_column(JSON)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    log_index: Mapped[int] = mapped_column(Integer)

    item: Mapped[CheckItem] = relationship(lazy="raise", back_populates="versions")


class Target(Base):
    """检查对象名录库 entry, keyed publicly by its unified social credit code."""

    __tablename__ = "targets"
    __table_args__ = (Index("ix_targets_status_region", "status", "region_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    target_type: Mapped[str] = mapped_column(String(100), default="")
    scale: Mapped[str] = mapped_column(String(50), default="")
    region_code: Mapped[str] = mapped_column(String(6))
    registration_authority: Mapped[str] = mapped_column(String(200), default="")
    industry: Mapped[str] = mapped_column(String(200), default="")
    risk_flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    credit_class: Mapped[str] = mapped_column(String(1), default="B")
    status: Mapped[str] = mapped_column(String(20), default="active")
    version: Mapped[int] = mapped_column(Integer, default=1)
    import_ref: Mapped[str | None] = mapped_column(String(40), nullable=True)


def target_flagged() -> ColumnElement[bool]:
    """A target carrying a risk flag: ``risk_flags`` (JSON text) other than the empty list.

    Compared as text, cheaper than parsing it. The predicate of the partial index
    ``ix_targets_flagged``, constant inlined: SQLite and PostgreSQL use a partial index only for
    a query whose WHERE contains this very term, so queries take it from here.
    """
    return cast(Target.risk_flags, String) != literal("[]", literal_execute=True)


Index("ix_targets_flagged", Target.uscc, sqlite_where=target_flagged(), postgresql_where=target_flagged())
# The directory per target type and credit class, read in index order without a sort
# (coverage statistics, docs/specs/coverage.md §5: 1,000,000 targets grouped in ≈ 0.3 s).
Index("ix_targets_directory", Target.status, Target.target_type, Target.credit_class)


class Inspector(Base):
    """执法检查人员名录库 entry. ``code`` is ``<department code>-<staff number>``."""

    __tablename__ = "inspectors"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(80), unique=True)
    department_code: Mapped[str] = mapped_column(ForeignKey("departments.code"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    unit: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[str] = mapped_column(String(100), default="")
    certificate_no: Mapped[str] = mapped_column(String(64))
    certificate_valid_until: Mapped[date] = mapped_column(Date)
    post: Mapped[str] = mapped_column(String(100), default="")
    phone: Mapped[str | None] = mapped_column(String(32), nullable=True)
    phone_salt: Mapped[str | None] = mapped_column(String(32), nullable=True)
    specialties: Mapped[list[str]] = mapped_column(JSON, default=list)
    leader_eligible: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20), default="active")
    version: Mapped[int] = mapped_column(Integer, default=1)
    import_ref: Mapped[str | None] = mapped_column(String(40), nullable=True)


class ExpertPool(Base):
    """专家库, per department (``department_code``) or shared (null), with its admission rules."""

    __tablename__ = "expert_pools"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    department_code: Mapped[str | None] = mapped_column(ForeignKey("departments.code"), nullable=True)
    age_limit: Mapped[int] = mapped_column(Integer, default=60)
    exempt_titles: Mapped[list[str]] = mapped_column(JSON, default=list)
    exempt_age_limit: Mapped[int | None] = mapped_column(Integer, nullable=True)
    min_years: Mapped[int] = mapped_column(Integer, default=0)
    accepted_titles: Mapped[list[str]] = mapped_column(JSON, default=list)  # empty: any title
    groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    term_years: Mapped[int] = mapped_column(Integer, default=DEFAULT_TERM_YEARS)
    notice_working_days: Mapped[int] = mapped_column(Integer, default=5)
    objection_working_days: Mapped[int] = mapped_column(Integer, default=30)
    version: Mapped[int] = mapped_column(Integer, default=1)


class Expert(Base):
    """A member (or applicant) of an expert pool."""

    __tablename__ = "experts"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    pool_code: Mapped[str] = mapped_column(ForeignKey("expert_pools.code"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    organisation: Mapped[str] = mapped_column(String(200), default="")
    organisation_uscc: Mapped[str | None] = mapped_column(String(18), nullable=True)
    title: Mapped[str] = mapped_column(String(100), default="")
    groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    years_in_field: Mapped[int] = mapped_column(Integer, default=0)
    birth_date: Mapped[date] = mapped_column(Date)
    birth_date_salt: Mapped[str] = mapped_column(String(32))
    id_number: Mapped[str | None] = mapped_column(String(18), nullable=True)
    id_number_salt: Mapped[str | None] = mapped_column(String(32), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(32), nullable=True)
    phone_salt: Mapped[str | None] = mapped_column(String(32), nullable=True)
    home_address: Mapped[str | None] = mapped_column(String(300), nullable=True)
    home_address_salt: Mapped[str | None] = mapped_column(String(32), nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="applied")
    applied_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    notice_start: Mapped[date | None] = mapped_column(Date, nullable=True)
    notice_end: Mapped[date | None] = mapped_column(Date, nullable=True)
    # log indices of the calendar arrangements that computed notice_end (calendar.md §6.3)
    notice_end_calendar_version: Mapped[list[int] | None] = mapped_column(JSON, nullable=True)
    term_start: Mapped[date | None] = mapped_column(Date, nullable=True)
    term_end: Mapped[date | None] = mapped_column(Date, nullable=True)
    consecutive_no_answer: Mapped[int] = mapped_column(Integer, default=0)
    exit_flags: Mapped[list[str]] = mapped_column(JSON, default=list)  # reasons awaiting a person
    exit_reason: Mapped[str | None] = mapped_column(String(30), nullable=True)
    exited_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    import_ref: Mapped[str | None] = mapped_column(String(40), nullable=True)


class ExpertObjection(Base):
    """A named written objection (异议) filed during an applicant's public notice."""

    __tablename__ = "expert_objections"

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_code: Mapped[str] = mapped_column(ForeignKey("experts.code"), index=True)
    filed_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    # log indices of the calendar arrangements that computed due_on (calendar.md §6.3)
    due_calendar_version: Mapped[list[int]] = mapped_column(JSON, default=list)
    objector: Mapped[str] = mapped_column(String(200))  # private (name of the objector)
    objector_salt: Mapped[str] = mapped_column(String(32))
    decision: Mapped[str | None] = mapped_column(String(20), nullable=True)
    decided_on: Mapped[date | None] = mapped_column(Date, nullable=True)


class ExpertEvaluation(Base):
    __tablename__ = "expert_evaluations"

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_code: Mapped[str] = mapped_column(ForeignKey("experts.code"), index=True)
    grade: Mapped[str] = mapped_column(String(20))
    evaluated_on: Mapped[date] = mapped_column(Date)
    term_start: Mapped[date | None] = mapped_column(Date, nullable=True)
    task_ref: Mapped[str | None] = mapped_column(String(100), nullable=True)


class ExpertInvitation(Base):
    """Outcome of one invitation of an expert by a draw (recorded by the draw service)."""

    __tablename__ = "expert_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_code: Mapped[str] = mapped_column(ForeignKey("experts.code"), index=True)
    task_ref: Mapped[str] = mapped_column(String(100))
    outcome: Mapped[str] = mapped_column(String(20))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class InterestDeclaration(Base):
    """回避关系: a person linked to a target or organisation (by credit code) for a period.

    Public in the log: ``code`` (random, ``D-`` + 16 hex: it embeds nothing), the person and
    ``withdrawn``. Private: the terms (counterpart, kind, validity), logged only as a commitment
    under ``terms_salt`` (spec registries.md §6 P-5). ``natural_key`` (private) identifies the
    same declaration across imports: ``<person kind>/<person code>/<uscc>/<kind>/<valid_from>``.
    """

    __tablename__ = "interest_declarations"
    __table_args__ = (Index("ix_interest_declarations_person", "person_kind", "person_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(200), unique=True, default=new_declaration_code)
    natural_key: Mapped[str | None] = mapped_column(String(200), unique=True, nullable=True)
    person_kind: Mapped[str] = mapped_column(String(20))
    person_code: Mapped[str] = mapped_column(String(80))
    counterpart_uscc: Mapped[str] = mapped_column(String(18), index=True)  # private
    kind: Mapped[str] = mapped_column(String(30))  # private
    valid_from: Mapped[date] = mapped_column(Date)  # private
    valid_until: Mapped[date | None] = mapped_column(Date, nullable=True)  # private
    terms_salt: Mapped[str] = mapped_column(String(32), default=new_salt)
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False)
    import_ref: Mapped[str | None] = mapped_column(String(40), nullable=True)
