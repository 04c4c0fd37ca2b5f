"""The bureau flow over HTTP: create → pools → commit → draw; idempotent retry; scoping."""

from __future__ import annotations

from api_support import create_drawable_task, log_size, reveal_body

from drawsvc.tasks import repository as task_repo


def _draw_count(runtime, task: str) -> int:
    with runtime.transaction() as session:
        return len(task_repo.draws(session, task))


def test_bureau_draws_its_task_and_the_public_reads_it_once_locked(client, runtime, keys, world):
    a = keys.headers("bureau_a")
    task = create_drawable_task(client, a)
    drawn = client.post(f"/v1/tasks/{task}/draw", json=reveal_body(), headers=a)
    assert drawn.status_code == 201, drawn.text
    result = drawn.json()["result"]
    targets = drawn.json()["targets"]
    assert len(targets) == 3 and set(targets) <= set(world["targets"])
    assert client.get(f"/v1/tasks/{task}/draw").status_code == 401  # not published yet
    assert client.get(f"/v1/tasks/{task}/draw", headers=keys.headers("bureau_b")).status_code == 403
    assert client.get(f"/v1/tasks/{task}/draw", headers=keys.headers("discipline")).status_code == 200
    assert client.post(f"/v1/tasks/{task}/lock", headers=a).status_code == 200
    public = client.get(f"/v1/tasks/{task}/draw")
    assert public.status_code == 200 and public.json()["result"] == result
    entry = client.get(f"/v1/log/entries/{public.json()['log_index']}").json()["entry"]
    assert entry["kind"] == "draw.result" and entry["body"]["result"] == result


def test_retried_draw_with_the_same_idempotency_key_replays_and_never_draws_twice(
        client, runtime, keys, world):
    a = {**keys.headers("bureau_a"), "Idempotency-Key": "draw-1"}
    task = create_drawable_task(client, keys.headers("bureau_a"))
    first = client.post(f"/v1/tasks/{task}/draw", json=reveal_body(), headers=a)
    assert first.status_code == 201
    size = log_size(runtime)
    again = client.post(f"/v1/tasks/{task}/draw", json=reveal_body(), headers=a)
    assert again.status_code == 201
    assert again.content == first.content
    assert again.headers["Idempotent-Replayed"] == "true"
    assert log_size(runtime) == size
    assert _draw_count(runtime, task) == 1
    # Without the key, a second draw is refused by the task's state: nothing drawn twice either way.
    plain = client.post(f"/v1/tasks/{task}/draw", json=reveal_body(), headers=keys.headers("bureau_a"))
    assert plain.status_code == 409 and plain.json()["rule"] == "task.status"
    assert log_size(runtime) == size


def test_same_idempotency_key_with_a_different_body_is_409(client, runtime, keys, world):
    a = {**keys.headers("bureau_a"), "Idempotency-Key": "k-1"}
    task = create_drawable_task(client, keys.headers("bureau_a"))
    assert client.post(f"/v1/tasks/{task}/draw", json=reveal_body(), headers=a).status_code == 201
    size = log_size(runtime)
    other = client.post(f"/v1/tasks/{task}/draw", json=reveal_body("22" * 32), headers=a)
    assert other.status_code == 409
    assert other.json()["code"] == "idempotency-key-reused"
    assert other.json()["field"] == "Idempotency-Key"
    assert log_size(runtime) == size


def test_idempotency_keys_are_per_api_key(client, runtime, keys, world):
    """Department B reusing A's key string neither sees A's response nor collides with it."""
    task = create_drawable_task(client, keys.headers("bureau_a"))
    a = {**keys.headers("bureau_a"), "Idempotency-Key": "shared"}
    assert client.post(f"/v1/tasks/{task}/draw", json=reveal_body(), headers=a).status_code == 201
    b = {**keys.headers("bureau_b"), "Idempotency-Key": "shared"}
    resp = client.post(f"/v1/tasks/{task}/draw", json=reveal_body(), headers=b)
    assert resp.status_code == 403
    assert "Idempotent-Replayed" not in resp.headers


