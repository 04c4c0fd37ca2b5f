"""Deadlines across the National Day week, the overdue list, objections, follow-ups, dispatch
confirmation and the all-or-nothing batch import."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from results_support import (
    ITEM,
    bureau,
    drawn_task,
    entries,
    log_size,
    refused,
    seed,
    set_today,
    submission,
    table_counts,
    teams,
)

from drawsvc.errors import Forbidden, ImportRejected, RuleViolation
from drawsvc.journal import Actor
from drawsvc.results import batch, dispatch, followups, objections, overdue, service
from drawsvc.results import deadlines as dl


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def rt(request: pytest.FixtureRequest) -> Any:
    """The SQLite runtime, and the PostgreSQL one when DRAWSVC_TEST_DATABASE_URL is set."""
    runtime = request.getfixturevalue("runtime" if request.param == "sqlite" else "pg_runtime")
    set_today(runtime, date(2026, 9, 28))  # Monday before 国庆 (10-01…10-07; Saturday 10-10 is worked)
    with runtime.transaction() as s:
        seed(s)
    task = drawn_task(runtime)
    with runtime.transaction() as s:
        service.set_department_settings(
            s, runtime.journal, department="QY", results_due_working_days=5, actor=bureau("QY")
        )
        service.set_department_settings(
            s, runtime.journal, department="ZB", results_due_working_days=20, actor=bureau("ZB")
        )
    runtime.task = task
    return runtime


def _enter(rt: Any, task: str, n: int = 0, **over: Any) -> tuple[str, list[str]]:
    target, (leader, members) = list(teams(rt, task).items())[n]
    with rt.transaction() as s:
        row = service.submit_result(
            s, rt.journal, task=task, actor=bureau(rt_dept(task, rt)), **submission(target, leader, **over)
        )
    return row.code, [m for m in members if m != leader]


def rt_dept(task: str, rt: Any) -> str:
    return getattr(rt, "dept", {}).get(task, "QY")


def _form_and_publish(rt: Any, code: str, members: list[str], dept: str = "QY") -> None:
    with rt.transaction() as s:
        for m in members:
            service.confirm_result(s, rt.journal, result=code, inspector=m, actor=bureau(dept))
        service.audit_result(s, rt.journal, result=code, approver=f"{dept}-HEAD", actor=bureau(dept))
        service.publish_result(s, rt.journal, result=code, actor=bureau(dept))


def test_results_due_across_the_national_day_week_per_department_setting(rt: Any) -> None:
    set_today(rt, date(2026, 9, 30))
    code, _m = _enter(rt, rt.task, inspected_on="2026-09-30")
    with rt.transaction() as s:
        row = service.private_view(s, code)["versions"][0]
    # 5 working days after Wed 09-30: 10-08, 10-09, Sat 10-10 (adjusted working day), 10-12, 10-13
    assert row["due"] == "2026-10-13" and row["due_calendar_version"]
    zb = drawn_task(rt, department="ZB", items=({"department": "ZB", "code": "ZB-01"},))
    rt.dept = {zb: "ZB"}
    code, _m = _enter(rt, zb, inspected_on="2026-09-30", check_item={"department": "ZB", "code": "ZB-01"})
    with rt.transaction() as s:
        assert service.private_view(s, code)["versions"][0]["due"] == "2026-11-03"  # 20 working days


def test_an_overdue_result_shows_in_the_list_and_in_the_auditors_view(rt: Any) -> None:
    set_today(rt, date(2026, 9, 30))
    code, members = _enter(rt, rt.task, inspected_on="2026-09-30")
    done, done_members = _enter(rt, rt.task, 1, inspected_on="2026-09-30")
    _form_and_publish(rt, done, done_members)
    for today, listed in ((date(2026, 10, 13), False), (date(2026, 10, 14), True)):
        set_today(rt, today)
        with rt.transaction() as s:
            got = overdue.overdue(s, rt.log, department="QY", today=today)
        subjects = {(d.kind, d.subject) for d in got["overdue"]}
        assert ((dl.RESULT_FORM, f"{code}/v1") in subjects) is listed
        assert (dl.RESULT_FORM, f"{done}/v1") not in subjects
    with rt.transaction() as s:
        view = {
            (d.kind, d.subject): d.state(date(2026, 10, 14))
            for d in overdue.deadlines(s, rt.log, department="QY", today=date(2026, 10, 14))
        }
        assert view[(dl.RESULT_FORM, f"{code}/v1")] == dl.OVERDUE
        assert view[(dl.RESULT_FORM, f"{done}/v1")] == dl.MET
        assert view[(dl.RESULT_PUBLISH, f"{done}/v1")] == dl.MET
        assert overdue.overdue(s, rt.log, department="ZB", today=date(2026, 10, 14))["overdue"] == []
    # a late confirmation forms it: the auditor's view then says missed
    with rt.transaction() as s:
        service.confirm_result(s, rt.journal, result=code, inspector=members[0], actor=bureau())
        view = {
            (d.kind, d.subject): d.state(date(2026, 10, 14))
            for d in overdue.deadlines(s, rt.log, department="QY", today=date(2026, 10, 14))
        }
        assert view[(dl.RESULT_FORM, f"{code}/v1")] == dl.MISSED


def test_publication_warns_before_the_twenty_working_day_limit(rt: Any) -> None:
    set_today(rt, date(2026, 9, 30))
    code, members = _enter(rt, rt.task, inspected_on="2026-09-30")
    with rt.transaction() as s:
        row = service.confirm_result(s, rt.journal, result=code, inspector=members[0], actor=bureau())
        assert row.publish_due == date(2026, 11, 3)
    for today, state in (
        (date(2026, 10, 26), dl.OPEN),
        (date(2026, 10, 27), dl.DUE_SOON),
        (date(2026, 11, 4), dl.OVERDUE),
    ):
        with rt.transaction() as s:
            got = overdue.overdue(s, rt.log, department="QY", today=today)
        states = {
            d.subject: d.state(today) for d in got["overdue"] + got["due_soon"] if d.kind == dl.RESULT_PUBLISH
        }
        assert states.get(f"{code}/v1", dl.OPEN) == state, today


def test_an_objection_that_corrects_a_result_publishes_both_versions(rt: Any) -> None:
    set_today(rt, date(2026, 9, 29))
    code, members = _enter(
        rt,
        rt.task,
        inspected_on="2026-09-29",
        categories=["发现问题待后续处理"],
        subcategories=["未按规定公示应当公示的信息"],
    )
    _form_and_publish(rt, code, members)
    firm = next(e for e in entries(rt) if e["kind"] == "result.submit")["body"]["target"]
    set_today(rt, date(2026, 10, 9))
    with rt.transaction() as s:
        obj = objections.file_objection(
            s,
            rt.journal,
            result=code,
            firm=firm,
            channel="书面",
            received_on="2026-10-08",
            grounds="年报已于抽查前补报",
            objector="李四",
            actor=bureau(),
        )
        # 20 working days after Thu 10-08: 10-09, Sat 10-10 (worked), 10-12 … 10-30 (15), 11-02 … 11-04
        assert obj.review_due == date(2026, 11, 4)
    with rt.transaction() as s:
        objections.decide_objection(
            s,
            rt.journal,
            objection=obj.code,
            outcome="更正",
            reasons="经核实年报已公示",
            categories=["未发现问题"],
            actor=bureau(),
        )
        service.publish_result(s, rt.journal, result=code, actor=bureau())
        published = service.list_published(s, task=rt.task)
    versions = [(p["version"], p["categories"], p["supersedes"]) for p in published if p["result"] == code]
    assert versions == [(1, ["发现问题待后续处理"], None), (2, ["未发现问题"], 1)]
    corrected = next(p for p in published if p["result"] == code and p["version"] == 2)
    assert corrected["objection"] == {"objection": obj.code, "outcome": "更正"}
    text = str(entries(rt))
    assert "李四" not in text
    filed = next(e for e in entries(rt) if e["kind"] == "result.objection.file")["body"]
    assert set(filed["objector"]) == {"commitment"}
    with rt.transaction() as s:
        view = {
            (d.kind, d.subject): d.state(date(2026, 10, 9))
            for d in overdue.deadlines(s, rt.log, department="QY", today=date(2026, 10, 9))
        }
        assert view[(dl.OBJECTION_REVIEW, obj.code)] == dl.MET


def test_objections_only_through_the_firms_channel_and_within_the_window(rt: Any) -> None:
    set_today(rt, date(2026, 9, 29))
    code, members = _enter(rt, rt.task, inspected_on="2026-09-29")
    firm = next(e for e in entries(rt) if e["kind"] == "result.submit")["body"]["target"]

    def filing(actor: Actor = bureau(), **over: Any) -> Any:
        args = {
            "result": code,
            "firm": firm,
            "channel": "窗口",
            "received_on": "2026-09-29",
            "grounds": "异议",
            **over,
        }
        return lambda s: objections.file_objection(s, rt.journal, actor=actor, **args)

    assert refused(rt, filing()).detail["rule"] == "objection.published"
    _form_and_publish(rt, code, members)
    assert isinstance(refused(rt, filing(bureau("ZB"))), Forbidden)
    assert isinstance(refused(rt, filing(Actor(role="discipline", name="jw"))), Forbidden)
    assert refused(rt, filing(firm="91130634MA0000000X")).detail["rule"] == "objection.channel"
    assert refused(rt, filing(channel="电话")).detail["field"] == "channel"
    # window: 20 working days from the publication (09-29) → 11-02; received 11-03 is late
    set_today(rt, date(2026, 11, 4))
    exc = refused(rt, filing(received_on="2026-11-03"))
    assert isinstance(exc, RuleViolation) and exc.detail["rule"] == "objection.window"
    with rt.transaction() as s:
        obj = objections.file_objection(
            s,
            rt.journal,
            actor=bureau(),
            result=code,
            firm=firm,
            channel="窗口",
            received_on="2026-11-02",
            grounds="异议",
        )
    exc = refused(
        rt,
        lambda s: objections.decide_objection(
            s,
            rt.journal,
            objection=obj.code,
            outcome="更正",
            reasons="x",
            categories=["未发现问题"],
            actor=bureau(),
        ),
    )
    assert exc.detail["rule"] == "objection.correction-changes"
    with rt.transaction() as s:
        objections.decide_objection(
            s, rt.journal, objection=obj.code, outcome="维持", reasons="证据充分", actor=bureau()
        )
        assert [p["version"] for p in service.list_published(s, task=rt.task)] == [1]


def test_follow_ups_are_ordered_logged_and_carried_by_the_published_form(rt: Any) -> None:
    set_today(rt, date(2026, 9, 29))
    clean, clean_members = _enter(rt, rt.task, 1, inspected_on="2026-09-29")
    _form_and_publish(rt, clean, clean_members)
    code, members = _enter(
        rt,
        rt.task,
        inspected_on="2026-09-29",
        categories=["发现问题待后续处理"],
        subcategories=["违反其他部门相关规定"],
    )
    _form_and_publish(rt, code, members)
    exc = refused(
        rt,
        lambda s: followups.record_follow_up(
            s,
            rt.journal,
            result=clean,
            step="case.opened",
            on="2026-09-29",
            unit="QY 执法大队",
            actor=bureau(),
        ),
    )
    assert exc.detail["rule"] == "followup.needs-problem"
    exc = refused(
        rt,
        lambda s: followups.record_follow_up(
            s,
            rt.journal,
            result=code,
            step="penalty.decided",
            on="2026-09-29",
            unit="QY",
            decision_no="曲市监罚〔2026〕1号",
            actor=bureau(),
        ),
    )
    assert exc.detail["rule"] == "followup.order"
    with rt.transaction() as s:
        followups.record_follow_up(
            s,
            rt.journal,
            result=code,
            step="case.opened",
            on="2026-09-29",
            unit="QY 执法大队",
            note="联系人 王五 13700000000",
            actor=bureau(),
        )
        followups.record_follow_up(
            s,
            rt.journal,
            result=code,
            step="transferred",
            on="2026-09-29",
            unit="QY 执法大队",
            transfer_kind="judiciary",
            transferred_to="曲阳县公安局",
            actor=bureau(),
        )
        form = next(p for p in service.list_published(s, task=rt.task) if p["result"] == code)
    assert form["follow_up"] == "transferred"
    steps = [e["body"] for e in entries(rt) if e["kind"] == "result.followup"]
    assert [b["step"] for b in steps] == ["case.opened", "transferred"]
    assert steps[1]["transfer"] == {"kind": "judiciary", "to": "曲阳县公安局"}
    assert "王五" not in str(entries(rt)) and set(steps[0]["note"]) == {"commitment"}


def test_dispatch_confirmation_within_one_working_day_and_unconfirmed_ones_overdue(rt: Any) -> None:
    set_today(rt, date(2026, 10, 9))  # Friday; the next working day is the adjusted Saturday 10-10
    task = drawn_task(rt, teams=False, dispatch=True)
    with rt.transaction() as s:
        units = sorted(service.tasks.current_draw(s, task).dispatch)
    assert units == ["130634", "370300"]
    set_today(rt, date(2026, 10, 12))
    with rt.transaction() as s:
        got = overdue.overdue(s, rt.log, department=None, today=date(2026, 10, 12))
        late = {d.subject: d for d in got["overdue"] if d.kind == dl.DISPATCH_CONFIRM}
    assert set(late) == {f"{task}#130634", f"{task}#370300"} and late[f"{task}#130634"].due == date(
        2026, 10, 10
    )
    exc = refused(
        rt, lambda s: dispatch.confirm_dispatch(s, rt.journal, task=task, unit="130634", actor=bureau("QY"))
    )
    assert isinstance(exc, Forbidden)
    with rt.transaction() as s:
        row = dispatch.confirm_dispatch(
            s, rt.journal, task=task, unit="130634", actor=Actor(role="system", name="unit-130634")
        )
        assert row.due == date(2026, 10, 10) and row.dispatched_on == date(2026, 10, 9)
        got = overdue.overdue(s, rt.log, department=None, today=date(2026, 10, 12))
        assert {d.subject for d in got["overdue"] if d.kind == dl.DISPATCH_CONFIRM} == {f"{task}#370300"}
    body = next(e for e in entries(rt) if e["kind"] == "result.dispatch.confirm")["body"]
    assert body["on_time"] is False and body["due"]["due"] == "2026-10-10" and body["targets"] > 0


def _rows(rt: Any, n: int, **over: Any) -> list[dict[str, Any]]:
    out = []
    for target, (leader, _members) in list(teams(rt, rt.task).items())[:n]:
        out.append(
            {
                "task": rt.task,
                **{k: v for k, v in submission(target, leader).items()},
                "inspected_on": "2026-09-28",
                **over,
            }
        )
    return out


def test_batch_import_is_all_or_nothing_and_lists_every_bad_row(rt: Any) -> None:
    rows = _rows(rt, 5)
    rows[1] = {**rows[1], "categories": ["没有问题"]}
    rows[3] = {**rows[3], "check_item": {"department": "QY", "code": "QY-02"}}
    rows.append(dict(rows[0]))  # the same target and item twice in the file
    before, counts = log_size(rt), table_counts(rt)
    with pytest.raises(ImportRejected) as exc, rt.transaction() as s:
        batch.import_results(s, rt.journal, rows, actor=bureau())
    assert [(r.row, r.rule) for r in exc.value.rows] == [
        (2, "result.category-unknown"),
        (4, "result.check-item-in-task"),
        (6, "result.once-per-target-item"),
    ]
    assert log_size(rt) == before and table_counts(rt) == counts
    good = _rows(rt, 5)
    with rt.transaction() as s:
        report = batch.import_results(s, rt.journal, good, actor=bureau())
        assert report.rows == 5
        service.audit_results(s, rt.journal, results=report.results, approver="QY-HEAD", actor=bureau())
        forms = service.publish_results(s, rt.journal, results=report.results, actor=bureau())
    assert len(forms) == 5 and {f["check_items"][0]["code"] for f in forms} == {ITEM["code"]}
    imported = [e for e in entries(rt) if e["kind"] == "result.import"]
    assert len(imported) == 5 and all(e["body"]["confirmed_by"] for e in imported)


def test_drawn_targets_without_a_result_are_overdue_after_the_period_until_the_task_is_closed(
    rt: Any,
) -> None:
    task = drawn_task(rt, period_end=date(2026, 9, 30))
    drawn = list(teams(rt, task))
    code, members = _enter(rt, task, inspected_on="2026-09-28")
    _form_and_publish(rt, code, members)
    # period ends Wed 09-30; 5 working days: 10-08, 10-09, Sat 10-10, 10-12, 10-13
    for today, expected in ((date(2026, 10, 13), 0), (date(2026, 10, 14), len(drawn) - 1)):
        with rt.transaction() as s:
            got = overdue.overdue(s, rt.log, department="QY", today=today)
        missing = [
            d for d in got["overdue"] if d.kind == dl.RESULT_MISSING and d.subject.startswith(task + "#")
        ]
        assert len(missing) == expected
    assert all(d.due == date(2026, 10, 13) and d.calendar_version for d in missing)
    assert f"{task}#{drawn[0]}#QY/QY-01" not in {d.subject for d in missing}  # it has its result
    with rt.transaction() as s:
        service.close_task(s, rt.journal, task=task, actor=bureau())
        got = overdue.overdue(s, rt.log, department="QY", today=date(2026, 10, 14))
    assert not [d for d in got["overdue"] if d.kind == dl.RESULT_MISSING and d.subject.startswith(task + "#")]


def test_every_logged_deadline_recomputes_from_the_log_and_a_tampered_one_fails(rt: Any) -> None:
    import copy

    from drawsvc.results.replay import DeadlineMismatch, verify_deadlines

    set_today(rt, date(2026, 9, 30))
    code, members = _enter(rt, rt.task, inspected_on="2026-09-30")
    _form_and_publish(rt, code, members)
    firm = next(e for e in entries(rt) if e["kind"] == "result.submit")["body"]["target"]
    set_today(rt, date(2026, 10, 9))
    with rt.transaction() as s:
        obj = objections.file_objection(
            s,
            rt.journal,
            result=code,
            firm=firm,
            channel="书面",
            received_on="2026-10-09",
            grounds="异议",
            actor=bureau(),
        )
        objections.decide_objection(
            s, rt.journal, objection=obj.code, outcome="维持", reasons="维持", actor=bureau()
        )
    with rt.transaction() as s:
        batch.import_results(s, rt.journal, _rows(rt, 3)[1:], actor=bureau())
    logged = list(enumerate(entries(rt)))
    assert verify_deadlines(logged) == 8  # entry, publication, window + review, 2 imports × 2
    for kind, path, value in (
        ("result.submit", ("due", "due"), "2026-10-14"),
        ("result.confirm", ("publish_due", "calendar_version"), [0]),
        ("result.objection.file", ("review_due", "due"), "2026-11-09"),
        ("result.objection.decide", ("on_time",), False),
        ("result.settings", ("results_due_working_days",), 20),
    ):
        tampered = copy.deepcopy(logged)
        index, entry = next((i, e) for i, e in tampered if e["kind"] == kind)
        node = entry["body"]
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
        with pytest.raises(DeadlineMismatch) as exc:
            verify_deadlines(tampered)
        assert exc.value.index >= index, kind
