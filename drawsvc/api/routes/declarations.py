"""Interest declarations (回避关系) of inspectors and experts: a bureau for its own people;
discipline reads all and opens the logged ``terms`` commitments. Codes travel in bodies and
queries (older codes contained ``/``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query
from pydantic import StringConstraints

from drawsvc.api import auth
from drawsvc.api.auth import Role
from drawsvc.api.deps import PrincipalDep, RuntimeDep, SessionDep, api_router
from drawsvc.api.schemas.registries import Body, DeclarationIn, DeclarationOpeningOut, DeclarationOut
from drawsvc.api.views import declaration_opening
from drawsvc.errors import NotFound
from drawsvc.registries import repository, service

router = api_router(prefix="/v1/declarations", tags=["declarations"])

DeclCode = Annotated[str, Query(min_length=1, max_length=200)]


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


@router.get("/opening", response_model=DeclarationOpeningOut)
def get_declaration_opening(principal: PrincipalDep, session: SessionDep,
                            code: DeclCode) -> DeclarationOpeningOut:
    """Discipline only: the declaration as its holder keeps it (terms and salt), which opens the
    ``terms`` commitment of its log entry (``records.verify_declaration``)."""
    auth.require_role(principal, Role.DISCIPLINE)
    row = repository.get_declaration(session, code)
    if row is None:
        raise NotFound("declaration not found", field="code", rule="registry.exists")
    return declaration_opening(row)
