"""A drawn, locked task with teams for the results tests (registries inserted directly)."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, time
from typing import Any

import sqlalchemy as sa

from drawsvc.calendar.service import ensure_bundled
from drawsvc.draw.seed import commitment
from drawsvc.journal import SHANGHAI, SYSTEM, Actor
from drawsvc.registries import models as reg
from drawsvc.sample.generator import make_uscc
from drawsvc.tasks import repository as task_repo
from drawsvc.tasks import service as tasks

SECRET = hashlib.sha256(b"results tests operator secret").digest()
ITEM = {"department": "QY", "code": "QY-01"}
ITEM2 = {"department": "QY", "code": "QY-02"}
PHONE = "13912345678"


def bureau(department: str = "QY") -> Actor:
    return Actor(role="bureau", department=department, name="clerk")


def set_today(rt: Any, day: date) -> None:
    """Fix the service clock (``journal.clock``) at 10:00 Asia/Shanghai on ``day``."""
    rt.journal.clock = lambda: datetime.combine(day, time(10, 0), tzinfo=SHANGHAI)


def seed(session: Any, *, targets: int = 12, departments: tuple[str, ...] = ("QY", "ZB")) -> list[str]:
    for d in departments:
        session.execute(sa.insert(reg.Department), [{"code": d, "name": f"{d} 市场监督管理局"}])
        for code in (f"{d}-01", f"{d}-02"):
            session.execute(
                sa.insert(reg.CheckItem),
                [{"department_code": d, "code": code, "name": f"检查事项 {code}", "published": True}],
            )
    rows = [
        {
            "uscc": make_uscc("91", "130634", i),
            "name": f"企业{i}",
            "target_type": "企业",
            "scale": "小型",
            "region_code": ("130634", "370300")[i % 2],
            "registration_authority": f"AUTH-{i % 2}",
            "industry": "餐饮",
            "risk_flags": [],
            "credit_class": "B",
            "status": "active",
            "version": 1,
        }
        for i in range(targets)
    ]
    session.execute(sa.insert(reg.Target), rows)
    people = [
        {
            "code": f"{d}-{k + 1:04d}",
            "department_code": d,
            "name": f"检查员{d}{k}",
            "certificate_no": f"C{d}{k}",
            "certificate_valid_until": date(2028, 1, 1),
            "specialties": ["食品"],
            "leader_eligible": k % 2 == 0,
            "status": "active",
            "version": 1,
            "phone": PHONE,
            "phone_salt": "00" * 16,
        }
        for d in departments
        for k in range(6)
    ]
    session.execute(sa.insert(reg.Inspector), people)
    session.flush()
    return [r["uscc"] for r in rows]


def drawn_task(
    rt: Any,
    *,
    department: str = "QY",
    teams: bool = True,
    lock: bool = True,
    items: tuple[dict[str, str], ...] = (ITEM,),
    dispatch: bool = False,
    period_end: date | None = None,
) -> str:
    """A task of ``department`` drawing every target (with teams of 2), committed, drawn and locked."""
    with rt.transaction() as s:
        ensure_bundled(s, rt.journal, actor=SYSTEM)
        params: dict[str, Any] = {"targets": {"ratio_bp": 10_000}}
        if teams:
            params["teams"] = {"size": 2}
        t = tasks.create_task(
            s,
            rt.journal,
            title="抽查",
            year=2026,
            organiser=department,
            params=params,
            check_items=[dict(i) for i in items],
            period_end=period_end,
            actor=bureau(department),
        )
        tasks.build_pool(s, rt.journal, task=t.code, pool="targets", filters={}, actor=bureau(department))
        if teams:
            tasks.build_pool(
                s,
                rt.journal,
                task=t.code,
                pool="inspectors",
                filters={"departments": [department]},
                actor=bureau(department),
            )
        code = t.code
    with rt.transaction() as s:
        tasks.commit_task(
            s,
            rt.journal,
            task=code,
            commitments=[{"party": "operator", "commitment": commitment(SECRET)}],
            actor=bureau(department),
        )
    with rt.transaction() as s:
        tasks.draw_task(
            s,
            rt.journal,
            task=code,
            reveals=[{"party": "operator", "secret": SECRET.hex()}],
            actor=bureau(department),
        )
    if lock:
        with rt.transaction() as s:
            tasks.lock_draw(s, rt.journal, task=code, actor=bureau(department))
    if dispatch:
        with rt.transaction() as s:
            tasks.dispatch_draw(s, rt.journal, task=code, by="region", actor=bureau(department))
    return code


def teams(rt: Any, task: str) -> dict[str, tuple[str, list[str]]]:
    """target → (leader, members) of the task's current draw."""
    with rt.transaction() as s:
        draw = task_repo.current_draw(s, task)
        assert draw is not None
        out = {}
        for a in draw.result["inspection"]["teams"]["assignments"]:
            leader = next(m["id"] for m in a["members"] if m["leader"])
            out[a["target"]] = (leader, [m["id"] for m in a["members"]])
        return out


def entries(rt: Any) -> list[dict[str, Any]]:
    with rt.engine.connect() as conn:
        return [json.loads(b) for b in rt.log.entries(conn, 0, rt.log.size(conn))]


def log_size(rt: Any) -> int:
    with rt.engine.connect() as conn:
        return rt.log.size(conn)


def table_counts(rt: Any) -> dict[str, int]:
    from drawsvc.results import models as m

    with rt.engine.connect() as conn:
        return {
            t.name: int(conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one())
            for t in (
                m.InspectionResult.__table__,
                m.ResultAnswer.__table__,
                m.Objection.__table__,
                m.FollowUpStep.__table__,
                m.DispatchConfirmation.__table__,
                m.TaskClosure.__table__,
            )
        }


def submission(target_: str, leader: str, **over: Any) -> dict[str, Any]:
    base = {
        "target": target_,
        "check_item": dict(ITEM),
        "inspector": leader,
        "inspected_on": "2026-06-15",
        "method": "实地核查",
        "firm_signed": True,
        "categories": ["未发现问题"],
    }
    base.update(over)
    return base


def keys_of(obj: Any) -> set[str]:
    """Every key of a JSON value, at any depth."""
    if isinstance(obj, dict):
        return set(obj) | {k for v in obj.values() for k in keys_of(v)}
    if isinstance(obj, list):
        return {k for v in obj for k in keys_of(v)}
    return set()


def refused(rt: Any, fn: Any) -> Any:
    """Run ``fn(session)`` expecting a domain error; assert that nothing was logged or stored."""
    import pytest

    from drawsvc.errors import DrawsvcError

    before, counts = log_size(rt), table_counts(rt)
    with pytest.raises(DrawsvcError) as exc, rt.transaction() as s:
        fn(s)
    assert log_size(rt) == before and table_counts(rt) == counts, "a refused call wrote something"
    return exc.value
