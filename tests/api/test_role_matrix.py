"""Every role × every endpoint family: allowed or refused (401 without a key, 403 with the
wrong one). A refused write leaves the log (and so the database state it records) unchanged.

Roles: ``public`` (no key), ``admin``, ``discipline``, ``bureau_a`` (the owning department),
``bureau_b`` (another department), and two that are never anyone: ``malformed`` (a header that
is not a key) and ``revoked`` (department A's revoked key). A route open to everyone answers
them 401 everywhere, open routes included (a bad key is refused, never read as no key).

``test_every_route_has_a_row`` keeps the table whole: a new route without a row fails it.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from api_support import YEAR, create_drawable_task, log_size, operator_commitment, reveal_body

from drawsvc.sample.generator import make_uscc
from drawsvc.tasks import replay

ROLES = ("public", "malformed", "revoked", "admin", "discipline", "bureau_b", "bureau_a")
NOBODY = frozenset({"public", "malformed", "revoked"})  # no valid key
ALL = frozenset(ROLES) - {"malformed", "revoked"}  # open to anyone; a bad key is still refused
KEYED = frozenset(ROLES) - NOBODY
READERS = frozenset({"discipline", "bureau_a", "bureau_b"})
OWNER = frozenset({"bureau_a"})
OWNER_READERS = frozenset({"bureau_a", "discipline"})
BUREAUS = frozenset({"bureau_a", "bureau_b"})
ADMIN = frozenset({"admin"})

NEW_USCC = make_uscc("91", "330102", 999)
RESULT = "R-00000000000000aa"  # no such result
OBJECTION = "O-00000000000000aa"
EXPERT_IN = {"code": "ZJ-NONE", "name": "专家", "birth_date": "1970-01-01"}
TARGET = {"uscc": NEW_USCC, "name": "新企业", "region_code": "330102"}
TASK = {"title": "抽查", "year": YEAR, "organiser": "dept-a", "params": {"targets": {"count": 1}}}


@dataclass(frozen=True)
class Case:
    family: str
    method: str
    path: str
    allowed: frozenset[str]
    json: Any = None
    files: Callable[[], dict[str, Any]] | None = None
    state: str = ""  # "", "draft" (pools built), "committed", "drawn": the task the path names
    ok: tuple[int, ...] = (200, 201)
    extra: dict[str, Any] = field(default_factory=dict)
    other: int = 403  # what a refused keyed role gets (404 where another department's record is hidden)


def _csv() -> dict[str, Any]:
    data = f"统一社会信用代码,名称,行政区划代码\n{NEW_USCC},新企业,330102\n".encode()
    return {"file": ("targets.csv", io.BytesIO(data), "text/csv")}


CASES = [
    Case("log", "GET", "/v1/log/checkpoint", ALL),
    Case("log", "GET", "/v1/log/entries/0", ALL),
    Case("log", "GET", "/v1/log/proofs/consistency?first=1", ALL),
    # witness cosignatures (docs/specs/witness.md W-9): the discipline office's witness, or an
    # admin relaying one; past the role check this body is refused as two forms at once
    Case("log", "POST", "/v1/log/cosignatures", frozenset({"admin", "discipline"}),
         json={"checkpoint": "x", "cosignature": "y"}, ok=(422,)),
    Case("log", "GET", "/v1/log/cosignatures", ALL),
    Case("keys", "POST", "/v1/admin/keys", ADMIN, json={"role": "discipline"}),
    Case("keys", "GET", "/v1/admin/keys", ADMIN),
    Case("calendar", "GET", "/v1/calendar", ALL),
    Case("calendar", "POST", "/v1/admin/calendar", ADMIN, json={"arrangement": {"year": 1}}, ok=(422,)),
    Case("departments", "POST", "/v1/departments", ADMIN, json={"code": "dept-c", "name": "C 局"}),
    Case("departments", "GET", "/v1/departments", ALL),
    Case("check items", "POST", "/v1/check-items/dept-a", OWNER, json={"code": "CI-1", "name": "食品经营"}),
    Case("check items", "GET", "/v1/check-items", ALL),
    Case("targets", "POST", "/v1/targets", BUREAUS, json=TARGET),
    Case("targets", "GET", "/v1/targets", READERS),
    Case("inspectors", "POST", "/v1/inspectors", BUREAUS, json={
        "staff_no": "0999", "name": "张三", "certificate_no": "C999",
        "certificate_valid_until": "2030-01-01"}),
    Case("inspectors", "GET", "/v1/inspectors/dept-a-0000", OWNER_READERS),
    Case("inspectors", "GET", "/v1/inspectors/dept-a-0000/private", OWNER_READERS),
    Case("inspectors", "GET", "/v1/inspectors", READERS),
    Case("experts", "POST", "/v1/expert-pools", BUREAUS,
         json=lambda ctx: {"code": f"ZJ-{ctx['role']}", "name": "专家库"}),
    Case("experts", "POST", "/v1/expert-pools", ADMIN,
         json={"code": "ZJ-S", "name": "共享库", "shared": True}),
    Case("experts", "GET", "/v1/expert-pools", KEYED),
    Case("experts", "GET", "/v1/experts", READERS),
    Case("declarations", "GET", "/v1/declarations", READERS),
    Case("declarations", "POST", "/v1/declarations", OWNER, json={
        "person_kind": "inspector", "person_code": "dept-a-0001", "counterpart_uscc": NEW_USCC,
        "kind": "works_there", "valid_from": "2025-01-01"}),
    Case("imports", "POST", "/v1/imports/targets", BUREAUS, files=_csv),
    Case("tasks", "POST", "/v1/tasks", OWNER, json=TASK),
    Case("tasks", "GET", "/v1/tasks/{task}", OWNER_READERS, state="committed"),
    Case("pools", "GET", "/v1/tasks/{task}/pools/targets", OWNER_READERS, state="committed"),
    Case("pools", "POST", "/v1/tasks/{task}/pools/targets/build", OWNER, json={"filters": {}}, state="draft"),
    Case("commit", "POST", "/v1/tasks/{task}/commit", OWNER, state="draft", json={
        "commitments": [{"party": "operator", "commitment": operator_commitment()}]}),
    Case("draw", "POST", "/v1/tasks/{task}/draw", OWNER, json=reveal_body(), state="committed"),
    Case("draw", "GET", "/v1/tasks/{task}/draw", OWNER_READERS, state="drawn"),
    Case("designations", "POST", "/v1/tasks/{task}/designations", OWNER, state="draft", ok=(409,),
         json={"person": "ZJ-0001", "reason": "专业对口", "approver": "局长"}),  # task draws no experts
    Case("responses", "POST", "/v1/tasks/{task}/experts/ZJ-0001/response", OWNER, state="drawn",
         json={"response": "accepted"}, ok=(404,)),  # no such invitation: past the role check
    Case("replacements", "POST", "/v1/tasks/{task}/replacements", OWNER, state="drawn",
         json=lambda ctx: {"target": ctx["target"], "inspector": ctx["inspector"], "reason": "生病",
                           "approver": "局长"}),
    Case("lock", "POST", "/v1/tasks/{task}/lock", OWNER, state="drawn"),
    Case("reports", "GET", f"/v1/reports/merge?year={YEAR}", READERS),
    Case("tasks", "GET", "/v1/tasks", ALL, state="committed"),
    Case("plans", "GET", "/v1/plans", ALL),
    Case("plans", "POST", "/v1/plans/dept-a", OWNER, ok=(422,), json={"year": YEAR, "items": [{
        "check_item": "CI-X", "ratio_bp": 500, "frequency": 1, "period_start": f"{YEAR}-01-01",
        "period_end": f"{YEAR}-03-31"}]}),  # no such check item: past the role check
    Case("plans", "POST", f"/v1/plans/dept-a/{YEAR}/publish", OWNER, ok=(404,)),  # no plan yet
    # Every other route: ``ok`` beyond 200/201 means "past the role check" (the resource is absent
    # or the state forbids it), which is all the matrix asks.
    Case("meta", "GET", "/v1/health", ALL),
    Case("meta", "GET", "/v1/me", ALL),  # answers "public" without a key
    Case("log", "GET", "/v1/log", ALL),
    Case("log", "GET", "/v1/log/entries?start=0", ALL),
    Case("log", "GET", "/v1/log/proofs/inclusion?index=0", ALL),
    Case("keys", "POST", "/v1/admin/keys/nokey/revoke", ADMIN, ok=(404,)),
    Case("calendar", "POST", "/v1/admin/calendar/bundled", ADMIN),
    Case("calendar", "GET", f"/v1/calendar/deadline?start={YEAR}-06-15&working_days=5", ALL,
         ok=(200, 404, 409)),
    Case("check items", "POST", "/v1/check-items/dept-a/CI-NONE/withdraw", OWNER, ok=(404,)),
    Case("check items", "GET", "/v1/check-items/dept-a/CI-NONE", ALL, ok=(404,)),
    Case("targets", "POST", "/v1/targets/{uscc}/status", BUREAUS, json={"status": "active"},
         ok=(200, 409, 422)),
    Case("targets", "GET", "/v1/targets/{uscc}", READERS),
    Case("inspectors", "POST", "/v1/inspectors/dept-a-0002/status", OWNER, json={"status": "suspended"},
         ok=(200, 409, 422)),
    Case("experts", "POST", "/v1/expert-pools/ZJ-NONE/experts", BUREAUS, ok=(404, 422), json=EXPERT_IN),
    Case("experts", "GET", "/v1/experts/ZJ-NONE", READERS, ok=(404,)),
    Case("experts", "POST", "/v1/experts/ZJ-NONE", BUREAUS, ok=(404, 422), json=EXPERT_IN),
    Case("experts", "POST", "/v1/experts/ZJ-NONE/notice", BUREAUS, ok=(404, 422),
         json={"start": f"{YEAR}-06-15"}),
    Case("experts", "POST", "/v1/experts/ZJ-NONE/objections", BUREAUS, ok=(404, 422),
         json={"objector": "某单位", "filed_on": f"{YEAR}-06-15"}),
    Case("experts", "POST", "/v1/expert-objections/1/decision", BUREAUS, ok=(404, 422),
         json={"decision": "rejected", "decided_on": f"{YEAR}-06-15"}),
    Case("experts", "POST", "/v1/experts/ZJ-NONE/admit", BUREAUS, ok=(404, 422), json={}),
    Case("experts", "POST", "/v1/experts/ZJ-NONE/evaluations", BUREAUS, ok=(404, 422),
         json={"grade": "良好"}),
    Case("experts", "POST", "/v1/experts/ZJ-NONE/exit", BUREAUS, ok=(404, 422), json={"reason": "本人申请"}),
    Case("experts", "POST", "/v1/experts/ZJ-NONE/exit-flags/over_age/clear", BUREAUS, ok=(404, 422), json={}),
    Case("experts", "POST", "/v1/expert-pools/ZJ-NONE/flag-over-age", BUREAUS, ok=(404, 422)),
    Case("experts", "POST", "/v1/experts/ZJ-NONE/exit-flags/credit-blacklist", BUREAUS, ok=(404, 422),
         json={"reference": "失信-001"}),
    Case("experts", "GET", "/v1/expert-exits/pending", READERS),
    Case("experts", "GET", "/v1/experts/ZJ-NONE/private", READERS, ok=(404,)),
    Case("experts", "GET", "/v1/expert-objections?expert=ZJ-NONE", READERS, ok=(404,)),
    Case("declarations", "POST", "/v1/declarations/withdraw", BUREAUS, ok=(404, 422),
         json={"code": "D-NONE"}),
    Case("declarations", "GET", "/v1/declarations/opening?code=D-NONE", frozenset({"discipline"}), ok=(404,)),
    Case("pools", "POST", "/v1/tasks/{task}/pools/targets/remove", OWNER, state="draft",
         json=lambda ctx: {"member": ctx["uscc"], "reason": "已注销"}, ok=(200, 404, 409, 422)),
    Case("pools", "POST", "/v1/tasks/{task}/pools/targets/add", OWNER, state="draft",
         json=lambda ctx: {"member": ctx["uscc"], "reason": "群众举报"}, ok=(200, 409, 422)),
    Case("experts", "GET", "/v1/tasks/{task}/experts", OWNER_READERS, state="committed", ok=(200, 404)),
    Case("experts", "POST", "/v1/tasks/{task}/experts/expire", OWNER, state="drawn", ok=(200, 409, 422)),
    Case("dispatch", "POST", "/v1/tasks/{task}/dispatch", OWNER, state="drawn", json={"by": "region"},
         ok=(200, 409, 422)),
    Case("subdraws", "GET", "/v1/tasks/{task}/subdraws", OWNER_READERS, state="committed"),
    Case("subdraws", "POST", "/v1/tasks/{task}/subdraws", OWNER, state="drawn", ok=(404, 409, 422),
         json={"unit": "dept-a", "params": {"targets": {"mode": "all"}}}),  # the unit draws its part
    Case("record", "GET", "/v1/tasks/{task}/record", OWNER_READERS, state="committed", ok=(200, 404, 409)),
    Case("inspections", "POST", "/v1/inspections", OWNER, json=lambda ctx: {
        "target": ctx["uscc"], "kind": "complaint", "on": f"{YEAR}-06-01", "department": "dept-a",
        "reason": "群众投诉"}),
    # sealed draws (docs/specs/sealed-draws.md): this task is not sealed, so past the role check
    # (sealed tasks themselves: tests/tasks/test_sealed_api.py)
    Case("seal", "GET", "/v1/tasks/{task}/seal", OWNER_READERS, state="drawn", ok=(200, 404, 409)),
    Case("seal", "POST", "/v1/tasks/{task}/disclose", OWNER_READERS, state="drawn", ok=(404, 409, 422),
         json={}),
    Case("seal", "POST", "/v1/seals/disclose-due", frozenset({"admin", "discipline", "bureau_a", "bureau_b"}),
         json={}),
    # coverage, notices, exchange files (docs/specs/coverage.md, notice.md, exchange.md)
    Case("coverage", "GET", f"/v1/coverage/{YEAR}", ALL),
    Case("coverage", "GET", f"/v1/coverage/{YEAR}/charts", ALL),
    Case("notices", "GET", "/v1/notices/{task}/targets/{target}", OWNER_READERS, state="drawn",
         ok=(200, 404, 409)),
    Case("exchange", "GET", "/v1/exchange/results", ALL),
    Case("exchange", "POST", "/v1/exchange/results", BUREAUS, files=_csv, ok=(201, 422)),
    # results (docs/specs/results.md): writes by the owning bureau, reads by it and discipline
    Case("results", "POST", "/v1/results", OWNER, state="drawn", ok=(409, 422), json=lambda ctx: {
        "task": ctx["task"], "target": ctx["target"], "check_item": {"department": "dept-a", "code": "CI-1"},
        "inspector": ctx["inspector"], "inspected_on": f"{YEAR}-06-15", "method": "实地核查",
        "firm_signed": True, "categories": ["未发现问题"]}),
    Case("results", "POST", "/v1/results/import", BUREAUS, ok=(404, 409, 422), json={"rows": [{
        "task": "T-NONE", "target": NEW_USCC, "check_item": {"department": "dept-a", "code": "CI-1"},
        "inspector": "dept-a-0000", "inspected_on": f"{YEAR}-06-15", "method": "实地核查",
        "firm_signed": True, "categories": ["未发现问题"]}]}),
    Case("results", "POST", "/v1/results/audit", BUREAUS, ok=(404, 422),
         json={"results": [RESULT], "approver": "局长"}),
    Case("results", "POST", "/v1/results/publish", BUREAUS, ok=(404, 422), json={"results": [RESULT]}),
    Case("results", "GET", "/v1/results/published", ALL),
    Case("results", "GET", "/v1/results/overdue", READERS),
    Case("results", "GET", "/v1/results/deadlines", READERS),
    Case("results", "GET", "/v1/results/settings/dept-a", ALL),
    Case("results", "POST", "/v1/results/settings/dept-a", OWNER, json={"results_due_working_days": 5}),
    Case("results", "POST", "/v1/results/dispatch-confirmations", OWNER, state="drawn", ok=(409, 422),
         json=lambda ctx: {"task": ctx["task"], "unit": "dept-a"}),
    Case("results", "POST", "/v1/results/task-closures", OWNER, state="drawn", ok=(201, 409, 422),
         json=lambda ctx: {"task": ctx["task"]}),
    Case("results", "POST", f"/v1/results/objections/{OBJECTION}/decision", BUREAUS, ok=(404,),
         json={"outcome": "维持", "reasons": "事实清楚"}),
    Case("results", "GET", f"/v1/results/{RESULT}", ALL, ok=(404,)),  # absent: 404 to anyone
    Case("results", "POST", f"/v1/results/{RESULT}/objections", BUREAUS, ok=(404,), json={
        "firm": NEW_USCC, "channel": "书面", "received_on": f"{YEAR}-06-15", "grounds": "检查结果有误"}),
    Case("results", "POST", f"/v1/results/{RESULT}/follow-ups", BUREAUS, ok=(404,),
         json={"step": "case.opened", "on": f"{YEAR}-06-15", "unit": "执法稽查科"}),
    Case("results", "POST", f"/v1/results/{RESULT}/confirm", BUREAUS, ok=(404,),
         json={"inspector": "dept-a-0000"}),
]

# Routes checked elsewhere, each with the test that checks who may call it.
UNCOVERED: set[tuple[str, str]] = set()


def _prepare(state: str, client, a: dict[str, str]) -> dict[str, str]:
    """A task of department A in ``state``; for "drawn", a drawn target and one of its inspectors."""
    if not state:
        return {}
    if state == "draft":
        task = client.post("/v1/tasks", json=TASK, headers=a).json()["code"]
        assert client.post(f"/v1/tasks/{task}/pools/targets/build", json={"filters": {}},
                           headers=a).status_code == 200
        return {"task": task}
    task = create_drawable_task(client, a)
    if state == "committed":
        return {"task": task}
    drawn = client.post(f"/v1/tasks/{task}/draw", json=reveal_body(), headers=a).json()
    team = replay.teams_of(drawn["result"])[0]
    return {"task": task, "target": team["target"], "inspector": team["members"][1]["id"]}


@pytest.mark.parametrize("case", CASES, ids=[f"{c.family}:{c.method} {c.path}" for c in CASES])
def test_role_matrix(case: Case, client, runtime, keys, world):
    ctx = _prepare(case.state, client, keys.headers("bureau_a"))
    if case.path == "/v1/declarations" and case.method == "POST":
        client.post("/v1/targets", json=TARGET, headers=keys.headers("bureau_a"))
    ctx["uscc"] = world["targets"][0]
    path = case.path.format(task=ctx.get("task", ""), uscc=ctx["uscc"], target=ctx.get("target", ""))
    # Refused roles first (each must leave the log untouched), then the allowed ones.
    for role in sorted(ROLES, key=lambda r: r in case.allowed):
        before = log_size(runtime)
        kwargs: dict[str, Any] = {"headers": keys.headers(role)}
        if case.json is not None:
            kwargs["json"] = case.json({**ctx, "role": role}) if callable(case.json) else case.json
        if case.files is not None:
            kwargs["files"] = case.files()
        resp = client.request(case.method, path, **kwargs)
        if role in case.allowed:
            assert resp.status_code in case.ok, (role, resp.status_code, resp.text)
        else:
            expected = 401 if role in NOBODY else case.other if role == "bureau_b" else 403
            assert resp.status_code == expected, (role, resp.status_code, resp.text)
            assert resp.headers["content-type"].startswith("application/problem+json")
            assert log_size(runtime) == before, (role, "a refused request changed the log")


def test_bureau_b_never_sees_bureau_a_private_fields(client, keys, world):
    assert client.get("/v1/inspectors/dept-a-0000", headers=keys.headers("bureau_b")).status_code == 403
    listed = client.get("/v1/inspectors", headers=keys.headers("bureau_b")).json()
    assert listed and {i["department_code"] for i in listed} == {"dept-b"}
    own = client.get("/v1/inspectors/dept-a-0000", headers=keys.headers("bureau_a")).json()
    assert own["phone"] == "13800000000"
    opening = client.get("/v1/inspectors/dept-a-0000/private", headers=keys.headers("discipline")).json()
    assert opening[0]["field"] == "phone" and opening[0]["value"] == "13800000000"


def test_public_sees_only_published_check_items(client, keys, world):
    a = keys.headers("bureau_a")
    client.post("/v1/check-items/dept-a", json={"code": "HIDDEN", "name": "未公开"}, headers=a)
    shown = {"code": "SHOWN", "name": "已公开", "published": True}
    client.post("/v1/check-items/dept-a", json=shown, headers=a)
    public = {i["code"] for i in client.get("/v1/check-items").json()}
    assert public == {"SHOWN"}
    assert {i["code"] for i in client.get("/v1/check-items", headers=a).json()} == {"HIDDEN", "SHOWN"}
    assert client.get("/v1/check-items/dept-a/HIDDEN").status_code == 404
    other = {i["code"] for i in client.get("/v1/check-items", headers=keys.headers("bureau_b")).json()}
    assert other == {"SHOWN"}


def test_revoked_key_stops_working(client, keys):
    key_id = keys.bureau_a.split("_")[1]
    assert client.get("/v1/me", headers=keys.headers("bureau_a")).status_code == 200
    resp = client.post(f"/v1/admin/keys/{key_id}/revoke", headers=keys.headers("admin"))
    assert resp.status_code == 200 and resp.json()["revoked_at"]
    refused = client.get("/v1/me", headers=keys.headers("bureau_a"))
    assert refused.status_code == 401 and refused.json()["rule"] == "auth.key-revoked"


def test_created_key_is_shown_once_and_stored_hashed(client, runtime, keys):
    resp = client.post("/v1/admin/keys", json={"role": "bureau", "department": "dept-a"},
                       headers=keys.headers("admin"))
    assert resp.status_code == 201
    token = resp.json()["key"]
    assert client.get("/v1/me", headers={"X-API-Key": token}).json()["department"] == "dept-a"
    listed = client.get("/v1/admin/keys", headers=keys.headers("admin")).text
    assert token not in listed and token.split("_", 2)[2] not in listed
    import sqlalchemy as sa

    with runtime.engine.connect() as conn:
        stored = " ".join(str(r) for r in conn.execute(sa.text("SELECT * FROM api_keys")))
    assert token.split("_", 2)[2] not in stored


def test_bureau_key_needs_a_registered_department(client, keys):
    resp = client.post("/v1/admin/keys", json={"role": "bureau", "department": "nowhere"},
                       headers=keys.headers("admin"))
    assert resp.status_code == 404 and resp.json()["field"] == "department"
    resp = client.post("/v1/admin/keys", json={"role": "discipline", "department": "dept-a"},
                       headers=keys.headers("admin"))
    assert resp.status_code == 422 and resp.json()["rule"] == "auth.department-only-bureau"


def test_import_rows_of_another_department_are_refused_and_nothing_written(client, runtime, keys, world):
    before = log_size(runtime)
    data = ("部门代码,工号,姓名,执法证号,执法证有效期至\n"
            "dept-a,0555,张三,C555,2030-01-01\n").encode()
    resp = client.post("/v1/imports/inspectors", files={"file": ("i.csv", data, "text/csv")},
                       headers=keys.headers("bureau_b"))
    assert resp.status_code in (403, 422), resp.text
    assert log_size(runtime) == before
    assert client.get("/v1/inspectors/dept-a-0555", headers=keys.headers("bureau_a")).status_code == 404
    own = client.post("/v1/imports/inspectors", files={"file": ("i.csv", data, "text/csv")},
                      headers=keys.headers("bureau_a"))
    assert own.status_code == 200, own.text
    assert client.get("/v1/inspectors/dept-a-0555", headers=keys.headers("bureau_a")).status_code == 200


def test_declaration_terms_are_opened_to_discipline_only(client, runtime, keys, world):
    from drawsvc.registries.records import DeclarationOpening, verify_declaration

    a = keys.headers("bureau_a")
    assert client.post("/v1/targets", json=TARGET, headers=a).status_code == 200
    made = client.post("/v1/declarations", json={
        "person_kind": "inspector", "person_code": "dept-a-0001", "counterpart_uscc": NEW_USCC,
        "kind": "works_there", "valid_from": "2025-01-01"}, headers=a)
    assert made.status_code == 200, made.text
    code = made.json()["code"]
    entry = client.get("/v1/log/entries", params={"start": log_size(runtime) - 1}).json()["entries"][0]
    assert NEW_USCC not in str(entry["entry"])  # the log carries the terms as a commitment only
    for role in ("public", "admin", "bureau_b", "bureau_a"):
        resp = client.get("/v1/declarations/opening", params={"code": code}, headers=keys.headers(role))
        assert resp.status_code == (401 if role == "public" else 403), role
    assert client.get("/v1/declarations", headers=keys.headers("bureau_b")).json() == []
    opened = client.get("/v1/declarations/opening", params={"code": code}, headers=keys.headers("discipline"))
    assert opened.status_code == 200, opened.text
    body = opened.json()
    assert body["counterpart_uscc"] == NEW_USCC and body["commitment"] in str(entry["entry"])
    fields = {k: body[k] for k in ("code", "person_kind", "person_code", "counterpart_uscc", "kind",
                                   "withdrawn", "salt")}
    from datetime import date

    valid_from = date.fromisoformat(body["valid_from"])
    opening = DeclarationOpening(**fields, valid_from=valid_from, valid_until=None)
    verify_declaration(entry["entry"]["body"], opening)  # raises if the opening does not open the entry


def _route_regex(path: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "$")


def test_every_route_has_a_row(runtime) -> None:
    from drawsvc.api.app import create_app

    covered = {(c.method, c.path.split("?")[0]) for c in CASES} | UNCOVERED
    paths = create_app(runtime).openapi()["paths"]
    assert len(paths) > 20  # the schema lists the API's routes
    missing = []
    for path, operations in paths.items():
        pattern = _route_regex(path)
        for method in sorted(m.upper() for m in operations):
            if not any(m == method and pattern.match(p) for m, p in covered):
                missing.append(f"{method} {path}")
    assert missing == [], "routes without a row in CASES (or UNCOVERED):\n" + "\n".join(missing)
