"""On PostgreSQL: plan versions and the task listing's department match (JSON list of codes)."""

from __future__ import annotations

from datetime import date

import pytest

from drawsvc.journal import SYSTEM, Actor, now_shanghai
from drawsvc.plans import repository as plan_repo
from drawsvc.plans import service
from drawsvc.registries import service as registries
from drawsvc.tasks import repository as task_repo
from drawsvc.tasks.models import Task

pytestmark = pytest.mark.postgres
A = Actor(role="bureau", department="SCJG", name="key:a")
ITEM = {"check_item": "CI-1", "ratio_bp": 500, "frequency": 1, "period_start": "2026-04-01",
        "period_end": "2026-06-30", "joint_departments": ["WSJ"]}


def test_plan_revision_and_listing_on_postgres(pg_runtime):
    rt = pg_runtime
    with rt.transaction() as s:
        for code in ("SCJG", "WSJ"):
            registries.upsert_department(s, rt.journal, code=code, name=code, actor=SYSTEM)
        registries.upsert_check_item(s, rt.journal, {"code": "CI-1", "name": "食品"}, department="SCJG",
                                     actor=SYSTEM)
        service.upsert_plan(s, rt.journal, department="SCJG", year=2026, items=[ITEM], actor=A)
        service.publish_plan(s, rt.journal, department="SCJG", year=2026, actor=A)
        service.upsert_plan(s, rt.journal, department="SCJG", year=2026, items=[{**ITEM, "ratio_bp": 900}],
                            reason="调整", actor=A)
    with rt.transaction() as s:
        public = plan_repo.list_plans(s)
        assert [(p.version, p.status) for p in public] == [(1, "published")]
        own = plan_repo.list_plans(s, drafts_of="SCJG")
        assert [(p.version, p.status) for p in own] == [(1, "published"), (2, "draft")]


def test_task_listing_matches_participating_departments_on_postgres(pg_runtime):
    rt = pg_runtime
    with rt.transaction() as s:
        for code, departments in (("T-1", ["WSJ"]), ("T-2", ["WSJX"]), ("T-3", [])):
            s.add(Task(code=code, title="t", year=2026, period_start=date(2026, 1, 1),
                       period_end=date(2026, 12, 31), organiser="SCJG", departments=departments,
                       check_items=[], params={}, status="draft", round=0, created_at=now_shanghai(),
                       log_index=0))
    with rt.transaction() as s:
        assert [t.code for t in task_repo.list_tasks(s, department="WSJ")] == ["T-1"]
        assert [t.code for t in task_repo.list_tasks(s, visible_to="WSJX")] == ["T-2"]
        assert [t.code for t in task_repo.list_tasks(s, published_only=True)] == []
        assert len(task_repo.list_tasks(s, department="SCJG")) == 3
