"""A joint task's sub-draw over HTTP: codes with '/', the unit draws its own part."""

from __future__ import annotations

from api_support import YEAR, operator_commitment, reveal_body


def test_participating_department_draws_its_sub_draw(client, runtime, keys, world):
    a, b = keys.headers("bureau_a"), keys.headers("bureau_b")
    task = client.post("/v1/tasks", json={"title": "联合抽查", "year": YEAR, "departments": ["dept-b"],
                                          "params": {"targets": {"count": 4}, "teams": {"size": 2}}},
                       headers=a).json()["code"]
    for pool, filters in (("targets", {}), ("inspectors", {"departments": ["dept-a"]})):
        assert client.post(f"/v1/tasks/{task}/pools/{pool}/build", json={"filters": filters},
                           headers=a).status_code == 200
    commit = {"commitments": [{"party": "operator", "commitment": operator_commitment()}]}
    assert client.post(f"/v1/tasks/{task}/commit", json=commit, headers=a).status_code == 201
    assert client.post(f"/v1/tasks/{task}/draw", json=reveal_body(), headers=a).status_code == 201
    part = {"unit": "dept-b", "params": {"teams": {"size": 2}}}
    early = client.post(f"/v1/tasks/{task}/subdraws", json=part, headers=b)
    assert early.status_code == 409  # the parent must be locked first
    assert client.post(f"/v1/tasks/{task}/lock", headers=a).status_code == 200

    refused = client.post(f"/v1/tasks/{task}/subdraws", json=part, headers=a)
    assert refused.status_code == 403  # only dept-b draws its own part
    sub = client.post(f"/v1/tasks/{task}/subdraws", json=part, headers=b)
    assert sub.status_code == 201, sub.text
    code = sub.json()["code"]
    assert code == f"{task}/dept-b"
    assert client.post(f"/v1/tasks/{code}/commit", json=commit, headers=a).status_code == 403
    assert client.post(f"/v1/tasks/{code}/commit", json=commit, headers=b).status_code == 201
    drawn = client.post(f"/v1/tasks/{code}/draw", json=reveal_body(), headers=b)
    assert drawn.status_code == 201, drawn.text
    assert client.get(f"/v1/tasks/{code}/draw").status_code == 401  # the sub-draw is not published
    assert [t["code"] for t in client.get(f"/v1/tasks/{task}/subdraws", headers=a).json()] == [code]
    assert client.get(f"/v1/tasks/{task}/subdraws").json() == []  # public: parent published, sub not
