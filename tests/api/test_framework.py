"""The request pipeline: problem documents, authentication, transactions."""

from __future__ import annotations

from drawsvc.api.problems import PROBLEM_BASE


def assert_problem(resp, status: int, code: str) -> dict:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    body = resp.json()
    assert body["type"] == PROBLEM_BASE + code
    assert body["status"] == status
    assert body["code"] == code
    assert body["title"] and body["detail"]
    return body


def test_unknown_route_is_a_404_problem(client):
    assert_problem(client.get("/v1/nothing-here"), 404, "not-found")


def test_wrong_method_is_a_405_problem(client):
    assert_problem(client.delete("/v1/log/checkpoint"), 405, "method-not-allowed")


def test_query_validation_error_is_a_422_problem_naming_the_field(client):
    body = assert_problem(client.get("/v1/log/entries", params={"limit": "many"}), 422, "invalid-input")
    assert body["field"] == "limit"
    assert body["rule"] == "int_parsing"
    assert body["errors"][0]["field"] == "limit"


def test_validation_problem_never_echoes_the_submitted_value(client, keys):
    secret = "110101199003077777"  # shaped like an ID number
    resp = client.post("/v1/admin/keys", json={"role": secret}, headers=keys.headers("admin"))
    assert_problem(resp, 422, "invalid-input")
    assert secret not in resp.text


def test_malformed_json_body_is_a_422_problem(client, keys):
    resp = client.post("/v1/admin/keys", content=b"{not json", headers={
        **keys.headers("admin"), "content-type": "application/json"})
    assert_problem(resp, 422, "invalid-input")


def test_malformed_key_is_401(client):
    body = assert_problem(client.get("/v1/me", headers={"X-API-Key": "hello"}), 401, "unauthenticated")
    assert body["rule"] == "auth.key-format"


def test_unknown_key_is_401(client, keys):
    forged = keys.admin[:-4] + ("AAAA" if not keys.admin.endswith("AAAA") else "BBBB")
    body = assert_problem(client.get("/v1/me", headers={"X-API-Key": forged}), 401, "unauthenticated")
    assert body["rule"] == "auth.key-unknown"


def test_me_reports_role_and_department(client, keys):
    assert client.get("/v1/me").json() == {"role": "public", "department": None, "key_id": None}
    me = client.get("/v1/me", headers=keys.headers("bureau_a")).json()
    assert me["role"] == "bureau" and me["department"] == "dept-a"
    assert keys.bureau_a.split("_")[1] == me["key_id"]


def test_openapi_documents_problem_and_idempotency_header(client):
    schema = client.get("/openapi.json").json()
    assert "Problem" in schema["components"]["schemas"]
    op = schema["paths"]["/v1/admin/keys"]["post"]
    assert any(p["name"] == "Idempotency-Key" for p in op["parameters"])
    assert "application/problem+json" in op["responses"]["422"]["content"]
    assert client.get("/docs").status_code == 200


def test_nul_character_in_path_or_query_is_a_422_problem(client, keys):
    resp = client.get("/v1/inspectors/a%00b", headers=keys.headers("bureau_a"))
    body = assert_problem(resp, 422, "invalid-input")
    assert body["rule"] == "request.nul-character" and body["field"] == "code"
    assert_problem(client.get("/v1/check-items", params={"department": "x\x00"}), 422, "invalid-input")


def test_database_data_errors_are_422_not_500():
    import sqlalchemy.exc as sa_exc

    from drawsvc.api.problems import problem_for

    body = problem_for(sa_exc.DataError("INSERT", {}, Exception("NUL")))
    assert body["status"] == 422 and body["code"] == "invalid-input"
    assert "NUL" in body["detail"] and "INSERT" not in body["detail"]


def test_reads_see_a_snapshot_and_do_not_wait_for_a_writer(client, runtime):
    import time

    from drawsvc.journal import SYSTEM

    before = client.get("/v1/log").json()["tree_size"]
    with runtime.transaction() as session:
        runtime.journal.record(session, "test.event", {"i": 1}, actor=SYSTEM)  # holds the write lock
        started = time.perf_counter()
        during = client.get("/v1/log")
        assert time.perf_counter() - started < 5  # not the 30 s busy timeout
        assert during.status_code == 200 and during.json()["tree_size"] == before
    assert client.get("/v1/log").json()["tree_size"] == before + 1
