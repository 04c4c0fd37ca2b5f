"""``GET /v1/tasks``: who sees which tasks (role matrix rows in docs/api.md), filters and paging;
``POST /v1/tasks/{code}/designations`` with ``role``/``target``."""

from __future__ import annotations

import pytest
from api_support import YEAR, create_drawable_task, log_size, reveal_body

from drawsvc.tasks import replay


def _draft(client, headers, *, code: str, year: int = YEAR, departments=()) -> str:
    body = {"title": "抽查", "year": year, "code": code, "departments": list(departments),
            "params": {"targets": {"count": 1}}}
    resp = client.post("/v1/tasks", json=body, headers=headers)
    assert resp.status_code == 201, resp.text
    return code


@pytest.fixture
def tasks(client, keys, world) -> dict[str, str]:
    a, b = keys.headers("bureau_a"), keys.headers("bureau_b")
    published = create_drawable_task(client, a, code="T-A-PUB")
    assert client.post(f"/v1/tasks/{published}/draw", json=reveal_body(), headers=a).status_code == 201
    assert client.post(f"/v1/tasks/{published}/lock", headers=a).status_code == 200
    return {
        "published": published,
        "a_draft": _draft(client, a, code="T-A-DRAFT"),
        "a_joint_b": _draft(client, a, code="T-A-JOINT", departments=["dept-b"]),
        "b_draft": _draft(client, b, code="T-B-DRAFT", year=YEAR + 1),
    }


def _codes(client, headers, **params) -> list[str]:
    resp = client.get("/v1/tasks", params=params, headers=headers)
    assert resp.status_code == 200, resp.text
    return [t["code"] for t in resp.json()]


@pytest.mark.parametrize(("role", "expected"), [
    ("public", {"T-A-PUB"}),
    ("admin", {"T-A-PUB"}),
    ("discipline", {"T-A-PUB", "T-A-DRAFT", "T-A-JOINT", "T-B-DRAFT"}),
    ("bureau_a", {"T-A-PUB", "T-A-DRAFT", "T-A-JOINT"}),
    ("bureau_b", {"T-A-PUB", "T-A-JOINT", "T-B-DRAFT"}),  # participant of the joint draft
])
def test_listing_shows_each_role_only_what_it_may_read(client, keys, tasks, role, expected):
    assert set(_codes(client, keys.headers(role))) == expected


def test_listing_filters_by_year_department_and_status(client, keys, tasks):
    d = keys.headers("discipline")
    assert set(_codes(client, d, year=YEAR + 1)) == {"T-B-DRAFT"}
    assert set(_codes(client, d, department="dept-b")) == {"T-A-JOINT", "T-B-DRAFT"}
    assert set(_codes(client, d, status="locked")) == {"T-A-PUB"}
    assert _codes(client, d, status="dispatched") == []
    # a filter never widens what a role sees
    assert _codes(client, {}, status="draft") == []
    assert _codes(client, keys.headers("bureau_b"), department="dept-a", status="draft") == ["T-A-JOINT"]


def test_listing_pages_in_code_order(client, keys, tasks):
    d = keys.headers("discipline")
    everything = _codes(client, d)
    assert everything == sorted(everything) and len(everything) == 4
    assert _codes(client, d, limit=2) + _codes(client, d, offset=2, limit=2) == everything


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 1001}, {"offset": -1}, {"year": 1999},
                                    {"status": "secret"}, {"department": ""}])
def test_listing_refuses_bad_filters(client, keys, params):
    resp = client.get("/v1/tasks", params=params, headers=keys.headers("discipline"))
    assert resp.status_code == 422
    assert resp.headers["content-type"].startswith("application/problem+json")


def test_department_filter_matches_codes_literally(client, keys, tasks):
    assert _codes(client, keys.headers("discipline"), department="dept-%") == []
    assert _codes(client, keys.headers("discipline"), department="dept") == []


# --- designations: role and target -----------------------------------------------------------

def test_leader_designation_through_designations_route(client, runtime, keys, world):
    a = keys.headers("bureau_a")
    task = create_drawable_task(client, a)
    drawn = client.post(f"/v1/tasks/{task}/draw", json=reveal_body(), headers=a).json()
    team = replay.teams_of(drawn["result"])[0]
    member = next(m["id"] for m in team["members"] if not m["leader"])
    body = {"role": "leader", "person": member, "reason": "熟悉业务", "approver": "局长"}
    size = log_size(runtime)
    missing_target = client.post(f"/v1/tasks/{task}/designations", json=body, headers=a)
    assert missing_target.status_code == 422
    assert missing_target.json()["field"] == "target"
    other = client.post(f"/v1/tasks/{task}/designations", json={**body, "target": team["target"]},
                        headers=keys.headers("bureau_b"))
    assert other.status_code == 403
    assert log_size(runtime) == size
    resp = client.post(f"/v1/tasks/{task}/designations", json={**body, "target": team["target"].lower()},
                       headers=a)
    assert resp.status_code == 201, resp.text
    assert resp.json()["task"] == task and resp.json()["event"]
    assert log_size(runtime) == size + 1
    after = client.get(f"/v1/tasks/{task}/draw", headers=a).json()
    new_team = next(t for t in replay.teams_of(after["result"]) if t["target"] == team["target"])
    assert next(m for m in new_team["members"] if m["id"] == member)["leader"] is True


def test_expert_designation_refuses_a_target_and_an_unknown_role(client, runtime, keys, world):
    a = keys.headers("bureau_a")
    task = _draft(client, a, code="T-EXP")
    size = log_size(runtime)
    body = {"person": "ZJ-1", "reason": "r", "approver": "a"}
    with_target = client.post(f"/v1/tasks/{task}/designations", json={**body, "target": "X"}, headers=a)
    assert with_target.status_code == 422 and with_target.json()["field"] == "target"
    bad_role = client.post(f"/v1/tasks/{task}/designations", json={**body, "role": "chief"}, headers=a)
    assert bad_role.status_code == 422
    assert log_size(runtime) == size
