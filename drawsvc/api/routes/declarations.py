"""Interest declarations (回避关系) of inspectors and experts: a bureau for its own people;
discipline reads all. Declaration codes contain ``/``, so they travel in bodies and queries."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query
from pydantic import StringConstraints

from drawsvc.api import auth
from drawsvc.api.auth import Role
from drawsvc.api.deps import PrincipalDep, RuntimeDep, SessionDep, api_router
from drawsvc.api.schemas.registries import Body, DeclarationIn, DeclarationOut
from drawsvc.registries import repository, service

router = api_router(prefix="/v1/declarations", tags=["declarations"])


class WithdrawIn(Body):
    code: Annotated[str, StringConstraints(min_length=1, max_length=200)]


@router.post("", response_model=DeclarationOut)
def declare(body: DeclarationIn, principal: PrincipalDep, runtime: RuntimeDep,
            session: SessionDep) -> DeclarationOut:
    auth.require_role(principal, Role.BUREAU)
    row = service.declare_interest(session, runtime.journal, body.raw(), department=principal.department,
                                   actor=principal.actor)
    return DeclarationOut.model_validate(row)


@router.post("/withdraw", response_model=DeclarationOut)
def withdraw(body: WithdrawIn, principal: PrincipalDep, runtime: RuntimeDep,
             session: SessionDep) -> DeclarationOut:
    auth.require_role(principal, Role.BUREAU)
    row = service.withdraw_declaration(session, runtime.journal, code=body.code,
                                       department=principal.department, actor=principal.actor)
    return DeclarationOut.model_validate(row)


@router.get("", response_model=list[DeclarationOut])
def list_declarations(principal: PrincipalDep, session: SessionDep,
                      person_kind: Annotated[str | None, Query(max_length=20)] = None,
                      ) -> list[DeclarationOut]:
    """Declarations of the caller's department's people and shared-pool experts (discipline: all)."""
    department = auth.department_filter(principal)
    owners: dict[tuple[str, str], str | None] = {}
    out = []
    for d in repository.list_declarations(session, person_kind=person_kind):
        if department is not None:
            key = (d.person_kind, d.person_code)
            if key not in owners:
                owners[key] = service.person_department(session, d.person_kind, d.person_code)
            if owners[key] not in (None, department):
                continue
        out.append(DeclarationOut.model_validate(d))
    return out
