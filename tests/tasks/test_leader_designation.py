"""Team leaders designated after the draw (R-2; draw-spec DRAW-44a; entries.md §5
``draw.designate`` with role ``leader``): a member of the drawn team becomes its leader, logged
with who and why; not random; replayed by the verifier; refused after the lock."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from tasks_support import actor, kinds, log_entries, ops, reveal, seed_registries

from drawsvc.errors import InvalidInput, RuleViolation
from drawsvc.tasks import service
from drawsvc.tasks.logread import reader_for
from drawsvc.tasks.verify import DrawMismatch, recompute, verify_index_or_task

HEAD = "分管局长"
WHY = "熟悉该企业所在行业，由其带队"


def _task(rt: Any, *, draw: bool = True) -> str:
    with rt.transaction() as s:
        seed_registries(s, targets=20, inspectors_per_dept=12)
        code = service.create_task(
            s,
            rt.journal,
            title="抽查",
            year=2026,
            organiser="SCJG",
            params={"targets": {"count": 4}, "teams": {"size": 3}},
            actor=actor(),
        ).code
        for pool in ("targets", "inspectors"):
            service.build_pool(s, rt.journal, task=code, pool=pool, filters={}, actor=actor())
        service.commit_task(s, rt.journal, task=code, commitments=ops(), actor=actor())
    if draw:
        with rt.transaction() as s:
            service.draw_task(s, rt.journal, task=code, reveals=reveal(), actor=actor())
    return code


def _teams(rt: Any, code: str) -> dict[str, Any]:
    with rt.transaction() as s:
        result = service.current_draw(s, code).result
    return copy.deepcopy(result["inspection"]["teams"])


def _non_leader(teams: dict[str, Any], k: int = 0) -> tuple[str, str, str]:
    """(target, a plain member, the drawn leader) of the k-th team."""
    a = teams["assignments"][k]
    leader = next(m["id"] for m in a["members"] if m["leader"])
    plain = next(m["id"] for m in a["members"] if not m["leader"])
    return a["target"], plain, leader


def _designate(rt: Any, code: str, target: str, person: str) -> dict[str, Any]:
    with rt.transaction() as s:
        record = service.designate(
            s,
            rt.journal,
            task=code,
            role="leader",
            target=target,
            person=person,
            reason=WHY,
            approver=HEAD,
            actor=actor(),
        )
    assert record is not None
    return record


def _verify(rt: Any, code: str) -> Any:
    with rt.engine.connect() as conn:
        return verify_index_or_task(reader_for(rt.log, conn), code, size=rt.log.size(conn))


def test_a_member_designated_leader_leads_the_team_logged_with_who_and_why(runtime: Any) -> None:
    code = _task(runtime)
    before = _teams(runtime, code)
    target, person, drawn_leader = _non_leader(before)
    record = _designate(runtime, code, target, person)
    assert record["previous"] == drawn_leader and record["kind"] == "designate"
    assert record["leader_eligible"] is (int(person.rsplit("-", 1)[1]) % 3 == 1)  # seed: k % 3 == 0
    entry = log_entries(runtime)[-1]
    assert entry["kind"] == "draw.designate"
    assert entry["body"] == {
        "task": code,
        "round": 1,
        "role": "leader",
        "target": target,
        "person": person,
        "reason": WHY,
        "approver": HEAD,
        "leader_eligible": record["leader_eligible"],
    }
    after = _teams(runtime, code)
    team = next(a for a in after["assignments"] if a["target"] == target)
    assert [m["id"] for m in team["members"]] == [
        m["id"] for m in next(a for a in before["assignments"] if a["target"] == target)["members"]
    ]  # nobody changes team or slot
    flags = {m["id"]: (m["leader"], m["designated"]) for m in team["members"]}
    assert flags[person] == (True, True) and flags[drawn_leader] == (False, False)
    assert sum(m["leader"] for m in team["members"]) == 1
    assert after["position"] == before["position"]  # the stream is not touched
    assert [a for a in after["assignments"] if a["target"] != target] == [
        a for a in before["assignments"] if a["target"] != target
    ]
    verified = _verify(runtime, code)
    final = next(t for t in verified.final["teams"] if t["target"] == target)
    assert final["leader"] == person
    assert verified.events == [len(log_entries(runtime)) - 1]


def test_later_replacements_see_the_designated_leader_and_still_verify(runtime: Any) -> None:
    code = _task(runtime)
    target, person, _drawn_leader = _non_leader(_teams(runtime, code))
    _designate(runtime, code, target, person)
    with runtime.transaction() as s:  # the designated leader declares an interest: no swap (DRAW-52)
        rec = service.replace_inspector(
            s,
            runtime.journal,
            task=code,
            target=target,
            inspector=person,
            reason="申报回避",
            approver=HEAD,
            avoidance=True,
            actor=actor(),
        )
    assert rec["mode"] == "refill"
    team = next(a for a in _teams(runtime, code)["assignments"] if a["target"] == target)
    newcomer = next(m for m in team["members"] if m["id"] == rec["replacement"])
    assert newcomer["leader"] is True and newcomer["designated"] is False
    assert int(newcomer["id"].rsplit("-", 1)[1]) % 3 == 1  # refilled among leader-eligible (DRAW-51)
    assert sum(m["leader"] for m in team["members"]) == 1
    verified = _verify(runtime, code)
    assert next(t for t in verified.final["teams"] if t["target"] == target)["leader"] == rec["replacement"]
    assert len(verified.events) == 2


def test_refusals_log_nothing(runtime: Any) -> None:
    code = _task(runtime, draw=False)
    with runtime.transaction() as s:
        targets = [m.member for m in service.repo.pool_members(s, code, "targets")]
    with runtime.transaction() as s, pytest.raises(RuleViolation) as err:  # before the draw
        service.designate(
            s,
            runtime.journal,
            task=code,
            role="leader",
            target=targets[0],
            person="SCJG-0001",
            reason=WHY,
            approver=HEAD,
            actor=actor(),
        )
    assert err.value.rule == "draw.designate-after-draw"
    with runtime.transaction() as s:
        service.draw_task(s, runtime.journal, task=code, reveals=reveal(), actor=actor())
    teams = _teams(runtime, code)
    target, _plain, _leader = _non_leader(teams)
    outsider = next(
        f"SCJG-{k:04d}"
        for k in range(1, 13)
        if f"SCJG-{k:04d}" not in {m["id"] for m in teams["assignments"][0]["members"]}
    )
    undrawn = next(t for t in targets if t not in {a["target"] for a in teams["assignments"]})
    before = len(kinds(runtime))
    cases: list[tuple[dict[str, Any], type[Exception], str]] = [
        ({"target": target, "person": outsider}, InvalidInput, "DRAW-44a"),
        ({"target": undrawn, "person": _plain}, InvalidInput, "DRAW-44a"),
        ({"target": None, "person": _plain}, InvalidInput, "draw.designate-target"),
        ({"target": target, "person": _plain, "reason": " "}, InvalidInput, "task.reason-required"),
        ({"target": target, "person": _plain, "role": "chief"}, InvalidInput, "draw.designate-role"),
    ]
    for kw, exc, rule in cases:
        args = {"role": "leader", "reason": WHY, "approver": HEAD, **kw}
        with runtime.transaction() as s, pytest.raises(exc) as err:
            service.designate(s, runtime.journal, task=code, actor=actor(), **args)
        assert err.value.rule == rule, kw
    assert len(kinds(runtime)) == before
    with runtime.transaction() as s:
        service.lock_draw(s, runtime.journal, task=code, actor=actor())
    with runtime.transaction() as s, pytest.raises(RuleViolation) as err:
        service.designate(
            s,
            runtime.journal,
            task=code,
            role="leader",
            target=target,
            person=_plain,
            reason=WHY,
            approver=HEAD,
            actor=actor(),
        )
    assert err.value.rule == "task.locked"
    assert kinds(runtime)[-1] == "task.lock"


def test_forged_designations_fail_verification(runtime: Any) -> None:
    code = _task(runtime)
    teams = _teams(runtime, code)
    target, person, _leader = _non_leader(teams)
    _designate(runtime, code, target, person)
    entries = dict(enumerate(log_entries(runtime)))
    draw_index = next(i for i, e in entries.items() if e["kind"] == "draw.result")
    designation = max(entries)
    assert recompute(entries, draw_index).final["teams"][0]["leader"] == person
    other_team = {m["id"] for m in teams["assignments"][1]["members"]} - {
        m["id"] for m in teams["assignments"][0]["members"]
    }
    forged = copy.deepcopy(entries)
    forged[designation]["body"]["person"] = sorted(other_team)[0]  # not in the target's team
    with pytest.raises(DrawMismatch) as err:
        recompute(forged, draw_index)
    assert err.value.what == "designate" and err.value.index == designation
    forged = copy.deepcopy(entries)
    forged[designation]["body"]["target"] = teams["assignments"][1]["target"]
    with pytest.raises(DrawMismatch):
        recompute(forged, draw_index)
    forged = copy.deepcopy(entries)
    forged[designation]["body"]["leader_eligible"] = not forged[designation]["body"]["leader_eligible"]
    with pytest.raises(DrawMismatch) as err:
        recompute(forged, draw_index)
    assert err.value.what == "designate.leader_eligible"


def test_cli_designates_a_leader(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from drawsvc.settings import get_settings

    monkeypatch.setenv("DRAWSVC_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DRAWSVC_LOG_ORIGIN", "cli.test/log")
    get_settings.cache_clear()
    from drawsvc.runtime import open_runtime

    rt = open_runtime()
    try:
        code = _task(rt)
        target, person, _leader = _non_leader(_teams(rt, code))
    finally:
        rt.close()
    from drawsvc.cli.app import app

    r = CliRunner().invoke(
        app,
        [
            "task",
            "designate",
            code,
            "--role",
            "leader",
            "--target",
            target,
            "--person",
            person,
            "--reason",
            WHY,
            "--approver",
            HEAD,
            "-d",
            "SCJG",
        ],
    )
    assert r.exit_code == 0, r.output
    assert f"{person} leader of {target}" in r.output
    r = CliRunner().invoke(app, ["verify-draw", code, "--json"])
    assert r.exit_code == 0 and json.loads(r.output)["ok"] is True
    get_settings.cache_clear()
