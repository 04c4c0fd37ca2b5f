"""Annual plans over the API: the role matrix rows of docs/api.md (public, admin, discipline,
bureau of another department, bureau of the owning department) and the visibility of drafts."""

from __future__ import annotations

import pytest
from api_support import YEAR, log_size

ROLES = ("public", "admin", "discipline", "bureau_b", "bureau_a")
ITEM = {"check_item": "CI-1", "ratio_bp": 500, "frequency": 1, "period_start": f"{YEAR}-04-01",
        "period_end": f"{YEAR}-06-30", "joint_departments": ["dept-b"]}
PLAN = {"year": YEAR, "items": [ITEM]}


@pytest.fixture
def items(client, keys):
    for dept, role in (("dept-a", "bureau_a"), ("dept-b", "bureau_b")):
        body = {"code": "CI-1", "name": "食品经营", "min_ratio_bp": 300}
        r = client.post(f"/v1/check-items/{dept}", json=body, headers=keys.headers(role))
        assert r.status_code == 200, r.text


def _status(role: str, allowed: set[str]) -> int:
    return (200 if role in allowed else 401 if role == "public" else 403)


@pytest.mark.parametrize("role", ROLES)
def test_only_the_owning_bureau_writes_a_plan(client, runtime, keys, items, role):
    size = log_size(runtime)
    resp = client.post("/v1/plans/dept-a", json=PLAN, headers=keys.headers(role))
    assert resp.status_code == _status(role, {"bureau_a"}), resp.text
    assert log_size(runtime) == (size + 1 if role == "bureau_a" else size)


@pytest.mark.parametrize("role", ROLES)
def test_only_the_owning_bureau_publishes(client, runtime, keys, items, role):
    assert client.post("/v1/plans/dept-a", json=PLAN, headers=keys.headers("bureau_a")).status_code == 200
    size = log_size(runtime)
    resp = client.post(f"/v1/plans/dept-a/{YEAR}/publish", headers=keys.headers(role))
    assert resp.status_code == _status(role, {"bureau_a"}), resp.text
    assert log_size(runtime) == (size + 1 if role == "bureau_a" else size)


@pytest.mark.parametrize(("role", "sees_draft"), [("public", False), ("admin", False), ("discipline", True),
                                                  ("bureau_b", False), ("bureau_a", True)])
def test_drafts_are_read_by_their_bureau_and_discipline_only(client, keys, items, role, sees_draft):
    assert client.post("/v1/plans/dept-a", json=PLAN, headers=keys.headers("bureau_a")).status_code == 200
    resp = client.get("/v1/plans", headers=keys.headers(role))
    assert resp.status_code == 200
    expected = [("dept-a", "draft")] if sees_draft else []
    assert [(p["department"], p["status"]) for p in resp.json()] == expected


def test_published_plan_and_its_revision_history_are_public(client, keys, items):
    a = keys.headers("bureau_a")
    client.post("/v1/plans/dept-a", json=PLAN, headers=a)
    first = client.post(f"/v1/plans/dept-a/{YEAR}/publish", headers=a).json()
    assert first["status"] == "published" and first["version"] == 1
    changed = {**PLAN, "items": [{**ITEM, "ratio_bp": 800}]}
    no_reason = client.post("/v1/plans/dept-a", json=changed, headers=a)
    assert no_reason.status_code == 422 and no_reason.json()["field"] == "reason"
    revised = client.post("/v1/plans/dept-a", json={**changed, "reason": "上级通知"}, headers=a)
    assert revised.status_code == 200 and revised.json()["version"] == 2
    public = client.get("/v1/plans", params={"department": "dept-a", "year": YEAR}).json()
    assert [(p["version"], p["status"]) for p in public] == [(1, "published")]
    assert client.post(f"/v1/plans/dept-a/{YEAR}/publish", headers=a).status_code == 200
    public = client.get("/v1/plans").json()
    assert [(p["version"], p["status"], p["items"][0]["ratio_bp"]) for p in public] == [
        (1, "superseded", 500), (2, "published", 800)]
    assert public[1]["reason"] == "上级通知"
    again = client.post(f"/v1/plans/dept-a/{YEAR}/publish", headers=a)
    assert again.status_code == 409 and again.json()["rule"] == "PL-8"


@pytest.mark.parametrize(("item", "field", "rule"), [
    ({**ITEM, "ratio_bp": 299}, "items[0].ratio_bp", "PL-4"),
    ({**ITEM, "check_item": "NOPE"}, "items[0].check_item", "PL-3"),
    ({**ITEM, "period_end": f"{YEAR + 1}-01-01"}, "items[0].period_end", "PL-6"),
    ({**ITEM, "joint_departments": ["dept-a"]}, "items[0].joint_departments[0]", "PL-7"),
])
def test_bad_plan_is_a_problem_naming_field_and_rule_and_writes_nothing(client, runtime, keys, items,
                                                                        item, field, rule):
    size = log_size(runtime)
    resp = client.post("/v1/plans/dept-a", json={**PLAN, "items": [item]}, headers=keys.headers("bureau_a"))
    assert resp.status_code == 422
    assert (resp.json()["field"], resp.json()["rule"]) == (field, rule)
    assert log_size(runtime) == size
    assert client.get("/v1/plans", headers=keys.headers("discipline")).json() == []


@pytest.mark.parametrize("body", [{"year": YEAR, "items": []}, {"year": 1999, "items": [ITEM]},
                                  {"year": YEAR, "items": [{**ITEM, "frequency": 0}]},
                                  {"year": YEAR, "items": [ITEM], "extra": 1}])
def test_malformed_plan_requests_are_refused(client, keys, items, body):
    resp = client.post("/v1/plans/dept-a", json=body, headers=keys.headers("bureau_a"))
    assert resp.status_code == 422
    assert resp.headers["content-type"].startswith("application/problem+json")


def test_publishing_a_missing_plan_is_not_found(client, keys):
    resp = client.post(f"/v1/plans/dept-a/{YEAR}/publish", headers=keys.headers("bureau_a"))
    assert resp.status_code == 404


def test_plan_listing_filters_and_pages(client, keys, items):
    for dept, role in (("dept-a", "bureau_a"), ("dept-b", "bureau_b")):
        h = keys.headers(role)
        body = {**PLAN, "items": [{**ITEM, "joint_departments": []}]}
        assert client.post(f"/v1/plans/{dept}", json=body, headers=h).status_code == 200
        assert client.post(f"/v1/plans/{dept}/{YEAR}/publish", headers=h).status_code == 200
    everything = client.get("/v1/plans").json()
    assert [p["department"] for p in everything] == ["dept-a", "dept-b"]
    only_b = client.get("/v1/plans", params={"department": "dept-b"}).json()
    assert [p["department"] for p in only_b] == ["dept-b"]
    assert client.get("/v1/plans", params={"year": YEAR + 1}).json() == []
    assert client.get("/v1/plans", params={"offset": 1, "limit": 1}).json() == everything[1:]
