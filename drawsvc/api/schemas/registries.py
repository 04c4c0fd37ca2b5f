"""Registry request and response models (docs/specs/registries.md).

Request models document the fields and bound their sizes; the registry service is the one
place that validates values (codes, USCC check characters, enumerations in English or
Chinese, dates) and names the broken rule. Response models never carry a private field
(phone, ID number, birth date) unless the route was told the caller may see it.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Text = Annotated[str, StringConstraints(max_length=4000)]
Short = Annotated[str, StringConstraints(max_length=300)]
Code = Annotated[str, StringConstraints(min_length=1, max_length=80)]
Items = Annotated[list[Annotated[str, StringConstraints(max_length=100)]], Field(max_length=50)]
SmallInt = Annotated[int, Field(ge=-1_000_000, le=1_000_000)]
PrivateText = Annotated[str, StringConstraints(max_length=40)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    def raw(self) -> dict[str, Any]:
        """The submitted fields as the service's raw mapping."""
        return self.model_dump(exclude_unset=True)


# --- departments ---------------------------------------------------------------------------

class DepartmentIn(Body):
    code: Code
    name: Short


class DepartmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str


# --- check items ---------------------------------------------------------------------------

class CheckItemIn(Body):
    code: Code
    name: Short
    legal_basis: Text | None = None
    target_type: Short | None = None
    content: Text | None = None
    method: Short | None = Field(default=None, description="on_site | documents | online | other")
    min_ratio_bp: SmallInt | None = Field(default=None, description="minimum ratio, basis points (300 = 3%)")
    risk_class_ratios_bp: dict[Annotated[str, StringConstraints(max_length=4)], SmallInt] | None = None
    min_frequency_per_year: SmallInt | None = None
    risk_class_frequency: dict[Annotated[str, StringConstraints(max_length=4)], SmallInt] | None = Field(
        default=None, description="per credit class A-D: inspections per target per year (a per-class cap)")
    cap_per_target_per_year: SmallInt | None = None
    required_specialty: Short | None = None
    published: bool | None = None


class CheckItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    department_code: str
    code: str
    name: str
    legal_basis: str
    target_type: str
    content: str
    method: str
    min_ratio_bp: int
    risk_class_ratios_bp: dict[str, int] | None
    min_frequency_per_year: int
    risk_class_frequency: dict[str, int] | None = None
    cap_per_target_per_year: int
    required_specialty: str | None
    published: bool
    active: bool
    version: int


# --- targets -------------------------------------------------------------------------------

class TargetIn(Body):
    uscc: Annotated[str, StringConstraints(max_length=40)]
    name: Short
    target_type: Short | None = None
    scale: Short | None = None
    region_code: Annotated[str, StringConstraints(max_length=20)]
    registration_authority: Short | None = None
    industry: Short | None = None
    risk_flags: Items | None = None
    credit_class: Annotated[str, StringConstraints(max_length=4)] | None = None
    status: Short | None = None


class StatusIn(Body):
    status: Annotated[str, StringConstraints(min_length=1, max_length=40)]


class TargetOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    uscc: str
    name: str
    target_type: str
    scale: str
    region_code: str
    registration_authority: str
    industry: str
    risk_flags: list[str]
    credit_class: str
    status: str
    version: int


# --- inspectors ----------------------------------------------------------------------------

class InspectorIn(Body):
    staff_no: Code | None = Field(default=None, description="工号; the code becomes <department>-<staff_no>")
    code: Code | None = None
    name: Short
    unit: Short | None = None
    position: Short | None = None
    certificate_no: Short
    certificate_valid_until: date
    post: Short | None = None
    phone: PrivateText | None = Field(default=None, description="private")
    specialties: Items | None = None
    leader_eligible: bool | None = None
    status: Short | None = None


class InspectorOut(BaseModel):
    code: str
    department_code: str
    name: str
    unit: str
    position: str
    certificate_no: str
    certificate_valid_until: date
    post: str
    specialties: list[str]
    leader_eligible: bool
    status: str
    version: int
    phone: str | None = Field(default=None, description="private: own department and discipline only")


# --- expert pools and experts ----------------------------------------------------------------