def test_failed_operation_is_not_remembered_so_a_corrected_retry_runs(client, runtime, keys, world):
    a = {**keys.headers("bureau_a"), "Idempotency-Key": "retry-after-error"}
    task = create_drawable_task(client, keys.headers("bureau_a"))
    size = log_size(runtime)
    wrong = client.post(f"/v1/tasks/{task}/draw", json=reveal_body("33" * 32), headers=a)
    assert wrong.status_code == 422 and wrong.json()["code"] == "reveal-mismatch"
    assert log_size(runtime) == size
    # Same key, different (corrected) body: the failed attempt left no record, so it runs.
    right = client.post(f"/v1/tasks/{task}/draw", json=reveal_body(), headers=a)
    assert right.status_code == 201


def test_cross_department_draw_is_refused_and_changes_nothing(client, runtime, keys, world):
    task = create_drawable_task(client, keys.headers("bureau_a"))
    size = log_size(runtime)
    for role, status in (("bureau_b", 403), ("discipline", 403), ("admin", 403), ("public", 401)):
        resp = client.post(f"/v1/tasks/{task}/draw", json=reveal_body(), headers=keys.headers(role))
        assert resp.status_code == status, (role, resp.text)
    assert log_size(runtime) == size
    assert _draw_count(runtime, task) == 0


def test_bureau_cannot_create_a_task_for_another_department(client, runtime, keys, world):
    size = log_size(runtime)
    resp = client.post("/v1/tasks", json={"title": "x", "year": 2026, "organiser": "dept-a",
                                          "params": {"targets": {"count": 1}}},
                       headers=keys.headers("bureau_b"))
    assert resp.status_code == 403
    assert log_size(runtime) == size


def test_draw_record_is_public_once_published(client, runtime, keys, world):
    a = keys.headers("bureau_a")
    task = create_drawable_task(client, a)
    drawn = client.post(f"/v1/tasks/{task}/draw", json=reveal_body(), headers=a).json()
    assert client.get(f"/v1/tasks/{task}/record").status_code == 401
    assert client.get(f"/v1/tasks/{task}/record", headers=keys.headers("bureau_b")).status_code == 403
    own = client.get(f"/v1/tasks/{task}/record", headers=a)
    assert own.status_code == 200 and own.headers["content-type"].startswith("text/html")
    assert client.post(f"/v1/tasks/{task}/lock", headers=a).status_code == 200
    page = client.get(f"/v1/tasks/{task}/record")
    assert page.status_code == 200
    assert task in page.text and drawn["targets"][0] in page.text


def test_leader_designated_after_the_draw_by_the_owner_only(client, runtime, keys, world):
    from drawsvc.tasks import replay

    a = keys.headers("bureau_a")
    task = create_drawable_task(client, a)
    drawn = client.post(f"/v1/tasks/{task}/draw", json=reveal_body(), headers=a).json()
    team = replay.teams_of(drawn["result"])[0]
    member = next(m["id"] for m in team["members"] if not m["leader"])
    body = {"role": "leader", "target": team["target"], "person": member, "reason": "熟悉业务",
            "approver": "局长"}
    size = log_size(runtime)
    other = client.post(f"/v1/tasks/{task}/designations", json=body, headers=keys.headers("bureau_b"))
    assert other.status_code == 403
    assert log_size(runtime) == size
    resp = client.post(f"/v1/tasks/{task}/designations", json=body, headers=a)
    assert resp.status_code == 201, resp.text
    after = client.get(f"/v1/tasks/{task}/draw", headers=a).json()
    new_team = next(t for t in replay.teams_of(after["result"]) if t["target"] == team["target"])
    assert next(m for m in new_team["members"] if m["id"] == member)["leader"] is True
