"""Service health and "who am I" (the caller's role and department, never the key)."""

from __future__ import annotations

from pydantic import BaseModel

from drawsvc.api.deps import PrincipalDep, api_router

router = api_router(prefix="/v1", tags=["meta"])


class Health(BaseModel):
    status: str


class Me(BaseModel):
    role: str
    department: str | None
    key_id: str | None


@router.get("/health", response_model=Health)
def health() -> Health:
    return Health(status="ok")


@router.get("/me", response_model=Me)
def me(principal: PrincipalDep) -> Me:
    return Me(role=principal.role.value, department=principal.department, key_id=principal.key_id)
