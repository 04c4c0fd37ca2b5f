"""API fixtures: an app on the ``runtime`` fixture and one key per role (two bureaus)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from drawsvc.api import auth
from drawsvc.api.app import create_app
from drawsvc.journal import SYSTEM

DEPT_A = "dept-a"
DEPT_B = "dept-b"


@dataclass(frozen=True)
class Keys:
    admin: str
    discipline: str
    bureau_a: str
    bureau_b: str

    def headers(self, role: str) -> dict[str, str]:
        """Headers for ``role`` in admin/discipline/bureau_a/bureau_b/public."""
        if role == "public":
            return {}
        return {"X-API-Key": getattr(self, role)}


def make_key(runtime, role: str, department: str | None = None) -> str:
    with runtime.transaction() as session:
        _, token = auth.create_api_key(session, runtime.journal, role=role, department=department,
                                       actor=SYSTEM)
    return token


@pytest.fixture
def keys(runtime) -> Keys:
    return Keys(
        admin=make_key(runtime, "admin"),
        discipline=make_key(runtime, "discipline"),
        bureau_a=make_key(runtime, "bureau", DEPT_A),
        bureau_b=make_key(runtime, "bureau", DEPT_B),
    )


@pytest.fixture
def client(runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime)) as c:
        yield c
