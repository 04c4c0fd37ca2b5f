"""Annual plans (docs/specs/plans.md): rules PL-1 … PL-8, each with its failing side; the log."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa

from drawsvc.errors import Forbidden, InvalidInput, NotFound, RuleViolation
from drawsvc.journal import SYSTEM, Actor
from drawsvc.plans import service
from drawsvc.plans.models import AnnualPlan
from drawsvc.registries import service as registries

YEAR = 2026
A = Actor(role="bureau", department="SCJG", name="key:a")
B = Actor(role="bureau", department="WSJ", name="key:b")


@pytest.fixture
def rt(runtime):
    with runtime.transaction() as s:
        for code in ("SCJG", "WSJ", "SWJ"):
            registries.upsert_department(s, runtime.journal, code=code, name=f"{code} 局", actor=SYSTEM)
        for dept, code, bp in (("SCJG", "CI-1", 300), ("SCJG", "CI-2", 500), ("WSJ", "CI-W", 100)):
            raw = {"code": code, "name": f"事项{code}", "min_ratio_bp": bp}
            registries.upsert_check_item(s, runtime.journal, raw, department=dept, actor=SYSTEM)
    return runtime


def item(**over: Any) -> dict[str, Any]:
    return {"check_item": "CI-1", "ratio_bp": 500, "frequency": 1, "period_start": "2026-04-01",
            "period_end": "2026-06-30", "joint_departments": ["WSJ"], **over}


def upsert(rt, items=None, *, actor=A, department="SCJG", year=YEAR, reason=None) -> AnnualPlan:
    with rt.transaction() as s:
        row = service.upsert_plan(s, rt.journal, department=department, year=year,
                                  items=items if items is not None else [item()], reason=reason, actor=actor)
        s.expunge(row)
        return row


def publish(rt, *, actor=A, department="SCJG", year=YEAR) -> AnnualPlan:
    with rt.transaction() as s:
        row = service.publish_plan(s, rt.journal, department=department, year=year, actor=actor)
        s.expunge(row)
        return row


def log_size(rt) -> int:
    with rt.transaction() as s:
        return rt.log.size(s.connection())


def entry(rt, index: int) -> dict[str, Any]:
    with rt.transaction() as s:
        return json.loads(rt.log.entries(s.connection(), index, index + 1)[0])


def plan_rows(rt) -> list[tuple[int, str]]:
    with rt.transaction() as s:
        return [(r.version, r.status) for r in s.scalars(sa.select(AnnualPlan).order_by(AnnualPlan.version))]


def test_draft_is_logged_with_public_fields_only(rt):
    row = upsert(rt)
    assert (row.version, row.status, row.reason) == (1, "draft", None)
    e = entry(rt, row.log_index)
    assert e["kind"] == "plan.upsert"
    assert e["body"] == {"department": "SCJG", "year": YEAR, "version": 1, "status": "draft", "reason": None,
                         "supersedes": None,
                         "items": [{"check_item": "CI-1", "ratio_bp": 500, "frequency": 1,
                                    "period": {"start": "2026-04-01", "end": "2026-06-30"},
                                    "joint_departments": ["WSJ"]}]}
    assert e["actor"]["department"] == "SCJG"


def test_unchanged_draft_logs_nothing_and_a_changed_one_is_edited_in_place(rt):
    upsert(rt)
    size = log_size(rt)
    upsert(rt)
    assert log_size(rt) == size
    row = upsert(rt, [item(ratio_bp=800)])
    assert (row.version, row.items[0]["ratio_bp"]) == (1, 800)
    assert log_size(rt) == size + 1
    assert plan_rows(rt) == [(1, "draft")]


def test_publication_is_logged(rt):
    upsert(rt)
    row = publish(rt)
    assert row.status == "published" and row.published_at is not None
    e = entry(rt, row.log_index)
    assert e["kind"] == "plan.publish"
    assert e["body"]["status"] == "published" and e["body"]["version"] == 1


def test_publishing_twice_is_refused(rt):
    upsert(rt)
    publish(rt)
    size = log_size(rt)
    with pytest.raises(RuleViolation) as err:
        publish(rt)
    assert err.value.detail["rule"] == "PL-8"
    assert log_size(rt) == size


def test_publishing_without_a_plan_is_not_found(rt):
    with pytest.raises(NotFound):
        publish(rt)


def test_revision_needs_a_reason_and_keeps_the_published_version(rt):
    upsert(rt)
    publish(rt)
    size = log_size(rt)
    for reason in (None, "   "):
        with pytest.raises(InvalidInput) as err:
            upsert(rt, [item(ratio_bp=900)], reason=reason)
        assert (err.value.detail["field"], err.value.detail["rule"]) == ("reason", "PL-8")
    assert log_size(rt) == size and plan_rows(rt) == [(1, "published")]

    revised = upsert(rt, [item(ratio_bp=900)], reason="上级部署增加比例")
    assert (revised.version, revised.status, revised.reason) == (2, "draft", "上级部署增加比例")
    assert entry(rt, revised.log_index)["body"]["supersedes"] == 1
    assert plan_rows(rt) == [(1, "published"), (2, "draft")]  # the published one still stands

    published = publish(rt)
    assert published.version == 2
    assert plan_rows(rt) == [(1, "superseded"), (2, "published")]
    with rt.transaction() as s:
        old = service.get_plan(s, department="SCJG", year=YEAR, version=1)
        assert old.items[0]["ratio_bp"] == 500  # both versions kept, the old one unchanged


def test_first_version_refuses_a_reason(rt):
    with pytest.raises(InvalidInput) as err:
        upsert(rt, reason="why")
    assert err.value.detail["field"] == "reason"
    assert plan_rows(rt) == []


def test_a_bureau_writes_only_its_own_departments_plan(rt):
    size = log_size(rt)
    with pytest.raises(Forbidden):
        upsert(rt, actor=B)
    upsert(rt)
    with pytest.raises(Forbidden):
        publish(rt, actor=B)
    with pytest.raises(Forbidden):
        upsert(rt, actor=Actor(role="discipline", department=None, name="key:d"))
    assert log_size(rt) == size + 1 and plan_rows(rt) == [(1, "draft")]


BAD_ITEMS = [
    ([], "items", "PL-2"),
    ([item(), item()], "items[1].check_item", "PL-2"),
    ([item(check_item="NOPE")], "items[0].check_item", "PL-3"),
    ([item(check_item="CI-W")], "items[0].check_item", "PL-3"),  # another department's item
    ([item(ratio_bp=299)], "items[0].ratio_bp", "PL-4"),  # below CI-1's minimum 300
    ([item(), item(check_item="CI-2", ratio_bp=400)], "items[1].ratio_bp", "PL-4"),
    ([item(ratio_bp=10_001)], "items[0].ratio_bp", "PL-4"),
    ([item(ratio_bp=True)], "items[0].ratio_bp", "PL-4"),
    ([item(ratio_bp="500")], "items[0].ratio_bp", "PL-4"),
    ([item(frequency=0)], "items[0].frequency", "PL-5"),
    ([item(period_start="2025-12-31")], "items[0].period_start", "PL-6"),
    ([item(period_end="2027-01-01")], "items[0].period_end", "PL-6"),
    ([item(period_start="2026-07-01")], "items[0].period_end", "PL-6"),  # end before start
    ([item(period_start="2026-02-30")], "items[0].period_start", "PL-6"),
    ([item(joint_departments=["SCJG"])], "items[0].joint_departments[0]", "PL-7"),
    ([item(joint_departments=["WSJ", "WSJ"])], "items[0].joint_departments[1]", "PL-7"),
    ([item(joint_departments=["NOPE"])], "items[0].joint_departments[0]", "PL-1"),
    ([item(joint_departments="WSJ")], "items[0].joint_departments", "PL-7"),
    (["CI-1"], "items[0]", "PL-2"),
]


@pytest.mark.parametrize(("items", "field", "rule"), BAD_ITEMS)
def test_bad_items_name_the_field_and_rule_and_write_nothing(rt, items, field, rule):
    size = log_size(rt)
    with pytest.raises((InvalidInput, NotFound)) as err:
        upsert(rt, items)
    assert (err.value.detail["field"], err.value.detail["rule"]) == (field, rule)
    assert log_size(rt) == size and plan_rows(rt) == []


def test_bad_edit_of_a_draft_leaves_the_draft_as_it_was(rt):
    upsert(rt)
    size = log_size(rt)
    with pytest.raises(InvalidInput):
        upsert(rt, [item(ratio_bp=800), item(check_item="CI-2", ratio_bp=1)])
    assert log_size(rt) == size
    with rt.transaction() as s:
        assert service.get_plan(s, department="SCJG", year=YEAR).items[0]["ratio_bp"] == 500


def test_withdrawn_check_item_cannot_be_planned(rt):
    with rt.transaction() as s:
        registries.withdraw_check_item(s, rt.journal, department="SCJG", code="CI-2", actor=SYSTEM)
    with pytest.raises(InvalidInput) as err:
        upsert(rt, [item(check_item="CI-2")])
    assert err.value.detail["rule"] == "PL-3"


@pytest.mark.parametrize(("department", "year", "exc"),
                         [("NOPE", YEAR, NotFound), ("SCJG", 1999, InvalidInput)])
def test_unknown_department_or_year_out_of_range(rt, department, year, exc):
    actor = Actor(role="bureau", department=department, name="key:x")
    with pytest.raises(exc):
        upsert(rt, actor=actor, department=department, year=year)
    assert plan_rows(rt) == []


def test_plans_of_other_years_and_departments_are_separate(rt):
    upsert(rt)
    upsert(rt, year=YEAR + 1, items=[item(period_start="2027-01-01", period_end="2027-03-31")])
    upsert(rt, actor=B, department="WSJ", items=[item(check_item="CI-W", joint_departments=[])])
    with rt.transaction() as s:
        assert service.get_plan(s, department="WSJ", year=YEAR).items[0]["check_item"] == "CI-W"
        with pytest.raises(NotFound):
            service.get_plan(s, department="SWJ", year=YEAR)
        with pytest.raises(NotFound):
            service.get_plan(s, department="SCJG", year=YEAR, version=2)
