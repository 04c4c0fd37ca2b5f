"""Shapes of the results API (docs/specs/results.md). The results services check every rule
(RES-n); these models bound sizes and document the fields."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

from drawsvc.api.schemas.registries import Body

Code = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Text = Annotated[str, StringConstraints(max_length=2000)]
Texts = Annotated[list[Annotated[str, StringConstraints(max_length=100)]], Field(max_length=50)]


class CheckItemRef(Body):
    department: Code
    code: Code


class ResultIn(Body):
    task: Code = Field(description="the task (or sub-draw) whose draw formed the target's team")
    target: Annotated[str, StringConstraints(min_length=1, max_length=18)] = Field(description="USCC")
    check_item: CheckItemRef
    inspector: Code = Field(description="the team leader's inspector code (the leader submits)")
    inspected_on: date
    completed_on: date | None = Field(default=None, description="default: inspected_on")
    method: Literal["实地核查", "书面检查", "网络监测"]
    firm_signed: bool = Field(description="the firm signed the inspection record (false: refused)")
    refusal_note: Text | None = Field(default=None, description="required when refused; private")
    witness: Annotated[str, StringConstraints(max_length=200)] | None = Field(
        default=None, description="optional witness of a refusal; private"
    )
    categories: Texts = Field(description="result categories, exact strings of the loaded vocabulary")
    subcategories: Texts = Field(default_factory=list)


class ImportRowIn(ResultIn):
    dissents: Annotated[list[dict[str, Any]], Field(max_length=50)] | None = None


class ImportIn(Body):
    rows: Annotated[list[ImportRowIn], Field(min_length=1, max_length=200_000)]
    file_sha256: Annotated[str, StringConstraints(pattern="^[0-9a-f]{64}$")] | None = None


class AnswerIn(Body):
    inspector: Code
    reason: Text | None = Field(default=None, description="required for a dissent")


class AuditIn(Body):
    results: Annotated[list[Code], Field(min_length=1, max_length=100_000)]
    approver: Annotated[str, StringConstraints(min_length=1, max_length=200)] = Field(
        description="the reviewing head's public code; not on the team"
    )


class PublishIn(Body):
    results: Annotated[list[Code], Field(min_length=1, max_length=100_000)]


class SettingsIn(Body):
    results_due_working_days: Annotated[int, Field(ge=1, le=250)] | None = None
    objection_window_working_days: Annotated[int, Field(ge=1, le=250)] | None = None
    vocabulary: dict[str, Any] | Annotated[str, StringConstraints(max_length=100)] | None = Field(
        default=None, description="a bundled vocabulary id or a province's vocabulary file (JSON)"
    )


class SettingsOut(BaseModel):
    department: str
    results_due_working_days: int
    objection_window_working_days: int
    vocabulary: str
    log_index: int | None


class ObjectionIn(Body):
    firm: Annotated[str, StringConstraints(min_length=1, max_length=18)] = Field(
        description="USCC of the objecting firm: the result's firm"
    )
    channel: Literal["书面", "窗口", "网上"]
    received_on: date
    grounds: Annotated[str, StringConstraints(min_length=1, max_length=2000)]
    objector: Annotated[str, StringConstraints(max_length=200)] | None = Field(
        default=None, description="who filed for the firm; private"
    )


class DecisionIn(Body):
    outcome: Literal["更正", "维持"]
    reasons: Annotated[str, StringConstraints(min_length=1, max_length=2000)]
    categories: Texts | None = None
    subcategories: Texts | None = None


class ObjectionOut(BaseModel):
    objection: str
    result: str
    status: str
    received_on: date
    review_due: date
    review_due_calendar_version: list[int]
    corrected_version: int | None
    log_index: int


class FollowUpIn(Body):
    step: Literal[
        "rectification.ordered", "rectification.confirmed", "case.opened", "penalty.decided", "transferred"
    ]
    on: date
    unit: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    decision_no: Annotated[str, StringConstraints(max_length=200)] | None = None
    transfer_kind: Literal["authority", "judiciary"] | None = None
    transferred_to: Annotated[str, StringConstraints(max_length=200)] | None = None
    note: Text | None = Field(default=None, description="private (the log holds a commitment)")


class DispatchConfirmIn(Body):
    task: Code
    unit: Code


class TaskCloseIn(Body):
    task: Code


class Logged(BaseModel):
    result: str | None = None
    version: int | None = None
    status: str | None = None
    log_index: int


class ImportOut(BaseModel):
    rows: int
    first_index: int
    results: list[str]


class DeadlineOut(BaseModel):
    kind: str
    subject: str
    department: str
    start: date
    due: date
    calendar_version: list[int]
    done_on: date | None
    working_days_left: int | None
    state: str


class OverdueOut(BaseModel):
    department: str | None
    today: date
    overdue: list[DeadlineOut]
    due_soon: list[DeadlineOut]
