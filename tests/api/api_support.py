"""Helpers shared by the API tests (imported by name; conftest puts this folder on sys.path)."""

from __future__ import annotations

from dataclasses import dataclass

from drawsvc.api import auth
from drawsvc.journal import SYSTEM

DEPT_A = "dept-a"
DEPT_B = "dept-b"


@dataclass(frozen=True)
class Keys:
    admin: str
    discipline: str
    bureau_a: str
    bureau_b: str
    revoked: str = ""  # a bureau key of department A, revoked
    malformed: str = "dsk_not-a-key"

    def headers(self, role: str) -> dict[str, str]:
        """Headers for ``role`` in admin/discipline/bureau_a/bureau_b/revoked/malformed/public."""
        if role == "public":
            return {}
        return {"X-API-Key": getattr(self, role)}


def make_key(runtime, role: str, department: str | None = None) -> str:
    with runtime.transaction() as session:
        _, token = auth.create_api_key(session, runtime.journal, role=role, department=department,
                                       actor=SYSTEM)
    return token


def ensure_departments(runtime, codes=(DEPT_A, DEPT_B)) -> None:
    from drawsvc.registries import service

    with runtime.transaction() as session:
        for code in codes:
            service.upsert_department(session, runtime.journal, code=code, name=f"{code} 局", actor=SYSTEM)


def make_keys(runtime) -> Keys:
    """One key per role; bureau keys need their departments, which are created if missing."""
    ensure_departments(runtime)
    revoked = make_key(runtime, "bureau", DEPT_A)
    with runtime.transaction() as session:
        auth.revoke_api_key(session, runtime.journal, key_id=revoked.split("_", 2)[1], actor=SYSTEM)
    return Keys(
        admin=make_key(runtime, "admin"),
        discipline=make_key(runtime, "discipline"),
        bureau_a=make_key(runtime, "bureau", DEPT_A),
        bureau_b=make_key(runtime, "bureau", DEPT_B),
        revoked=revoked,
    )


# --- a small registry world: two departments, targets, inspectors ------------------------------

YEAR = 2026
REGIONS = ("330102", "330105", "330106")


def seed_world(runtime, *, targets: int = 30, inspectors: int = 6) -> dict[str, list[str]]:
    """Departments dept-a/dept-b, ``targets`` active targets, ``inspectors`` per department.

    Direct inserts: the registries have their own tests."""
    from datetime import date

    import sqlalchemy as sa

    from drawsvc.registries import models as reg
    from drawsvc.sample.generator import make_uscc

    with runtime.transaction() as session:
        known = set(session.scalars(sa.select(reg.Department.code)))
        missing = [{"code": d, "name": f"{d} 局"} for d in (DEPT_A, DEPT_B) if d not in known]
        if missing:
            session.execute(sa.insert(reg.Department), missing)
        rows = [{"uscc": make_uscc("91", REGIONS[i % 3], i), "name": f"企业{i}", "target_type": "企业",
                 "scale": "小型", "region_code": REGIONS[i % 3], "registration_authority": "AUTH",
                 "industry": "餐饮", "risk_flags": [], "credit_class": "B", "status": "active", "version": 1}
                for i in range(targets)]
        if rows:
            session.execute(sa.insert(reg.Target), rows)
        people = [{"code": f"{d}-{k:04d}", "department_code": d, "name": f"检查员{k}",
                   "certificate_no": f"C{k}",
                   "certificate_valid_until": date(YEAR + 2, 1, 1), "specialties": ["食品"],
                   "leader_eligible": k % 3 == 0, "status": "active", "version": 1, "phone": "13800000000",
                   "phone_salt": "00" * 16}
                  for d in (DEPT_A, DEPT_B) for k in range(inspectors)]
        session.execute(sa.insert(reg.Inspector), people)
    return {"targets": [r["uscc"] for r in rows], "inspectors": [p["code"] for p in people]}


def log_size(runtime) -> int:
    with runtime.transaction() as session:
        return runtime.log.size(session.connection())


SECRET = "11" * 32


def operator_commitment(secret_hex: str = SECRET) -> str:
    from drawsvc.draw.seed import commitment

    return commitment(bytes.fromhex(secret_hex))


def create_drawable_task(client, headers: dict[str, str], *, count: int = 3, code: str | None = None,
                         secret_hex: str = SECRET) -> str:
    """Create a task of ``headers``' department, build its pools and commit; return its code."""
    body = {"title": "食品经营抽查", "year": YEAR,
            "params": {"targets": {"count": count}, "teams": {"size": 2}}}
    if code is not None:
        body["code"] = code
    resp = client.post("/v1/tasks", json=body, headers=headers)
    assert resp.status_code == 201, resp.text
    task = resp.json()["code"]
    me = client.get("/v1/me", headers=headers).json()
    for pool, filters in (("targets", {}), ("inspectors", {"departments": [me["department"]]})):
        r = client.post(f"/v1/tasks/{task}/pools/{pool}/build", json={"filters": filters}, headers=headers)
        assert r.status_code == 200, r.text
    commitments = [{"party": "operator", "commitment": operator_commitment(secret_hex)}]
    r = client.post(f"/v1/tasks/{task}/commit", json={"commitments": commitments}, headers=headers)
    assert r.status_code == 201, r.text
    return task


def reveal_body(secret_hex: str = SECRET) -> dict:
    return {"reveals": [{"party": "operator", "secret": secret_hex}]}
