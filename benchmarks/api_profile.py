"""Profile of the API's task cycle: the app in-process under cProfile, CPU time per phase.

Seeds the same directory as ``api_bench.py`` (1,000 targets, 4 departments × 10 inspectors,
one bureau key each) into a fresh SQLite file, or into a fresh schema of ``--database-url``
(PostgreSQL), then drives ``create_app(runtime)`` through httpx's ASGI transport in one event
loop: create → build two pools → commit → draw, ``--cycles`` times after ``--warmup`` cycles.
The threadpool hop of sync endpoints is made inline so that one ``cProfile.Profile`` (timer:
this process's CPU time) sees all of the request's work; the database server's own CPU
(PostgreSQL) is not in it.

Prints one JSON line: CPU and wall ms per cycle and per request kind, and per phase the CPU ms
per cycle of its functions (cumulative; phases nest, e.g. "log append" contains "checkpoint
signing", so they do not add up). ``--stats N`` also prints the top N functions to stderr.

    python benchmarks/api_profile.py --cycles 30 [--database-url postgresql+psycopg://…]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import hashlib
import io
import json
import os
import pstats
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio.to_thread
import httpx
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
import api_bench  # the same seed as the benchmark

# phase → (file suffix, function name) pairs whose cumulative CPU time is the phase's.
PHASES: dict[str, tuple[tuple[str, str], ...]] = {
    "request parsing + validation (FastAPI)": (("fastapi/dependencies/utils.py", "solve_dependencies"),),
    "response serialisation (FastAPI)": (("fastapi/routing.py", "serialize_response"),),
    "auth (key lookup)": (("drawsvc/api/auth.py", "authenticate"),),
    "idempotency claim + store": (("drawsvc/api/idempotency.py", "claim"),
                                  ("drawsvc/api/idempotency.py", "complete")),
    "transaction begin/commit": (("sqlalchemy/orm/session.py", "commit"),
                                 ("sqlalchemy/orm/session.py", "_connection_for_bind")),
    "service: create task": (("drawsvc/tasks/service/create.py", "create_task"),),
    "service: build pool": (("drawsvc/tasks/service/pools.py", "build_pool"),),
    "service: commit (freeze + log)": (("drawsvc/tasks/service/commitment.py", "commit_task"),),
    "  freeze pools": (("drawsvc/tasks/service/commitment.py", "_freeze"),),
    "service: draw": (("drawsvc/tasks/service/draw.py", "draw_task"),),
    "canonical JSON (RFC 8785)": (("ledger/entries.py", "canonicalize"),),
    "log append (all)": (("ledger/log.py", "append_encoded"),),
    "  writer lock + state read": (("ledger/store.py", "lock_for_append"), ("ledger/store.py", "read_state")),
    "  tree integrate": (("ledger/tree.py", "integrate"),),
    "  checkpoint signing": (("ledger/checkpoint.py", "sign_checkpoint"),),
    "  tile + bundle write": (("ledger/store.py", "write_append"),),
    "SQL execution (all statements)": (("sqlalchemy/engine/base.py", "_execute_context"),),
}


def _inline_threads() -> None:
    """Run ``to_thread.run_sync`` calls inline, so that the profiler (one thread) sees them."""

    async def run_sync(fn: Callable[..., Any], *args: Any, **_kw: Any) -> Any:
        return fn(*args)

    anyio.to_thread.run_sync = run_sync  # type: ignore[assignment]


ALL_KINDS = frozenset({"create", "pool", "commit", "draw"})


async def cycles(app: Any, key: str, department: str, start: int, n: int,
                 samples: dict[str, list[tuple[float, float]]],
                 kinds: frozenset[str] = ALL_KINDS) -> None:
    """Task cycles ``start … start + n - 1``, sending only the requests of ``kinds`` (the
    committed-draw mode prepares tasks without "draw", then draws them with only "draw")."""
    from drawsvc.draw.seed import commitment

    secret = hashlib.sha256(b"profile").digest()
    commit_body = {"commitments": [{"party": "operator", "commitment": commitment(secret)}]}
    reveal = {"reveals": [{"party": "operator", "secret": secret.hex()}]}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://profile",
                                 headers={"X-API-Key": key}) as c:

        async def call(kind: str, path: str, body: dict[str, Any], **extra: str) -> dict[str, Any]:
            w0, c0 = time.perf_counter(), time.process_time()
            r = await c.post(path, json=body, headers=extra or None)
            samples.setdefault(kind, []).append((time.perf_counter() - w0, time.process_time() - c0))
            if r.status_code >= 300:
                raise RuntimeError(f"{kind} {path}: {r.status_code} {r.text[:300]}")
            out: dict[str, Any] = r.json()
            return out

        for k in range(start, start + n):
            task = f"P{api_bench.YEAR}-{k:05d}"
            if "create" in kinds:
                await call("create", "/v1/tasks", {
                    "title": "基准抽查", "year": api_bench.YEAR, "code": task,
                    "params": {"targets": {"count": 5}, "teams": {"size": 2}}})
            if "pool" in kinds:
                await call("pool", f"/v1/tasks/{task}/pools/targets/build", {"filters": {}})
                await call("pool", f"/v1/tasks/{task}/pools/inspectors/build",
                           {"filters": {"departments": [department]}})
            if "commit" in kinds:
                await call("commit", f"/v1/tasks/{task}/commit", commit_body)
            if "draw" in kinds:
                await call("draw", f"/v1/tasks/{task}/draw", reveal, **{"Idempotency-Key": f"draw-{task}"})


def time_statements(table: dict[str, list[float]]) -> Callable[[], None]:
    """Record the wall time of every psycopg statement by its SQL text (its first 110 characters)
    into ``table``, including those the ledger runs on the DB-API cursor; returns the undo."""
    import psycopg

    originals = {name: getattr(psycopg.Cursor, name) for name in ("execute", "executemany")}

    def timed(name: str) -> Callable[..., Any]:
        original = originals[name]

        def run(cursor: Any, query: Any, *args: Any, **kw: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return original(cursor, query, *args, **kw)
            finally:
                text = query if isinstance(query, str) else str(query)
                table.setdefault(" ".join(text.split())[:110], []).append(time.perf_counter() - t0)

        return run

    for name in originals:
        setattr(psycopg.Cursor, name, timed(name))

    def undo() -> None:
        for name, original in originals.items():
            setattr(psycopg.Cursor, name, original)

    return undo


def phase_cpu(stats: pstats.Stats) -> dict[str, float]:
    """Cumulative seconds per phase (a function counted once per phase, recursion excluded)."""
    out: dict[str, float] = {}
    table: dict[tuple[str, int, str], tuple[Any, ...]] = stats.stats  # type: ignore[attr-defined]
    for phase, funcs in PHASES.items():
        total = 0.0
        for (filename, _line, name), (_cc, _nc, _tt, ct, _callers) in table.items():
            if any(filename.endswith(suffix) and name == fn for suffix, fn in funcs):
                total += ct
        out[phase] = total
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--database-url", default="", help="PostgreSQL URL (default: a fresh SQLite file)")
    ap.add_argument("--cycles", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--stats", type=int, default=0, help="print the top N functions (cumulative) to stderr")
    ap.add_argument("--dump", default="", help="also write the raw profile (pstats) to this file")
    ap.add_argument("--committed-draws", action="store_true",
                    help="prepare the cycles' tasks up to their commit (not timed), then time only "
                    "their draws, with the frozen pools forgotten as in a worker that committed "
                    "other tasks since (api_bench's committed_draws)")
    ap.add_argument("--statements", action="store_true",
                    help="also report each SQL statement's count and wall ms per cycle (PostgreSQL)")
    ap.add_argument("--no-profile", action="store_true",
                    help="time the cycles without cProfile (true CPU per request; no phases)")
    args = ap.parse_args()

    from drawsvc.api.app import create_app
    from drawsvc.runtime import open_runtime
    from drawsvc.settings import Settings
    from drawsvc.tasks.replay import forget_frozen

    _inline_threads()
    schema = f"profile_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(args.database_url) if args.database_url else None
    if admin is not None:
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        with tempfile.TemporaryDirectory(prefix="api-profile-") as tmp:
            data_dir = Path(tmp)
            url = "" if admin is None else (
                sa.make_url(args.database_url).update_query_dict({"options": f"-csearch_path={schema}"})
                .render_as_string(hide_password=False))
            keys = api_bench.seed(url, data_dir)
            dept = api_bench.DEPARTMENTS[0]
            rt = open_runtime(Settings(data_dir=data_dir, database_url=url, log_origin=api_bench.ORIGIN,
                                       api_rate_limit_per_minute=0), create_tables=False)
            try:
                app = create_app(rt)
                warm: dict[str, list[tuple[float, float]]] = {}
                asyncio.run(cycles(app, keys[dept], dept, 0, args.warmup, warm))
                samples: dict[str, list[tuple[float, float]]] = {}
                kinds = ALL_KINDS
                if args.committed_draws:
                    asyncio.run(cycles(app, keys[dept], dept, args.warmup, args.cycles, {},
                                       ALL_KINDS - {"draw"}))
                    kinds = frozenset({"draw"})
                    forget_frozen()
                calib = api_bench.calibration()
                prof = cProfile.Profile(time.process_time)
                statements: dict[str, list[float]] = {}
                undo = time_statements(statements) if args.statements else None
                w0, c0 = time.perf_counter(), time.process_time()
                if not args.no_profile:
                    prof.enable()
                asyncio.run(cycles(app, keys[dept], dept, args.warmup, args.cycles, samples, kinds))
                prof.disable()
                if undo is not None:
                    undo()
                if args.dump and not args.no_profile:
                    prof.dump_stats(args.dump)
                wall, cpu = time.perf_counter() - w0, time.process_time() - c0
            finally:
                rt.close()
    finally:
        if admin is not None:
            with admin.begin() as conn:
                conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()

    n = args.cycles
    stats = pstats.Stats(prof) if not args.no_profile else None
    out: dict[str, Any] = {
        "benchmark": "api_profile", "backend": "postgresql" if admin is not None else "sqlite",
        "cycles": n, "load_avg_1m": round(os.getloadavg()[0], 2), "calibration_1m_sha256_cpu_s": calib,
        "cycle_wall_ms": round(wall / n * 1000, 1), "cycle_cpu_ms": round(cpu / n * 1000, 1),
        "profiled": stats is not None, "committed_draws_only": args.committed_draws,
        "requests": {kind: {"count": len(v),
                            "wall_ms": round(sum(w for w, _ in v) / len(v) * 1000, 2),
                            "cpu_ms": round(sum(c for _, c in v) / len(v) * 1000, 2)}
                     for kind, v in samples.items()},
    }
    if stats is not None:
        out["phases_cpu_ms_per_cycle"] = {k: round(v / n * 1000, 2) for k, v in phase_cpu(stats).items()}
    if args.statements:
        out["statements_per_cycle"] = {
            sql: {"count": round(len(v) / n, 2), "wall_ms": round(sum(v) / n * 1000, 3)}
            for sql, v in sorted(statements.items(), key=lambda kv: -sum(kv[1]))}
    print(json.dumps(out, ensure_ascii=False))
    if args.stats and not args.no_profile:
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(args.stats)
        print(buf.getvalue(), file=sys.stderr)


if __name__ == "__main__":
    main()
