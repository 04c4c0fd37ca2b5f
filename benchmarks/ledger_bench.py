#!/usr/bin/env python3
"""Ledger benchmark: append throughput, proof latency, checkpoint signing, tile export; one JSON line.

    .venv/bin/python benchmarks/ledger_bench.py [--entries 1000000] [--batch 10000] [--single 2000]

Two append workloads, each into its own fresh SQLite file (WAL, synchronous=NORMAL,
auto-checkpoint every 64 MiB, one transaction per batch, as ``ledger.database`` configures it):

- ``encoded_*`` — the peers' workload (../shared/peers/*_bench.py, the same root for the same
  arguments): ``--entries`` entries of ``--entry-bytes`` seeded random bytes
  (``random.Random(seed)``, ``randbytes``) through ``Log.append_encoded``;
- ``canonical_*`` — the service's path: ``--entries`` distinct JSON objects shaped like the
  journal's entries (``drawsvc/entry/v1`` envelope: kind, time, actor, a body with Chinese
  names, codes, integers, booleans, null, a list; ≈ 360 bytes of RFC 8785 JSON) through
  ``Log.append``, which canonicalizes every one (RFC 8785) before appending.

Building the entries (random bytes or Python dicts) is not timed; ``*_cpu_s`` is the process CPU
time of the appends (the machine is shared: wall-clock rates vary by ±45 % between runs, CPU
time much less). Then ``single_*``: ``--single`` appends of ONE canonical entry each, every one
in its own transaction (``engine.begin()`` → ``Log.append`` → commit), as an API request does
it, onto the canonical log of ``--entries``: CPU time per append (the goal is ≤ 0.2 ms) and
wall-clock p50/p99.

Then, on a NEW engine and read-only connections (``ledger.database.read_only``: deferred
``BEGIN``, no write lock; cold-ish: no Python-side cache, OS page cache warm):
p50/p99 of ``--proofs`` inclusion proofs (random index, size N) and consistency proofs
(random size1, size N); the median time to sign one checkpoint; a full tile export at N,
then ``--export-batch`` more entries and the incremental export (the timed figure).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ledger import export, store
from ledger.checkpoint import sign_checkpoint
from ledger.database import create_engine, read_only
from ledger.log import Log
from ledger.note import Signer
from ledger.verify import verify_consistency, verify_inclusion

ORIGIN = "bench.drawsvc.example/log"


def entry_batches(n: int, entry_bytes: int, batch: int, seed: int):
    rng = random.Random(seed)
    done = 0
    while done < n:
        k = min(batch, n - done)
        yield [rng.randbytes(entry_bytes) for _ in range(k)]
        done += k


TRADES = ("科技", "贸易", "餐饮管理", "建筑工程", "医疗器械", "物流", "文化传媒")
KINDS = ("registry.target.upsert", "task.pool.build", "task.create", "result.record")
ROLES = ("bureau", "admin", "discipline")


def json_batches(n: int, batch: int, seed: int, start: int = 0):
    """Distinct journal-shaped JSON objects (≈ 300 bytes canonical), ``batch`` at a time."""
    rng = random.Random(seed)
    done = 0
    while done < n:
        k = min(batch, n - done)
        out = []
        for i in range(start + done, start + done + k):
            out.append({
                "schema": "drawsvc/entry/v1",
                "kind": KINDS[i % len(KINDS)],
                "at": f"2026-12-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:"
                f"{rng.randint(0, 59):02d}:00+08:00",
                "actor": {"role": ROLES[i % 3], "department": "SCJG", "name": None},
                "body": {
                    "seq": i,
                    "uscc": f"9133{rng.randint(10**13, 10**14 - 1)}X",
                    "name": f"杭州{rng.choice('华申浦东')}{rng.choice(TRADES)}有限公司",
                    "commitment": f"{rng.getrandbits(256):064x}",
                    "ratio_bp": rng.choice((100, 300, 500)),
                    "flags": ["A", "B"][: rng.randint(0, 2)],
                    "active": rng.random() < 0.9,
                },
            })
        yield out
        done += k


def append_all(engine, batches, append) -> tuple[int, int, list[int], object]:
    """Append every batch in its own transaction; (wall ns, CPU ns, per-batch wall ns, last result)."""
    wall = cpu = 0
    per_batch = []
    res = None
    for batch in batches:
        c0 = time.process_time_ns()
        t0 = time.perf_counter_ns()
        with engine.begin() as conn:
            res = append(conn, batch)
        dt = time.perf_counter_ns() - t0
        cpu += time.process_time_ns() - c0
        wall += dt
        per_batch.append(dt)
    return wall, cpu, per_batch, res


def percentile(samples: list[float], q: float) -> float:
    s = sorted(samples)
    return s[min(len(s) - 1, max(0, math.ceil(q * len(s)) - 1))]


def ms(ns: float) -> float:
    return round(ns / 1e6, 3)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--entries", type=int, default=1_000_000)
    ap.add_argument("--entry-bytes", type=int, default=300)
    ap.add_argument("--batch", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--proofs", type=int, default=500)
    ap.add_argument("--export-batch", type=int, default=10_000)
    ap.add_argument("--single", type=int, default=2_000, help="single-entry appends (0: none)")
    ap.add_argument("--dir", default=None, help="work directory (default: a temp dir, removed)")
    args = ap.parse_args()
    started = time.perf_counter()
    work = Path(args.dir or tempfile.mkdtemp(prefix="ledger-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    db = work / "ledger.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    site = work / "site"
    shutil.rmtree(site, ignore_errors=True)
    load = [round(x, 2) for x in os.getloadavg()]

    signer = Signer.from_seed(ORIGIN, bytes(32))
    log = Log(origin=ORIGIN, signer=signer)
    n = args.entries
    figures: dict[str, object] = {}

    # The service's path first: JSON objects canonicalized by Log.append, then single appends.
    cdb = work / "canonical.db"
    engine = create_engine(f"sqlite:///{cdb}")
    store.create_tables(engine)
    cwall, cpu, per_batch, _ = append_all(engine, json_batches(n, args.batch, args.seed), log.append)
    figures.update(
        canonical_entries_per_s=round(n / (cwall / 1e9)),
        canonical_append_s=round(cwall / 1e9, 2),
        canonical_append_cpu_s=round(cpu / 1e9, 2),
        canonical_batch_p50_ms=ms(percentile(per_batch, 0.5)),
        canonical_bytes_mean=None,
    )
    with engine.connect() as conn:
        sample = log.entries(conn, 0, min(n, 1000))
    figures["canonical_bytes_mean"] = round(sum(map(len, sample)) / max(1, len(sample)), 1)
    if args.single:
        extra = next(json_batches(args.single, args.single, args.seed + 3, start=n))
        singles = [[e] for e in extra]
        wall_each = []
        c0 = time.process_time_ns()
        for one in singles:
            t0 = time.perf_counter_ns()
            with engine.begin() as conn:
                log.append(conn, one)
            wall_each.append(time.perf_counter_ns() - t0)
        cpu = time.process_time_ns() - c0
        figures.update(
            single_appends=args.single,
            single_cpu_ms_per_append=round(cpu / 1e6 / args.single, 4),
            single_appends_per_s=round(args.single / (sum(wall_each) / 1e9)),
            single_p50_ms=ms(percentile(wall_each, 0.5)),
            single_p99_ms=ms(percentile(wall_each, 0.99)),
        )
    engine.dispose()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{cdb}{suffix}").unlink(missing_ok=True)

    # The peers' workload: pre-encoded random bytes through Log.append_encoded.
    engine = create_engine(f"sqlite:///{db}")
    store.create_tables(engine)
    append_ns, append_cpu_ns, batch_ns, res = append_all(
        engine, entry_batches(n, args.entry_bytes, args.batch, args.seed), log.append_encoded
    )
    root = res.root
    engine.dispose()

    # Proofs on a new engine / connection, read-only (deferred BEGIN: no write lock).
    engine = create_engine(f"sqlite:///{db}")
    reader = read_only(engine)
    rng = random.Random(args.seed + 1)
    incl, cons = [], []
    with reader.connect() as conn:
        t0 = time.perf_counter_ns()
        assert log.size(conn) == n
        first_read_ns = time.perf_counter_ns() - t0
        leaf_for = {}
        for _ in range(args.proofs):
            i = rng.randrange(n)
            t0 = time.perf_counter_ns()
            p = log.inclusion_proof(conn, i, n)
            incl.append(time.perf_counter_ns() - t0)
            leaf_for[i] = p
            m = rng.randrange(1, n + 1)
            t0 = time.perf_counter_ns()
            c = log.consistency_proof(conn, m, n)
            cons.append(time.perf_counter_ns() - t0)
        # Spot-check that what was timed is right.
        i, p = next(iter(leaf_for.items()))
        verify_inclusion(i, n, hashlib.sha256(b"\x00" + log.entry(conn, i)).digest(), p, root)
        verify_consistency(m, n, c, log.root(conn, m), root)

    sign = []
    for _ in range(200):
        t0 = time.perf_counter_ns()
        sign_checkpoint(signer, ORIGIN, n, root)
        sign.append(time.perf_counter_ns() - t0)

    with reader.connect() as conn:
        t0 = time.perf_counter_ns()
        full = export.export_tiles(conn, site)
        full_export_ns = time.perf_counter_ns() - t0
    extra = next(entry_batches(args.export_batch, args.entry_bytes, args.export_batch, args.seed + 2))
    with engine.begin() as conn:
        log.append_encoded(conn, extra)
    with reader.connect() as conn:
        t0 = time.perf_counter_ns()
        inc = export.export_tiles(conn, site)
        inc_export_ns = time.perf_counter_ns() - t0
    export.verify_directory(site, signer.verifier(), origin=ORIGIN)
    engine.dispose()
    file_bytes = sum(os.path.getsize(f"{db}{s}") for s in ("", "-wal") if os.path.exists(f"{db}{s}"))
    if args.dir is None:
        shutil.rmtree(work, ignore_errors=True)

    print(
        json.dumps(
            {
                "tool": "ledger_bench",
                "entries": n,
                "entry_bytes": args.entry_bytes,
                "batch": args.batch,
                "root_hex": root.hex(),
                **figures,
                "encoded_entries_per_s": round(n / (append_ns / 1e9)),
                "encoded_append_s": round(append_ns / 1e9, 2),
                "encoded_append_cpu_s": round(append_cpu_ns / 1e9, 2),
                "encoded_batch_p50_ms": ms(percentile(batch_ns, 0.5)),
                "encoded_batch_max_ms": ms(max(batch_ns)),
                "canonical_over_encoded": round((n / (cwall / 1e9)) / (n / (append_ns / 1e9)), 3),
                "first_read_ms": ms(first_read_ns),
                "inclusion_p50_ms": ms(percentile(incl, 0.5)),
                "inclusion_p99_ms": ms(percentile(incl, 0.99)),
                "consistency_p50_ms": ms(percentile(cons, 0.5)),
                "consistency_p99_ms": ms(percentile(cons, 0.99)),
                "checkpoint_sign_p50_ms": ms(percentile(sign, 0.5)),
                "full_export_s": round(full_export_ns / 1e9, 2),
                "full_export_files": len(full.written),
                "incremental_export_entries": args.export_batch,
                "incremental_export_s": round(inc_export_ns / 1e9, 3),
                "incremental_export_files": len(inc.written),
                "db_bytes": file_bytes,
                "python": sys.version.split()[0],
                "sqlite": sqlite3.sqlite_version,
                "cpus": os.cpu_count(),
                "loadavg_at_start": load,
                "wall_s": round(time.perf_counter() - started, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
