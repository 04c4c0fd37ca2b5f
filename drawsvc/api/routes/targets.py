"""Targets (检查对象名录库): the shared directory, keyed by credit code.

Any bureau may add or update targets (the directory is shared, not owned by a department);
bureaus and discipline read it. Targets carry no private fields.
"""

from __future__ import annotations

from itertools import islice
from typing import Annotated

from fastapi import Path, Query

from drawsvc.api import auth
from drawsvc.api.auth import Role
from drawsvc.api.deps import PrincipalDep, RuntimeDep, SessionDep, api_router
from drawsvc.api.schemas.registries import StatusIn, TargetIn, TargetOut
from drawsvc.errors import NotFound
from drawsvc.registries import repository, service

router = api_router(prefix="/v1/targets", tags=["targets"])

Uscc = Annotated[str, Path(min_length=1, max_length=40)]


@router.post("", response_model=TargetOut)
def upsert_target(body: TargetIn, principal: PrincipalDep, runtime: RuntimeDep,
                  session: SessionDep) -> TargetOut:
    auth.require_role(principal, Role.BUREAU)
    return TargetOut.model_validate(service.upsert_target(session, runtime.journal, body.raw(),
                                                          actor=principal.actor))


@router.post("/{uscc}/status", response_model=TargetOut)
def set_target_status(uscc: Uscc, body: StatusIn, principal: PrincipalDep, runtime: RuntimeDep,
                      session: SessionDep) -> TargetOut:
    """Deregister (注销) or reactivate."""
    auth.require_role(principal, Role.BUREAU)
    return TargetOut.model_validate(service.set_target_status(session, runtime.journal, uscc=uscc.upper(),
                                                              status=body.status, actor=principal.actor))


@router.get("", response_model=list[TargetOut])
def list_targets(principal: PrincipalDep, session: SessionDep,
                 offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
                 limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[TargetOut]:
    auth.require_role(principal, Role.BUREAU, Role.DISCIPLINE)
    rows = islice(repository.iter_targets(session), offset, offset + limit)
    return [TargetOut.model_validate(r) for r in rows]


@router.get("/{uscc}", response_model=TargetOut)
def get_target(uscc: Uscc, principal: PrincipalDep, session: SessionDep) -> TargetOut:
    auth.require_role(principal, Role.BUREAU, Role.DISCIPLINE)
    row = repository.get_target(session, uscc.upper())
    if row is None:
        raise NotFound("target not found", field="uscc", rule="registry.exists")
    return TargetOut.model_validate(row)
