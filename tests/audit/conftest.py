"""A demo-like log built by the service (tasks_support), shared by the audit tests."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent / "tasks"))

from tasks_support import actor, ops, reveal, seed_registries


@pytest.fixture(scope="module")
def service_log(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Targets + teams (one replacement, one leader designation), three expert draws of one pool
    and group (the third sits out by rotation), one decline with its top-up."""
    from drawsvc.calendar.service import ensure_bundled
    from drawsvc.journal import SYSTEM
    from drawsvc.runtime import open_runtime
    from drawsvc.settings import Settings
    from drawsvc.tasks import service

    rt = open_runtime(
        Settings(data_dir=tmp_path_factory.mktemp("auditlog"), log_origin="test.drawsvc.example/log")
    )
    with rt.transaction() as s:
        ensure_bundled(s, rt.journal, actor=SYSTEM)
        seed_registries(s, targets=30, inspectors_per_dept=6, experts=8)
        t = service.create_task(
            s,
            rt.journal,
            title="抽查",
            year=2026,
            organiser="SCJG",
            params={"targets": {"ratio_bp": 2000}, "teams": {"size": 2}},
            actor=actor(),
        ).code
        for pool in ("targets", "inspectors"):
            service.build_pool(s, rt.journal, task=t, pool=pool, filters={}, actor=actor())
        service.commit_task(s, rt.journal, task=t, commitments=ops(), actor=actor())
    with rt.transaction() as s:
        dt = service.draw_task(s, rt.journal, task=t, reveals=reveal(), actor=actor())
        team = dt.result["inspection"]["teams"]["assignments"][0]
        service.replace_inspector(
            s,
            rt.journal,
            task=t,
            target=team["target"],
            inspector=team["members"][1]["id"],
            reason="病假",
            approver="科长",
            actor=actor(),
        )
    experts = []
    for n in range(3):
        with rt.transaction() as s:
            e = service.create_task(
                s,
                rt.journal,
                title=f"专家{n}",
                year=2026,
                organiser="SCJG",
                params={"experts": {"headcount": 2, "pool": "ZJ", "group": "食品"}},
                actor=actor(),
            ).code
            service.build_pool(s, rt.journal, task=e, pool="experts", actor=actor())
            service.commit_task(s, rt.journal, task=e, commitments=ops(), actor=actor())
        with rt.transaction() as s:
            de = service.draw_task(
                s, rt.journal, task=e, reveals=reveal(), on=date(2026, 3, 2), actor=actor()
            )
            if n == 0:
                service.respond_expert(
                    s,
                    rt.journal,
                    task=e,
                    expert=de.result["experts"]["experts"]["panel"][0],
                    response="declined",
                    reason="出差在外",
                    on=date(2026, 3, 2),
                    actor=actor(),
                )
        experts.append(de.log_index)
    with rt.engine.connect() as conn:
        size = rt.log.size(conn)
        raws = list(rt.log.entries(conn, 0, size))
    rt.close()
    yield {"raws": raws, "teams": dt.log_index, "experts": experts}
