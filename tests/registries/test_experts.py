"""The expert life cycle (spec §4.5): qualification, notice, objections, admission, evaluations,
invitations and exit — each rule with its failing side."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from reg_support import BUREAU, TODAY, log_bytes, log_entries

from drawsvc.errors import CalendarUnavailable, Forbidden, InvalidInput, RuleViolation
from drawsvc.journal import SYSTEM, Actor
from drawsvc.registries import experts, repository, rules
from drawsvc.registries.expert_rules import PoolRules, age_on, is_over_age, term_end_for
from drawsvc.registries.identity import id_check_character

ID17 = "33010619700315002"
ID_NUMBER = ID17 + id_check_character(ID17)
PHONE = "10012345678"
ADDRESS = "杭州市西湖区示例路8号"


def application(**over: Any) -> dict[str, Any]:
    return {
        "code": "ZLZJ-0001",
        "name": "王建国",
        "organisation": "浙江省质量检测研究院",
        "title": "高级工程师",
        "groups": "机械、电子",
        "years_in_field": 20,
        "birth_date": "1970-03-15",
        "id_number": ID_NUMBER,
        "phone": PHONE,
        "home_address": ADDRESS,
        **over,
    }


def admitted(rt: Any, code: str = "ZLZJ-0001", **over: Any) -> None:
    with rt.transaction() as s:
        experts.apply(
            s,
            rt.journal,
            application(code=code, **over),
            pool_code="ZLZJ",
            department="SCJG",
            on=TODAY,
            actor=BUREAU,
        )
        experts.start_notice(s, rt.journal, expert_code=code, start=TODAY, department="SCJG", actor=BUREAU)
        experts.admit(s, rt.journal, expert_code=code, on=date(2026, 3, 10), department="SCJG", actor=BUREAU)


# --------------------------------------------------------------------------- qualification
def test_age_limit_is_completed_years() -> None:
    pool = PoolRules(age_limit=60)
    born = date(1966, 3, 15)
    assert age_on(born, date(2026, 3, 14)) == 59 and age_on(born, date(2026, 3, 15)) == 60
    assert not is_over_age(pool, birth_date=born, title="", on=date(2027, 3, 14))
    assert is_over_age(pool, birth_date=born, title="", on=date(2027, 3, 15))


@pytest.mark.parametrize(
    "over,field,rule",
    [
        ({"birth_date": "1960-01-01", "id_number": ""}, "birth_date", rules.AGE_LIMIT),
        ({"years_in_field": 3}, "years_in_field", rules.MIN_YEARS),
        ({"title": "工程师"}, "title", rules.TITLE),
        ({"groups": "航天"}, "groups", rules.GROUPS),
        ({"groups": ""}, "groups", rules.GROUPS),
        ({"birth_date": "1970-03-16"}, "birth_date", rules.ID_BIRTH_MISMATCH),
        ({"id_number": ID17 + ("0" if ID_NUMBER[17] != "0" else "1")}, "id_number", rules.ID_NUMBER),
        ({"phone": "call me"}, "phone", rules.PHONE),
    ],
)
def test_unqualified_or_invalid_applications_are_refused(
    rt: Any, over: dict[str, Any], field: str, rule: str
) -> None:
    before = log_bytes(rt)
    with pytest.raises(InvalidInput) as exc, rt.transaction() as s:
        experts.apply(
            s, rt.journal, application(**over), pool_code="ZLZJ", department="SCJG", on=TODAY, actor=BUREAU
        )
    assert (exc.value.field, exc.value.rule) == (field, rule)
    assert log_bytes(rt) == before
    for private in (ID_NUMBER, PHONE, "1970-03-15", "1960-01-01", "call me"):
        assert private not in str(exc.value) and private not in repr(exc.value.as_dict())


def test_exempt_title_has_its_own_age_limit(rt: Any) -> None:
    with rt.transaction() as s:  # 66 years old, 院士: the pool's exempt limit is 70
        e = experts.apply(
            s,
            rt.journal,
            application(title="院士", birth_date="1960-01-01", id_number=""),
            pool_code="ZLZJ",
            department="SCJG",
            on=TODAY,
            actor=BUREAU,
        )
    assert e.status == "applied"
    (body,) = [e["body"] for e in log_entries(rt) if e["kind"] == "registry.expert.apply"]
    assert body["id_number"] is None  # none given: null, not a commitment to ""
    with pytest.raises(InvalidInput) as exc, rt.transaction() as s:  # 71: over even the exempt limit
        experts.apply(
            s,
            rt.journal,
            application(code="ZLZJ-0002", title="院士", birth_date="1955-01-01", id_number=""),
            pool_code="ZLZJ",
            department="SCJG",
            on=TODAY,
            actor=BUREAU,
        )
    assert exc.value.rule == rules.AGE_LIMIT


def test_pool_rules_themselves_are_checked() -> None:
    with pytest.raises(InvalidInput) as exc:
        PoolRules(notice_working_days=4)
    assert exc.value.rule == rules.POOL_RULES
    with pytest.raises(InvalidInput):
        PoolRules(objection_working_days=31)


# --------------------------------------------------------------------------- notice and objections
def test_notice_counts_working_days_across_national_day(rt: Any) -> None:
    with rt.transaction() as s:
        experts.apply(
            s,
            rt.journal,
            application(),
            pool_code="ZLZJ",
            department="SCJG",
            on=date(2026, 9, 30),
            actor=BUREAU,
        )
        e = experts.start_notice(
            s, rt.journal, expert_code="ZLZJ-0001", start=date(2026, 9, 30), department="SCJG", actor=BUREAU
        )
    # 10-01..07 holidays, 10-10 (Saturday) an adjusted working day: 8, 9, 10, 12, 13.
    assert e.notice_end == date(2026, 10, 13)
    with pytest.raises(RuleViolation) as exc, rt.transaction() as s:
        experts.admit(
            s, rt.journal, expert_code="ZLZJ-0001", on=date(2026, 10, 13), department="SCJG", actor=BUREAU
        )
    assert exc.value.rule == rules.NOTICE_PERIOD
    with rt.transaction() as s:
        e = experts.admit(
            s, rt.journal, expert_code="ZLZJ-0001", on=date(2026, 10, 14), department="SCJG", actor=BUREAU
        )
    assert (e.status, e.term_start, e.term_end) == ("admitted", date(2026, 10, 14), date(2029, 10, 13))


def test_notice_beyond_calendar_coverage_is_an_explicit_error(rt: Any) -> None:
    with rt.transaction() as s:
        experts.apply(
            s,
            rt.journal,
            application(),
            pool_code="ZLZJ",
            department="SCJG",
            on=date(2026, 12, 28),
            actor=BUREAU,
        )
    with pytest.raises(CalendarUnavailable) as exc, rt.transaction() as s:
        experts.start_notice(
            s, rt.journal, expert_code="ZLZJ-0001", start=date(2026, 12, 28), department="SCJG", actor=BUREAU
        )
    assert exc.value.detail["year"] == 2027 and "2027" in exc.value.message
    with rt.transaction() as s:
        e = repository.get_expert(s, "ZLZJ-0001")
        assert (e.status, e.notice_end, e.notice_end_calendar_version) == ("applied", None, None)
    assert not [e for e in log_entries(rt) if e["kind"] == experts.KIND_NOTICE]  # nothing half-done


def _arrangement_index(s: Any, year: int) -> int:
    from drawsvc.calendar.service import list_arrangements

    (row,) = list_arrangements(s, year=year)
    return row.log_index


def test_notice_end_keeps_the_calendar_version_that_computed_it(rt: Any) -> None:
    with rt.transaction() as s:
        experts.apply(
            s, rt.journal, application(), pool_code="ZLZJ", department="SCJG", on=date(2025, 12, 29),
            actor=BUREAU,
        )
        e = experts.start_notice(
            s, rt.journal, expert_code="ZLZJ-0001", start=date(2025, 12, 29), department="SCJG", actor=BUREAU
        )
        expected = [_arrangement_index(s, 2025), _arrangement_index(s, 2026)]  # the count crosses New Year
    assert e.notice_end == date(2026, 1, 6)  # 12-30, 12-31, (01-01..03 holiday) 01-04, 01-05, 01-06
    assert e.notice_end_calendar_version == expected and expected[0] != expected[1]
    (notice,) = [x["body"] for x in log_entries(rt) if x["kind"] == experts.KIND_NOTICE]
    assert notice["notice_end"] == "2026-01-06" and notice["calendar_version"] == expected


def test_objection_due_date_keeps_its_calendar_version_in_row_and_log(rt: Any) -> None:
    _in_notice(rt)
    with rt.transaction() as s:
        obj = experts.file_objection(
            s, rt.journal, expert_code="ZLZJ-0001", objector="赵敏", written=True, filed_on=date(2026, 3, 4),
            department="SCJG", actor=BUREAU,
        )
        experts.decide_objection(
            s, rt.journal, objection_id=obj.id, decision="dismissed", decided_on=date(2026, 3, 9),
            department="SCJG", actor=BUREAU,
        )
        expected = [_arrangement_index(s, 2026)]
        assert obj.due_calendar_version == expected
    bodies = {x["kind"]: x["body"] for x in log_entries(rt)}
    assert bodies[experts.KIND_OBJECTION]["calendar_version"] == expected
    assert bodies[experts.KIND_OBJECTION]["due_on"] == "2026-04-16"
    assert bodies[experts.KIND_OBJECTION_DECISION]["calendar_version"] == expected


def test_objection_due_in_an_unloaded_year_is_refused_and_nothing_is_written(rt: Any) -> None:
    with rt.transaction() as s:
        experts.apply(
            s, rt.journal, application(), pool_code="ZLZJ", department="SCJG", on=date(2026, 11, 20),
            actor=BUREAU,
        )
        experts.start_notice(
            s, rt.journal, expert_code="ZLZJ-0001", start=date(2026, 11, 20), department="SCJG", actor=BUREAU
        )
    before = len(log_entries(rt))
    with pytest.raises(CalendarUnavailable) as exc, rt.transaction() as s:
        experts.file_objection(  # 30 working days after 2026-11-25 fall in January 2027
            s, rt.journal, expert_code="ZLZJ-0001", objector="赵敏", written=True,
            filed_on=date(2026, 11, 25), department="SCJG", actor=BUREAU,
        )
    assert exc.value.detail["year"] == 2027 and "2027" in exc.value.message
    assert len(log_entries(rt)) == before
    with rt.transaction() as s:
        assert repository.objections_of(s, "ZLZJ-0001") == []


def test_a_provisional_deadline_is_never_stored(rt: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from drawsvc.calendar.arithmetic import Deadline

    def provisional(session: Any, start: date, n: int) -> Deadline:
        return Deadline(due=date(2027, 1, 8), calendar_version=(), provisional=True)

    with rt.transaction() as s:
        experts.apply(
            s, rt.journal, application(), pool_code="ZLZJ", department="SCJG", on=TODAY, actor=BUREAU
        )
    before = len(log_entries(rt))
    monkeypatch.setattr(experts, "compute_deadline", provisional)
    with pytest.raises(RuleViolation) as exc, rt.transaction() as s:
        experts.start_notice(
            s, rt.journal, expert_code="ZLZJ-0001", start=TODAY, department="SCJG", actor=BUREAU
        )
    assert exc.value.rule == "calendar.provisional-not-binding"
    assert len(log_entries(rt)) == before
    with rt.transaction() as s:
        e = repository.get_expert(s, "ZLZJ-0001")
        assert (e.status, e.notice_end) == ("applied", None)


def _in_notice(rt: Any) -> None:
    with rt.transaction() as s:
        experts.apply(
            s, rt.journal, application(), pool_code="ZLZJ", department="SCJG", on=TODAY, actor=BUREAU
        )
        experts.start_notice(
            s, rt.journal, expert_code="ZLZJ-0001", start=TODAY, department="SCJG", actor=BUREAU
        )


@pytest.mark.parametrize("objector,written", [(None, True), ("  ", True), ("赵敏", False)])
def test_anonymous_or_oral_objections_are_refused(rt: Any, objector: str | None, written: bool) -> None:
    _in_notice(rt)
    with pytest.raises(InvalidInput) as exc, rt.transaction() as s:
        experts.file_objection(
            s,
            rt.journal,
            expert_code="ZLZJ-0001",
            objector=objector,
            written=written,
            filed_on=date(2026, 3, 3),
            department="SCJG",
            actor=BUREAU,
        )
    assert exc.value.rule == rules.ANONYMOUS_OBJECTION


def test_objection_outside_the_notice_is_refused(rt: Any) -> None:
    _in_notice(rt)
    with pytest.raises(RuleViolation) as exc, rt.transaction() as s:
        experts.file_objection(
            s,
            rt.journal,
            expert_code="ZLZJ-0001",
            objector="赵敏",
            written=True,
            filed_on=date(2026, 3, 10),
            department="SCJG",
            actor=BUREAU,
        )
    assert exc.value.rule == rules.OBJECTION_WINDOW


def test_undecided_objection_blocks_admission_and_upheld_one_rejects(rt: Any) -> None:
    _in_notice(rt)
    with rt.transaction() as s:
        obj = experts.file_objection(
            s,
            rt.journal,
            expert_code="ZLZJ-0001",
            objector="赵敏",
            written=True,
            filed_on=date(2026, 3, 4),
            department="SCJG",
            actor=BUREAU,
        )
        oid = obj.id
    assert obj.due_on == date(2026, 4, 16)  # 30 working days (Qingming 04-04..06 skipped)
    with pytest.raises(RuleViolation) as exc, rt.transaction() as s:
        experts.admit(
            s, rt.journal, expert_code="ZLZJ-0001", on=date(2026, 3, 20), department="SCJG", actor=BUREAU
        )
    assert exc.value.rule == rules.OBJECTION_PENDING
    with rt.transaction() as s:
        assert [o.id for o in repository.overdue_objections(s, on=date(2026, 4, 17))] == [oid]
        assert repository.overdue_objections(s, on=date(2026, 4, 16)) == []
        experts.decide_objection(
            s,
            rt.journal,
            objection_id=oid,
            decision="upheld",
            decided_on=date(2026, 3, 20),
            department="SCJG",
            actor=BUREAU,
        )
        assert repository.get_expert(s, "ZLZJ-0001").status == "rejected"
    with pytest.raises(RuleViolation) as exc, rt.transaction() as s:
        experts.admit(
            s, rt.journal, expert_code="ZLZJ-0001", on=date(2026, 3, 20), department="SCJG", actor=BUREAU
        )
    assert exc.value.rule == rules.STATUS_TRANSITION
    assert b"\xe8\xb5\xb5\xe6\x95\x8f" not in log_bytes(rt)  # 赵敏: the objector is private


def test_late_decision_is_marked_overdue(rt: Any) -> None:
    _in_notice(rt)
    with rt.transaction() as s:
        obj = experts.file_objection(
            s,
            rt.journal,
            expert_code="ZLZJ-0001",
            objector="赵敏",
            written=True,
            filed_on=date(2026, 3, 4),
            department="SCJG",
            actor=BUREAU,
        )
        experts.decide_objection(
            s,
            rt.journal,
            objection_id=obj.id,
            decision="dismissed",
            decided_on=date(2026, 4, 20),
            department="SCJG",
            actor=BUREAU,
        )
        experts.admit(
            s, rt.journal, expert_code="ZLZJ-0001", on=date(2026, 4, 21), department="SCJG", actor=BUREAU
        )
    (decision,) = [e["body"] for e in log_entries(rt) if e["kind"] == experts.KIND_OBJECTION_DECISION]
    assert decision["overdue"] is True and decision["decision"] == "dismissed"


# --------------------------------------------------------------------------- in the pool
def test_second_poor_in_one_term_flags_exit(rt: Any) -> None:
    admitted(rt)
    with rt.transaction() as s:
        experts.evaluate(
            s,
            rt.journal,
            expert_code="ZLZJ-0001",
            grade="poor",
            on=date(2026, 6, 1),
            department="SCJG",
            actor=BUREAU,
        )
        experts.evaluate(
            s,
            rt.journal,
            expert_code="ZLZJ-0001",
            grade="good",
            on=date(2026, 7, 1),
            department="SCJG",
            actor=BUREAU,
        )
        assert repository.get_expert(s, "ZLZJ-0001").exit_flags == []
        assert [e.code for e in repository.eligible_experts(s, pool_code="ZLZJ", on=date(2026, 7, 2))] == [
            "ZLZJ-0001"
        ]
        experts.evaluate(
            s,
            rt.journal,
            expert_code="ZLZJ-0001",
            grade="poor",
            on=date(2026, 8, 1),
            department="SCJG",
            actor=BUREAU,
        )
        e = repository.get_expert(s, "ZLZJ-0001")
        assert e.exit_flags == ["second_poor"]
        assert repository.eligible_experts(s, pool_code="ZLZJ", on=date(2026, 8, 2)) == []
    with pytest.raises(InvalidInput), rt.transaction() as s:
        experts.evaluate(
            s,
            rt.journal,
            expert_code="ZLZJ-0001",
            grade="很差",
            on=date(2026, 8, 1),
            department="SCJG",
            actor=BUREAU,
        )


def test_three_consecutive_unanswered_invitations_flag_exit_and_an_answer_resets(rt: Any) -> None:
    admitted(rt)
    draw = Actor(role="system", department="SCJG", name="draw")
    outcomes = ["no_answer", "no_answer", "declined", "no_answer", "no_answer"]
    with rt.transaction() as s:
        for i, outcome in enumerate(outcomes):
            e = experts.record_invitation_outcome(
                s, rt.journal, "ZLZJ-0001", outcome, actor=draw, task_ref=f"T-{i}"
            )
        assert (e.consecutive_no_answer, e.exit_flags) == (2, [])
        e = experts.record_invitation_outcome(
            s, rt.journal, "ZLZJ-0001", "no_answer", actor=draw, task_ref="T-9"
        )
        assert (e.consecutive_no_answer, e.exit_flags) == (3, ["no_answer_x3"])
    with pytest.raises(InvalidInput), rt.transaction() as s:
        experts.record_invitation_outcome(s, rt.journal, "ZLZJ-0001", "maybe", actor=draw, task_ref="T-10")


def test_over_age_and_blacklist_are_flagged_and_a_person_confirms(rt: Any) -> None:
    admitted(rt, birth_date="1966-04-01", id_number="")
    admitted(rt, code="ZLZJ-0002", birth_date="1980-01-01", id_number="")
    with rt.transaction() as s:
        assert experts.flag_over_age(s, rt.journal, on=date(2027, 3, 31), actor=SYSTEM) == []
        assert experts.flag_over_age(s, rt.journal, on=date(2027, 4, 1), actor=SYSTEM) == ["ZLZJ-0001"]
        experts.flag_credit_blacklist(
            s, rt.journal, expert_code="ZLZJ-0002", reference="失信名单 2026-001", actor=SYSTEM
        )
        assert [e.code for e in experts.pending_exits(s)] == ["ZLZJ-0001", "ZLZJ-0002"]
    with pytest.raises(Forbidden), rt.transaction() as s:
        experts.confirm_exit(
            s,
            rt.journal,
            expert_code="ZLZJ-0001",
            reason="over_age",
            on=date(2027, 4, 2),
            department="SCJG",
            actor=SYSTEM,
        )
    with pytest.raises(RuleViolation) as exc, rt.transaction() as s:  # no flag for this reason
        experts.confirm_exit(
            s,
            rt.journal,
            expert_code="ZLZJ-0002",
            reason="second_poor",
            on=date(2027, 4, 2),
            department="SCJG",
            actor=BUREAU,
        )
    assert exc.value.rule == rules.EXIT_REASON
    with rt.transaction() as s:
        e = experts.confirm_exit(
            s,
            rt.journal,
            expert_code="ZLZJ-0001",
            reason="over_age",
            on=date(2027, 4, 2),
            department="SCJG",
            actor=BUREAU,
        )
        assert (e.status, e.exit_reason) == ("exited", "over_age")
        experts.clear_exit_flag(
            s, rt.journal, expert_code="ZLZJ-0002", reason="credit_blacklist", department="SCJG", actor=BUREAU
        )
        assert experts.pending_exits(s) == []
    exits = [e["body"] for e in log_entries(rt) if e["kind"] == "registry.expert.exit"]
    assert exits == [
        {"code": "ZLZJ-0001", "pool": "ZLZJ", "status": "exited", "reason": "over_age", "on": "2027-04-02"}
    ]


def test_exit_on_request_needs_no_flag_but_a_known_reason(rt: Any) -> None:
    admitted(rt)
    with pytest.raises(InvalidInput), rt.transaction() as s:
        experts.confirm_exit(
            s,
            rt.journal,
            expert_code="ZLZJ-0001",
            reason="bored",
            on=date(2026, 5, 1),
            department="SCJG",
            actor=BUREAU,
        )
    with rt.transaction() as s:
        e = experts.confirm_exit(
            s,
            rt.journal,
            expert_code="ZLZJ-0001",
            reason="request",
            on=date(2026, 5, 1),
            department="SCJG",
            actor=BUREAU,
        )
    assert e.status == "exited"


def test_expert_private_fields_never_reach_the_log(rt: Any) -> None:
    admitted(rt)
    data = log_bytes(rt)
    for private in (ID_NUMBER, PHONE, "1970-03-15", ADDRESS):
        assert private.encode() not in data
    (body,) = [e["body"] for e in log_entries(rt) if e["kind"] == "registry.expert.admit"]
    assert {k for k, v in body.items() if isinstance(v, dict)} == {
        "birth_date",
        "id_number",
        "phone",
        "home_address",
    }
    assert body["term_end"] == term_end_for(date(2026, 3, 10), 3).isoformat() == "2029-03-09"


def test_pool_of_another_department_is_forbidden(rt: Any) -> None:
    tax = Actor(role="bureau", department="SWJ", name="op-2")
    with pytest.raises(Forbidden), rt.transaction() as s:
        experts.apply(s, rt.journal, application(), pool_code="ZLZJ", department="SWJ", on=TODAY, actor=tax)


def test_invitation_outcome_of_an_exited_expert_is_recorded_without_a_flag(rt: Any) -> None:
    admitted(rt)
    with rt.transaction() as s:
        experts.confirm_exit(
            s,
            rt.journal,
            expert_code="ZLZJ-0001",
            reason="request",
            on=date(2026, 5, 1),
            department="SCJG",
            actor=BUREAU,
        )
        for i in range(3):
            e = experts.record_invitation_outcome(
                s, rt.journal, "ZLZJ-0001", "no_answer", actor=SYSTEM, task_ref=f"T-{i}"
            )
    assert (e.status, e.consecutive_no_answer, e.exit_flags) == ("exited", 3, [])
