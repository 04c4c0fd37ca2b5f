"""The expert life cycle over HTTP: pool → apply → notice → objection → admit → flags → exit.

Also who may see what: the owning bureau and discipline see private fields and their
commitment openings; another department can neither act nor read them.
"""

from __future__ import annotations

from api_support import log_size

from drawsvc.privacy import commit

EXPERT = {"code": "ZJ-A-0001", "name": "王五", "organisation": "某大学", "title": "教授",
          "groups": ["食品"], "years_in_field": 12, "birth_date": "1975-05-01",
          "id_number": None, "phone": "13700000000"}


def test_expert_life_cycle_and_visibility(client, runtime, keys, world, service_clock):
    a, b, d = keys.headers("bureau_a"), keys.headers("bureau_b"), keys.headers("discipline")
    assert client.post("/v1/admin/calendar/bundled", headers=keys.headers("admin")).status_code == 200
    pool = client.post("/v1/expert-pools", json={"code": "ZJ-A", "name": "食品专家库", "groups": ["食品"]},
                       headers=a)
    assert pool.status_code == 200 and pool.json()["department_code"] == "dept-a"

    applied = client.post("/v1/expert-pools/ZJ-A/experts", json=EXPERT, headers=a)
    assert applied.status_code == 200, applied.text
    assert applied.json()["status"] == "applied" and applied.json()["phone"] == "13700000000"

    size = log_size(runtime)
    assert client.post("/v1/expert-pools/ZJ-A/experts", json={**EXPERT, "code": "ZJ-A-0002"},
                       headers=b).status_code == 403
    assert client.get("/v1/experts/ZJ-A-0001", headers=b).status_code == 403
    assert client.get("/v1/experts/ZJ-A-0001/private", headers=b).status_code == 403
    notice_b = client.post("/v1/experts/ZJ-A-0001/notice", json={"start": "2026-01-05"}, headers=b)
    assert notice_b.status_code == 403
    assert log_size(runtime) == size

    notice = client.post("/v1/experts/ZJ-A-0001/notice", json={"start": "2026-01-05"}, headers=a)
    assert notice.status_code == 200 and notice.json()["status"] == "in_notice"
    anonymous = client.post("/v1/experts/ZJ-A-0001/objections",
                            json={"objector": None, "written": True, "filed_on": "2026-01-06"}, headers=a)
    assert anonymous.status_code == 422 and anonymous.json()["rule"] == "RG-28"
    objection = client.post("/v1/experts/ZJ-A-0001/objections",
                            json={"objector": "赵六", "written": True, "filed_on": "2026-01-06"}, headers=a)
    assert objection.status_code == 200 and "赵六" not in objection.text
    oid = objection.json()["id"]
    early = client.post("/v1/experts/ZJ-A-0001/admit", headers=a)
    assert early.status_code in (409, 422) and early.json()["rule"] == "RG-30"
    decided = client.post(f"/v1/expert-objections/{oid}/decision",
                          json={"decision": "dismissed", "decided_on": "2026-01-20"}, headers=a)
    assert decided.status_code == 200 and decided.json()["decision"] == "dismissed"
    listed = client.get("/v1/expert-objections", params={"expert": "ZJ-A-0001"}, headers=d).json()
    assert listed[0]["objector"] == "赵六"
    assert client.get("/v1/expert-objections", params={"expert": "ZJ-A-0001"}, headers=b).status_code == 403
    admitted = client.post("/v1/experts/ZJ-A-0001/admit", headers=a)
    assert admitted.status_code == 200 and admitted.json()["status"] == "admitted"
    assert admitted.json()["term_start"] == service_clock.date().isoformat()  # the journal's clock

    # Private fields: own bureau and discipline, with the openings of the log's commitments.
    opened = {f["field"]: f for f in client.get("/v1/experts/ZJ-A-0001/private", headers=d).json()}
    assert opened["phone"]["value"] == "13700000000"
    assert opened["phone"]["commitment"] == commit("phone", opened["phone"]["salt"], "13700000000")
    assert client.get("/v1/experts/ZJ-A-0001", headers=d).json()["birth_date"] == "1975-05-01"
    public_fields = client.get("/v1/experts", headers=b).json()
    assert all(e["pool_code"] != "ZJ-A" for e in public_fields)

    flagged = client.post("/v1/experts/ZJ-A-0001/exit-flags/credit-blacklist",
                          json={"reference": "失信名单 2026-123"}, headers=a)
    assert flagged.status_code == 200 and "credit_blacklist" in flagged.json()["exit_flags"]
    assert [e["code"] for e in client.get("/v1/expert-exits/pending", headers=a).json()] == ["ZJ-A-0001"]
    assert client.get("/v1/expert-exits/pending", headers=b).json() == []
    exited = client.post("/v1/experts/ZJ-A-0001/exit", json={"reason": "credit_blacklist"}, headers=a)
    assert exited.status_code == 200 and exited.json()["status"] == "exited"
    assert client.post("/v1/expert-pools/ZJ-A/flag-over-age", headers=a).json() == []
