"""Expert invitations over HTTP: accept, decline (top-up from the same stream), no answer."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from api_support import YEAR, log_size, operator_commitment, reveal_body

from drawsvc.calendar import service as calendar_service
from drawsvc.journal import SYSTEM
from drawsvc.registries import models as reg


def _experts(runtime, n: int = 6) -> None:
    with runtime.transaction() as session:
        calendar_service.ensure_bundled(session, runtime.journal, actor=SYSTEM)
        session.execute(sa.insert(reg.ExpertPool), [{"code": "ZJ", "name": "专家库", "groups": ["食品"],
                                                     "department_code": "dept-a"}])
        session.execute(sa.insert(reg.Expert), [
            {"code": f"ZJ-{k:04d}", "pool_code": "ZJ", "name": f"专家{k}", "groups": ["食品"],
             "birth_date": date(1980, 1, 1), "birth_date_salt": "00" * 16, "status": "admitted",
             "term_start": date(YEAR - 1, 1, 1), "term_end": date(YEAR + 1, 12, 31),
             "consecutive_no_answer": 0, "version": 1} for k in range(n)])


def test_accept_decline_and_early_no_answer(client, runtime, keys, world):
    _experts(runtime)
    a = keys.headers("bureau_a")
    task = client.post("/v1/tasks", json={"title": "专家抽取", "year": YEAR, "params": {
        "experts": {"headcount": 2, "pool": "ZJ", "group": "食品"}}}, headers=a).json()["code"]
    assert client.post(f"/v1/tasks/{task}/pools/experts/build", json={"filters": {"pools": ["ZJ"]}},
                       headers=a).status_code == 200
    commit = {"commitments": [{"party": "operator", "commitment": operator_commitment()}]}
    assert client.post(f"/v1/tasks/{task}/commit", json=commit, headers=a).status_code == 201
    assert client.post(f"/v1/tasks/{task}/draw", json=reveal_body(), headers=a).status_code == 201
    slots = client.get(f"/v1/tasks/{task}/experts", headers=a).json()
    invited = [s["expert_code"] for s in slots if s["status"] == "invited"]
    assert len(invited) == 2

    accept = {"response": "accepted"}
    ok = client.post(f"/v1/tasks/{task}/experts/{invited[0]}/response", json=accept, headers=a)
    assert ok.status_code == 200 and ok.json() == []
    size = log_size(runtime)
    bare = client.post(f"/v1/tasks/{task}/experts/{invited[1]}/response", json={"response": "declined"},
                       headers=a)
    assert bare.status_code == 422 and bare.json()["rule"] == "task.reason-required"
    assert log_size(runtime) == size
    declined = client.post(f"/v1/tasks/{task}/experts/{invited[1]}/response",
                           json={"response": "declined", "reason": "出差在外"}, headers=a)
    assert declined.status_code == 200
    topped = declined.json()
    assert len(topped) == 1 and topped[0]["expert_code"] not in invited

    size = log_size(runtime)
    early = client.post(f"/v1/tasks/{task}/experts/{topped[0]['expert_code']}/response",
                        json={"response": "no_answer"}, headers=a)
    assert early.status_code == 409 and early.json()["rule"] == "expert.deadline-not-passed"
    assert log_size(runtime) == size
    other = client.post(f"/v1/tasks/{task}/experts/{topped[0]['expert_code']}/response",
                        json={"response": "accepted"}, headers=keys.headers("bureau_b"))
    assert other.status_code == 403
    assert log_size(runtime) == size
