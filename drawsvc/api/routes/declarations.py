"""Interest declarations (回避关系) of inspectors and experts: a bureau for its own people;
discipline reads all. Declaration codes contain ``/``, so they travel in bodies and queries."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query
from pydantic import StringConstraints

from drawsvc.api import auth
from drawsvc.api.auth import Role
from drawsvc.api.deps import PrincipalDep, RuntimeDep, SessionDep, api_router
from drawsvc.api.schemas.registries import Body, DeclarationIn, DeclarationOut, PrivateField
from drawsvc.api.views import declaration_opening
from drawsvc.errors import NotFound
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
    """Declarations of the caller's department's people (discipline: all, shared-pool experts too)."""
    department = auth.department_filter(principal)
    owners: dict[tuple[str, str], str | None] = {}
    out = []
    for d in repository.list_declarations(session, person_kind=person_kind):
        if department is not None:
            key = (d.person_kind, d.person_code)
            if key not in owners:
                owners[key] = service.person_department(session, d.person_kind, d.person_code)
            if owners[key] != department:  # shared-pool experts' terms: discipline only
                continue
        out.append(DeclarationOut.model_validate(d))
    return out


@router.get("/private", response_model=PrivateField)
def get_declaration_private(principal: PrincipalDep, session: SessionDep,
                            code: Annotated[str, Query(min_length=1, max_length=200)]) -> PrivateField:
    """The opening (terms, salt) of a declaration's commitment in the log, for its bureau and discipline."""
    row = repository.get_declaration(session, code)
    if row is None:
        raise NotFound("declaration not found", field="code", rule="registry.exists")
    auth.require_reader_of(principal, service.person_department(session, row.person_kind, row.person_code))
    return declaration_opening(row)
