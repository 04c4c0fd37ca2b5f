"""API benchmark: N concurrent HTTP clients create and draw small tasks against uvicorn.

Runs on each of ``--backends`` (default ``sqlite,postgresql``; PostgreSQL is skipped, and said so
in the output, when it does not answer). SQLite: a fresh database file in a temporary data
directory. PostgreSQL: a fresh schema (dropped afterwards) on ``--database-url`` (default
``$DRAWSVC_BENCH_DATABASE_URL``, else ``$DRAWSVC_TEST_DATABASE_URL``, else the local server).
Then, on each: a 1,000-target directory, four departments with 10 inspectors each, one bureau
key per department; ``drawsvc serve --workers 2`` on loopback. Each client loops: create a
task (5 targets, teams of 2) → build the targets and inspectors pools → commit → draw (with
an ``Idempotency-Key``). Afterwards every acknowledged operation must be in the log exactly
once (``task.create``, ``draw.commit`` and ``draw.result`` at their acknowledged indices, one
``task.pool.build`` per acknowledged pool build) and the log must have no gap.

CPU: the server's (the ``serve`` process and its workers, user + sys from ``/proc``), the
database server's (PostgreSQL backends serving the benchmark's database, found by their
process title) and the clients' (this process) for each timed phase, with the load average.

Then ``--committed-draws`` tasks are prepared up to their commit (not timed) and only their
draw requests are timed: draws per second on already committed tasks.

Prints one JSON line with one object per backend: draws/s, requests/s, p50/p99 latency per
request kind and per full task cycle, draws/s on committed tasks, and the consistency check's result.

    python benchmarks/api_bench.py --clients 8 --tasks 120 [--backends sqlite,postgresql]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/drawsvc_apiperf]
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
from collections.abc import Callable
from datetime import date
from pathlib import Path
from statistics import quantiles
from typing import Any

import httpx
import sqlalchemy as sa

DEFAULT_URL = os.environ.get("DRAWSVC_BENCH_DATABASE_URL") or os.environ.get(
    "DRAWSVC_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
DEPARTMENTS = ("SCJG", "SWJ", "ZJJ", "HBJ")
TARGETS = 1000
INSPECTORS = 10
YEAR = 2026
ORIGIN = "bench.drawsvc.example/log"


def _pct(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return quantiles(values, n=100, method="inclusive")[q - 1]


_TICK = os.sysconf("SC_CLK_TCK")


def _proc_cpu(pid: int) -> float:
    """User + sys seconds of one process (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime, stime (proc(5) fields 14, 15)


def _descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        for task in Path(f"/proc/{p}/task").glob("*/children"):
            try:
                todo.extend(int(c) for c in task.read_text().split())
            except OSError:
                pass
    return out


def server_cpu(pid: int) -> float:
    """CPU seconds so far of the server process and its workers."""
    return sum(_proc_cpu(p) for p in _descendants(pid))


def database_cpu(dbname: str | None) -> dict[int, float]:
    """CPU seconds so far, by pid, of the PostgreSQL backends whose process title names ``dbname``
    (``postgres: [<cluster>:] <user> <db> <client> …``); none for SQLite (inside the server's workers)."""
    if not dbname:
        return {}
    out: dict[int, float] = {}
    for cmd in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            title = cmd.read_bytes().split(b"\0")[0].decode(errors="replace").split()
        except OSError:
            continue
        # "postgres: [<cluster>:] <user> <db> <client> <state>" (cluster_name is optional)
        if title[:1] == ["postgres:"] and dbname in title[2:4]:
            pid = int(cmd.parent.name)
            out[pid] = _proc_cpu(pid)
    return out


def _backends_cpu(start: dict[int, float], end: dict[int, float]) -> float:
    """CPU of the backends over a phase, per backend: one started during the phase counts whole;
    one that exited during it (a pooled connection closed) is missed, so the figure is a lower
    bound (before, totals were subtracted, and such a phase could come out negative)."""
    return sum(cpu - start.get(pid, 0.0) for pid, cpu in end.items())


class CpuMeter:
    """CPU seconds of server, database and clients over one phase, and the load average."""

    def __init__(self, server_pid: int, dbname: str | None) -> None:
        self.server_pid, self.dbname = server_pid, dbname
        self.start = self._read()

    def _read(self) -> tuple[float, dict[int, float], float]:
        return server_cpu(self.server_pid), database_cpu(self.dbname), time.process_time()

    def figures(self, prefix: str) -> dict[str, float]:
        end = self._read()
        server, client = round(end[0] - self.start[0], 2), round(end[2] - self.start[2], 2)
        db = round(_backends_cpu(self.start[1], end[1]), 2)
        return {f"{prefix}server_cpu_s": server, f"{prefix}database_cpu_s": db,
                f"{prefix}client_cpu_s": client, f"{prefix}load_avg_1m_end": round(os.getloadavg()[0], 2)}


def calibration() -> float:
    """CPU seconds of 1,000,000 ``sha256(...).digest()`` calls (as in draw_bench): figures taken
    on the loaded, shared machine are compared through it (≈ 0.3 s on an idle core)."""
    c0 = time.process_time()
    _ = [hashlib.sha256(b"%d" % i).digest() for i in range(1_000_000)]
    return round(time.process_time() - c0, 3)


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
                      latencies: dict[str, list[float]], acks: list[tuple[str, str, int | None]]) -> None:
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
            created = await call("create", "/v1/tasks", {
                "title": "基准抽查", "year": YEAR, "code": f"B{YEAR}-C{client_no:02d}-{k:05d}",
                "params": {"targets": {"count": 5}, "teams": {"size": 2}}})
            task = created["code"]
            acks.append(("task.create", task, int(created["log_index"])))
            await call("pool", f"/v1/tasks/{task}/pools/targets/build", {"filters": {}})
            acks.append(("task.pool.build", f"{task} targets", None))
            await call("pool", f"/v1/tasks/{task}/pools/inspectors/build",
                       {"filters": {"departments": [department]}})
            acks.append(("task.pool.build", f"{task} inspectors", None))
            committed = await call("commit", f"/v1/tasks/{task}/commit", commit_body)
            acks.append(("draw.commit", task, int(committed["log_index"])))
            drawn = await call("draw", f"/v1/tasks/{task}/draw", reveal,
                               **{"Idempotency-Key": f"draw-{task}"})
            acks.append(("draw.result", task, int(drawn["log_index"])))
            latencies.setdefault("task_cycle", []).append(time.perf_counter() - t0)


