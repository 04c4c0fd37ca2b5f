"""Several uvicorn worker processes on PostgreSQL drawing at once: the log stays consistent.

Needs ``DRAWSVC_TEST_DATABASE_URL`` (fixture ``pg_url``). The test creates committed tasks
in-process, starts ``drawsvc serve --workers 2`` on the same schema, fires concurrent draws
(some as concurrent duplicates under one ``Idempotency-Key``), then checks every index of
the log is present exactly once, every task was drawn exactly once, and the final
checkpoint's root is the root of all the leaves.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from api_support import create_drawable_task, make_keys, reveal_body, seed_world
from fastapi.testclient import TestClient

from drawsvc.api.app import create_app
from ledger.checkpoint import verify_checkpoint
from ledger.hashing import leaf_hash, root_from_leaf_hashes

pytestmark = pytest.mark.postgres

TASKS = 8
DUPLICATES = 3  # concurrent requests per idempotency key


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(pg_url: str, data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DRAWSVC_DATABASE_URL": pg_url, "DRAWSVC_DATA_DIR": str(data_dir),
           "DRAWSVC_LOG_ORIGIN": "test.drawsvc.example/log"}
    cmd = [sys.executable, "-m", "drawsvc.cli.app", "serve", "--port", str(port), "--workers", "2",
           "--log-level", "warning"]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _wait_ready(base: str, proc: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited: {proc.stderr.read().decode() if proc.stderr else ''}")
        try:
            if httpx.get(f"{base}/v1/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise AssertionError("server did not start")


def test_concurrent_draws_on_two_workers_keep_the_log_consistent(pg_runtime, pg_url, tmp_path):
    rt = pg_runtime
    seed_world(rt, targets=40, inspectors=6)
    keys = make_keys(rt)
    a = keys.headers("bureau_a")
    with TestClient(create_app(rt)) as client:
        tasks = [create_drawable_task(client, a, code=f"T2026-PG{i:02d}") for i in range(TASKS)]
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    proc = _serve(pg_url, tmp_path, port)
    try:
        _wait_ready(base, proc)
        jobs = [(task, f"draw-{task}") for task in tasks for _ in range(DUPLICATES)]

        def draw(job: tuple[str, str]) -> tuple[str, int, bytes]:
            task, key = job
            with httpx.Client(base_url=base, timeout=60) as c:
                headers = {**a, "Idempotency-Key": key}
                r = c.post(f"/v1/tasks/{task}/draw", json=reveal_body(), headers=headers)
                return task, r.status_code, r.content

        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(draw, jobs))
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()

    failed = [(t, s, b[:200]) for t, s, b in results if s != 201]
    assert not failed, failed
    by_task: dict[str, set[bytes]] = {}
    for task, _, body in results:
        by_task.setdefault(task, set()).add(body)
    assert all(len(bodies) == 1 for bodies in by_task.values()), "a duplicate got a different answer"

    with rt.transaction() as session:
        conn = session.connection()
        size = rt.log.size(conn)
        entries = rt.log.entries(conn, 0, size)
        note = rt.log.checkpoint(conn)
    assert len(entries) == size  # no missing index
    cp = verify_checkpoint(note, rt.log.signer.verifier(), origin=rt.log.origin)
    assert cp.size == size
    assert root_from_leaf_hashes([leaf_hash(e) for e in entries]) == cp.root
    draws = [json.loads(e) for e in entries]
    drawn = [d["body"]["task"] for d in draws if d["kind"] == "draw.result"]
    assert sorted(drawn) == sorted(tasks)  # each task drawn exactly once
    acknowledged = {json.loads(next(iter(b)))["log_index"] for b in by_task.values()}
    assert all(json.loads(entries[i])["kind"] == "draw.result" for i in acknowledged)
