"""Entering, confirming, auditing and publishing results; every bad input refused with nothing written."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from results_support import (
    ITEM2,
    PHONE,
    bureau,
    drawn_task,
    entries,
    keys_of,
    log_size,
    refused,
    seed,
    set_today,
    submission,
    teams,
)

from drawsvc.errors import Conflict, Forbidden, InvalidInput, RuleViolation
from drawsvc.privacy import PRIVATE_FIELDS
from drawsvc.results import service
from drawsvc.results.published import PUBLIC_KEYS

TODAY = date(2026, 6, 15)


@pytest.fixture
def rt(runtime: Any) -> Any:
    set_today(runtime, TODAY)
    with runtime.transaction() as s:
        seed(s)
    return runtime


def _submit(rt: Any, task: str, **fields: Any) -> Any:
    with rt.transaction() as s:
        return service.submit_result(s, rt.journal, task=task, actor=bureau(), **fields)


def _full_cycle(rt: Any, task: str, target: str, leader: str, members: list[str], **over: Any) -> str:
    code = _submit(rt, task, **submission(target, leader, **over)).code
    with rt.transaction() as s:
        for m in members:
            if m != leader:
                service.confirm_result(s, rt.journal, result=code, inspector=m, actor=bureau())
        service.audit_result(s, rt.journal, result=code, approver="QY-HEAD", actor=bureau())
        service.publish_result(s, rt.journal, result=code, actor=bureau())
    return code


def test_leader_submits_members_confirm_audit_then_publish_logs_each_step(rt: Any) -> None:
    task = drawn_task(rt)
    target, (leader, members) = next(iter(teams(rt, task).items()))
    code = _submit(rt, task, **submission(target, leader)).code
    with rt.transaction() as s:
        with pytest.raises(RuleViolation) as exc:
            service.audit_result(s, rt.journal, result=code, approver="QY-HEAD", actor=bureau())
        assert exc.value.rule == "result.audit-needs-formed"
    other = next(m for m in members if m != leader)
    with rt.transaction() as s:
        row = service.confirm_result(s, rt.journal, result=code, inspector=other, actor=bureau())
        assert row.status == "formed" and row.formed_on == TODAY
        assert row.publish_due == date(2026, 7, 14)  # 20 working days, 端午 (06-19) not counted
    with rt.transaction() as s:
        service.audit_result(s, rt.journal, result=code, approver="QY-HEAD", actor=bureau())
        form = service.publish_result(s, rt.journal, result=code, actor=bureau())
    assert (
        tuple(form) == PUBLIC_KEYS and form["firm"]["uscc"] == target and form["categories"] == ["未发现问题"]
    )
    kinds = [e["kind"] for e in entries(rt) if e["kind"].startswith("result.")]
    assert kinds == ["result.vocabulary", "result.submit", "result.confirm", "result.audit", "result.publish"]
    submit = next(e for e in entries(rt) if e["kind"] == "result.submit")["body"]
    assert submit["due"]["due"] == "2026-07-14" and submit["due"]["calendar_version"]  # default 20 wd
    publish = next(e for e in entries(rt) if e["kind"] == "result.publish")["body"]
    assert publish["published"] == form and publish["on_time"] is True


def test_a_dissent_is_recorded_with_its_reason_and_forms_the_result(rt: Any) -> None:
    task = drawn_task(rt)
    target, (leader, members) = next(iter(teams(rt, task).items()))
    code = _submit(rt, task, **submission(target, leader)).code
    other = next(m for m in members if m != leader)
    with rt.transaction() as s:
        with pytest.raises(InvalidInput) as exc:
            service.dissent_result(s, rt.journal, result=code, inspector=other, reason=" ", actor=bureau())
        assert exc.value.rule == "result.dissent-reason"
    with rt.transaction() as s:
        row = service.dissent_result(
            s, rt.journal, result=code, inspector=other, reason="现场记录不完整", actor=bureau()
        )
        assert row.status == "formed"
    dissent = next(e for e in entries(rt) if e["kind"] == "result.dissent")["body"]
    assert dissent["reason"] == "现场记录不完整" and dissent["formed"] is True
    with rt.transaction() as s:
        with pytest.raises(InvalidInput) as exc:
            service.audit_result(s, rt.journal, result=code, approver=leader, actor=bureau())
        assert exc.value.rule == "result.audit-independent"


def test_a_refusal_to_sign_needs_a_note_and_keeps_note_and_witness_out_of_the_log(rt: Any) -> None:
    task = drawn_task(rt)
    target, (leader, members) = next(iter(teams(rt, task).items()))
    before = log_size(rt)
    with pytest.raises(InvalidInput) as exc, rt.transaction() as s:
        service.submit_result(
            s, rt.journal, task=task, actor=bureau(), **submission(target, leader, firm_signed=False)
        )
    assert exc.value.field == "refusal_note" and log_size(rt) == before
    note, witness = "负责人拒绝签字，称需请示总部", "张三 13800001111"
    code = _full_cycle(
        rt, task, target, leader, members, firm_signed=False, refusal_note=note, witness=witness
    )
    text = "\n".join(str(e) for e in entries(rt))
    assert note not in text and "张三" not in text and "13800001111" not in text and PHONE not in text
    submit = next(e for e in entries(rt) if e["kind"] == "result.submit")["body"]
    assert set(submit["refusal_note"]) == {"commitment"} and set(submit["witness"]) == {"commitment"}
    with rt.transaction() as s:
        form = service.list_published(s, task=task)[0]
        assert form["result"] == code
        assert note not in str(form) and "张三" not in str(form)
        assert service.private_view(s, code)["versions"][0]["refusal_note"] == note


def test_every_bad_entry_is_refused_naming_field_and_rule_with_nothing_written(rt: Any) -> None:
    task = drawn_task(rt)
    team = teams(rt, task)
    (target, (leader, members)), (other_target, (other_leader, _)) = list(team.items())[:2]
    outsider = next(p for p in (f"QY-{k:04d}" for k in range(1, 7)) if p not in members)
    _submit(rt, task, **submission(target, leader))  # makes the vocabulary entry and one result

    def sub(**over: Any) -> Any:
        return lambda s: service.submit_result(
            s, rt.journal, task=task, actor=bureau(), **submission(target, leader, **over)
        )

    cases = {
        ("target", "result.target-drawn"): sub(target="91130634MA0000000X"),
        ("inspector", "result.team-member"): sub(inspector=outsider),
        ("inspector", "result.leader-submits"): sub(inspector=next(m for m in members if m != leader)),
        ("check_item", "result.check-item-in-task"): sub(check_item=dict(ITEM2)),
        ("categories[0]", "result.category-unknown"): sub(categories=["没有问题"]),
        ("categories", "result.category-combination"): sub(categories=["未发现问题", "发现问题经责令已改正"]),
        ("subcategories", "result.subcategory-required"): sub(categories=["发现问题待后续处理"]),
        ("subcategories[0]", "result.subcategory-unknown"): sub(
            subcategories=["公示信息隐瞒真实情况弄虚作假"]
        ),
        ("method", "result.method"): sub(method="电话询问"),
        ("completed_on", "result.dates"): sub(completed_on="2026-06-14"),
        ("check_item", "result.once-per-target-item"): sub(),
    }
    for (field, rule), fn in cases.items():
        exc = refused(rt, fn)
        assert (exc.detail.get("field"), exc.detail.get("rule")) == (field, rule), (field, rule, exc)
    # ZB's bureau may not enter QY's results
    exc = refused(
        rt,
        lambda s: service.submit_result(
            s, rt.journal, task=task, actor=bureau("ZB"), **submission(other_target, other_leader)
        ),
    )
    assert isinstance(exc, Forbidden) and exc.detail["rule"] == "result.scope"
    with rt.transaction() as s:
        service.close_task(s, rt.journal, task=task, actor=bureau())
    exc = refused(
        rt,
        lambda s: service.submit_result(
            s, rt.journal, task=task, actor=bureau(), **submission(other_target, other_leader)
        ),
    )
    assert isinstance(exc, RuleViolation) and exc.detail["rule"] == "result.task-closed"


def test_combinable_categories_are_accepted_in_vocabulary_order(rt: Any) -> None:
    task = drawn_task(rt)
    target, (leader, _members) = next(iter(teams(rt, task).items()))
    row = _submit(
        rt,
        task,
        **submission(
            target,
            leader,
            categories=["不配合检查情节严重", "发现问题待后续处理"],
            subcategories=["违反其他部门相关规定", "未按规定公示应当公示的信息"],
        ),
    )
    assert row.categories == ["发现问题待后续处理", "不配合检查情节严重"]
    assert row.subcategories == ["未按规定公示应当公示的信息", "违反其他部门相关规定"] and row.problem


def test_an_unlocked_draw_and_a_task_without_teams_take_no_results(rt: Any) -> None:
    unlocked = drawn_task(rt, lock=False)
    target, (leader, _m) = next(iter(teams(rt, unlocked).items()))
    exc = refused(
        rt,
        lambda s: service.submit_result(
            s, rt.journal, task=unlocked, actor=bureau(), **submission(target, leader)
        ),
    )
    assert exc.detail["rule"] == "result.draw-locked"
    bare = drawn_task(rt, teams=False)
    exc = refused(
        rt,
        lambda s: service.submit_result(
            s, rt.journal, task=bare, actor=bureau(), **submission(target, leader)
        ),
    )
    assert exc.detail["rule"] == "result.target-team"


def test_publication_needs_the_audit_and_the_owning_department(rt: Any) -> None:
    task = drawn_task(rt)
    target, (leader, members) = next(iter(teams(rt, task).items()))
    code = _submit(rt, task, **submission(target, leader)).code
    with rt.transaction() as s:
        service.confirm_result(
            s,
            rt.journal,
            result=code,
            inspector=members[1] if members[0] == leader else members[0],
            actor=bureau(),
        )
    exc = refused(rt, lambda s: service.publish_result(s, rt.journal, result=code, actor=bureau()))
    assert exc.detail["rule"] == "result.publish-needs-audit"
    with rt.transaction() as s:
        service.audit_result(s, rt.journal, result=code, approver="QY-HEAD", actor=bureau())
    exc = refused(rt, lambda s: service.publish_result(s, rt.journal, result=code, actor=bureau("ZB")))
    assert isinstance(exc, Forbidden)
    from drawsvc.journal import Actor

    exc = refused(
        rt,
        lambda s: service.publish_result(
            s, rt.journal, result=code, actor=Actor(role="discipline", name="jw")
        ),
    )
    assert isinstance(exc, Forbidden)


def test_settings_are_per_department_with_a_default_and_logged(rt: Any) -> None:
    with rt.transaction() as s:
        assert service.settings_for(s, "QY").results_due_working_days == 20
        service.set_department_settings(
            s, rt.journal, department="QY", results_due_working_days=5, actor=bureau()
        )
        assert service.settings_for(s, "QY").results_due_working_days == 5
        assert service.settings_for(s, "ZB").results_due_working_days == 20
    with pytest.raises(InvalidInput), rt.transaction() as s:
        service.set_department_settings(
            s, rt.journal, department="QY", results_due_working_days=0, actor=bureau()
        )
    with pytest.raises(Forbidden), rt.transaction() as s:
        service.set_department_settings(
            s, rt.journal, department="QY", results_due_working_days=3, actor=bureau("ZB")
        )
    body = next(e for e in entries(rt) if e["kind"] == "result.settings")["body"]
    assert body["results_due_working_days"] == 5 and body["vocabulary"] == "cn-national/v1"


def test_no_result_entry_holds_a_private_field_name(rt: Any) -> None:
    task = drawn_task(rt)
    for target, (leader, members) in list(teams(rt, task).items())[:3]:
        _full_cycle(rt, task, target, leader, members)
    for e in entries(rt):
        if e["kind"].startswith("result."):
            assert not PRIVATE_FIELDS & keys_of(e["body"])


def test_twice_for_the_same_target_is_a_conflict(rt: Any) -> None:
    task = drawn_task(rt)
    target, (leader, _members) = next(iter(teams(rt, task).items()))
    _submit(rt, task, **submission(target, leader))
    exc = refused(
        rt,
        lambda s: service.submit_result(
            s,
            rt.journal,
            task=task,
            actor=bureau(),
            **submission(target, leader, categories=["不配合检查情节严重"]),
        ),
    )
    assert isinstance(exc, Conflict)
