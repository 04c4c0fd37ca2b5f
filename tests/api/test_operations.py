"""Operational behaviour: request log without personal data, rate limiting, body limits."""

from __future__ import annotations

import logging

from fastapi.testclient import TestClient

from drawsvc.api.app import create_app
from drawsvc.api.ratelimit import RateLimiter


def test_request_log_names_the_route_not_the_values(client, keys, world, caplog):
    phone = "13912345678"
    body = {"staff_no": "0777", "name": "李四", "certificate_no": "C777",
            "certificate_valid_until": "2030-01-01", "phone": phone}
    with caplog.at_level(logging.INFO, logger="drawsvc.api.requests"):
        assert client.post("/v1/inspectors", json=body, headers=keys.headers("bureau_a")).status_code == 200
        assert client.get("/v1/inspectors/dept-a-0777", headers=keys.headers("bureau_a")).status_code == 200
    lines = [r.getMessage() for r in caplog.records if r.name == "drawsvc.api.requests"]
    assert any(line.startswith("POST /v1/inspectors 200") for line in lines)
    assert any(line.startswith("GET /v1/inspectors/{code} 200") for line in lines)
    text = "\n".join(lines)
    assert phone not in text and "李四" not in text and "0777" not in text
    assert keys.bureau_a not in text and keys.bureau_a.split("_")[1] in text  # key id only


def test_rate_limit_per_key_answers_429_with_retry_after(runtime, keys):
    app = create_app(runtime)
    app.state.rate_limiter = RateLimiter(per_minute=2, burst=2)
    with TestClient(app) as c:
        a, b = keys.headers("bureau_a"), keys.headers("bureau_b")
        assert [c.get("/v1/me", headers=a).status_code for _ in range(2)] == [200, 200]
        limited = c.get("/v1/me", headers=a)
        assert limited.status_code == 429
        assert limited.json()["code"] == "rate-limited"
        assert int(limited.headers["Retry-After"]) >= 1
        assert c.get("/v1/me", headers=b).status_code == 200  # another key has its own bucket


def test_rate_limiter_refills_over_time():
    now = [0.0]
    limiter = RateLimiter(per_minute=60, burst=1, clock=lambda: now[0])
    limiter.check("k")
    try:
        limiter.check("k")
        raise AssertionError("second call within a second should be limited")
    except Exception as exc:
        assert getattr(exc, "code", "") == "rate-limited"
    now[0] = 1.01
    limiter.check("k")


def test_oversized_body_is_a_413_problem(runtime, keys):
    runtime.settings.api_max_body_bytes = 1000
    with TestClient(create_app(runtime)) as c:
        resp = c.post("/v1/targets", content=b"{" + b" " * 5000 + b"}",
                      headers={**keys.headers("bureau_a"), "content-type": "application/json"})
    assert resp.status_code == 413
    assert resp.json()["code"] == "payload-too-large"


def test_rejected_import_lists_rows_and_writes_nothing(client, runtime, keys, world):
    from api_support import log_size

    before = log_size(runtime)
    data = "统一社会信用代码,名称,行政区划代码\n91330102MA2H000000,坏代码,330102\n,,999999\n".encode()
    resp = client.post("/v1/imports/targets", files={"file": ("t.csv", data, "text/csv")},
                       headers=keys.headers("bureau_a"))
    assert resp.status_code == 422, resp.text
    body = resp.json()
    assert body["code"] == "import-rejected" and body["field"] == "file"
    assert {r["row"] for r in body["rows"]} >= {2, 3}
    assert log_size(runtime) == before


def test_streamed_oversized_body_is_a_413_problem(runtime, keys):
    runtime.settings.api_max_body_bytes = 1000

    def chunks():
        for _ in range(10):
            yield b" " * 500

    with TestClient(create_app(runtime)) as c:
        resp = c.post("/v1/targets", content=chunks(),
                      headers={**keys.headers("bureau_a"), "content-type": "application/json"})
    assert resp.status_code == 413
    assert resp.json()["code"] == "payload-too-large"


def test_retried_upload_with_a_new_multipart_boundary_is_recognised_as_the_same(client, runtime, keys, world):
    from api_support import log_size

    from drawsvc.sample.generator import make_uscc

    data = f"统一社会信用代码,名称,行政区划代码\n{make_uscc('91', '330102', 4242)},新企业,330102\n".encode()
    headers = {**keys.headers("bureau_a"), "Idempotency-Key": "upload-1"}
    first = client.post("/v1/imports/targets", files={"file": ("t.csv", data, "text/csv")}, headers=headers)
    assert first.status_code == 200, first.text
    size = log_size(runtime)
    again = client.post("/v1/imports/targets", files={"file": ("t.csv", data, "text/csv")}, headers=headers)
    assert again.status_code == 200 and again.headers.get("Idempotent-Replayed") == "true"
    assert again.content == first.content
    assert log_size(runtime) == size
    changed = client.post("/v1/imports/targets", files={"file": ("t.csv", data + b"\n", "text/csv")},
                          headers=headers)
    assert changed.status_code == 409
