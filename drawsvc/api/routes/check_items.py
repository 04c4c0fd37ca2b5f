"""Check items (随机抽查事项清单). A department's bureau maintains its list; the public sees
published items, the bureau all of its own, discipline everything."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from drawsvc.api import auth
from drawsvc.api.deps import PrincipalDep, RuntimeDep, SessionDep, api_router
from drawsvc.api.schemas.registries import CheckItemIn, CheckItemOut
from drawsvc.errors import NotFound
from drawsvc.registries import repository, service

router = api_router(prefix="/v1/check-items", tags=["check items"])

Dept = Annotated[str, Path(min_length=1, max_length=64)]
ItemCode = Annotated[str, Path(min_length=1, max_length=64)]


@router.post("/{department}", response_model=CheckItemOut)
def upsert_check_item(department: Dept, body: CheckItemIn, principal: PrincipalDep, runtime: RuntimeDep,
                      session: SessionDep) -> CheckItemOut:
    """Create or adjust an item; each change is a new version in the log."""
    auth.require_bureau_of(principal, department)
    row = service.upsert_check_item(session, runtime.journal, body.raw(), department=department,
                                    actor=principal.actor)
    return CheckItemOut.model_validate(row)


@router.post("/{department}/{code}/withdraw", response_model=CheckItemOut)
def withdraw_check_item(department: Dept, code: ItemCode, principal: PrincipalDep, runtime: RuntimeDep,
                        session: SessionDep) -> CheckItemOut:
    auth.require_bureau_of(principal, department)
    row = service.withdraw_check_item(session, runtime.journal, department=department, code=code,
                                      actor=principal.actor)
    return CheckItemOut.model_validate(row)


@router.get("", response_model=list[CheckItemOut])
def list_check_items(principal: PrincipalDep, session: SessionDep,
                     department: Annotated[str | None, Query(max_length=64)] = None) -> list[CheckItemOut]:
    """Active items; unpublished ones only for their own bureau and discipline."""
    rows = repository.list_check_items(session, department_code=department)
    return [CheckItemOut.model_validate(r) for r in rows
            if r.published or principal.sees_department(r.department_code)]


@router.get("/{department}/{code}", response_model=CheckItemOut)
def get_check_item(department: Dept, code: ItemCode, principal: PrincipalDep,
                   session: SessionDep) -> CheckItemOut:
    row = repository.get_check_item(session, department, code)
    if row is None or not ((row.published and row.active) or principal.sees_department(department)):
        raise NotFound(f"check item {department}/{code} not found", field="code", rule="registry.exists")
    return CheckItemOut.model_validate(row)
