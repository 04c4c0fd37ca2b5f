"""The task service on PostgreSQL (skipped unless DRAWSVC_TEST_DATABASE_URL is set)."""

from __future__ import annotations

from typing import Any

import pytest
from tasks_support import actor, declare, ops, reveal, seed_registries

from drawsvc.tasks import service
from drawsvc.tasks.logread import reader_for
from drawsvc.tasks.verify import verify_index_or_task

pytestmark = pytest.mark.postgres


def test_stratified_draw_with_teams_and_hand_edits_verifies_on_postgres(pg_runtime: Any) -> None:
    rt = pg_runtime
    with rt.transaction() as s:
        reg = seed_registries(s, targets=40, inspectors_per_dept=6)
        declare(s, reg["inspectors"][0], reg["targets"][1])
        code = service.create_task(
            s,
            rt.journal,
            title="抽查",
            year=2026,
            organiser="SCJG",
            params={"targets": {"count": 6, "strata": ["region"]}, "teams": {"size": 2}},
            actor=actor(),
        ).code
        for pool in ("targets", "inspectors"):
            service.build_pool(s, rt.journal, task=code, pool=pool, filters={}, actor=actor())
        service.remove_pool_member(
            s, rt.journal, task=code, pool="targets", member=reg["targets"][2], reason="停业", actor=actor()
        )
        service.build_pool(s, rt.journal, task=code, pool="targets", filters={}, actor=actor())
        service.commit_task(s, rt.journal, task=code, commitments=ops(), actor=actor())
    with rt.transaction() as s:
        draw = service.draw_task(s, rt.journal, task=code, reveals=reveal(), actor=actor())
        assert reg["targets"][2] not in draw.result["inspection"]["targets"]["selected"]
    with rt.engine.connect() as conn:
        verified = verify_index_or_task(reader_for(rt.log, conn), code, size=rt.log.size(conn))
    assert len(verified.final["teams"]) == 6
