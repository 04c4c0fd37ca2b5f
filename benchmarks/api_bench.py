"""API benchmark: N concurrent HTTP clients create and draw small tasks against uvicorn.

Set-up: a fresh PostgreSQL schema (dropped afterwards) on ``--database-url`` (default the
local server), a 1,000-target directory, four departments with 10 inspectors each, one bureau
key per department; ``drawsvc serve --workers 2`` on loopback. Each client loops: create a
task (5 targets, teams of 2) → build the targets and inspectors pools → commit → draw (with
an ``Idempotency-Key``). Afterwards every acknowledged draw must be in the log exactly once
(its ``draw.result`` entry at the acknowledged index) and the log must have no gap.

Prints one JSON line: draws/s, requests/s, p50/p99 latency per request kind and per full
task cycle, and the consistency check's result.

    python benchmarks/api_bench.py --clients 8 --tasks 120
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path
from statistics import quantiles
from typing import Any

import httpx
import sqlalchemy as sa

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
DEPARTMENTS = ("SCJG", "SWJ", "ZJJ", "HBJ")
TARGETS = 1000
INSPECTORS = 10
YEAR = 2026
ORIGIN = "bench.drawsvc.example/log"


def _pct(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return quantiles(values, n=100, method="inclusive")[q - 1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def seed(url: str, data_dir: Path) -> dict[str, str]:
    """Tables, registries and one bureau key per department; returns department → key."""
    from drawsvc.api import auth
    from drawsvc.journal import SYSTEM
    from drawsvc.registries import models as reg
    from drawsvc.runtime import open_runtime
    from drawsvc.sample.generator import make_uscc
    from drawsvc.settings import Settings

    rt = open_runtime(Settings(data_dir=data_dir, database_url=url, log_origin=ORIGIN))
    regions = ("330102", "330105", "330106", "330108")
    try:
        with rt.transaction() as s:
            s.execute(sa.insert(reg.Department), [{"code": d, "name": f"{d} 局"} for d in DEPARTMENTS])
            s.execute(sa.insert(reg.Target), [
                {"uscc": make_uscc("91", regions[i % 4], i), "name": f"企业{i}", "target_type": "企业",
                 "scale": "小型", "region_code": regions[i % 4], "registration_authority": "AUTH",
                 "industry": "餐饮", "risk_flags": [], "credit_class": "B", "status": "active", "version": 1}
                for i in range(TARGETS)])
            s.execute(sa.insert(reg.Inspector), [
                {"code": f"{d}-{k:04d}", "department_code": d, "name": f"检查员{k}",
                 "certificate_no": f"C{k}", "certificate_valid_until": date(YEAR + 2, 1, 1),
                 "specialties": [], "leader_eligible": k % 3 == 0, "status": "active", "version": 1}
                for d in DEPARTMENTS for k in range(INSPECTORS)])
            keys = {d: auth.create_api_key(s, rt.journal, role="bureau", department=d, actor=SYSTEM)[1]
                    for d in DEPARTMENTS}
    finally:
        rt.close()
    return keys


async def client_loop(base: str, key: str, department: str, n: int, client_no: int,
                      latencies: dict[str, list[float]], acks: list[tuple[str, int]]) -> None:
    secret = hashlib.sha256(f"bench-{client_no}".encode()).digest()
    from drawsvc.draw.seed import commitment

    commit_body = {"commitments": [{"party": "operator", "commitment": commitment(secret)}]}
    reveal = {"reveals": [{"party": "operator", "secret": secret.hex()}]}
    headers = {"X-API-Key": key}
    async with httpx.AsyncClient(base_url=base, timeout=120, headers=headers) as c:

        async def call(kind: str, path: str, body: dict[str, Any], **extra: str) -> dict[str, Any]:
            t0 = time.perf_counter()
            r = await c.post(path, json=body, headers=extra or None)
            latencies.setdefault(kind, []).append(time.perf_counter() - t0)
            if r.status_code >= 300:
                raise RuntimeError(f"{kind} {path}: {r.status_code} {r.text[:300]}")
            result: dict[str, Any] = r.json()
            return result

        for k in range(n):
            t0 = time.perf_counter()
            # Client-chosen codes keep the tasks of one client recognisable in the log (automatic
            # T<year>-<n> codes are also safe under concurrency since request API-1).
            task = (await call("create", "/v1/tasks", {
                "title": "基准抽查", "year": YEAR, "code": f"B{YEAR}-C{client_no:02d}-{k:05d}",
                "params": {"targets": {"count": 5}, "teams": {"size": 2}}}))["code"]
            await call("pool", f"/v1/tasks/{task}/pools/targets/build", {"filters": {}})
            await call("pool", f"/v1/tasks/{task}/pools/inspectors/build",
                       {"filters": {"departments": [department]}})
            await call("commit", f"/v1/tasks/{task}/commit", commit_body)
            drawn = await call("draw", f"/v1/tasks/{task}/draw", reveal,
                               **{"Idempotency-Key": f"draw-{task}"})
            acks.append((task, int(drawn["log_index"])))
            latencies.setdefault("task_cycle", []).append(time.perf_counter() - t0)


def check_log(url: str, data_dir: Path, acks: list[tuple[str, int]]) -> dict[str, Any]:
    from drawsvc.runtime import open_runtime
    from drawsvc.settings import Settings

    rt = open_runtime(Settings(data_dir=data_dir, database_url=url, log_origin=ORIGIN), create_tables=False)
    try:
        with rt.transaction() as s:
            conn = s.connection()
            size = rt.log.size(conn)
            entries = [json.loads(e) for e in rt.log.entries(conn, 0, size)]
    finally:
        rt.close()
    results: dict[str, list[int]] = {}
    for i, e in enumerate(entries):
        if e["kind"] == "draw.result":
            results.setdefault(e["body"]["task"], []).append(i)
    exactly_once = all(results.get(task) == [index] for task, index in acks)
    return {"log_size": size, "entries_read": len(entries), "acknowledged_draws": len(acks),
            "every_ack_in_log_exactly_once": exactly_once, "no_gap": len(entries) == size}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--database-url", default=os.environ.get("DRAWSVC_BENCH_DATABASE_URL", DEFAULT_URL))
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--tasks", type=int, default=120, help="tasks in total (spread over the clients)")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(args.database_url)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = (sa.make_url(args.database_url).update_query_dict({"options": f"-csearch_path={schema}"})
           .render_as_string(hide_password=False))
    proc: subprocess.Popen[bytes] | None = None
    try:
        with tempfile.TemporaryDirectory(prefix="api-bench-") as tmp:
            data_dir = Path(tmp)
            keys = seed(url, data_dir)
            port = _free_port()
            env = {**os.environ, "DRAWSVC_DATABASE_URL": url, "DRAWSVC_DATA_DIR": str(data_dir),
                   "DRAWSVC_LOG_ORIGIN": ORIGIN, "DRAWSVC_API_RATE_LIMIT_PER_MINUTE": "0"}
            proc = subprocess.Popen(
                [sys.executable, "-m", "drawsvc.cli.app", "serve", "--port", str(port), "--workers",
                 str(args.workers), "--log-level", "warning"], env=env, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL)
            base = f"http://127.0.0.1:{port}"
            for _ in range(300):
                try:
                    if httpx.get(f"{base}/v1/health", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.2)
            latencies: dict[str, list[float]] = {}
            acks: list[tuple[str, int]] = []
            per_client = [args.tasks // args.clients + (1 if i < args.tasks % args.clients else 0)
                          for i in range(args.clients)]

            async def run() -> None:
                depts = [DEPARTMENTS[i % len(DEPARTMENTS)] for i in range(args.clients)]
                await asyncio.gather(*(
                    client_loop(base, keys[depts[i]], depts[i], per_client[i], i, latencies, acks)
                    for i in range(args.clients)))

            t0 = time.perf_counter()
            asyncio.run(run())
            wall = time.perf_counter() - t0
            proc.terminate()
            proc.wait(timeout=30)
            proc = None
            check = check_log(url, data_dir, acks)
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    requests = sum(len(v) for k, v in latencies.items() if k != "task_cycle")
    figures: dict[str, Any] = {
        "benchmark": "api", "clients": args.clients, "workers": args.workers, "targets": TARGETS,
        "tasks": len(acks), "wall_s": round(wall, 2),
        "draws_per_s": round(len(acks) / wall, 2), "requests_per_s": round(requests / wall, 1),
        "load_avg_1m": round(os.getloadavg()[0], 2),
    }
    for kind, values in sorted(latencies.items()):
        figures[f"{kind}_p50_ms"] = round(_pct(values, 50) * 1000, 1)
        figures[f"{kind}_p99_ms"] = round(_pct(values, 99) * 1000, 1)
    all_requests = [v for k, vs in latencies.items() if k != "task_cycle" for v in vs]
    figures["request_p50_ms"] = round(_pct(all_requests, 50) * 1000, 1)
    figures["request_p99_ms"] = round(_pct(all_requests, 99) * 1000, 1)
    figures.update(check)
    print(json.dumps(figures, ensure_ascii=False))
    if not (check["every_ack_in_log_exactly_once"] and check["no_gap"]):
        sys.exit(1)


if __name__ == "__main__":
    main()
