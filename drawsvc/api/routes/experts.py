"""Expert pools (专家库) and the expert life cycle: apply → notice (公示) → objections → admit;
evaluations, exit flags and exits. Bureaus act for their own department's pools and for
shared pools; discipline reads everything; private fields only to the owning bureau and
discipline (shared pools: discipline)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from drawsvc.api import auth
from drawsvc.api.auth import Principal, Role
from drawsvc.api.deps import PrincipalDep, RuntimeDep, SessionDep, api_router
from drawsvc.api.schemas.registries import (
    BlacklistIn,
    DecisionIn,
    EvaluationIn,
    ExitIn,
    ExpertIn,
    ExpertOut,
    NoticeIn,
    ObjectionIn,
    ObjectionOut,
    PoolIn,
    PoolOut,
    PrivateField,
)
from drawsvc.api.views import expert_out, private_openings
from drawsvc.errors import Forbidden
from drawsvc.registries import experts, repository
from drawsvc.registries.models import Expert, ExpertObjection

router = api_router(tags=["experts"])

PoolCode = Annotated[str, Path(min_length=1, max_length=64)]
ExpertCode = Annotated[str, Path(min_length=1, max_length=64)]
Reason = Annotated[str, Path(min_length=1, max_length=30)]


def _objection(o: ExpertObjection, *, private: bool = False) -> ObjectionOut:
    return ObjectionOut(id=o.id, expert_code=o.expert_code, filed_on=o.filed_on, due_on=o.due_on,
                        due_calendar_version=list(o.due_calendar_version or []), decision=o.decision,
                        decided_on=o.decided_on, objector=o.objector if private else None)


def _readable(principal: Principal, session: SessionDep, code: str) -> tuple[Expert, bool]:
    """The expert if the caller may read it, and whether it may see the private fields."""
    auth.require_role(principal, Role.BUREAU, Role.DISCIPLINE)
    expert, pool = experts.require_expert(
        session, code, department=principal.department if principal.role is Role.BUREAU else None)
    return expert, principal.sees_department(pool.department_code)


# --- pools -----------------------------------------------------------------------------------

@router.post("/v1/expert-pools", response_model=PoolOut)
def upsert_pool(body: PoolIn, principal: PrincipalDep, runtime: RuntimeDep, session: SessionDep) -> PoolOut:
    """A bureau configures its department's pools; a shared pool (``shared``) is the admin's."""
    if body.shared:
        auth.require_role(principal, Role.ADMIN)
    else:
        auth.require_role(principal, Role.BUREAU)
    rules = experts.pool_rules(body)
    row = experts.upsert_pool(session, runtime.journal, code=body.code, name=body.name,
                              department=None if body.shared else principal.department, pool=rules,
                              actor=principal.actor)
    return PoolOut.model_validate(row)


@router.get("/v1/expert-pools", response_model=list[PoolOut])
def list_pools(principal: PrincipalDep, session: SessionDep) -> list[PoolOut]:
    auth.require_role(principal, Role.BUREAU, Role.DISCIPLINE, Role.ADMIN)
    return [PoolOut.model_validate(p) for p in repository.list_pools(session)]


# --- experts ---------------------------------------------------------------------------------

@router.post("/v1/expert-pools/{pool}/experts", response_model=ExpertOut)
def apply(pool: PoolCode, body: ExpertIn, principal: PrincipalDep, runtime: RuntimeDep,
          session: SessionDep) -> ExpertOut:
    """An application, checked against the pool's rules today."""
    auth.require_role(principal, Role.BUREAU)
    row = experts.apply(session, runtime.journal, body.raw(), pool_code=pool, department=principal.department,
                        on=runtime.journal.today(), actor=principal.actor)
    return expert_out(row, private=True)


