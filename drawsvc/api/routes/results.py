"""Inspection results (docs/specs/results.md): entry by the team, audit and publication,
objections, follow-ups, dispatch confirmation, deadlines. The department that owns a task
writes its results (a bureau key); published forms are public; private views are for the
department and the discipline office."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query

from drawsvc.api import auth
from drawsvc.api.auth import Principal, Role
from drawsvc.api.deps import PrincipalDep, RuntimeDep, SessionDep, api_router
from drawsvc.api.schemas.results import (
    AnswerIn,
    AuditIn,
    DeadlineOut,
    DecisionIn,
    DispatchConfirmIn,
    FollowUpIn,
    ImportIn,
    ImportOut,
    Logged,
    ObjectionIn,
    ObjectionOut,
    OverdueOut,
    PublishIn,
    ResultIn,
    SettingsIn,
    SettingsOut,
    TaskCloseIn,
)
from drawsvc.results import batch, dispatch, followups, objections, overdue, service
from drawsvc.results import repository as repo
from drawsvc.results.models import InspectionResult, Objection

router = api_router(prefix="/v1/results", tags=["results"])

ResultCode = Annotated[str, Path(min_length=1, max_length=40)]
Dept = Annotated[str, Path(min_length=1, max_length=64)]
DeptQuery = Annotated[str | None, Query(min_length=1, max_length=64)]


def _logged(row: InspectionResult) -> Logged:
    return Logged(result=row.code, version=row.version, status=row.status, log_index=row.log_index)


def _objection(o: Objection) -> ObjectionOut:
    return ObjectionOut(
        objection=o.code,
        result=o.result_code,
        status=o.status,
        received_on=o.received_on,
        review_due=o.review_due,
        review_due_calendar_version=o.review_due_calendar_version,
        corrected_version=o.corrected_version,
        log_index=o.decision_index or o.log_index,
    )


def _scope(principal: Principal, department: str | None) -> str | None:
    """A bureau reads its own department's deadlines; the discipline office any (or all)."""
    if principal.role is Role.DISCIPLINE:
        return department
    auth.require_role(principal, Role.BUREAU, Role.DISCIPLINE)
    if department is not None and department != principal.department:
        auth.require_reader_of(principal, department)
    return principal.department


@router.post("", response_model=Logged, status_code=201)
def submit_result(
    body: ResultIn, principal: PrincipalDep, runtime: RuntimeDep, session: SessionDep
) -> Logged:
    """The team leader submits the inspection record and result (``result.submit``)."""
    auth.require_role(principal, Role.BUREAU)
    fields = body.raw()
    task = fields.pop("task")
    return _logged(
        service.submit_result(session, runtime.journal, task=task, actor=principal.actor, **fields)
    )


@router.post("/import", response_model=ImportOut, status_code=201)
def import_results(
    body: ImportIn, principal: PrincipalDep, runtime: RuntimeDep, session: SessionDep
) -> ImportOut:
    """All-or-nothing import of results entered elsewhere (each row formed; ``result.import``)."""
    auth.require_role(principal, Role.BUREAU)
    rows = [r.model_dump(exclude_unset=True, mode="json") for r in body.rows]
    report = batch.import_results(
        session, runtime.journal, rows, actor=principal.actor, file_sha256=body.file_sha256
    )
    return ImportOut(rows=report.rows, first_index=report.first_index, results=report.results)


@router.post("/audit", response_model=list[Logged])
def audit_results(
    body: AuditIn, principal: PrincipalDep, runtime: RuntimeDep, session: SessionDep
) -> list[Logged]:
    """The responsible head's review of formed results (``result.audit``), before publication."""
    auth.require_role(principal, Role.BUREAU)
    rows = service.audit_results(
        session, runtime.journal, results=body.results, approver=body.approver, actor=principal.actor
    )
    return [_logged(r) for r in rows]


@router.post("/publish", response_model=list[dict[str, Any]])
def publish_results(
    body: PublishIn, principal: PrincipalDep, runtime: RuntimeDep, session: SessionDep
) -> list[dict[str, Any]]:
    """Publish audited results (``result.publish``); returns the published forms."""
    auth.require_role(principal, Role.BUREAU)
    return service.publish_results(session, runtime.journal, results=body.results, actor=principal.actor)


