"""The statements of a draw request on a committed task (issue 20: per-request work taken out).

Every statement SQLite runs is traced (``sqlite3.Connection.set_trace_callback``: also those the
ledger runs on the DB-API cursor), for one draw on a task committed earlier, its frozen pools no
longer held by the process (``replay.forget_frozen``), as in an API worker that committed other
tasks since.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from api_support import create_drawable_task, reveal_body

from drawsvc.tasks import replay


@contextmanager
def traced(engine: sa.Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def on_checkout(dbapi_conn, _record, _proxy) -> None:
        dbapi_conn.set_trace_callback(seen.append)

    sa.event.listen(engine, "checkout", on_checkout)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "checkout", on_checkout)


def _matching(seen: list[str], *parts: str) -> list[str]:
    return [s for s in seen if all(p in " ".join(s.split()) for p in parts)]


def test_a_committed_draw_reads_its_commitment_once_and_claims_its_key_in_one_statement(
    client, runtime, keys, world
) -> None:
    headers = keys.headers("bureau_a")
    task = create_drawable_task(client, headers)
    replay.forget_frozen()
    with traced(runtime.engine) as seen:
        r = client.post(f"/v1/tasks/{task}/draw", json=reveal_body(),
                        headers={**headers, "Idempotency-Key": "draw-once"})
    assert r.status_code == 201, r.text
    assert len(_matching(seen, "INSERT INTO task_draws")) == 1  # the trace sees the request
    assert len(_matching(seen, "SELECT", "FROM task_commitments")) == 1  # not again for the seal state
    assert _matching(seen, "SELECT", "FROM api_idempotency_keys") == []  # INSERT … ON CONFLICT only
    assert len(_matching(seen, "INSERT INTO api_idempotency_keys", "ON CONFLICT")) == 1
    assert _matching(seen, "FROM task_draws") == []  # round 1: no earlier draw to supersede
    # the task's and the commitment's updates go before the append (its lock is held to commit)
    first_append = seen.index(_matching(seen, "INSERT INTO ledger_edge_entries")[0])
    for update in ("UPDATE tasks SET status", "UPDATE task_commitments SET drawn"):
        assert seen.index(_matching(seen, update)[0]) < first_append, update
    # no avoidance tags were logged (no declarations): nothing to explain, no declaration query
    assert _matching(seen, "FROM interest_declarations") == []
    # the replay of the same key reads the stored response instead of drawing again
    with traced(runtime.engine) as again:
        replayed = client.post(f"/v1/tasks/{task}/draw", json=reveal_body(),
                               headers={**headers, "Idempotency-Key": "draw-once"})
    assert replayed.status_code == 201 and replayed.json() == r.json()
    assert replayed.headers.get("Idempotent-Replayed") == "true"
    assert len(_matching(again, "SELECT", "FROM api_idempotency_keys")) == 1
    assert _matching(again, "FROM task_commitments") == []
