"""The results API end to end: problem+json for bad input, roles, the public published form."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).parent))
from results_support import PHONE, drawn_task, log_size, seed, set_today, submission, teams

from drawsvc.api import auth
from drawsvc.api.app import create_app
from drawsvc.journal import SYSTEM
from drawsvc.privacy import PRIVATE_FIELDS


def _key(rt: Any, role: str, department: str | None = None) -> dict[str, str]:
    with rt.transaction() as s:
        _row, token = auth.create_api_key(s, rt.journal, role=role, department=department, actor=SYSTEM)
    return {"X-API-Key": token}


@pytest.fixture
def api(runtime: Any) -> Any:
    set_today(runtime, date(2026, 6, 15))
    with runtime.transaction() as s:
        seed(s)
    task = drawn_task(runtime)
    keys = {
        "qy": _key(runtime, "bureau", "QY"),
        "zb": _key(runtime, "bureau", "ZB"),
        "jw": _key(runtime, "discipline"),
    }
    with TestClient(create_app(runtime)) as client:
        yield runtime, client, task, keys


def _json(body: dict[str, Any], task: str) -> dict[str, Any]:
    return {"task": task, **body}


def test_submit_confirm_audit_publish_through_the_api(api: Any) -> None:
    rt, client, task, keys = api
    target, (leader, members) = next(iter(teams(rt, task).items()))
    r = client.post("/v1/results", json=_json(submission(target, leader), task), headers=keys["qy"])
    assert r.status_code == 201, r.text
    code = r.json()["result"]
    other = next(m for m in members if m != leader)
    assert (
        client.post(f"/v1/results/{code}/confirm", json={"inspector": other}, headers=keys["qy"]).status_code
        == 200
    )
    r = client.post("/v1/results/audit", json={"results": [code], "approver": "QY-HEAD"}, headers=keys["qy"])
    assert r.status_code == 200, r.text
    r = client.post("/v1/results/publish", json={"results": [code]}, headers=keys["zb"])
    assert r.status_code == 403 and r.headers["content-type"] == "application/problem+json"
    r = client.post("/v1/results/publish", json={"results": [code]}, headers=keys["qy"])
    assert r.status_code == 200
    public = client.get("/v1/results/published", params={"task": task}).json()
    assert [p["result"] for p in public] == [code]
    assert PHONE not in str(public) and not PRIVATE_FIELDS & set(public[0])
    assert "leader" not in public[0] and "team" not in str(public[0])
    assert client.get(f"/v1/results/{code}").status_code == 401
    assert client.get(f"/v1/results/{code}", headers=keys["zb"]).status_code == 403
    assert client.get(f"/v1/results/{code}", headers=keys["jw"]).json()["versions"][0]["leader"] == leader
    assert client.get("/v1/results/overdue", headers=keys["qy"]).json()["overdue"] == []
    assert client.get("/v1/results/deadlines", headers=keys["jw"]).status_code == 200


def test_bad_input_is_a_problem_naming_field_and_rule_and_writes_nothing(api: Any) -> None:
    rt, client, task, keys = api
    target, (leader, _members) = next(iter(teams(rt, task).items()))
    before = log_size(rt)
    for over, field, rule in (
        ({"categories": ["没有问题"]}, "categories[0]", "result.category-unknown"),
        ({"target": "91130634MA0000000X"}, "target", "result.target-drawn"),
        ({"check_item": {"department": "QY", "code": "QY-02"}}, "check_item", "result.check-item-in-task"),
    ):
        r = client.post(
            "/v1/results", json=_json(submission(target, leader, **over), task), headers=keys["qy"]
        )
        assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
        assert (r.json()["field"], r.json()["rule"]) == (field, rule)
    r = client.post("/v1/results", json=_json(submission(target, leader), task))
    assert r.status_code == 401
    r = client.post(
        "/v1/results", json=_json(submission(target, leader, method="电话"), task), headers=keys["qy"]
    )
    assert r.status_code == 422 and r.json()["field"] == "method"
    assert log_size(rt) == before


def test_objection_follow_up_settings_import_and_dispatch_routes(api: Any) -> None:
    rt, client, task, keys = api
    qy = keys["qy"]
    (target, (leader, members)), *rest = list(teams(rt, task).items())
    assert (
        client.post(
            "/v1/results/settings/QY", json={"results_due_working_days": 5}, headers=keys["zb"]
        ).status_code
        == 403
    )
    r = client.post("/v1/results/settings/QY", json={"results_due_working_days": 5}, headers=qy)
    assert r.status_code == 200 and r.json()["results_due_working_days"] == 5
    assert client.get("/v1/results/settings/QY").json()["results_due_working_days"] == 5
    body = submission(
        target, leader, categories=["发现问题待后续处理"], subcategories=["违反其他部门相关规定"]
    )
    code = client.post("/v1/results", json={"task": task, **body}, headers=qy).json()["result"]
    other = next(m for m in members if m != leader)
    r = client.post(
        f"/v1/results/{code}/dissent", json={"inspector": other, "reason": "证据不足"}, headers=qy
    )
    assert r.status_code == 200 and r.json()["status"] == "formed"
    client.post("/v1/results/audit", json={"results": [code], "approver": "QY-HEAD"}, headers=qy)
    client.post("/v1/results/publish", json={"results": [code]}, headers=qy)
    objection = {"firm": target, "channel": "网上", "received_on": "2026-06-15", "grounds": "有异议"}
    assert client.post(f"/v1/results/{code}/objections", json=objection).status_code == 401
    assert (
        client.post(f"/v1/results/{code}/objections", json=objection, headers=keys["jw"]).status_code == 403
    )
    r = client.post(f"/v1/results/{code}/objections", json=objection, headers=qy)
    assert r.status_code == 201, r.text
    r = client.post(
        f"/v1/results/objections/{r.json()['objection']}/decision",
        json={"outcome": "维持", "reasons": "证据确凿"},
        headers=qy,
    )
    assert r.status_code == 200 and r.json()["status"] == "维持"
    r = client.post(
        f"/v1/results/{code}/follow-ups",
        json={"step": "case.opened", "on": "2026-06-15", "unit": "执法大队"},
        headers=qy,
    )
    assert r.status_code == 201 and r.json()["status"] == "case.opened"
    rows = [{"task": task, **submission(t, ld)} for t, (ld, _m) in rest[:3]]
    r = client.post("/v1/results/import", json={"rows": rows}, headers=qy)
    assert r.status_code == 201 and r.json()["rows"] == 3
    r = client.post("/v1/results/import", json={"rows": rows}, headers=qy)
    assert r.status_code == 422 and r.json()["code"] == "import-rejected" and len(r.json()["rows"]) == 3
    r = client.post("/v1/results/dispatch-confirmations", json={"task": task, "unit": "130634"}, headers=qy)
    assert r.status_code == 403 and r.json()["rule"] == "dispatch.unit-confirms"  # QY is not that unit
    r = client.post("/v1/results/dispatch-confirmations", json={"task": task, "unit": "QY"}, headers=qy)
    assert r.status_code == 409 and r.json()["rule"] == "dispatch.dispatched"
    r = client.post("/v1/results/task-closures", json={"task": task}, headers=qy)
    assert r.status_code == 201
