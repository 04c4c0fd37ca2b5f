#!/usr/bin/env python3
"""Ledger benchmark: append throughput, proof latency, checkpoint signing, tile export; one JSON line.

    .venv/bin/python benchmarks/ledger_bench.py [--entries 1000000] [--batch 10000]

Workload (the same as ../shared/peers/*_bench.py, so the same root for the same arguments):
``--entries`` entries of ``--entry-bytes`` seeded random bytes (``random.Random(seed)``,
``randbytes``), appended in batches of ``--batch`` through ``Log.append_encoded`` into a
fresh SQLite file (WAL, synchronous=NORMAL, auto-checkpoint every 64 MiB, one transaction
per batch, as ``ledger.database`` configures it). Generating the entries is not timed;
``append_cpu_s`` is the process CPU time of the appends (the machine is shared: wall-clock
rates vary by ±45 % between runs, CPU time much less).

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
    engine = create_engine(f"sqlite:///{db}")
    store.create_tables(engine)

    n = args.entries
    append_ns = append_cpu_ns = 0
    batch_ns = []
    for batch in entry_batches(n, args.entry_bytes, args.batch, args.seed):
        c0 = time.process_time_ns()
        t0 = time.perf_counter_ns()
        with engine.begin() as conn:
            res = log.append_encoded(conn, batch)
        dt = time.perf_counter_ns() - t0
        append_cpu_ns += time.process_time_ns() - c0
        append_ns += dt
        batch_ns.append(dt)
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
                "append_entries_per_s": round(n / (append_ns / 1e9)),
                "append_s": round(append_ns / 1e9, 2),
                "append_cpu_s": round(append_cpu_ns / 1e9, 2),
                "append_batch_p50_ms": ms(percentile(batch_ns, 0.5)),
                "append_batch_max_ms": ms(max(batch_ns)),
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