class PoolIn(Body):
    code: Code
    name: Short
    shared: bool = Field(default=False, description="a pool shared by every department (admin only)")
    age_limit: SmallInt = 60
    exempt_titles: Items = []
    exempt_age_limit: SmallInt | None = None
    min_years: SmallInt = 0
    accepted_titles: Items = []
    groups: Items = []
    term_years: SmallInt = 3
    notice_working_days: SmallInt = 5
    objection_working_days: SmallInt = 30


class PoolOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    department_code: str | None
    age_limit: int
    exempt_titles: list[str]
    exempt_age_limit: int | None
    min_years: int
    accepted_titles: list[str]
    groups: list[str]
    term_years: int
    notice_working_days: int
    objection_working_days: int
    version: int


class ExpertIn(Body):
    code: Code
    name: Short
    organisation: Short | None = None
    organisation_uscc: Annotated[str, StringConstraints(max_length=40)] | None = None
    title: Short | None = None
    groups: Items | None = None
    years_in_field: SmallInt | None = None
    birth_date: date = Field(description="private")
    id_number: PrivateText | None = Field(default=None, description="private")
    phone: PrivateText | None = Field(default=None, description="private")


class ExpertOut(BaseModel):
    code: str
    pool_code: str
    name: str
    organisation: str
    organisation_uscc: str | None
    title: str
    groups: list[str]
    years_in_field: int
    status: str
    notice_start: date | None
    notice_end: date | None
    notice_end_calendar_version: list[int] | None = Field(
        default=None, description="log indices of the calendar arrangements that computed notice_end")
    term_start: date | None
    term_end: date | None
    exit_flags: list[str]
    exit_reason: str | None
    version: int
    birth_date: date | None = Field(default=None, description="private")
    id_number: str | None = Field(default=None, description="private")
    phone: str | None = Field(default=None, description="private")


class NoticeIn(Body):
    start: date


class ObjectionIn(Body):
    objector: Annotated[str, StringConstraints(max_length=200)] | None = Field(
        default=None, description="private: the named objector")
    written: bool = True
    filed_on: date


class ObjectionOut(BaseModel):
    id: int
    expert_code: str
    filed_on: date
    due_on: date
    due_calendar_version: list[int] = Field(
        default_factory=list, description="log indices of the calendar arrangements that computed due_on")
    decision: str | None
    decided_on: date | None
    objector: str | None = Field(default=None, description="private: the owning bureau and discipline")


class DecisionIn(Body):
    decision: Annotated[str, StringConstraints(min_length=1, max_length=20)]
    decided_on: date


class EvaluationIn(Body):
    grade: Annotated[str, StringConstraints(min_length=1, max_length=20)]
    task_ref: Annotated[str, StringConstraints(max_length=100)] | None = None


class BlacklistIn(Body):
    reference: Annotated[str, StringConstraints(min_length=1, max_length=200)] = Field(
        description="public reference of the blacklist entry")


class ExitIn(Body):
    reason: Annotated[str, StringConstraints(min_length=1, max_length=30)]


# --- declarations --------------------------------------------------------------------------

class DeclarationIn(Body):
    person_kind: Annotated[str, StringConstraints(max_length=20)]
    person_code: Code
    counterpart_uscc: Annotated[str, StringConstraints(max_length=40)]
    kind: Annotated[str, StringConstraints(max_length=40)]
    valid_from: date
    valid_until: date | None = None


class DeclarationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    person_kind: str
    person_code: str
    counterpart_uscc: str
    kind: str
    valid_from: date
    valid_until: date | None
    withdrawn: bool


class DeclarationOpeningOut(BaseModel):
    """A declaration as its holder keeps it: every field and the ``terms`` salt (spec §6 P-5).
    ``terms`` is the committed value and ``commitment`` the value the log carries."""

    code: str
    person_kind: str
    person_code: str
    counterpart_uscc: str
    kind: str
    valid_from: date
    valid_until: date | None
    withdrawn: bool
    salt: str
    terms: str
    commitment: str


class PrivateField(BaseModel):
    """Opening of a private field's commitment in the log (value, salt)."""

    field: str
    value: str
    salt: str
    commitment: str


class ImportReportOut(BaseModel):
    report: dict[str, Any]
