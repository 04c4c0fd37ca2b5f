"""Sealed draws in the audit: checked as far as the log allows before disclosure, recomputed after,
and the disclosed panel enters the rotation of later expert draws."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from audit_support import encode, publish
from tasks_support import actor, ops, reveal, seed_registries
from typer.testing import CliRunner

from drawsvc.calendar.service import ensure_bundled
from drawsvc.cli.app import app
from drawsvc.journal import SYSTEM, Actor
from drawsvc.tasks import service

DISCIPLINE = Actor(role="discipline", department="JJJC", name="jj-1")
EXPERTS = {"headcount": 2, "pool": "ZJ", "group": "食品"}


def _raws(rt: Any) -> list[bytes]:
    with rt.engine.connect() as conn:
        return list(rt.log.entries(conn, 0, rt.log.size(conn)))


def _task(rt: Any, params: dict[str, Any], pools: tuple[str, ...]) -> str:
    with rt.transaction() as s:
        code = service.create_task(
            s, rt.journal, title="暗访", year=2026, organiser="SCJG", params=params, actor=actor()
        ).code
        for pool in pools:
            service.build_pool(s, rt.journal, task=code, pool=pool, filters={}, actor=actor())
        service.commit_task(s, rt.journal, task=code, commitments=ops(), actor=actor())
    with rt.transaction() as s:
        service.draw_task(s, rt.journal, task=code, reveals=reveal(), on=date(2026, 3, 2), actor=actor())
    return code


def _audit(d: Path, raws: list[bytes], *extra: str) -> tuple[int, dict[str, Any]]:
    publish(d, raws)
    r = CliRunner().invoke(app, ["audit", str(d), "--json", str(d / "r.json"), *extra])
    return r.exit_code, json.loads((d / "r.json").read_text())


def test_sealed_draw_before_and_after_disclosure(tmp_path: Path, runtime: Any) -> None:
    rt = runtime
    with rt.transaction() as s:
        ensure_bundled(s, rt.journal, actor=SYSTEM)
        seed_registries(s, targets=20, experts=8, inspectors_per_dept=12)
    params = {
        "targets": {"count": 3},
        "teams": {"size": 2},
        "experts": EXPERTS,
        "seal": {"opens": {"event": "评审会"}},
    }
    sealed = _task(rt, params, ("targets", "inspectors", "experts"))
    _task(rt, {"experts": EXPERTS}, ("experts",))
    state = tmp_path / "state.json"
    code, rep = _audit(tmp_path / "a", _raws(rt), "--state", str(state))
    assert code == 0, rep["findings"]
    assert len(rep["summary"]["undisclosed"]) == 1
    with rt.transaction() as s:
        [disclosure] = service.disclose_draw(s, rt.journal, task=sealed, actor=DISCIPLINE)
    _task(rt, {"experts": EXPERTS}, ("experts",))  # cites the disclosed panel and the plain one
    raws = _raws(rt)
    code, rep = _audit(tmp_path / "b", raws, "--state", str(state))
    assert code == 0, rep["findings"]
    assert rep["summary"]["undisclosed"] == [] and rep["summary"]["verified"] == 4  # 2 + sealed again + new
    es = [json.loads(r) for r in raws]
    es[disclosure]["body"]["plaintext"]["seed"] = "00" * 32
    code, rep = _audit(tmp_path / "c", [encode(e) for e in es])
    assert code == 3
    assert ("AUD-4", disclosure) in {(f["rule"], f["index"]) for f in rep["findings"]}, rep["findings"]
