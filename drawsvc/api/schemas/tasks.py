"""Task, pool, commitment, draw and follow-up models (docs/tasks.md, docs/specs/entries.md).

Parameters, commitments and reveals are validated by the task service (which names the field
and the rule); the models here only bound sizes and document the shapes.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from drawsvc.api.schemas.registries import Body

Code = Annotated[str, StringConstraints(min_length=1, max_length=80)]
Reason = Annotated[str, StringConstraints(max_length=1000)]
Hex = Annotated[str, StringConstraints(max_length=256)]


class CheckItemRef(Body):
    department: Code
    code: Code


class TaskIn(Body):
    title: Reason
    year: Annotated[int, Field(ge=2000, le=2100)]
    organiser: Code | None = Field(default=None, description="default: the caller's department")
    params: dict[str, Any] = Field(description="draw parameters (entries.md §3): targets, teams, experts")
    departments: Annotated[list[Code], Field(max_length=50)] = Field(default_factory=list)
    check_items: Annotated[list[CheckItemRef], Field(max_length=100)] = Field(default_factory=list)
    period_start: date | None = None
    period_end: date | None = None
    code: Code | None = Field(default=None, description="default: T<year>-<number>")


class TaskOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    parent_code: str | None
    unit: str | None
    title: str
    year: int
    period_start: date
    period_end: date
    organiser: str
    departments: list[str]
    check_items: list[dict[str, str]]
    params: dict[str, Any]
    status: str
    round: int
    created_at: datetime
    log_index: int


Word = Annotated[str, StringConstraints(max_length=200)]
Words = Annotated[list[Word], Field(max_length=200)]


class PoolFilters(Body):
    """Registry filters of ``task.pool.build`` (entries.md §2); a list means any of."""

    target_type: Word | None = None
    scale: Word | Words | None = None
    region_code: Word | Words | None = Field(default=None, description="prefixes of 行政区划代码")
    industry: Word | Words | None = None
    credit_class: Word | Words | None = None
    registration_authority: Word | Words | None = None
    risk_flags: Words | None = None
    departments: Word | Words | None = None
    leader_eligible: bool | None = None
    specialty: Word | None = None
    pools: Word | Words | None = None
    groups: Word | Words | None = None


class PoolBuildIn(Body):
    filters: PoolFilters | None = Field(default=None, description="registry filters (docs/tasks.md)")
    members: Annotated[list[Code], Field(max_length=1_000_000)] | None = Field(
        default=None, description="explicit member ids instead of filters")
    file_sha256: Annotated[str, StringConstraints(max_length=64)] | None = None


class PoolBuilt(BaseModel):
    task: str
    pool: str
    count: int


class PoolMemberIn(Body):
    member: Code
    reason: Reason


class PoolMemberOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    member: str
    origin: str
    removed: bool
    reason: str | None


class CommitmentIn(Body):
    party: Literal["operator", "discipline"]
    commitment: Annotated[str, StringConstraints(max_length=64)] = Field(description="hex SHA-256(secret)")
    department: Code | None = None


class BeaconIn(Body):
    source: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    round: Annotated[int, Field(ge=0, le=2**53 - 1)]


class CommitIn(Body):
    commitments: Annotated[list[CommitmentIn], Field(min_length=1, max_length=2)]
    beacon: BeaconIn | None = None
    reason: Reason | None = Field(default=None, description="redraw only")
    approver: Reason | None = Field(default=None, description="redraw only")


class CommitOut(BaseModel):
    task: str
    round: int
    log_index: int
    pools: dict[str, Any]


class RevealIn(Body):
    party: Literal["operator", "discipline"]
    secret: Hex = Field(description="hex secret whose SHA-256 is the commitment")


class DrawIn(Body):
    reveals: Annotated[list[RevealIn], Field(min_length=1, max_length=2)]
    beacon_value: Hex | None = None


class DrawOut(BaseModel):
    task: str
    round: int
    status: str
    locked: bool
    seed: str
    log_index: int = Field(description="index of the draw.result entry in the log")
    drawn_at: datetime
    targets: list[str] = Field(description="drawn targets (USCC), for convenience")
    result: dict[str, Any] = Field(description="current result (draw-spec §11), after replacements")
    beacon: dict[str, Any] | None
    dispatch: dict[str, list[str]] | None
    sealed: dict[str, Any] | None = Field(
        default=None, description="a sealed draw: {commitment, opens, disclosed} (docs/specs/sealed-draws.md)"
    )


class ResponseIn(Body):
    response: Literal["accepted", "declined", "no_answer"]
    reason: Reason | None = Field(default=None, description="required with declined, absent otherwise")


class SlotOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    expert_code: str
    round: int = Field(description="0: a designation before the draw")
    status: str
    deadline: date | None
    deadline_calendar_version: list[int] | None = Field(
        default=None, description="log indices of the calendar arrangements that computed the deadline")
    reason: str | None = Field(default=None, description="designation only")
    approver: str | None = Field(default=None, description="designation only")


class DesignationIn(Body):
    role: Literal["expert", "leader"] = Field(
        default="expert", description="expert: before the commitment; leader: after the draw")
    target: Annotated[str, StringConstraints(min_length=1, max_length=40)] | None = Field(
        default=None, description="leader only (required): the drawn target (USCC) whose team it leads")
    person: Code = Field(description="expert code, or for a leader a member of the target's drawn team")
    reason: Reason
    approver: Reason


class ReplacementIn(Body):
    target: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    inspector: Code
    reason: Reason
    approver: Reason
    avoidance: bool = Field(default=False, description="an interest declared after the draw (swap first)")


class ReplacementOut(BaseModel):
    task: str
    event: dict[str, Any] = Field(description="the engine's event record (replacement, leader), as logged")


class DispatchIn(Body):
    by: Literal["region", "authority"] = "region"


class SubdrawIn(Body):
    unit: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    params: dict[str, Any]
    title: Reason | None = None


class InspectionIn(Body):
    target: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    kind: Literal["complaint", "assigned", "patrol"]
    on: date
    department: Code | None = Field(default=None, description="default: the caller's department")
    reason: Reason
    check_items: Annotated[list[CheckItemRef], Field(max_length=100)] = Field(default_factory=list)
    task: Code | None = None


class InspectionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    target_uscc: str
    year: int
    on: date
    kind: str
    department: str
    task_code: str | None
    log_index: int


class MergeCandidateOut(BaseModel):
    target: str
    inspections: list[dict[str, Any]]


# --- sealed draws (docs/specs/sealed-draws.md) -----------------------------------------------


class DisclosureIn(Body):
    reason: Reason | None = Field(default=None, description="needed to open a date seal early")
    salt: Hex | None = Field(default=None, description="optional: the caller's own salt, checked (SEAL-4)")
    plaintext: dict[str, Any] | None = Field(
        default=None, description="optional: the plaintext held by the caller, checked against the commitment"
    )


class DisclosureOut(BaseModel):
    task: str
    disclosed: list[int] = Field(description="log indices of the draw.disclose entries written")


class DueIn(Body):
    today: date | None = Field(default=None, description="default: today (Asia/Shanghai)")


class DueOut(BaseModel):
    disclosed: list[str] = Field(description="tasks whose date seals were opened")


class SealOut(BaseModel):
    task: str
    round: int
    sealed_index: int = Field(description="index of the draw.sealed entry")
    disclosed_index: int | None = Field(description="index of the draw.disclose entry, once disclosed")
    opens: dict[str, str] = Field(description='{"date": "YYYY-MM-DD"} or {"event": text}')
    commitment: str = Field(description="hex(SHA-256(salt ‖ RFC8785(plaintext))) (SEAL-3)")
    salt: str | None = Field(description="to the discipline office and the owner; to anyone once disclosed")
    plaintext: dict[str, Any] | None = Field(description="as salt; what the commitment opens to (SEAL-2)")
    verified: bool | None = Field(description="the salt and plaintext shown open the commitment")
