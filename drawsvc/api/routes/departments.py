"""Departments: admin creates and renames; everyone may list (codes and names are public)."""

from __future__ import annotations

from drawsvc.api import auth
from drawsvc.api.auth import Role
from drawsvc.api.deps import PrincipalDep, RuntimeDep, SessionDep, api_router
from drawsvc.api.schemas.registries import DepartmentIn, DepartmentOut
from drawsvc.registries import repository, service

router = api_router(prefix="/v1/departments", tags=["departments"])


@router.post("", response_model=DepartmentOut)
def upsert_department(body: DepartmentIn, principal: PrincipalDep, runtime: RuntimeDep,
                      session: SessionDep) -> DepartmentOut:
    auth.require_role(principal, Role.ADMIN)
    row = service.upsert_department(session, runtime.journal, code=body.code, name=body.name,
                                    actor=principal.actor)
    return DepartmentOut.model_validate(row)


@router.get("", response_model=list[DepartmentOut])
def list_departments(session: SessionDep) -> list[DepartmentOut]:
    return [DepartmentOut.model_validate(d) for d in repository.list_departments(session)]
