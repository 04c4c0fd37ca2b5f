"""Sealed draws over HTTP (docs/specs/sealed-draws.md SEAL-8): who may read a sealed draw before
its disclosure, the discipline office's check, disclosure refused or accepted, and everyone's
check afterwards."""

from __future__ import annotations

import copy
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))  # the API tests' helpers (importlib mode)

from api_support import SECRET, log_size, make_keys, operator_commitment, reveal_body, seed_world

from drawsvc.api.app import create_app
from drawsvc.tasks import seal


@pytest.fixture
def client(runtime: Any) -> Iterator[TestClient]:
    with TestClient(create_app(runtime)) as c:
        yield c


@pytest.fixture
def sealed(client: TestClient, runtime: Any) -> dict[str, Any]:
    keys = make_keys(runtime)
    seed_world(runtime)
    a = keys.headers("bureau_a")
    params = {"targets": {"count": 3}, "teams": {"size": 2}, "seal": {"opens": {"event": "检查结束"}}}
    body = {"title": "暗访抽查", "year": 2026, "params": params}
    resp = client.post("/v1/tasks", json=body, headers=a)
    assert resp.status_code == 201, resp.text
    task = resp.json()["code"]
    for pool, filters in (("targets", {}), ("inspectors", {"departments": ["dept-a"]})):
        assert client.post(f"/v1/tasks/{task}/pools/{pool}/build", json={"filters": filters},
                           headers=a).status_code == 200
    commit = {"commitments": [{"party": "operator", "commitment": operator_commitment()}]}
    assert client.post(f"/v1/tasks/{task}/commit", json=commit, headers=a).status_code == 201
    drawn = client.post(f"/v1/tasks/{task}/draw", json=reveal_body(), headers=a)
    assert drawn.status_code == 201, drawn.text
    assert drawn.json()["sealed"]["disclosed"] is None
    assert client.post(f"/v1/tasks/{task}/lock", headers=a).status_code == 200  # published, but sealed
    return {"task": task, "keys": keys, "drawn": drawn.json()}


def test_a_sealed_draw_is_not_readable_by_another_department_or_without_a_key(
    client: TestClient, sealed: dict[str, Any]
) -> None:
    task, keys = sealed["task"], sealed["keys"]
    for path in ("draw", "experts"):
        public = client.get(f"/v1/tasks/{task}/{path}")
        assert public.status_code == 401 and public.json()["rule"] == "seal.undisclosed"
        other = client.get(f"/v1/tasks/{task}/{path}", headers=keys.headers("bureau_b"))
        assert other.status_code == 403 and other.json()["rule"] == "seal.undisclosed"
        assert other.headers["content-type"].startswith("application/problem+json")
    # the commitment and the opening are public (they are in the log); the plaintext is not
    view = client.get(f"/v1/tasks/{task}/seal", headers=keys.headers("bureau_b")).json()
    assert view["commitment"] and view["opens"] == {"event": "检查结束"}
    assert view["salt"] is None and view["plaintext"] is None
    assert SECRET not in client.get(f"/v1/tasks/{task}/record").text


def test_the_discipline_office_reads_and_verifies_a_sealed_draw_at_once(
    client: TestClient, sealed: dict[str, Any]
) -> None:
    task, keys = sealed["task"], sealed["keys"]
    d = keys.headers("discipline")
    assert client.get(f"/v1/tasks/{task}/draw", headers=d).json()["result"] == sealed["drawn"]["result"]
    view = client.get(f"/v1/tasks/{task}/seal", headers=d).json()
    assert view["verified"] is True and view["plaintext"]["result"] == sealed["drawn"]["result"]
    seal.open_seal(view["commitment"], view["salt"], view["plaintext"])  # the office's own check


def test_a_disclosure_not_matching_the_commitment_is_a_problem_naming_the_field(
    client: TestClient, runtime: Any, sealed: dict[str, Any]
) -> None:
    task, keys = sealed["task"], sealed["keys"]
    d = keys.headers("discipline")
    view = client.get(f"/v1/tasks/{task}/seal", headers=d).json()
    size = log_size(runtime)
    forged = copy.deepcopy(view["plaintext"])
    forged["seed"] = "00" * 32
    bad = client.post(f"/v1/tasks/{task}/disclose", json={"plaintext": forged}, headers=d)
    assert bad.status_code == 422, bad.text
    assert bad.json()["field"] == "plaintext" and bad.json()["rule"] == "seal.commitment-mismatch"
    bad_salt = client.post(f"/v1/tasks/{task}/disclose", json={"salt": "00" * 32}, headers=d)
    assert bad_salt.status_code == 422 and bad_salt.json()["field"] == "salt"
    other = client.post(f"/v1/tasks/{task}/disclose", json={}, headers=keys.headers("bureau_b"))
    assert other.status_code == 403
    assert log_size(runtime) == size


def test_after_disclosure_anyone_reads_and_checks_it(client: TestClient, sealed: dict[str, Any]) -> None:
    task, keys = sealed["task"], sealed["keys"]
    done = client.post(f"/v1/tasks/{task}/disclose", json={}, headers=keys.headers("bureau_a"))
    assert done.status_code == 201, done.text
    [index] = done.json()["disclosed"]
    public = client.get(f"/v1/tasks/{task}/draw")
    assert public.status_code == 200 and public.json()["sealed"]["disclosed"] == index
    entry = client.get(f"/v1/log/entries/{index}").json()["entry"]
    body = entry["body"]
    assert entry["kind"] == "draw.disclose"
    assert seal.commitment(bytes.fromhex(body["salt"]), body["plaintext"]) == body["commitment"]
    assert body["plaintext"]["result"] == sealed["drawn"]["result"]
    again = client.post(f"/v1/tasks/{task}/disclose", json={}, headers=keys.headers("discipline"))
    assert again.status_code == 409 and again.json()["rule"] == "seal.already-disclosed"
