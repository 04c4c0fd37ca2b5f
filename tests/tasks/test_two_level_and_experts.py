"""Two-level draws (joint task, 市抽县查) and expert draws, verified from the log alone."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from tasks_support import SECRET2, actor, kinds, log_entries, ops, reveal, seed_registries

from drawsvc.calendar.service import ensure_bundled
from drawsvc.errors import DeadlineMissed, Forbidden, RuleViolation
from drawsvc.journal import SYSTEM
from drawsvc.tasks import replay, service
from drawsvc.tasks.logread import reader_for
from drawsvc.tasks.verify import verify_index_or_task, verify_task

DEPTS = ("SCJG", "WSJ", "HBJ")


def _verify(rt: Any, target: str) -> Any:
    with rt.engine.connect() as conn:
        return verify_index_or_task(reader_for(rt.log, conn), target, size=rt.log.size(conn))


def _commit_draw(rt: Any, code: str, dept: str = "SCJG", **kw: Any) -> Any:
    with rt.transaction() as s:
        service.commit_task(s, rt.journal, task=code, commitments=ops(), actor=actor(dept))
    with rt.transaction() as s:
        return service.draw_task(s, rt.journal, task=code, reveals=reveal(), actor=actor(dept), **kw)


def test_joint_task_across_three_departments_with_two_level_draws_verifies_from_the_log(runtime: Any) -> None:
    rt = runtime
    with rt.transaction() as s:
        seed_registries(s, targets=40, departments=(*DEPTS, "SWJ"), inspectors_per_dept=6)
        parent = service.create_task(
            s,
            rt.journal,
            title="餐饮单位联合抽查",
            year=2026,
            organiser="SCJG",
            departments=DEPTS[1:],
            params={"targets": {"ratio_bp": 1500}},
            actor=actor(),
        ).code
        service.build_pool(s, rt.journal, task=parent, pool="targets", filters={}, actor=actor())
    _commit_draw(rt, parent)
    with pytest.raises(RuleViolation) as err, rt.transaction() as s:  # sub-draw before the lock
        service.create_subdraw(
            s, rt.journal, parent=parent, unit="WSJ", params={"teams": {"size": 2}}, actor=actor("WSJ")
        )
    assert err.value.rule == "task.dispatch-needs-lock"
    with rt.transaction() as s:
        service.lock_draw(s, rt.journal, task=parent, actor=actor())
    with pytest.raises(RuleViolation) as err, rt.transaction() as s:  # not part of the task
        service.create_subdraw(
            s, rt.journal, parent=parent, unit="SWJ", params={"teams": {"size": 2}}, actor=actor("SWJ")
        )
    assert err.value.rule == "task.subdraw-unit" and err.value.subject == "SWJ"
    with pytest.raises(Forbidden), rt.transaction() as s:  # one department drawing for another
        service.create_subdraw(
            s, rt.journal, parent=parent, unit="HBJ", params={"teams": {"size": 2}}, actor=actor("WSJ")
        )
    subs = []
    for dept in DEPTS:
        with rt.transaction() as s:
            subs.append(
                service.create_subdraw(
                    s, rt.journal, parent=parent, unit=dept, params={"teams": {"size": 2}}, actor=actor(dept)
                ).code
            )
        _commit_draw(rt, subs[-1], dept)

    verified = _verify(rt, parent)
    assert [v.task for v in verified.subdraws] == sorted(subs)
    drawn = set(verified.final["targets"])
    for v in verified.subdraws:
        assert {t["target"] for t in v.final["teams"]} == drawn
        dept = v.task.split("/")[1]
        assert all(m.startswith(dept + "-") for t in v.final["teams"] for m in t["members"])
    # 谁检查、谁录入: each department's entries carry its own department
    for e in log_entries(rt):
        task = e["body"].get("task", "")
        if "/" in task:
            assert e["actor"]["department"] == task.split("/")[1], e["kind"]


def test_subdraw_verification_needs_the_parent_lock_and_recomputes_the_parent(runtime: Any) -> None:
    import copy

    from drawsvc.tasks.verify import DrawMismatch, recompute

    rt = runtime
    with rt.transaction() as s:
        seed_registries(s, targets=20, departments=("SCJG", "WSJ"), inspectors_per_dept=4)
        parent = service.create_task(
            s,
            rt.journal,
            title="联合抽查",
            year=2026,
            organiser="SCJG",
            departments=["WSJ"],
            params={"targets": {"count": 3}},
            actor=actor(),
        ).code
        service.build_pool(s, rt.journal, task=parent, pool="targets", filters={}, actor=actor())
    parent_draw = _commit_draw(rt, parent)
    with rt.transaction() as s:
        service.lock_draw(s, rt.journal, task=parent, actor=actor())
        sub = service.create_subdraw(
            s, rt.journal, parent=parent, unit="WSJ", params={"teams": {"size": 2}}, actor=actor("WSJ")
        ).code
    sub_draw = _commit_draw(rt, sub, "WSJ")
    entries = dict(enumerate(log_entries(rt)))
    recompute(entries, sub_draw.log_index)
    no_lock = copy.deepcopy(entries)
    lock = next(i for i, e in no_lock.items() if e["kind"] == "task.lock")
    no_lock[lock]["kind"] = "task.note"
    with pytest.raises(DrawMismatch) as err:
        recompute(no_lock, sub_draw.log_index)
    assert err.value.what == "parent_draw"
    forged_parent = copy.deepcopy(entries)
    forged_parent[parent_draw.log_index]["body"]["result"]["inspection"]["targets"]["selected"].reverse()
    with pytest.raises(DrawMismatch) as err:
        recompute(forged_parent, sub_draw.log_index)
    assert err.value.what.startswith("result") and err.value.index == parent_draw.log_index


def test_city_draws_counties_draw_their_dispatched_share(runtime: Any) -> None:
    rt = runtime
    units = ("AUTH-330102", "AUTH-330105", "AUTH-330106")  # registration authorities as units
    with rt.transaction() as s:
        seed_registries(s, targets=60, departments=("SCJG", *units), inspectors_per_dept=5)
        parent = service.create_task(
            s,
            rt.journal,
            title="市抽县查",
            year=2026,
            organiser="SCJG",
            params={"targets": {"count": 9, "strata": ["authority"]}},
            actor=actor(),
        ).code
        service.build_pool(s, rt.journal, task=parent, pool="targets", filters={}, actor=actor())
    _commit_draw(rt, parent)
    with rt.transaction() as s:
        service.lock_draw(s, rt.journal, task=parent, actor=actor())
        shares = service.dispatch_draw(s, rt.journal, task=parent, by="authority", actor=actor())
    assert {u: len(v) for u, v in shares.items()} == dict.fromkeys(units, 3)
    for unit in units:
        with rt.transaction() as s:
            sub = service.create_subdraw(
                s, rt.journal, parent=parent, unit=unit, params={"teams": {"size": 2}}, actor=actor(unit)
            ).code
        _commit_draw(rt, sub, unit)
    verified = _verify(rt, parent)
    for v in verified.subdraws:
        assert sorted(t["target"] for t in v.final["teams"]) == sorted(shares[v.task.split("/")[1]])


def test_subdraw_with_a_forged_share_fails_verification(runtime: Any) -> None:
    rt = runtime
    with rt.transaction() as s:
        seed_registries(s, targets=20, departments=("SCJG", "WSJ"), inspectors_per_dept=4)
        parent = service.create_task(
            s,
            rt.journal,
            title="联合抽查",
            year=2026,
            organiser="SCJG",
            departments=["WSJ"],
            params={"targets": {"count": 3}},
            actor=actor(),
        ).code
        service.build_pool(s, rt.journal, task=parent, pool="targets", filters={}, actor=actor())
    _commit_draw(rt, parent)
    with rt.transaction() as s:
        service.lock_draw(s, rt.journal, task=parent, actor=actor())
        sub = service.create_subdraw(
            s, rt.journal, parent=parent, unit="WSJ", params={"teams": {"size": 2}}, actor=actor("WSJ")
        )
        # forge the share in the database (a target the parent did not draw)
        members = service.repo.pool_members(s, sub.code, "targets")
        drawn = {m.member for m in members}
        other = next(u for u in service.repo.target_rows(s, {}) if u not in drawn)
        members[0].member = other
    _commit_draw(rt, sub.code, "WSJ")
    from ledger.errors import VerificationError

    with pytest.raises(VerificationError) as err:
        _verify(rt, parent)
    assert "pools.targets" in str(err.value)


def _expert_task(rt: Any, experts: int = 8, headcount: int = 3, designate: str | None = None) -> str:
    with rt.transaction() as s:
        ensure_bundled(s, rt.journal, actor=SYSTEM)
        seed_registries(s, targets=1, experts=experts)
        code = service.create_task(
            s,
            rt.journal,
            title="评审专家抽取",
            year=2026,
            organiser="SCJG",
            params={
                "experts": {"headcount": headcount, "pool": "ZJ", "group": "食品", "response_working_days": 2}
            },
            actor=actor(),
        ).code
        service.build_pool(s, rt.journal, task=code, pool="experts", actor=actor())
        if designate:
            service.designate(
                s,
                rt.journal,
                task=code,
                person=designate,
                reason="唯一具备该领域资质",
                approver="分管局长",
                actor=actor(),
            )
    return code


def test_expert_decline_tops_up_from_the_stream_and_the_verifier_replays_it(runtime: Any) -> None:
    code = _expert_task(runtime)
    draw = _commit_draw(runtime, code, on=date(2026, 3, 2))  # Monday
    panel = replay.panel_of(draw.result)
    assert len(panel) == 3
    with runtime.transaction() as s:
        new = service.respond_expert(
            s,
            runtime.journal,
            task=code,
            expert=panel[0],
            response="declined",
            reason="出差在外",
            on=date(2026, 3, 3),
            actor=actor(),
        )
        service.respond_expert(
            s,
            runtime.journal,
            task=code,
            expert=panel[1],
            response="accepted",
            on=date(2026, 3, 3),
            actor=actor(),
        )
    assert len(new) == 1 and new[0].expert_code not in panel
    with runtime.transaction() as s:  # deadline 2 working days after Monday: Wednesday 4 March
        with pytest.raises(RuleViolation):
            service.respond_expert(
                s,
                runtime.journal,
                task=code,
                expert=panel[2],
                response="no_answer",
                on=date(2026, 3, 4),
                actor=actor(),
            )
    with pytest.raises(DeadlineMissed), runtime.transaction() as s:
        service.respond_expert(
            s,
            runtime.journal,
            task=code,
            expert=panel[2],
            response="accepted",
            on=date(2026, 3, 5),
            actor=actor(),
        )
    with runtime.transaction() as s:
        more = service.expire_invitations(
            s, runtime.journal, task=code, today=date(2026, 3, 5), actor=actor()
        )
    assert {m.expert_code for m in more}.isdisjoint(panel)
    v = _verify(runtime, code)
    assert len(v.events) == 2  # declined, then panel[2]'s no answer (the top-up's deadline is 5 March)
    assert (
        len(v.final["experts"]) == 3 and panel[1] in v.final["experts"] and panel[0] not in v.final["experts"]
    )
    ks = kinds(runtime)
    assert ks.count("draw.expert.topup") == 2 and ks.count("registry.expert.invitation") == 3
    from drawsvc.registries.models import Expert

    with runtime.transaction() as s:
        silent = s.get(Expert, next(e.id for e in s.query(Expert).filter(Expert.code == panel[2])))
        assert silent is not None and silent.consecutive_no_answer == 1


def test_designated_expert_is_seated_without_a_draw_and_logged_as_such(runtime: Any) -> None:
    code = _expert_task(runtime, designate="ZJ-0005")
    draw = _commit_draw(runtime, code, on=date(2026, 3, 2))
    part = draw.result["experts"]["experts"]
    assert part["designated"] == [{"id": "ZJ-0005", "reason": "唯一具备该领域资质", "approver": "分管局长"}]
    assert part["panel"][0] == "ZJ-0005" and len(part["sequence"]) == 2
    assert "draw.designate" in kinds(runtime)
    _verify(runtime, code)


def test_too_few_experts_is_infeasible_and_nothing_logged(runtime: Any) -> None:
    from drawsvc.errors import DrawInfeasible

    code = _expert_task(runtime, experts=2, headcount=3)
    with runtime.transaction() as s:
        service.commit_task(s, runtime.journal, task=code, commitments=ops(), actor=actor())
    with runtime.engine.connect() as conn:
        size = runtime.log.size(conn)
    with pytest.raises(DrawInfeasible) as err, runtime.transaction() as s:
        service.draw_task(s, runtime.journal, task=code, reveals=reveal(), actor=actor())
    assert code in err.value.message
    with runtime.engine.connect() as conn:
        assert runtime.log.size(conn) == size


def test_verify_task_walks_only_the_log(runtime: Any) -> None:
    code = _expert_task(runtime)
    _commit_draw(runtime, code, on=date(2026, 3, 2))
    with runtime.transaction() as s:  # wipe the service's own tables: verification must not care
        from drawsvc.tasks.models import Commitment, Draw

        s.query(Draw).delete()
        s.query(Commitment).delete()
    with runtime.engine.connect() as conn:
        v = verify_task(reader_for(runtime.log, conn), code, size=runtime.log.size(conn))
    assert len(v.final["experts"]) == 3
    assert SECRET2  # (imported for symmetry with the draw tests)
