"""Services of departments, check items, targets, inspectors and declarations (spec §4)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from reg_support import BUREAU, TODAY, log_bytes, log_entries

from drawsvc.errors import Forbidden, InvalidInput, NotFound
from drawsvc.journal import Actor
from drawsvc.registries import repository, rules, service
from drawsvc.sample import generate_targets

USCC = next(generate_targets(1, seed=3))["uscc"]
OTHER = [t["uscc"] for t in generate_targets(3, seed=4)]


def target(**over: Any) -> dict[str, Any]:
    return {
        "uscc": USCC,
        "name": "杭州西湖明辉科技有限公司",
        "region_code": "330106",
        "target_type": "有限责任公司",
        "credit_class": "B",
        **over,
    }


def inspector(**over: Any) -> dict[str, Any]:
    return {
        "staff_no": "00001",
        "name": "张伟",
        "certificate_no": "3300000001",
        "certificate_valid_until": "2027-06-30",
        "phone": "10000000007",
        "specialties": "食品安全、特种设备",
        "leader_eligible": "是",
        **over,
    }


# --------------------------------------------------------------------------- check items
def test_check_item_defaults_and_history(rt: Any) -> None:
    with rt.transaction() as s:
        item = service.upsert_check_item(
            s,
            rt.journal,
            {"code": "SC-001", "name": "食品生产企业监督检查", "method": "实地核查"},
            department="SCJG",
            actor=BUREAU,
        )
        assert (item.min_ratio_bp, item.cap_per_target_per_year, item.method) == (300, 2, "on_site")
        service.upsert_check_item(
            s,
            rt.journal,
            {
                "code": "SC-001",
                "name": "食品生产企业监督检查",
                "method": "实地核查",
                "min_ratio_bp": 500,
                "risk_class_ratios_bp": {"A": 100, "D": 3000},
                "published": True,
            },
            department="SCJG",
            actor=BUREAU,
        )
        history = repository.check_item_history(s, item.id)
    assert [h.version for h in history] == [1, 2]
    assert history[0].record["min_ratio_bp"] == 300 and history[1].record["min_ratio_bp"] == 500
    kinds = [e["kind"] for e in log_entries(rt)]
    assert kinds.count("registry.check_item.upsert") == 2


def test_unchanged_check_item_appends_nothing(rt: Any) -> None:
    raw = {"code": "SC-002", "name": "广告监测", "method": "网络监测"}
    with rt.transaction() as s:
        service.upsert_check_item(s, rt.journal, raw, department="SCJG", actor=BUREAU)
    before = len(log_entries(rt))
    with rt.transaction() as s:
        item = service.upsert_check_item(s, rt.journal, raw, department="SCJG", actor=BUREAU)
    assert item.version == 1 and len(log_entries(rt)) == before


@pytest.mark.parametrize(
    "over,field,rule",
    [
        ({"min_ratio_bp": 0}, "min_ratio_bp", rules.RATIO_BP),
        ({"min_ratio_bp": 10001}, "min_ratio_bp", rules.RATIO_BP),
        ({"risk_class_ratios_bp": {"E": 100}}, "risk_class_ratios_bp", rules.RATIO_BP),
        ({"risk_class_ratios_bp": {"A": 1.5}}, "risk_class_ratios_bp", rules.RATIO_BP),
        ({"cap_per_target_per_year": 0}, "cap_per_target_per_year", rules.FREQUENCY),
        ({"method": "电话抽查"}, "method", rules.ENUM),
        ({"code": "有 空格"}, "code", rules.CODE_FORMAT),
    ],
)
def test_bad_check_items_are_refused(rt: Any, over: dict[str, Any], field: str, rule: str) -> None:
    with pytest.raises(InvalidInput) as exc, rt.transaction() as s:
        service.upsert_check_item(
            s, rt.journal, {"code": "X1", "name": "n", **over}, department="SCJG", actor=BUREAU
        )
    assert (exc.value.field, exc.value.rule) == (field, rule)


def test_check_item_of_unknown_department_is_refused(rt: Any) -> None:
    with pytest.raises(NotFound), rt.transaction() as s:
        service.upsert_check_item(s, rt.journal, {"code": "X1", "name": "n"}, department="NOPE", actor=BUREAU)


# --------------------------------------------------------------------------- targets
def test_target_upsert_logs_public_record_and_versions(rt: Any) -> None:
    with rt.transaction() as s:
        t = service.upsert_target(s, rt.journal, target(risk_flags="失信；投诉举报多"), actor=BUREAU)
        assert t.risk_flags == ["complaints", "dishonest"]
        service.upsert_target(s, rt.journal, target(credit_class="D"), actor=BUREAU)
        service.set_target_status(s, rt.journal, uscc=USCC, status="deregistered", actor=BUREAU)
        assert repository.active_targets(s) == []
    bodies = [e["body"] for e in log_entries(rt) if e["kind"] == "registry.target.upsert"]
    assert [(b["version"], b["credit_class"], b["status"]) for b in bodies] == [
        (1, "B", "active"),
        (2, "D", "active"),
        (3, "D", "deregistered"),
    ]
    assert all(
        e["actor"] == BUREAU.as_entry() for e in log_entries(rt) if e["kind"] == "registry.target.upsert"
    )


@pytest.mark.parametrize(
    "over,field,rule",
    [
        ({"uscc": USCC[:17] + ("0" if USCC[17] != "0" else "1")}, "uscc", rules.USCC_CHECK),
        ({"uscc": "12345"}, "uscc", rules.USCC_FORMAT),
        ({"region_code": "33010"}, "region_code", rules.REGION_CODE),
        ({"credit_class": "E"}, "credit_class", rules.CREDIT_CLASS),
        ({"risk_flags": "偷税"}, "risk_flags", rules.RISK_FLAG),
        ({"name": ""}, "name", rules.REQUIRED),
        ({"name": "a\x00b"}, "name", rules.TEXT),
        ({"status": "吊销"}, "status", rules.ENUM),
    ],
)
def test_bad_targets_are_refused_and_nothing_logged(
    rt: Any, over: dict[str, Any], field: str, rule: str
) -> None:
    before = log_bytes(rt)
    with pytest.raises(InvalidInput) as exc, rt.transaction() as s:
        service.upsert_target(s, rt.journal, target(**over), actor=BUREAU)
    assert (exc.value.field, exc.value.rule) == (field, rule)
    assert log_bytes(rt) == before


# --------------------------------------------------------------------------- inspectors
def test_inspector_with_expired_certificate_is_refused_while_active(rt: Any) -> None:
    with pytest.raises(InvalidInput) as exc, rt.transaction() as s:
        service.upsert_inspector(
            s,
            rt.journal,
            inspector(certificate_valid_until="2026-03-01"),
            department="SCJG",
            on=TODAY,
            actor=BUREAU,
        )
    assert exc.value.rule == rules.CERTIFICATE_EXPIRED
    with rt.transaction() as s:  # the same person on leave may stay listed
        row = service.upsert_inspector(
            s,
            rt.journal,
            inspector(certificate_valid_until="2026-03-01", status="休假"),
            department="SCJG",
            on=TODAY,
            actor=BUREAU,
        )
    assert row.code == "SCJG-00001" and row.status == "on_leave"


def test_eligible_inspectors_exclude_certificates_expired_at_the_draw_date(rt: Any) -> None:
    with rt.transaction() as s:
        service.upsert_inspector(s, rt.journal, inspector(), department="SCJG", on=TODAY, actor=BUREAU)
        service.upsert_inspector(
            s,
            rt.journal,
            inspector(
                staff_no="00002", name="李娜", specialties="特种设备", certificate_valid_until="2026-06-30"
            ),
            department="SCJG",
            on=TODAY,
            actor=BUREAU,
        )
        on_time = repository.eligible_inspectors(s, department_code="SCJG", on=date(2026, 6, 30))
        later = repository.eligible_inspectors(s, department_code="SCJG", on=date(2026, 7, 1))
        food = repository.eligible_inspectors(s, department_code="SCJG", on=TODAY, specialty="食品安全")
    assert [i.code for i in on_time] == ["SCJG-00001", "SCJG-00002"]
    assert [i.code for i in later] == ["SCJG-00001"]
    assert [i.code for i in food] == ["SCJG-00001"]


def test_inspector_phone_is_committed_not_logged(rt: Any) -> None:
    with rt.transaction() as s:
        row = service.upsert_inspector(s, rt.journal, inspector(), department="SCJG", on=TODAY, actor=BUREAU)
        salt = row.phone_salt
        service.upsert_inspector(
            s, rt.journal, inspector(phone="10000000008"), department="SCJG", on=TODAY, actor=BUREAU
        )
        assert row.phone_salt != salt  # a new value gets a new salt
    data = log_bytes(rt)
    assert b"10000000007" not in data and b"10000000008" not in data
    body = [e for e in log_entries(rt) if e["kind"] == "registry.inspector.upsert"][-1]["body"]
    assert set(body["phone"]) == {"commitment"}


def test_inspector_status_transitions(rt: Any) -> None:
    with rt.transaction() as s:
        service.upsert_inspector(s, rt.journal, inspector(), department="SCJG", on=TODAY, actor=BUREAU)
        service.set_inspector_status(
            s, rt.journal, code="SCJG-00001", status="retired", department="SCJG", actor=BUREAU
        )
    with pytest.raises(InvalidInput) as exc, rt.transaction() as s:
        service.set_inspector_status(
            s, rt.journal, code="SCJG-00001", status="active", department="SCJG", actor=BUREAU
        )
    assert exc.value.rule == rules.STATUS_TRANSITION


def test_department_scope_is_enforced(rt: Any) -> None:
    with rt.transaction() as s:
        service.upsert_inspector(s, rt.journal, inspector(), department="SCJG", on=TODAY, actor=BUREAU)
    tax = Actor(role="bureau", department="SWJ", name="op-2")
    with pytest.raises(Forbidden) as exc, rt.transaction() as s:
        service.set_inspector_status(
            s, rt.journal, code="SCJG-00001", status="on_leave", department="SWJ", actor=tax
        )
    assert exc.value.detail["rule"] == rules.DEPARTMENT_SCOPE
    with pytest.raises(Forbidden), rt.transaction() as s:
        service.upsert_inspector(
            s, rt.journal, {**inspector(), "code": "SCJG-00001"}, department="SWJ", on=TODAY, actor=tax
        )


# --------------------------------------------------------------------------- declarations
def test_active_declarations_respect_validity_and_withdrawal(rt: Any) -> None:
    with rt.transaction() as s:
        service.upsert_inspector(s, rt.journal, inspector(), department="SCJG", on=TODAY, actor=BUREAU)
        service.upsert_inspector(
            s, rt.journal, inspector(staff_no="00002"), department="SCJG", on=TODAY, actor=BUREAU
        )
        service.declare_interest(
            s,
            rt.journal,
            {
                "person_kind": "执法人员",
                "person_code": "SCJG-00001",
                "counterpart_uscc": OTHER[0],
                "kind": "近亲属任职",
                "valid_from": "2026-01-01",
                "valid_until": "2026-12-31",
            },
            department="SCJG",
            actor=BUREAU,
        )
        service.declare_interest(
            s,
            rt.journal,
            {
                "person_kind": "inspector",
                "person_code": "SCJG-00001",
                "counterpart_uscc": OTHER[1],
                "kind": "economic_interest",
                "valid_from": "2026-05-01",
            },
            department="SCJG",
            actor=BUREAU,
        )
        d = service.declare_interest(
            s,
            rt.journal,
            {
                "person_kind": "inspector",
                "person_code": "SCJG-00002",
                "counterpart_uscc": OTHER[2],
                "kind": "本人任职",
                "valid_from": "2020-01-01",
            },
            department="SCJG",
            actor=BUREAU,
        )
        service.withdraw_declaration(s, rt.journal, code=d.code, department="SCJG", actor=BUREAU)
        people = [("inspector", "SCJG-00001"), ("inspector", "SCJG-00002"), ("expert", "nobody")]
        march = repository.active_declarations(s, on=TODAY, people=people)
        june = repository.active_declarations(s, on=date(2026, 6, 1), people=people)
        next_year = repository.active_declarations(s, on=date(2027, 1, 1), people=people)
    assert march == {
        ("inspector", "SCJG-00001"): {OTHER[0]},
        ("inspector", "SCJG-00002"): set(),
        ("expert", "nobody"): set(),
    }
    assert june[("inspector", "SCJG-00001")] == {OTHER[0], OTHER[1]}
    assert next_year[("inspector", "SCJG-00001")] == {OTHER[1]}


@pytest.mark.parametrize(
    "over,exc_type,rule",
    [
        ({"person_code": "SCJG-99999"}, NotFound, rules.UNKNOWN_REFERENCE),
        ({"kind": "同学"}, InvalidInput, rules.ENUM),
        ({"valid_until": "2025-12-31"}, InvalidInput, rules.DECLARATION),
        ({"counterpart_uscc": "91330100799655058C"}, InvalidInput, rules.USCC_CHECK),
    ],
)
def test_bad_declarations_are_refused(rt: Any, over: dict[str, Any], exc_type: type, rule: str) -> None:
    with rt.transaction() as s:
        service.upsert_inspector(s, rt.journal, inspector(), department="SCJG", on=TODAY, actor=BUREAU)
    raw = {
        "person_kind": "inspector",
        "person_code": "SCJG-00001",
        "counterpart_uscc": OTHER[0],
        "kind": "other",
        "valid_from": "2026-01-01",
        **over,
    }
    with pytest.raises(exc_type) as exc, rt.transaction() as s:
        service.declare_interest(s, rt.journal, raw, department="SCJG", actor=BUREAU)
    assert exc.value.detail["rule"] == rule


def test_sample_check_items_are_valid_and_expert_employers_are_listed(rt: Any) -> None:
    from drawsvc.registries import experts
    from drawsvc.sample import sample_check_items

    with rt.transaction() as s:
        for raw in sample_check_items():
            service.upsert_check_item(s, rt.journal, raw, department="SCJG", actor=BUREAU)
        assert [
            i.code for i in repository.list_check_items(s, department_code="SCJG", published_only=True)
        ] == ["SC-2026-001", "SC-2026-002", "SC-2026-003", "SC-2026-004"]
        experts.apply(
            s,
            rt.journal,
            {
                "code": "E1",
                "name": "王芳",
                "title": "教授",
                "groups": "食品",
                "years_in_field": 10,
                "birth_date": "1980-01-01",
                "organisation_uscc": OTHER[0],
            },
            pool_code="ZLZJ",
            department="SCJG",
            on=TODAY,
            actor=BUREAU,
        )
        assert repository.expert_employers(s, ["E1", "E2"]) == {"E1": OTHER[0]}