def check_log(url: str, data_dir: Path, acks: list[tuple[str, str, int | None]]) -> dict[str, Any]:
    """Every acknowledged operation's entry exactly once (at its acknowledged index when the
    response names one), and no gap in the log."""
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
    found: dict[tuple[str, str], list[int]] = {}
    kinds = {kind for kind, _, _ in acks}
    for i, e in enumerate(entries):
        if e["kind"] in kinds:
            subject = e["body"]["task"] + (f" {e['body']['pool']}" if e["kind"] == "task.pool.build" else "")
            found.setdefault((e["kind"], subject), []).append(i)
    bad = [(kind, subject, index, found.get((kind, subject), [])) for kind, subject, index in acks
           if len(found.get((kind, subject), [])) != 1
           or (index is not None and found[(kind, subject)] != [index])]
    return {"log_size": size, "entries_read": len(entries),
            "acknowledged_operations": len(acks),
            "acknowledged_draws": sum(1 for kind, _, _ in acks if kind == "draw.result"),
            "every_ack_in_log_exactly_once": not bad, "lost_or_duplicated": len(bad),
            "first_bad": [list(map(str, b)) for b in bad[:3]], "no_gap": len(entries) == size}


async def committed_draws(base: str, keys: dict[str, str], clients: int, n: int,
                          latencies: list[float], acks: list[tuple[str, str, int | None]],
                          meter: Callable[[], CpuMeter]) -> tuple[float, dict[str, float]]:
    """Prepare ``n`` committed tasks (not timed), then time only their draw requests: wall s
    and the CPU figures of that phase."""
    from drawsvc.draw.seed import commitment

    prepared: list[list[tuple[str, dict[str, Any]]]] = [[] for _ in range(clients)]

    async def prepare(c_no: int) -> None:
        dept = DEPARTMENTS[c_no % len(DEPARTMENTS)]
        secret = hashlib.sha256(f"bench-draw-{c_no}".encode()).digest()
        async with httpx.AsyncClient(base_url=base, timeout=120, headers={"X-API-Key": keys[dept]}) as c:
            for k in range(c_no, n, clients):
                task = f"D{YEAR}-C{c_no:02d}-{k:05d}"
                for path, body in (
                    ("/v1/tasks", {"title": "基准抽查", "year": YEAR, "code": task,
                                   "params": {"targets": {"count": 5}, "teams": {"size": 2}}}),
                    (f"/v1/tasks/{task}/pools/targets/build", {"filters": {}}),
                    (f"/v1/tasks/{task}/pools/inspectors/build", {"filters": {"departments": [dept]}}),
                    (f"/v1/tasks/{task}/commit",
                     {"commitments": [{"party": "operator", "commitment": commitment(secret)}]}),
                ):
                    r = await c.post(path, json=body)
                    if r.status_code >= 300:
                        raise RuntimeError(f"prepare {path}: {r.status_code} {r.text[:300]}")
                prepared[c_no].append((task, {"reveals": [{"party": "operator", "secret": secret.hex()}]}))

    async def draw(c_no: int) -> None:
        dept = DEPARTMENTS[c_no % len(DEPARTMENTS)]
        async with httpx.AsyncClient(base_url=base, timeout=120, headers={"X-API-Key": keys[dept]}) as c:
            for task, reveal in prepared[c_no]:
                t0 = time.perf_counter()
                r = await c.post(f"/v1/tasks/{task}/draw", json=reveal,
                                 headers={"Idempotency-Key": f"draw-{task}"})
                latencies.append(time.perf_counter() - t0)
                if r.status_code >= 300:
                    raise RuntimeError(f"draw {task}: {r.status_code} {r.text[:300]}")
                acks.append(("draw.result", task, int(r.json()["log_index"])))

    await asyncio.gather(*(prepare(i) for i in range(clients)))
    cpu = meter()
    t0 = time.perf_counter()
    await asyncio.gather(*(draw(i) for i in range(clients)))
    return time.perf_counter() - t0, cpu.figures("committed_draws_")