@router.get("/published", response_model=list[dict[str, Any]])
def list_published(
    session: SessionDep,
    task: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    target: Annotated[str | None, Query(min_length=1, max_length=18)] = None,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    """Published results (public): a corrected result shows both versions."""
    return service.list_published(session, task=task, target=target, offset=offset, limit=limit)


@router.get("/overdue", response_model=OverdueOut)
def overdue_list(
    principal: PrincipalDep, runtime: RuntimeDep, session: SessionDep, department: DeptQuery = None
) -> OverdueOut:
    """What is overdue now in a department, and publications due soon (20 working-day warning)."""
    dept = _scope(principal, department)
    today = runtime.journal.today()
    got = overdue.overdue(session, runtime.log, department=dept, today=today)
    return OverdueOut(
        department=dept,
        today=today,
        overdue=[DeadlineOut(**d.as_dict(today)) for d in got["overdue"]],
        due_soon=[DeadlineOut(**d.as_dict(today)) for d in got["due_soon"]],
    )


@router.get("/deadlines", response_model=list[DeadlineOut])
def deadlines(
    principal: PrincipalDep, runtime: RuntimeDep, session: SessionDep, department: DeptQuery = None
) -> list[DeadlineOut]:
    """The auditor's view: every deadline, met, missed, open or overdue, with its calendar version."""
    dept = _scope(principal, department)
    today = runtime.journal.today()
    return [
        DeadlineOut(**d.as_dict(today))
        for d in overdue.deadlines(session, runtime.log, department=dept, today=today)
    ]


@router.get("/settings/{department}", response_model=SettingsOut)
def get_settings(department: Dept, session: SessionDep) -> SettingsOut:
    """A department's result deadlines and vocabulary (the defaults when never set)."""
    s = service.settings_for(session, department)
    return SettingsOut(**s.__dict__)


@router.post("/settings/{department}", response_model=SettingsOut)
def set_settings(
    department: Dept, body: SettingsIn, principal: PrincipalDep, runtime: RuntimeDep, session: SessionDep
) -> SettingsOut:
    """Set the department's results deadline (working days), objection window and vocabulary."""
    auth.require_bureau_of(principal, department)
    s = service.set_department_settings(
        session, runtime.journal, department=department, actor=principal.actor, **body.raw()
    )
    return SettingsOut(**s.__dict__)


@router.post("/dispatch-confirmations", response_model=Logged, status_code=201)
def confirm_dispatch(
    body: DispatchConfirmIn, principal: PrincipalDep, runtime: RuntimeDep, session: SessionDep
) -> Logged:
    """The receiving unit confirms its dispatched targets (within 1 working day)."""
    auth.require_role(principal, Role.BUREAU)
    row = dispatch.confirm_dispatch(
        session, runtime.journal, task=body.task, unit=body.unit, actor=principal.actor
    )
    return Logged(status="confirmed", log_index=row.log_index)


@router.post("/task-closures", response_model=Logged, status_code=201)
def close_task(
    body: TaskCloseIn, principal: PrincipalDep, runtime: RuntimeDep, session: SessionDep
) -> Logged:
    """Close a task for results: no result is entered after it."""
    auth.require_role(principal, Role.BUREAU)
    row = service.close_task(session, runtime.journal, task=body.task, actor=principal.actor)
    return Logged(status="closed", log_index=row.log_index)


@router.post("/objections/{code}/decision", response_model=ObjectionOut)
def decide_objection(
    code: ResultCode, body: DecisionIn, principal: PrincipalDep, runtime: RuntimeDep, session: SessionDep
) -> ObjectionOut:
    """Decide an objection: 更正 (with the corrected categories) or 维持 (with reasons)."""
    auth.require_role(principal, Role.BUREAU)
    return _objection(
        objections.decide_objection(
            session, runtime.journal, objection=code, actor=principal.actor, **body.raw()
        )
    )


@router.get("/{code}", response_model=dict[str, Any])
def get_result(code: ResultCode, principal: PrincipalDep, session: SessionDep) -> dict[str, Any]:
    """Every version of a result with its answers, objections and follow-ups (the department and
    the discipline office; private fields in clear). The public reads ``/published``."""
    auth.require_reader_of(principal, repo.latest_result(session, code).department)
    return service.private_view(session, code)


@router.post("/{code}/objections", response_model=ObjectionOut, status_code=201)
def file_objection(
    code: ResultCode, body: ObjectionIn, principal: PrincipalDep, runtime: RuntimeDep, session: SessionDep
) -> ObjectionOut:
    """The firm's authorised channel: the publishing department's bureau records the firm's objection."""
    auth.require_role(principal, Role.BUREAU)
    return _objection(
        objections.file_objection(session, runtime.journal, result=code, actor=principal.actor, **body.raw())
    )


@router.post("/{code}/follow-ups", response_model=Logged, status_code=201)
def follow_up(
    code: ResultCode, body: FollowUpIn, principal: PrincipalDep, runtime: RuntimeDep, session: SessionDep
) -> Logged:
    """One step of the follow-up (后续处置) of a result with a problem."""
    auth.require_role(principal, Role.BUREAU)
    fu = followups.record_follow_up(
        session, runtime.journal, result=code, actor=principal.actor, **body.raw()
    )
    return Logged(result=code, status=fu.step, log_index=fu.log_index)


# Last: its path template would otherwise take /{code}/objections and /{code}/follow-ups.
@router.post("/{code}/{answer}", response_model=Logged)
def answer(
    code: ResultCode,
    answer: Annotated[str, Path(pattern="^(confirm|dissent)$")],
    body: AnswerIn,
    principal: PrincipalDep,
    runtime: RuntimeDep,
    session: SessionDep,
) -> Logged:
    """A team member confirms the submitted result (``confirm``) or dissents with a reason (``dissent``)."""
    auth.require_role(principal, Role.BUREAU)
    row = service.answer_result(
        session,
        runtime.journal,
        result=code,
        inspector=body.inspector,
        answer=answer,
        reason=body.reason,
        actor=principal.actor,
    )
    return _logged(row)