@router.post("/v1/experts/{code}", response_model=ExpertOut)
def update_expert(code: ExpertCode, body: ExpertIn, principal: PrincipalDep, runtime: RuntimeDep,
                  session: SessionDep) -> ExpertOut:
    auth.require_role(principal, Role.BUREAU)
    if body.code != code:
        raise Forbidden("the body's code must be the expert's code", field="code", rule="api.path-body-code")
    row = experts.update_expert(session, runtime.journal, body.raw(), department=principal.department,
                                on=runtime.journal.today(), actor=principal.actor)
    return expert_out(row, private=True)


@router.post("/v1/experts/{code}/notice", response_model=ExpertOut)
def start_notice(code: ExpertCode, body: NoticeIn, principal: PrincipalDep, runtime: RuntimeDep,
                 session: SessionDep) -> ExpertOut:
    auth.require_role(principal, Role.BUREAU)
    row = experts.start_notice(session, runtime.journal, expert_code=code, start=body.start,
                               department=principal.department, actor=principal.actor)
    return expert_out(row, private=True)


@router.post("/v1/experts/{code}/objections", response_model=ObjectionOut)
def file_objection(code: ExpertCode, body: ObjectionIn, principal: PrincipalDep, runtime: RuntimeDep,
                   session: SessionDep) -> ObjectionOut:
    auth.require_role(principal, Role.BUREAU)
    row = experts.file_objection(session, runtime.journal, expert_code=code, objector=body.objector,
                                 written=body.written, filed_on=body.filed_on,
                                 department=principal.department, actor=principal.actor)
    return _objection(row)


@router.post("/v1/expert-objections/{objection_id}/decision", response_model=ObjectionOut)
def decide_objection(objection_id: Annotated[int, Path(ge=1, le=2**31 - 1)], body: DecisionIn,
                     principal: PrincipalDep, runtime: RuntimeDep, session: SessionDep) -> ObjectionOut:
    auth.require_role(principal, Role.BUREAU)
    row = experts.decide_objection(session, runtime.journal, objection_id=objection_id,
                                   decision=body.decision, decided_on=body.decided_on,
                                   department=principal.department, actor=principal.actor)
    return _objection(row)


@router.post("/v1/experts/{code}/admit", response_model=ExpertOut)
def admit(code: ExpertCode, principal: PrincipalDep, runtime: RuntimeDep, session: SessionDep) -> ExpertOut:
    auth.require_role(principal, Role.BUREAU)
    row = experts.admit(session, runtime.journal, expert_code=code, on=runtime.journal.today(),
                        department=principal.department, actor=principal.actor)
    return expert_out(row, private=True)


@router.post("/v1/experts/{code}/evaluations", response_model=ExpertOut)
def evaluate(code: ExpertCode, body: EvaluationIn, principal: PrincipalDep, runtime: RuntimeDep,
             session: SessionDep) -> ExpertOut:
    """Record a grade; a second 差 in one term flags exit."""
    auth.require_role(principal, Role.BUREAU)
    experts.evaluate(session, runtime.journal, expert_code=code, grade=body.grade, on=runtime.journal.today(),
                     department=principal.department, actor=principal.actor, task_ref=body.task_ref)
    expert, private = _readable(principal, session, code)
    return expert_out(expert, private=private)


@router.post("/v1/experts/{code}/exit", response_model=ExpertOut)
def confirm_exit(code: ExpertCode, body: ExitIn, principal: PrincipalDep, runtime: RuntimeDep,
                 session: SessionDep) -> ExpertOut:
    auth.require_role(principal, Role.BUREAU)
    row = experts.confirm_exit(session, runtime.journal, expert_code=code, reason=body.reason,
                               on=runtime.journal.today(), department=principal.department,
                               actor=principal.actor)
    return expert_out(row, private=True)


@router.post("/v1/experts/{code}/exit-flags/{reason}/clear", response_model=ExpertOut)
def clear_exit_flag(code: ExpertCode, reason: Reason, principal: PrincipalDep, runtime: RuntimeDep,
                    session: SessionDep) -> ExpertOut:
    auth.require_role(principal, Role.BUREAU)
    row = experts.clear_exit_flag(session, runtime.journal, expert_code=code, reason=reason,
                                  department=principal.department, actor=principal.actor)
    return expert_out(row, private=True)