def postgres_answers(url: str) -> bool:
    try:
        engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:
        return False


def run_backend(backend: str, args: argparse.Namespace) -> dict[str, Any]:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = None
    if backend == "postgresql":
        admin = sa.create_engine(args.database_url)
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    proc: subprocess.Popen[bytes] | None = None
    repeats: list[float] = []  # draw requests on committed tasks
    try:
        with tempfile.TemporaryDirectory(prefix="api-bench-") as tmp:
            data_dir = Path(tmp)
            url = "" if admin is None else (
                sa.make_url(args.database_url).update_query_dict({"options": f"-csearch_path={schema}"})
                .render_as_string(hide_password=False))
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
            acks: list[tuple[str, str, int | None]] = []
            per_client = [args.tasks // args.clients + (1 if i < args.tasks % args.clients else 0)
                          for i in range(args.clients)]

            async def run() -> None:
                depts = [DEPARTMENTS[i % len(DEPARTMENTS)] for i in range(args.clients)]
                await asyncio.gather(*(
                    client_loop(base, keys[depts[i]], depts[i], per_client[i], i, latencies, acks)
                    for i in range(args.clients)))

            dbname = sa.make_url(args.database_url).database if admin is not None else None
            load = round(os.getloadavg()[0], 2)
            calib = calibration()
            meter = CpuMeter(proc.pid, dbname)
            t0 = time.perf_counter()
            asyncio.run(run())
            wall = time.perf_counter() - t0
            cycle_cpu = meter.figures("")
            draw_acks: list[tuple[str, str, int | None]] = []
            draw_wall, draw_cpu = 0.0, {}
            if args.committed_draws:
                server_pid = proc.pid
                draw_wall, draw_cpu = asyncio.run(committed_draws(
                    base, keys, args.clients, args.committed_draws, repeats, draw_acks,
                    lambda: CpuMeter(server_pid, dbname)))
            proc.terminate()
            proc.wait(timeout=30)
            proc = None
            check = check_log(url, data_dir, acks + draw_acks)
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if admin is not None:
            with admin.begin() as conn:
                conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()

    requests = sum(len(v) for k, v in latencies.items() if k != "task_cycle")
    tasks = len(latencies.get("task_cycle", []))
    figures: dict[str, Any] = {
        "tasks": tasks, "wall_s": round(wall, 2),
        "draws_per_s": round(tasks / wall, 2), "requests_per_s": round(requests / wall, 1),
        "load_avg_1m_start": load, "calibration_1m_sha256_cpu_s": calib, **cycle_cpu,
        "server_cpu_ms_per_cycle": round(cycle_cpu["server_cpu_s"] / max(tasks, 1) * 1000, 1),
        "database_cpu_ms_per_cycle": round(cycle_cpu["database_cpu_s"] / max(tasks, 1) * 1000, 1),
    }
    for kind, values in sorted(latencies.items()):
        figures[f"{kind}_p50_ms"] = round(_pct(values, 50) * 1000, 1)
        figures[f"{kind}_p99_ms"] = round(_pct(values, 99) * 1000, 1)
    all_requests = [v for k, vs in latencies.items() if k != "task_cycle" for v in vs]
    figures["request_p50_ms"] = round(_pct(all_requests, 50) * 1000, 1)
    figures["request_p99_ms"] = round(_pct(all_requests, 99) * 1000, 1)
    if repeats:
        figures["committed_draws"] = len(repeats)
        figures["committed_draws_per_s"] = round(len(repeats) / draw_wall, 1)
        figures["committed_draw_p50_ms"] = round(_pct(repeats, 50) * 1000, 1)
        figures["committed_draw_p99_ms"] = round(_pct(repeats, 99) * 1000, 1)
        figures.update(draw_cpu)
    figures.update(check)
    return figures


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--database-url", default=DEFAULT_URL)
    ap.add_argument("--backends", default="sqlite,postgresql")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--tasks", type=int, default=120, help="tasks in total (spread over the clients)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--committed-draws", type=int, default=200,
                    help="tasks prepared up to commit, then only their draws timed (0: none)")
    args = ap.parse_args()
    out: dict[str, Any] = {"benchmark": "api", "clients": args.clients, "workers": args.workers,
                           "targets": TARGETS, "cpus": os.cpu_count()}
    ok = True
    for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
        if backend == "postgresql" and not postgres_answers(args.database_url):
            out[backend] = {"skipped": "PostgreSQL does not answer at --database-url"}
            continue
        figures = run_backend(backend, args)
        ok = ok and figures["every_ack_in_log_exactly_once"] and figures["no_gap"]
        out[backend] = figures
    print(json.dumps(out, ensure_ascii=False))
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
