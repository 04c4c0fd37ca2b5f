"""``Draw.result`` is stored in the compact row form of ``drawsvc.tasks.result_store``: the log has
the full result; the row keeps the targets, teams and positions, and reads back the same result."""

from __future__ import annotations

import copy
import json
from typing import Any

import sqlalchemy as sa
from tasks_support import actor, ops, reveal, seed_registries

from drawsvc.draw.canonical import canonical_json
from drawsvc.tasks import replay, result_store, service
from drawsvc.tasks.logread import reader_for, result_of
from drawsvc.tasks.models import Draw


def _member(i: str, leader: bool = False, designated: bool = False) -> dict[str, Any]:
    return {"id": i, "leader": leader, "designated": designated}


def _inspection(mode_key: str = "groups") -> dict[str, Any]:
    a, b, c = "91330102MA00000001", "91330102MA00000002", "91330102MA00000003"
    return {
        "inspection": {
            "spec": "draw/v1", "kind": "inspection", "seed": "00" * 32, "events": [{"kind": "replace"}],
            "targets": {"mode": "ratio", "pool": 9, "eligible": 9, "selected": [a, b, c],
                        mode_key: [{"group": "default", "selected": [a], "position": 8},
                                   {"group": "risk", "selected": [], "position": 0},
                                   {"group": "stratum:A", "selected": [b, c], "position": 16}]},
            "teams": {"size": 2, "position": 40, "assignments": [
                {"target": a, "members": [_member("P1", True, True), _member("P2")]},
                {"target": b, "members": [_member("P2", True), _member("张三")]},
                {"target": c, "members": [_member("P3"), _member("P1", True)]},
            ]},
        },
        "experts": None,
    }


def test_compact_round_trips_ratio_and_stratified_parts_and_flags() -> None:
    for key in ("groups", "strata"):
        full = _inspection(key)
        stored = result_store.compact(copy.deepcopy(full))
        assert stored["format"] == result_store.FORMAT
        assert stored["flags"] == "301001" and stored["members"].split("\n")[3] == "张三"
        assert "91330102MA00000002" not in json.dumps(stored["result"])  # ids only in the strings
        assert result_store.expand(json.loads(json.dumps(stored))) == full


def test_compact_round_trips_results_without_teams_or_targets() -> None:
    no_teams = _inspection()
    no_teams["inspection"]["teams"] = None
    empty = _inspection()
    empty["inspection"]["targets"].update(selected=[], groups=[])
    empty["inspection"]["teams"]["assignments"] = []
    experts = {"inspection": None, "experts": {"kind": "experts", "experts": {"panel": ["E1"]}}}
    for full in (no_teams, empty, experts):
        stored = json.loads(json.dumps(result_store.compact(copy.deepcopy(full))))
        assert result_store.expand(stored) == full


def test_shapes_the_compact_form_cannot_hold_are_kept_whole() -> None:
    newline = _inspection()
    newline["inspection"]["teams"]["assignments"][0]["members"][1]["id"] = "P\n2"
    reordered = _inspection()
    reordered["inspection"]["teams"]["assignments"].reverse()
    extra_key = _inspection()
    extra_key["inspection"]["teams"]["assignments"][1]["members"][0]["note"] = "x"
    int_flag = _inspection()
    int_flag["inspection"]["teams"]["assignments"][2]["members"][0]["leader"] = 0
    wrong_size = _inspection()
    wrong_size["inspection"]["teams"]["assignments"][2]["members"].pop()
    groups_differ = _inspection()
    groups_differ["inspection"]["targets"]["groups"][0]["selected"] = ["91330102MA00000009"]
    for full in (newline, reordered, extra_key, int_flag, wrong_size, groups_differ):
        stored = result_store.compact(copy.deepcopy(full))
        assert "format" not in stored and stored == full
        assert result_store.expand(stored) == full  # rows written before the row form, too


def test_draw_row_is_compact_and_reads_back_the_logged_result(runtime: Any) -> None:
    with runtime.transaction() as s:
        seed_registries(s, targets=60, inspectors_per_dept=9)
        code = service.create_task(s, runtime.journal, title="餐饮食品安全抽查", year=2026, organiser="SCJG",
                                   params={"targets": {"ratio_bp": 2000}, "teams": {"size": 2}},
                                   actor=actor()).code
        for pool in ("targets", "inspectors"):
            service.build_pool(s, runtime.journal, task=code, pool=pool, filters={}, actor=actor())
    with runtime.transaction() as s:
        service.commit_task(s, runtime.journal, task=code, commitments=ops(), actor=actor())
    with runtime.transaction() as s:
        index = service.draw_task(s, runtime.journal, task=code, reveals=reveal(), actor=actor()).log_index
    with runtime.engine.connect() as conn:
        _, logged = result_of(reader_for(runtime.log, conn), index)
        raw = conn.execute(sa.select(Draw.__table__.c.result).where(Draw.task_code == code)).scalar_one()
    stored = raw if isinstance(raw, dict) else json.loads(raw)
    assert stored["format"] == result_store.FORMAT
    assert len(json.dumps(stored)) < len(json.dumps(logged)) // 2
    with runtime.transaction() as s:  # a fresh session: the row alone gives the full result
        draw = service.current_draw(s, code)
        assert canonical_json(draw.result) == canonical_json(logged)
        assert len(replay.teams_of(draw.result)) == len(replay.drawn_targets(draw.result)) > 0
        team = replay.teams_of(draw.result)[0]
        service.replace_inspector(s, runtime.journal, task=code, target=team["target"],
                                  inspector=team["members"][1]["id"], reason="病假", approver="科长",
                                  actor=actor())
    with runtime.transaction() as s:  # the replacement is stored (and read back) the same way
        after = service.current_draw(s, code).result
        assert after["inspection"]["events"][-1]["person"] == team["members"][1]["id"]
        assert replay.teams_of(after)[0]["members"][1]["id"] != team["members"][1]["id"]
        assert replay.teams_of(after)[1:] == replay.teams_of(logged)[1:]
