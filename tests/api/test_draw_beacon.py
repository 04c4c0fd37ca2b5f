"""A draw whose committed drand beacon does not verify is refused over HTTP with a problem+json
``beacon-invalid`` (422) naming the BEACON-n rule (docs/specs/beacon.md); nothing is written.
Genuine rounds and mutations: tests/vectors/beacon."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from api_support import SECRET, log_size, operator_commitment, reveal_body

from drawsvc.tasks import repository as task_repo

VECTORS = Path(__file__).parents[1] / "vectors" / "beacon"
R = json.loads((VECTORS / "genuine.json").read_text(encoding="utf-8"))["rounds"][1]  # round 657413
CASES = {c["name"]: c for c in json.loads((VECTORS / "cases.json").read_text(encoding="utf-8"))["cases"]}


def _committed(client, headers, round_: int = R["round"], source: str = "drand-quicknet"):
    resp = client.post("/v1/tasks", json={"title": "信标抽查", "year": 2026,
                                          "params": {"targets": {"count": 3}, "teams": {"size": 2}}},
                       headers=headers)
    assert resp.status_code == 201, resp.text
    task = resp.json()["code"]
    me = client.get("/v1/me", headers=headers).json()
    for pool, filters in (("targets", {}), ("inspectors", {"departments": [me["department"]]})):
        assert client.post(f"/v1/tasks/{task}/pools/{pool}/build", json={"filters": filters},
                           headers=headers).status_code == 200
    body = {"commitments": [{"party": "operator", "commitment": operator_commitment(SECRET)}],
            "beacon": {"source": source, "round": round_}}
    return task, client.post(f"/v1/tasks/{task}/commit", json=body, headers=headers)


def _draws(runtime, task: str) -> int:
    with runtime.transaction() as session:
        return len(task_repo.draws(session, task))


@pytest.mark.parametrize(
    ("name", "signature", "value", "rule"),
    [
        ("signature-byte-flipped", None, None, "BEACON-3"),
        ("signature-of-round-123", CASES["quicknet-123"]["beacon"]["signature"], None, "BEACON-3"),
        ("signature-infinity", "c0" + "00" * 47, None, "BEACON-3"),
        ("signature-g2-length", CASES["signature-g2-length"]["beacon"]["signature"], None, "BEACON-3"),
        ("randomness-mismatch", R["signature"], "00" * 32, "BEACON-4"),
    ],
)
def test_forged_beacon_is_refused_with_beacon_invalid_and_nothing_written(
        client, runtime, keys, world, name, signature, value, rule):
    a = keys.headers("bureau_a")
    task, committed = _committed(client, a)
    assert committed.status_code == 201, committed.text
    if signature is None:
        sig = bytearray(bytes.fromhex(R["signature"]))
        sig[24] ^= 1
        signature = sig.hex()
    size = log_size(runtime)
    body = {**reveal_body(), "beacon_signature": signature} | ({"beacon_value": value} if value else {})
    resp = client.post(f"/v1/tasks/{task}/draw", json=body, headers=a)
    assert resp.status_code == 422, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    problem = resp.json()
    assert problem["code"] == "beacon-invalid" and problem["rule"] == rule
    assert problem["subject"] == f"beacon round {R['round']}" and f"[{rule}]" in problem["detail"]
    assert log_size(runtime) == size and _draws(runtime, task) == 0
    assert client.get(f"/v1/tasks/{task}", headers=a).json()["status"] == "committed"


def test_genuine_beacon_draws_and_logs_its_signature(client, runtime, keys, world):
    a = keys.headers("bureau_a")
    task, committed = _committed(client, a)
    assert committed.status_code == 201
    missing = client.post(f"/v1/tasks/{task}/draw", json=reveal_body(), headers=a)
    assert missing.status_code == 422 and missing.json()["field"] == "beacon_signature"
    resp = client.post(f"/v1/tasks/{task}/draw", json={**reveal_body(), "beacon_signature": R["signature"]},
                       headers=a)
    assert resp.status_code == 201, resp.text
    entry = client.get(f"/v1/log/entries/{resp.json()['log_index']}", headers=a).json()["entry"]
    assert entry["body"]["beacon"] == {"source": "drand-quicknet", "round": R["round"],
                                       "signature": R["signature"], "value": R["randomness"]}


def test_commit_naming_an_unknown_beacon_source_is_refused(client, runtime, keys, world):
    size = log_size(runtime)
    _, resp = _committed(client, keys.headers("bureau_a"), source="drand-default")
    assert resp.status_code == 422 and resp.json()["rule"] == "BEACON-1"
    assert log_size(runtime) > size  # the task and its pools, but no commitment