@router.post("/v1/expert-pools/{pool}/flag-over-age", response_model=list[str])
def flag_over_age(pool: PoolCode, principal: PrincipalDep, runtime: RuntimeDep,
                  session: SessionDep) -> list[str]:
    """Flag every admitted expert of the pool over its age limit today; returns their codes."""
    auth.require_role(principal, Role.BUREAU)
    experts.require_pool(session, pool, department=principal.department)
    return experts.flag_over_age(session, runtime.journal, on=runtime.journal.today(), actor=principal.actor,
                                 pool_code=pool)


@router.post("/v1/experts/{code}/exit-flags/credit-blacklist", response_model=ExpertOut)
def flag_credit_blacklist(code: ExpertCode, body: BlacklistIn, principal: PrincipalDep, runtime: RuntimeDep,
                          session: SessionDep) -> ExpertOut:
    """A credit blacklist (失信名单) entry was found: flag the expert for exit (``reference`` is public)."""
    auth.require_role(principal, Role.BUREAU)
    experts.require_expert(session, code, department=principal.department)
    row = experts.flag_credit_blacklist(session, runtime.journal, expert_code=code, reference=body.reference,
                                        actor=principal.actor)
    return expert_out(row, private=True)


@router.get("/v1/expert-exits/pending", response_model=list[ExpertOut])
def pending_exits(principal: PrincipalDep, session: SessionDep) -> list[ExpertOut]:
    """Experts flagged for exit and waiting for a person (the caller's pools; discipline: all)."""
    auth.require_role(principal, Role.BUREAU, Role.DISCIPLINE)
    pools = {p.code: p.department_code for p in repository.list_pools(session)}
    readable = [c for c, owner in pools.items()
                if principal.role is Role.DISCIPLINE or owner in (None, principal.department)]
    return [expert_out(e, private=principal.sees_department(pools.get(e.pool_code)))
            for e in experts.pending_exits(session, pool_codes=readable)]


@router.get("/v1/experts", response_model=list[ExpertOut])
def list_experts(principal: PrincipalDep, session: SessionDep,
                 pool: Annotated[str | None, Query(max_length=64)] = None,
                 status: Annotated[str | None, Query(max_length=20)] = None) -> list[ExpertOut]:
    """Experts of the pools the caller may read (its department's and shared ones)."""
    auth.require_role(principal, Role.BUREAU, Role.DISCIPLINE)
    pools = {p.code: p.department_code for p in repository.list_pools(session)}
    out = []
    for e in repository.list_experts(session, pool_code=pool, status=status):
        owner = pools.get(e.pool_code)
        if principal.role is Role.BUREAU and owner is not None and owner != principal.department:
            continue
        out.append(expert_out(e, private=principal.sees_department(owner)))
    return out


@router.get("/v1/experts/{code}", response_model=ExpertOut)
def get_expert(code: ExpertCode, principal: PrincipalDep, session: SessionDep) -> ExpertOut:
    expert, private = _readable(principal, session, code)
    return expert_out(expert, private=private)


@router.get("/v1/experts/{code}/private", response_model=list[PrivateField])
def get_expert_private(code: ExpertCode, principal: PrincipalDep, session: SessionDep) -> list[PrivateField]:
    """Openings of the private fields' commitments, for the owning bureau and discipline."""
    expert, private = _readable(principal, session, code)
    if not private:
        raise Forbidden("this key may not read this expert's private data", rule="auth.department")
    return private_openings(expert)


@router.get("/v1/expert-objections", response_model=list[ObjectionOut])
def list_objections(principal: PrincipalDep, session: SessionDep,
                    expert: Annotated[str, Query(min_length=1, max_length=64)]) -> list[ObjectionOut]:
    _, private = _readable(principal, session, expert)
    return [_objection(o, private=private) for o in repository.objections_of(session, expert)]
