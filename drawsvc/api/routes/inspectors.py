"""Inspectors (执法检查人员名录库): a bureau maintains and reads its own department's;
discipline reads all, private fields and their commitment openings included."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

from drawsvc.api import auth
from drawsvc.api.auth import Role
from drawsvc.api.deps import PrincipalDep, RuntimeDep, SessionDep, api_router
from drawsvc.api.schemas.registries import InspectorIn, InspectorOut, PrivateField, StatusIn
from drawsvc.api.views import inspector_out, private_openings
from drawsvc.errors import NotFound
from drawsvc.registries import repository, service
from drawsvc.registries.models import Inspector

router = api_router(prefix="/v1/inspectors", tags=["inspectors"])

InspectorCode = Annotated[str, Path(min_length=1, max_length=80)]


def _readable(principal: auth.Principal, session: SessionDep, code: str) -> Inspector:
    row = repository.get_inspector(session, code)
    if row is None:
        raise NotFound("inspector not found", field="code", rule="registry.exists")
    auth.require_reader_of(principal, row.department_code)
    return row


@router.post("", response_model=InspectorOut)
def upsert_inspector(body: InspectorIn, principal: PrincipalDep, runtime: RuntimeDep,
                     session: SessionDep) -> InspectorOut:
    """Create or update an inspector of the caller's department."""
    auth.require_role(principal, Role.BUREAU)
    assert principal.department is not None
    row = service.upsert_inspector(session, runtime.journal, body.raw(), department=principal.department,
                                   on=runtime.journal.today(), actor=principal.actor)
    return inspector_out(row, private=True)


@router.post("/{code}/status", response_model=InspectorOut)
def set_inspector_status(code: InspectorCode, body: StatusIn, principal: PrincipalDep, runtime: RuntimeDep,
                         session: SessionDep) -> InspectorOut:
    auth.require_role(principal, Role.BUREAU)
    row = service.set_inspector_status(session, runtime.journal, code=code, status=body.status,
                                       department=principal.department, actor=principal.actor)
    return inspector_out(row, private=True)


@router.get("", response_model=list[InspectorOut])
def list_inspectors(principal: PrincipalDep, session: SessionDep) -> list[InspectorOut]:
    """The caller's department's inspectors (discipline: everyone's)."""
    department = auth.department_filter(principal)
    return [inspector_out(r, private=True)
            for r in repository.list_inspectors(session, department_code=department)]


@router.get("/{code}", response_model=InspectorOut)
def get_inspector(code: InspectorCode, principal: PrincipalDep, session: SessionDep) -> InspectorOut:
    return inspector_out(_readable(principal, session, code), private=True)


@router.get("/{code}/private", response_model=list[PrivateField])
def get_inspector_private(code: InspectorCode, principal: PrincipalDep,
                          session: SessionDep) -> list[PrivateField]:
    """Openings of the private fields' commitments (value, salt) for audit."""
    return private_openings(_readable(principal, session, code))
