"""Tasks end to end through the service: commit, reveal, draw, redraw, caps, strata, refusals.

Every refusal test also checks that nothing was logged (the transaction rolled back).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from tasks_support import (
    SECRET,
    SECRET2,
    actor,
    declare,
    kinds,
    log_entries,
    ops,
    reveal,
    seed_registries,
    target_rows,
)

from drawsvc.draw.seed import commitment
from drawsvc.errors import DrawInfeasible, InvalidInput, RevealMismatch, RuleViolation
from drawsvc.registries import models as registry
from drawsvc.tasks import replay, service
from drawsvc.tasks.logread import reader_for
from drawsvc.tasks.verify import verify_index_or_task


def _task(
    rt: Any, params: dict[str, Any], *, targets: int = 60, pools: tuple[str, ...] = ("targets",), **seed: Any
) -> str:
    with rt.transaction() as s:
        seed_registries(s, targets=targets, **seed)
        t = service.create_task(
            s, rt.journal, title="餐饮食品安全抽查", year=2026, organiser="SCJG", params=params, actor=actor()
        )
        for pool in pools:
            service.build_pool(s, rt.journal, task=t.code, pool=pool, filters={}, actor=actor())
        return t.code


def _commit_draw(rt: Any, code: str, **kw: Any) -> Any:
    with rt.transaction() as s:
        service.commit_task(s, rt.journal, task=code, commitments=ops(), **kw, actor=actor())
    with rt.transaction() as s:
        return service.draw_task(s, rt.journal, task=code, reveals=reveal(), actor=actor())


def _log_size(rt: Any) -> int:
    with rt.engine.connect() as conn:
        return rt.log.size(conn)


def _verify(rt: Any, target: str) -> Any:
    with rt.engine.connect() as conn:
        return verify_index_or_task(reader_for(rt.log, conn), target, size=rt.log.size(conn))


def test_commit_then_draw_logs_pool_commitment_and_result_and_verifies(runtime: Any) -> None:
    code = _task(runtime, {"targets": {"ratio_bp": 1000}})
    draw = _commit_draw(runtime, code)
    assert kinds(runtime) == [
        "task.create",
        "task.pool.build",
        "draw.pool.members",
        "draw.commit",
        "draw.result",
    ]
    assert len(replay.drawn_targets(draw.result)) == 6  # ceil(10% of 60)
    v = _verify(runtime, str(draw.log_index))
    assert v.seed == draw.seed and v.task == code
    assert _verify(runtime, code).draw_index == draw.log_index


def test_reveal_not_matching_commitment_is_refused_and_nothing_logged(runtime: Any) -> None:
    code = _task(runtime, {"targets": {"ratio_bp": 1000}})
    with runtime.transaction() as s:
        service.commit_task(
            s,
            runtime.journal,
            task=code,
            actor=actor(),
            commitments=[
                {"party": "operator", "commitment": commitment(SECRET)},
                {"party": "discipline", "commitment": commitment(SECRET2)},
            ],
        )
    size = _log_size(runtime)
    wrong = [{"party": "operator", "secret": SECRET.hex()}, {"party": "discipline", "secret": SECRET.hex()}]
    with pytest.raises(RevealMismatch) as err, runtime.transaction() as s:
        service.draw_task(s, runtime.journal, task=code, reveals=wrong, actor=actor())
    assert err.value.subject == "discipline"
    with pytest.raises(RevealMismatch), runtime.transaction() as s:  # one party missing
        service.draw_task(s, runtime.journal, task=code, reveals=reveal(), actor=actor())
    assert _log_size(runtime) == size
    with runtime.transaction() as s:
        draw = service.draw_task(
            s,
            runtime.journal,
            task=code,
            actor=actor(),
            reveals=[
                {"party": "operator", "secret": SECRET.hex()},
                {"party": "discipline", "secret": SECRET2.hex()},
            ],
        )
    _verify(runtime, str(draw.log_index))


def test_pool_edits_after_the_commitment_are_refused_and_nothing_logged(runtime: Any) -> None:
    code = _task(runtime, {"targets": {"ratio_bp": 1000}}, targets=30)
    with runtime.transaction() as s:
        members = service.repo.pool_member_ids(s, code, "targets")
        service.remove_pool_member(
            s,
            runtime.journal,
            task=code,
            pool="targets",
            member=members[0],
            reason="已注销待核实",
            actor=actor(),
        )
        service.commit_task(s, runtime.journal, task=code, commitments=ops(), actor=actor())
    size = _log_size(runtime)
    for call in (
        lambda s: service.add_pool_member(
            s, runtime.journal, task=code, pool="targets", member=members[0], reason="补录", actor=actor()
        ),
        lambda s: service.remove_pool_member(
            s, runtime.journal, task=code, pool="targets", member=members[1], reason="误录", actor=actor()
        ),
        lambda s: service.build_pool(
            s, runtime.journal, task=code, pool="targets", filters={}, actor=actor()
        ),
    ):
        with pytest.raises(RuleViolation) as err, runtime.transaction() as s:
            call(s)
        assert err.value.rule == "task.pool-frozen" and err.value.subject == code
        assert code in err.value.message
    assert _log_size(runtime) == size
    commit = next(e for e in log_entries(runtime) if e["kind"] == "draw.commit")["body"]
    assert commit["manual"]["targets"] == {"added": 0, "removed": 1}
    assert commit["pools"]["targets"]["size"] == 29


def test_rebuilding_a_pool_keeps_the_hand_edits(runtime: Any) -> None:
    code = _task(runtime, {"targets": {"ratio_bp": 1000}}, targets=12)
    with runtime.transaction() as s:
        ids = service.repo.pool_member_ids(s, code, "targets")
        service.remove_pool_member(
            s, runtime.journal, task=code, pool="targets", member=ids[0], reason="停业", actor=actor()
        )
        service.build_pool(
            s, runtime.journal, task=code, pool="targets", filters={"region_code": "330102"}, actor=actor()
        )
        service.add_pool_member(
            s, runtime.journal, task=code, pool="targets", member=ids[-1], reason="群众举报", actor=actor()
        )
        service.build_pool(s, runtime.journal, task=code, pool="targets", filters={}, actor=actor())
        now = service.repo.pool_member_ids(s, code, "targets")
        assert ids[0] not in now and ids[-1] in now and len(now) == 11
        assert service.repo.manual_counts(s, code)["targets"] == {"added": 1, "removed": 1}


def test_manual_edit_needs_a_reason(runtime: Any) -> None:
    code = _task(runtime, {"targets": {"ratio_bp": 1000}}, targets=10)
    with pytest.raises(InvalidInput) as err, runtime.transaction() as s:
        service.remove_pool_member(
            s,
            runtime.journal,
            task=code,
            pool="targets",
            member=service.repo.pool_member_ids(s, code, "targets")[0],
            reason=" ",
            actor=actor(),
        )
    assert err.value.rule == "task.reason-required"


def test_redraw_needs_an_approved_reason_and_leaves_both_draws_in_the_log(runtime: Any) -> None:
    code = _task(runtime, {"targets": {"ratio_bp": 1000}})
    first = _commit_draw(runtime, code)
    with pytest.raises(RuleViolation) as err, runtime.transaction() as s:
        service.commit_task(s, runtime.journal, task=code, commitments=ops(SECRET2), actor=actor())
    assert err.value.rule == "task.redraw-needs-approval"
    with runtime.transaction() as s:
        service.commit_task(
            s,
            runtime.journal,
            task=code,
            commitments=ops(SECRET2),
            reason="抽取时系统断电",
            approver="局长 王某",
            actor=actor(),
        )
    with runtime.transaction() as s:
        second = service.draw_task(s, runtime.journal, task=code, reveals=reveal(SECRET2), actor=actor())
    entries = log_entries(runtime)
    results = [e["body"] for e in entries if e["kind"] == "draw.result"]
    assert [r["round"] for r in results] == [1, 2]
    commit2 = [e["body"] for e in entries if e["kind"] == "draw.commit"][1]
    assert commit2["redraw"] == {
        "replaces": first.log_index,
        "reason": "抽取时系统断电",
        "approver": "局长 王某",
    }
    commit1 = next(e["body"] for e in entries if e["kind"] == "draw.commit")
    assert commit2["pools"] == commit1["pools"]
    _verify(runtime, str(first.log_index))  # the earlier draw stays verifiable
    assert _verify(runtime, code).draw_index == second.log_index
    with runtime.transaction() as s:
        assert service.repo.draws(s, code)[0].status == "superseded"
        counted = service.repo.inspections_per_target(s, 2026)
    assert sorted(counted) == sorted(replay.drawn_targets(second.result))


def test_target_with_two_non_random_inspections_is_not_drawn_under_the_default_cap(runtime: Any) -> None:
    code = _task(runtime, {"targets": {"ratio_bp": 10_000}}, targets=12)
    with runtime.transaction() as s:
        ids = service.repo.pool_member_ids(s, code, "targets")
        for kind, day in (("complaint", date(2026, 3, 1)), ("patrol", date(2026, 4, 1))):
            service.record_inspection(
                s,
                runtime.journal,
                target=ids[3],
                kind=kind,
                on=day,
                department="SCJG",
                reason="群众投诉" if kind == "complaint" else "日常巡查",
                actor=actor(),
            )
        service.record_inspection(
            s,
            runtime.journal,
            target=ids[4],
            kind="assigned",
            on=date(2026, 3, 1),
            department="SCJG",
            reason="上级交办",
            actor=actor(),
        )
    draw = _commit_draw(runtime, code)
    drawn = replay.drawn_targets(draw.result)
    assert ids[3] not in drawn  # two inspections: at the default cap of 2
    assert ids[4] in drawn  # one inspection: still eligible
    assert len(drawn) == 11
    rows = target_rows(runtime)
    assert rows[ids[3]][2] == 2 and rows[ids[4]][2] == 1
    _verify(runtime, code)


def test_uninspected_targets_are_drawn_first_when_asked(runtime: Any) -> None:
    code = _task(runtime, {"targets": {"count": 5, "prefer_uninspected": True}}, targets=10)
    with runtime.transaction() as s:
        ids = service.repo.pool_member_ids(s, code, "targets")
        for u in ids[:5]:
            service.record_inspection(
                s,
                runtime.journal,
                target=u,
                kind="patrol",
                on=date(2026, 2, 2),
                department="SCJG",
                reason="巡查",
                actor=actor(),
            )
    draw = _commit_draw(runtime, code)
    assert sorted(replay.drawn_targets(draw.result)) == sorted(ids[5:])


def test_stratified_allocation_through_the_service(runtime: Any) -> None:
    code = _task(runtime, {"targets": {"count": 9, "strata": ["region"]}}, targets=60)
    draw = _commit_draw(runtime, code)
    part = draw.result["inspection"]["targets"]
    assert part["mode"] == "stratified"
    assert {s["stratum"]: s["allocated"] for s in part["strata"]} == {
        "region=330102": 3,
        "region=330105": 3,
        "region=330106": 3,
    }
    rows = target_rows(runtime)
    for s in part["strata"]:
        assert all(rows[u][1] == s["stratum"] for u in s["selected"])
    _verify(runtime, code)


def test_infeasible_stratified_allocation_is_refused_naming_task_and_rule(runtime: Any) -> None:
    code = _task(runtime, {"targets": {"count": 61, "strata": ["scale"]}}, targets=60)
    with runtime.transaction() as s:
        service.commit_task(s, runtime.journal, task=code, commitments=ops(), actor=actor())
    size = _log_size(runtime)
    with pytest.raises(DrawInfeasible) as err, runtime.transaction() as s:
        service.draw_task(s, runtime.journal, task=code, reveals=reveal(), actor=actor())
    assert code in err.value.message and err.value.rule.startswith("DRAW-3")
    assert err.value.detail["department"] == "SCJG" and err.value.detail["task"] == code
    assert _log_size(runtime) == size


def test_per_credit_class_ratios_from_the_check_item(runtime: Any) -> None:
    from drawsvc.registries.models import CheckItem

    with runtime.transaction() as s:
        seed_registries(s, targets=80, credit=("A", "B", "C", "D"))
        s.add(
            CheckItem(
                department_code="SCJG",
                code="SP-01",
                name="食品经营",
                min_ratio_bp=300,
                risk_class_ratios_bp={"A": 500, "B": 1000, "C": 2500, "D": 10_000},
                cap_per_target_per_year=2,
            )
        )
        s.flush()
        t = service.create_task(
            s,
            runtime.journal,
            title="差异化抽查",
            year=2026,
            organiser="SCJG",
            check_items=[{"department": "SCJG", "code": "SP-01"}],
            params={"targets": {"ratio_bp": 500}},
            actor=actor(),
        )
        assert t.params["targets"]["class_ratios_bp"] == {"A": 500, "B": 1000, "C": 2500, "D": 10_000}
        service.build_pool(s, runtime.journal, task=t.code, pool="targets", filters={}, actor=actor())
    draw = _commit_draw(runtime, t.code)
    groups = {g["group"]: g["count"] for g in draw.result["inspection"]["targets"]["groups"]}
    assert groups == {"stratum:A": 1, "stratum:B": 2, "stratum:C": 5, "stratum:D": 20}
    _verify(runtime, t.code)


def test_infeasible_team_raises_draw_infeasible_and_nothing_logged(runtime: Any) -> None:
    # every inspector declared an interest in every target: no team can be formed
    with runtime.transaction() as s:
        reg = seed_registries(s, targets=6, inspectors_per_dept=3)
        for p in reg["inspectors"]:
            declare(s, p, reg["targets"][0])
        t = service.create_task(
            s,
            runtime.journal,
            title="抽查",
            year=2026,
            organiser="SCJG",
            params={"targets": {"ratio_bp": 10_000}, "teams": {"size": 2}},
            actor=actor(),
        )
        for pool in ("targets", "inspectors"):
            service.build_pool(s, runtime.journal, task=t.code, pool=pool, filters={}, actor=actor())
        service.commit_task(s, runtime.journal, task=t.code, commitments=ops(), actor=actor())
    size = _log_size(runtime)
    with pytest.raises(DrawInfeasible) as err, runtime.transaction() as s:
        service.draw_task(s, runtime.journal, task=t.code, reveals=reveal(), actor=actor())
    assert err.value.subject == reg["targets"][0] and t.code in err.value.message
    assert _log_size(runtime) == size
    with runtime.transaction() as s:
        assert service.repo.get_task(s, t.code).status == "committed"
        assert service.repo.current_draw(s, t.code) is None


def test_teams_respect_declared_interests(runtime: Any) -> None:
    with runtime.transaction() as s:
        reg = seed_registries(s, targets=12, inspectors_per_dept=6)
        for p in reg["inspectors"][:3]:
            for u in reg["targets"][:6]:
                declare(s, p, u)
        t = service.create_task(
            s,
            runtime.journal,
            title="抽查",
            year=2026,
            organiser="SCJG",
            params={"targets": {"ratio_bp": 10_000}, "teams": {"size": 2}},
            actor=actor(),
        )
        for pool in ("targets", "inspectors"):
            service.build_pool(s, runtime.journal, task=t.code, pool=pool, filters={}, actor=actor())
    draw = _commit_draw(runtime, t.code)
    for team in replay.teams_of(draw.result):
        if team["target"] in reg["targets"][:6]:
            assert not {m["id"] for m in team["members"]} & set(reg["inspectors"][:3])
    entries = log_entries(runtime)
    tags = [tag for e in entries if e["kind"] == "draw.avoidance" for tag in e["body"]["tags"]]
    assert len(tags) == 18
    assert not any(p in str(entries) for p in ("SCJG-0001/", "works_there"))  # pairs never logged
    _verify(runtime, t.code)


def test_declarations_changed_after_the_commit_do_not_change_the_draw(runtime: Any, monkeypatch: Any) -> None:
    """The draw honours the committed tags: a declaration withdrawn after the commit still
    counts, one made after it does not (it would need a replacement, §9). The service tests
    pairs by lookup (Avoidance.explained_by) and the verifier by HMAC; both agree."""
    from drawsvc.draw.teams import Avoidance

    explained: list[bool] = []
    real = Avoidance.explained_by

    def spy(self: Avoidance, candidates: Any) -> Avoidance:
        out = real(self, candidates)
        explained.append(out is not self)
        return out

    monkeypatch.setattr(Avoidance, "explained_by", spy)
    with runtime.transaction() as s:
        reg = seed_registries(s, targets=8, inspectors_per_dept=4)
        for p in reg["inspectors"][:2]:
            for u in reg["targets"]:
                declare(s, p, u)
        t = service.create_task(s, runtime.journal, title="抽查", year=2026, organiser="SCJG",
                                params={"targets": {"ratio_bp": 10_000}, "teams": {"size": 2}}, actor=actor())
        for pool in ("targets", "inspectors"):
            service.build_pool(s, runtime.journal, task=t.code, pool=pool, filters={}, actor=actor())
        service.commit_task(s, runtime.journal, task=t.code, commitments=ops(), actor=actor())
    with runtime.transaction() as s:
        d = registry.InterestDeclaration
        s.execute(sa.update(d).where(d.person_code == reg["inspectors"][0]).values(withdrawn=True))
        for u in reg["targets"]:
            declare(s, reg["inspectors"][2], u)
        draw = service.draw_task(s, runtime.journal, task=t.code, reveals=reveal(), actor=actor())
    assert explained == [True]
    members = {m["id"] for team in replay.teams_of(draw.result) for m in team["members"]}
    assert not members & set(reg["inspectors"][:2])  # committed declarations, one since withdrawn
    assert reg["inspectors"][2] in members  # declared after the commit: not in the tags
    _verify(runtime, t.code)


def test_replacement_needs_approver_and_reason_and_verifies(runtime: Any) -> None:
    code = _task(
        runtime,
        {"targets": {"ratio_bp": 2000}, "teams": {"size": 2}},
        pools=("targets", "inspectors"),
        inspectors_per_dept=9,
    )
    draw = _commit_draw(runtime, code)
    team, other = replay.teams_of(draw.result)[:2]
    person = team["members"][1]["id"]
    with pytest.raises(InvalidInput), runtime.transaction() as s:
        service.replace_inspector(
            s,
            runtime.journal,
            task=code,
            target=team["target"],
            inspector=person,
            reason="病假",
            approver="",
            actor=actor(),
        )
    with runtime.transaction() as s:
        record = service.replace_inspector(
            s,
            runtime.journal,
            task=code,
            target=team["target"],
            inspector=person,
            reason="病假",
            approver="科长",
            actor=actor(),
        )
        record2 = service.replace_inspector(
            s,
            runtime.journal,
            task=code,
            target=other["target"],
            inspector=other["members"][0]["id"],
            reason="本人申请回避",
            approver="科长",
            avoidance=True,
            actor=actor(),
        )
    assert record["mode"] == "refill" and record["replacement"] != person
    assert record2["person"] == other["members"][0]["id"] and record2["reason"] == "avoidance"
    assert (
        other["members"][0]["id"]
        not in next(
            t for t in replay.summary(record_state(runtime, code))["teams"] if t["target"] == other["target"]
        )["members"]
    )
    v = _verify(runtime, code)
    assert len(v.events) == 2
    assert person not in next(t for t in v.final["teams"] if t["target"] == team["target"])["members"]


def record_state(rt: Any, code: str) -> dict[str, Any]:
    with rt.transaction() as s:
        return service.current_draw(s, code).result


def test_dispatch_needs_a_locked_draw(runtime: Any) -> None:
    code = _task(runtime, {"targets": {"ratio_bp": 2000}})
    _commit_draw(runtime, code)
    size = _log_size(runtime)
    with pytest.raises(RuleViolation) as err, runtime.transaction() as s:
        service.dispatch_draw(s, runtime.journal, task=code, by="region", actor=actor())
    assert err.value.rule == "task.dispatch-needs-lock" and _log_size(runtime) == size
    with runtime.transaction() as s:
        service.lock_draw(s, runtime.journal, task=code, actor=actor())
        units = service.dispatch_draw(s, runtime.journal, task=code, by="region", actor=actor())
    assert set(units) <= {"330102", "330105", "330106"} and sum(map(len, units.values())) == 12
    with pytest.raises(RuleViolation) as err, runtime.transaction() as s:  # locked: no redraw
        service.commit_task(
            s, runtime.journal, task=code, commitments=ops(SECRET2), reason="x", approver="y", actor=actor()
        )
    assert err.value.rule == "task.locked"


def test_another_department_may_not_act_on_a_task(runtime: Any) -> None:
    code = _task(runtime, {"targets": {"ratio_bp": 2000}}, departments=("SCJG", "WSJ"))
    with pytest.raises(Exception) as err, runtime.transaction() as s:
        service.commit_task(s, runtime.journal, task=code, commitments=ops(), actor=actor("WSJ"))
    assert getattr(err.value, "code", "") == "forbidden"


def test_merge_report_counts_drawn_and_non_random_inspections(runtime: Any) -> None:
    code = _task(runtime, {"targets": {"ratio_bp": 10_000}}, targets=5, departments=("SCJG", "WSJ"))
    draw = _commit_draw(runtime, code)
    target = replay.drawn_targets(draw.result)[0]
    with runtime.transaction() as s:
        service.record_inspection(
            s,
            runtime.journal,
            target=target,
            kind="complaint",
            on=date(2026, 5, 6),
            department="WSJ",
            reason="投诉",
            actor=actor("WSJ"),
        )
        report = service.merge_report(s, year=2026)
    assert [m.target for m in report] == [target]
    assert {i["kind"] for i in report[0].inspections} == {"random", "complaint"}


# quicknet round 657413, genuine (tests/vectors/beacon/genuine.json names its source)
QUICKNET_657413 = (
    "b713718a38ae728dfd477991af2822e08d2f305e47718cef9f7848ce4050e7be41076862b98fad56e91a6b85b89cd97b",
    "fc1873a13f3545aeade8401532ef5519920652eee6b0d2b19ca12643b87b3587",
)


def test_committed_beacon_round_needs_its_signature_and_enters_the_seed(runtime: Any) -> None:
    code = _task(runtime, {"targets": {"ratio_bp": 2000}})
    with runtime.transaction() as s:
        service.commit_task(
            s,
            runtime.journal,
            task=code,
            commitments=ops(),
            beacon={"source": "drand-quicknet", "round": 657413},
            actor=actor(),
        )
    size = _log_size(runtime)
    with pytest.raises(InvalidInput) as err, runtime.transaction() as s:
        service.draw_task(s, runtime.journal, task=code, reveals=reveal(), actor=actor())
    assert err.value.rule == "draw.beacon-value" and _log_size(runtime) == size
    sig, value = QUICKNET_657413
    with runtime.transaction() as s:
        draw = service.draw_task(
            s, runtime.journal, task=code, reveals=reveal(), beacon_signature=sig, beacon_value=value,
            actor=actor(),
        )
    body = next(e["body"] for e in log_entries(runtime) if e["kind"] == "draw.result")
    assert body["beacon"] == {"source": "drand-quicknet", "round": 657413, "signature": sig, "value": value}
    assert draw.result["inspection"]["seed"] == body["seed"]
    _verify(runtime, code)


def test_commit_with_an_empty_pool_is_refused_and_nothing_logged(runtime: Any) -> None:
    code = _task(
        runtime, {"targets": {"ratio_bp": 1000}, "teams": {"size": 2}}, targets=5
    )  # no inspectors pool
    size = _log_size(runtime)
    with pytest.raises(RuleViolation) as err, runtime.transaction() as s:
        service.commit_task(s, runtime.journal, task=code, commitments=ops(), actor=actor())
    assert err.value.rule == "task.pool-empty" and err.value.detail["pool"] == "inspectors"
    assert _log_size(runtime) == size
    with runtime.transaction() as s:
        assert service.repo.get_task(s, code).status == "draft"


def test_risk_flagged_target_stays_eligible_above_the_cap(runtime: Any) -> None:
    import sqlalchemy as sa

    from drawsvc.registries.models import Target

    code = _task(runtime, {"targets": {"ratio_bp": 10_000}}, targets=6)
    with runtime.transaction() as s:
        ids = service.repo.pool_member_ids(s, code, "targets")
        s.execute(sa.update(Target).where(Target.uscc == ids[0]).values(risk_flags=["complaints"]))
        for u in ids[:2]:
            for day in (date(2026, 2, 2), date(2026, 3, 3)):
                service.record_inspection(
                    s,
                    runtime.journal,
                    target=u,
                    kind="patrol",
                    on=day,
                    department="SCJG",
                    reason="巡查",
                    actor=actor(),
                )
    draw = _commit_draw(runtime, code)
    drawn = replay.drawn_targets(draw.result)
    assert ids[0] in drawn and ids[1] not in drawn  # DRAW-20: risk-flagged targets are exempt
    assert target_rows(runtime)[ids[0]][3] is True
    _verify(runtime, code)


def test_a_draw_keeps_its_cached_pools_when_another_request_evicts_them(
    runtime: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """API workers run requests in threads: another request's commit may evict this task's frozen
    pools right after the draw looked them up (and so skipped reading them from the log). The
    draw must still see the committed pools, not empty ones (it used to fail with DRAW-43)."""
    code = _task(runtime, {"targets": {"ratio_bp": 5000}, "teams": {"size": 2}},
                 pools=("targets", "inspectors"))
    with runtime.transaction() as s:
        service.commit_task(s, runtime.journal, task=code, commitments=ops(), actor=actor())
    looked_up = replay.cached_pools

    def evicting(pools: Any) -> Any:
        held = looked_up(pools)
        # the commit's inspectors pool is cached here (its targets pool, given as columns, is
        # not: the draw reads it back from the log; it was held only when an earlier test in the
        # same process had frozen an equal pool, so the test failed when run alone)
        assert "inspectors" in held
        replay.forget_frozen()  # what other requests' commits do once _FROZEN_MAX is passed
        return held

    monkeypatch.setattr(replay, "cached_pools", evicting)
    with runtime.transaction() as s:
        draw = service.draw_task(s, runtime.journal, task=code, reveals=reveal(), actor=actor())
    teams = replay.teams_of(draw.result)
    assert len(teams) == len(replay.drawn_targets(draw.result)) > 0
    assert all(len(t["members"]) == 2 for t in teams)
    assert _verify(runtime, code) is not None  # the verifier, from the log alone, agrees


def test_rebuilding_the_inspector_pool_keeps_the_hand_edits_and_adds_no_member_twice(runtime: Any) -> None:
    code = _task(runtime, {"targets": {"ratio_bp": 1000}, "teams": {"size": 2}}, targets=6,
                 pools=("targets", "inspectors"), departments=("SCJG", "SWJ"), inspectors_per_dept=3)
    with runtime.transaction() as s:
        ids = service.repo.pool_member_ids(s, code, "inspectors")
        assert len(ids) == 3  # the task's own department by default
        other = next(p for p in s.scalars(sa.select(registry.Inspector.code)) if p not in ids)
        service.remove_pool_member(s, runtime.journal, task=code, pool="inspectors", member=ids[0],
                                   reason="回避", actor=actor())
        service.add_pool_member(s, runtime.journal, task=code, pool="inspectors", member=other,
                                reason="借调", actor=actor())
        n = service.build_pool(s, runtime.journal, task=code, pool="inspectors", filters={}, actor=actor())
        now = service.repo.pool_member_ids(s, code, "inspectors")
        assert n == 2 and sorted(now) == sorted([*ids[1:], other])
        assert service.repo.manual_counts(s, code)["inspectors"] == {"added": 1, "removed": 1}
