"""A redraw (round 2) audits clean with its reason and approver; without the approver it is named."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from audit_support import encode, publish
from tasks_support import actor, ops, reveal, seed_registries
from typer.testing import CliRunner

from drawsvc.cli.app import app
from drawsvc.tasks import service


def _audit(d: Path, raws: list[bytes]) -> tuple[int, dict[str, Any]]:
    publish(d, raws)
    r = CliRunner().invoke(app, ["audit", str(d), "--json", str(d / "r.json")])
    return r.exit_code, json.loads((d / "r.json").read_text())


def test_redraw_needs_reason_and_approver(tmp_path: Path, runtime: Any) -> None:
    rt = runtime
    with rt.transaction() as s:
        seed_registries(s, targets=20, inspectors_per_dept=6)
        t = service.create_task(
            s,
            rt.journal,
            title="抽查",
            year=2026,
            organiser="SCJG",
            params={"targets": {"count": 3}, "teams": {"size": 2}},
            actor=actor(),
        ).code
        for pool in ("targets", "inspectors"):
            service.build_pool(s, rt.journal, task=t, pool=pool, filters={}, actor=actor())
    for round_ in (1, 2):
        kw = {"reason": "抽取时系统故障", "approver": "局长"} if round_ == 2 else {}
        with rt.transaction() as s:
            service.commit_task(s, rt.journal, task=t, commitments=ops(), actor=actor(), **kw)
        with rt.transaction() as s:
            service.draw_task(s, rt.journal, task=t, reveals=reveal(), actor=actor())
    with rt.engine.connect() as conn:
        raws = list(rt.log.entries(conn, 0, rt.log.size(conn)))
    code, rep = _audit(tmp_path / "a", raws)
    assert code == 0, rep["findings"]
    assert rep["summary"]["draws"] == 2 == rep["summary"]["verified"]
    es = [json.loads(r) for r in raws]
    c2 = [i for i, e in enumerate(es) if e["kind"] == "draw.commit"][1]
    assert es[c2]["body"]["redraw"]["approver"] == "局长"
    es[c2]["body"]["redraw"]["approver"] = " "
    code, rep = _audit(tmp_path / "b", [encode(e) for e in es])
    assert code == 3
    assert ("AUD-5", c2) in {(f["rule"], f["index"]) for f in rep["findings"]}
