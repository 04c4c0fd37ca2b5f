"""Registry rows for task tests, inserted directly with bulk Core inserts (registries test themselves)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa

from drawsvc.draw.seed import commitment
from drawsvc.journal import Actor
from drawsvc.registries import models as reg
from drawsvc.registries.records import declaration_key
from drawsvc.sample.generator import make_uscc

YEAR = 2026
REGIONS = ("330102", "330105", "330106")
SECRET = hashlib.sha256(b"operator secret for tests").digest()
SECRET2 = hashlib.sha256(b"discipline office secret for tests").digest()


def actor(department: str = "SCJG") -> Actor:
    return Actor(role="bureau", department=department, name="tester")


def seed_registries(
    session: Any,
    *,
    targets: int = 60,
    departments: Sequence[str] = ("SCJG",),
    inspectors_per_dept: int = 8,
    experts: int = 0,
    credit: Sequence[str] = ("B",),
) -> dict[str, Any]:
    """Departments, ``targets`` active targets over three regions, inspectors per department, experts."""
    for d in departments:
        session.execute(sa.insert(reg.Department), [{"code": d, "name": f"{d} 局"}])
    rows = []
    for i in range(targets):
        region = REGIONS[i % len(REGIONS)]
        rows.append(
            {
                "uscc": make_uscc("91", region, i),
                "name": f"企业{i}",
                "target_type": "企业",
                "scale": "小型" if i % 2 else "中型",
                "region_code": region,
                "registration_authority": f"AUTH-{region}",
                "industry": "餐饮",
                "risk_flags": [],
                "credit_class": credit[i % len(credit)],
                "status": "active",
                "version": 1,
            }
        )
    session.execute(sa.insert(reg.Target), rows)
    people = []
    for d in departments:
        for k in range(inspectors_per_dept):
            people.append(
                {
                    "code": f"{d}-{k + 1:04d}",
                    "department_code": d,
                    "name": f"检查员{d}{k}",
                    "certificate_no": f"C{d}{k}",
                    "certificate_valid_until": date(YEAR + 2, 1, 1),
                    "specialties": ["食品"],
                    "leader_eligible": k % 3 == 0,
                    "status": "active",
                    "version": 1,
                }
            )
    session.execute(sa.insert(reg.Inspector), people)
    if experts:
        session.execute(sa.insert(reg.ExpertPool), [{"code": "ZJ", "name": "专家库", "groups": ["食品"]}])
        session.execute(
            sa.insert(reg.Expert),
            [
                {
                    "code": f"ZJ-{k + 1:04d}",
                    "pool_code": "ZJ",
                    "name": f"专家{k}",
                    "groups": ["食品"],
                    "birth_date": date(1980, 1, 1),
                    "birth_date_salt": "00" * 16,
                    "status": "admitted",
                    "term_start": date(YEAR - 1, 1, 1),
                    "term_end": date(YEAR + 1, 12, 31),
                    "consecutive_no_answer": 0,
                    "version": 1,
                }
                for k in range(experts)
            ],
        )
    session.flush()
    return {"targets": [r["uscc"] for r in rows], "inspectors": [p["code"] for p in people]}


def task_with_targets_pool(rt: Any, s: Any, targets: int) -> str:
    """In the open transaction ``s``: ``targets`` seeded targets and a new task (a quarter of
    them drawn) with its targets pool built; the task's code."""
    from drawsvc.tasks import service

    seed_registries(s, targets=targets)
    code = service.create_task(
        s, rt.journal, title="抽查", year=2026, organiser="SCJG",
        params={"targets": {"ratio_bp": 2500}}, actor=actor(),
    ).code
    service.build_pool(s, rt.journal, task=code, pool="targets", filters={}, actor=actor())
    return code


def declare(session: Any, person: str, uscc: str, kind: str = "inspector") -> None:
    """An interest declaration in the registries' shape (registries.md C-1, P-5): a random public
    ``code`` (``D-`` + 16 hex, embedding nothing) and the private ``natural_key`` by which later
    declarations of the same terms find it; ``terms_salt`` takes its column default."""
    valid_from = date(YEAR - 1, 1, 1)
    session.execute(
        sa.insert(reg.InterestDeclaration),
        [
            {
                "code": reg.new_declaration_code(),
                "natural_key": declaration_key(kind, person, uscc, "works_there", valid_from),
                "person_kind": kind,
                "person_code": person,
                "counterpart_uscc": uscc,
                "kind": "works_there",
                "valid_from": valid_from,
                "valid_until": None,
                "withdrawn": False,
            }
        ],
    )


def ops(secret: bytes = SECRET) -> list[dict[str, Any]]:
    return [{"party": "operator", "commitment": commitment(secret)}]


def reveal(secret: bytes = SECRET) -> list[dict[str, Any]]:
    return [{"party": "operator", "secret": secret.hex()}]


def log_entries(runtime: Any) -> list[dict[str, Any]]:
    import json

    with runtime.engine.connect() as conn:
        size = runtime.log.size(conn)
        return [json.loads(b) for b in runtime.log.entries(conn, 0, size)]


def kinds(runtime: Any) -> list[str]:
    return [e["kind"] for e in log_entries(runtime)]


def target_rows(runtime: Any) -> dict[str, list[Any]]:
    """uscc → logged row [id, stratum, checks, risk] of every targets pool chunk in the log."""
    from drawsvc.tasks.replay import decode_target_chunk

    return {
        r[0]: r
        for e in log_entries(runtime)
        if e["kind"] == "draw.pool.members" and e["body"]["pool"] == "targets"
        for r in decode_target_chunk(e["body"])
    }
