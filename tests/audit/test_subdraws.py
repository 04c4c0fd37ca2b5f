"""Two-level draws (市抽县查) audited from the published log: V-6 through the audit's index."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from audit_support import publish
from tasks_support import actor, ops, reveal, seed_registries
from typer.testing import CliRunner

from drawsvc.cli.app import app
from drawsvc.tasks import service


def _commit_draw(rt: Any, code: str, dept: str = "SCJG") -> Any:
    with rt.transaction() as s:
        service.commit_task(s, rt.journal, task=code, commitments=ops(), actor=actor(dept))
    with rt.transaction() as s:
        return service.draw_task(s, rt.journal, task=code, reveals=reveal(), actor=actor(dept))


def _log(rt: Any, forge: bool) -> list[bytes]:
    units = ("AUTH-330102", "AUTH-330105")
    with rt.transaction() as s:
        seed_registries(s, targets=40, departments=("SCJG", *units), inspectors_per_dept=5)
        parent = service.create_task(
            s,
            rt.journal,
            title="市抽县查",
            year=2026,
            organiser="SCJG",
            params={"targets": {"count": 6, "strata": ["authority"]}},
            actor=actor(),
        ).code
        service.build_pool(s, rt.journal, task=parent, pool="targets", filters={}, actor=actor())
    _commit_draw(rt, parent)
    with rt.transaction() as s:
        service.lock_draw(s, rt.journal, task=parent, actor=actor())
        service.dispatch_draw(s, rt.journal, task=parent, by="authority", actor=actor())
    for unit in units:
        with rt.transaction() as s:
            sub = service.create_subdraw(
                s, rt.journal, parent=parent, unit=unit, params={"teams": {"size": 2}}, actor=actor(unit)
            ).code
            if forge and unit == units[0]:
                members = service.repo.pool_members(s, sub, "targets")
                drawn = {m.member for m in members}
                members[0].member = next(u for u in service.repo.target_rows(s, {}) if u not in drawn)
        _commit_draw(rt, sub, unit)
    with rt.engine.connect() as conn:
        return list(rt.log.entries(conn, 0, rt.log.size(conn)))


def _audit(d: Path, raws: list[bytes]) -> tuple[int, dict[str, Any]]:
    publish(d, raws)
    r = CliRunner().invoke(app, ["audit", str(d), "--json", str(d / "r.json")])
    return r.exit_code, json.loads((d / "r.json").read_text())


def test_subdraws_audit(tmp_path: Path, runtime: Any) -> None:
    code, rep = _audit(tmp_path, _log(runtime, forge=False))
    assert code == 0, rep["findings"]
    assert rep["summary"]["draws"] == 3 == rep["summary"]["verified"]


def test_forged_share_is_named(tmp_path: Path, runtime: Any) -> None:
    raws = _log(runtime, forge=True)
    code, rep = _audit(tmp_path, raws)
    assert code == 3
    es = [json.loads(r) for r in raws]
    commits = [i for i, e in enumerate(es) if e["kind"] == "draw.commit"]
    assert [(f["rule"], f["index"]) for f in rep["findings"]] == [("AUD-4", commits[1])]
    assert "pools.targets" in rep["findings"][0]["message"]
