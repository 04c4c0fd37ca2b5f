"""Admin: API keys and the holiday calendar. Admin keys only."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from drawsvc.api import auth
from drawsvc.api.auth import Role
from drawsvc.api.deps import PrincipalDep, RuntimeDep, SessionDep, api_router
from drawsvc.api.schemas.admin import KeyCreate, KeyCreated, KeyInfo
from drawsvc.api.schemas.calendar import ArrangementInfo, ArrangementUpload
from drawsvc.calendar import service as calendar_service

router = api_router(prefix="/v1/admin", tags=["admin"])

KeyId = Annotated[str, Path(min_length=1, max_length=24)]


@router.post("/keys", response_model=KeyCreated, status_code=201)
def create_key(body: KeyCreate, principal: PrincipalDep, runtime: RuntimeDep,
               session: SessionDep) -> KeyCreated:
    auth.require_role(principal, Role.ADMIN)
    row, token = auth.create_api_key(session, runtime.journal, role=body.role, department=body.department,
                                     label=body.label, actor=principal.actor)
    return KeyCreated(**KeyInfo.model_validate(row).model_dump(), key=token)


@router.get("/keys", response_model=list[KeyInfo])
def list_keys(principal: PrincipalDep, session: SessionDep,
              include_revoked: Annotated[bool, Query()] = False) -> list[KeyInfo]:
    auth.require_role(principal, Role.ADMIN)
    return [KeyInfo.model_validate(k) for k in auth.list_api_keys(session, include_revoked=include_revoked)]


@router.post("/keys/{key_id}/revoke", response_model=KeyInfo)
def revoke_key(key_id: KeyId, principal: PrincipalDep, runtime: RuntimeDep, session: SessionDep) -> KeyInfo:
    auth.require_role(principal, Role.ADMIN)
    return KeyInfo.model_validate(auth.revoke_api_key(session, runtime.journal, key_id=key_id,
                                                      actor=principal.actor))


@router.post("/calendar", response_model=ArrangementInfo, status_code=201)
def add_arrangement(body: ArrangementUpload, principal: PrincipalDep, runtime: RuntimeDep,
                    session: SessionDep) -> ArrangementInfo:
    """Load a year's official holiday arrangement (a correction of a loaded year needs ``reason``)."""
    auth.require_role(principal, Role.ADMIN)
    row = calendar_service.add_arrangement(session, runtime.journal, body.arrangement, actor=principal.actor,
                                           reason=body.reason)
    return ArrangementInfo.model_validate(row)


@router.post("/calendar/bundled", response_model=list[int])
def load_bundled_calendar(principal: PrincipalDep, runtime: RuntimeDep, session: SessionDep) -> list[int]:
    """Load the bundled official arrangements (2004–2026) not loaded yet; returns their log indices."""
    auth.require_role(principal, Role.ADMIN)
    return calendar_service.ensure_bundled(session, runtime.journal, actor=principal.actor)
