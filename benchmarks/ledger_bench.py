#!/usr/bin/env python3
"""Ledger benchmark: the service's append path, single appends, proofs, tiles; one JSON line.

    .venv/bin/python benchmarks/ledger_bench.py [--entries 1000000] [--batch 10000] [--single 2000]
                                                [--peer] [--peer-python PATH]

Every step runs in a fresh process (``--step``, started by this script) on SQLite files with the
engine of ``ledger.database`` (WAL, synchronous=NORMAL, auto-checkpoint every 64 MiB,
``BEGIN IMMEDIATE``), as the service uses it; each step's figures are wall time and CPU time
(``time.process_time``: user + sys of that process) of the timed calls, and the orchestrator
adds each child's whole-process user + sys (``child_cpu_s``: set-up included).

1. ``canonical_*`` — the service's path (the goal): ``--entries`` distinct JSON objects shaped
   like the journal's entries (``drawsvc/entry/v1`` envelope: kind, time, actor, a body with
   Chinese names, codes, integers, booleans, null, a list; ≈ 360 bytes of RFC 8785 JSON)
   through ``Log.append`` (RFC 8785 canonicalization, then the append), ``--batch`` per
   transaction. Building the dicts is not timed; ``canonical_encode_cpu_s`` is the part of
   the CPU time spent in ``Log.append``'s canonicalization (``canonicalize_many``).
2. ``single_*`` — a fresh process opens that log and makes ``--single`` appends of ONE new
   canonical entry each, every one its own transaction (``engine.begin()`` → ``Log.append`` →
   commit), as an API request does: CPU per append of the whole transaction (the goal) and of
   the ``Log.append`` call alone, wall p50/p99. The process's first append (no cached edge:
   it reads the stored edge) is reported apart (``single_first_*``); then as many appends by
   two ``Log`` objects taking turns (two API workers): ``single_two_writers_cpu_ms_per_append``.
3. ``encoded_*`` — the peers' workload (../shared/peers/*_bench.py, the same root for the same
   arguments): ``--entries`` entries of ``--entry-bytes`` seeded random bytes through
   ``Log.append_encoded`` (nothing to canonicalize; kept as the secondary figure).
4. proofs on the encoded log, on read-only connections (``ledger.database.read_only``:
   deferred ``BEGIN``; cold-ish: no Python-side cache, OS page cache warm): p50/p99 of
   ``--proofs`` inclusion proofs (random index, size N) and consistency proofs (random size1,
   size N); the median time to sign one checkpoint; a full tile export at N, then
   ``--export-batch`` more entries and the incremental export (the timed figure).

``--peer`` then runs ../shared/peers/pymerkle_bench.py (pymerkle's SqliteTree: leaves only, no
tree stored) on the same workload as step 3 in the same run, with ``--peer-python`` (a venv
with pymerkle==7.0.0, see ../shared/peers/README.md), its ``append_entries`` calls wrapped to
add their CPU time; the ``peer_*`` fields and ``canonical_over_peer`` / ``encoded_over_peer``
(entries/s, wall and CPU) compare them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ledger import export, store
from ledger import log as log_module
from ledger.checkpoint import sign_checkpoint
from ledger.database import create_engine, read_only
from ledger.log import Log
from ledger.note import Signer
from ledger.verify import verify_consistency, verify_inclusion

ORIGIN = "bench.drawsvc.example/log"
ROOT = Path(__file__).resolve().parents[1]
PEERS = ROOT.parent.parent / "shared" / "peers"
if not PEERS.is_dir():
    PEERS = Path("/work/shared/peers")
DEFAULT_PEER_PYTHON = os.environ.get("PEERS_PYTHON", "/tmp/peers-venv/bin/python")


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
    """Distinct journal-shaped JSON objects (≈ 360 bytes canonical), ``batch`` at a time."""
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


def fresh_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def make_log() -> tuple[Signer, Log]:
    signer = Signer.from_seed(ORIGIN, bytes(32))
    return signer, Log(origin=ORIGIN, signer=signer)


# --- steps (each in its own process) -----------------------------------------------------------


def step_canonical(args, work: Path) -> dict:
    db = work / "canonical.db"
    fresh_db(db)
    engine = create_engine(f"sqlite:///{db}")
    store.create_tables(engine)
    _, log = make_log()
    n = args.entries
    # Log.append as it is, with its canonicalization step timed on the side (the share of it).
    # (``canonicalize`` per object before canonicalize_many: the same bench times older trees.)
    encode_ns = [0]
    name = "canonicalize_many" if hasattr(log_module, "canonicalize_many") else "canonicalize"
    real = getattr(log_module, name)

    def timed(objs):
        c = time.process_time_ns()
        try:
            return real(objs)
        finally:
            encode_ns[0] += time.process_time_ns() - c

    setattr(log_module, name, timed)
    try:
        wall, cpu, per_batch, res = append_all(engine, json_batches(n, args.batch, args.seed), log.append)
    finally:
        setattr(log_module, name, real)
    with engine.connect() as conn:
        sample = log.entries(conn, 0, min(n, 1000))
    engine.dispose()
    return {
        "canonical_entries_per_s": round(n / (wall / 1e9)),
        "canonical_entries_per_cpu_s": round(n / (cpu / 1e9)),
        "canonical_append_s": round(wall / 1e9, 2),
        "canonical_append_cpu_s": round(cpu / 1e9, 2),
        "canonical_encode_cpu_s": round(encode_ns[0] / 1e9, 2),
        "canonical_batch_p50_ms": ms(percentile(per_batch, 0.5)),
        "canonical_bytes_mean": round(sum(map(len, sample)) / max(1, len(sample)), 1),
        "canonical_root_hex": res.root.hex(),
    }


def step_single(args, work: Path) -> dict:
    engine = create_engine(f"sqlite:///{work / 'canonical.db'}")
    _, log = make_log()
    extra = next(json_batches(args.single + 1, args.single + 1, args.seed + 3, start=args.entries))
    c0, t0 = time.process_time_ns(), time.perf_counter_ns()
    with engine.begin() as conn:  # the process's first append: no cached edge yet
        log.append(conn, [extra[0]])
    first_cpu, first_wall = time.process_time_ns() - c0, time.perf_counter_ns() - t0
    wall_each = []
    call_cpu = 0
    begin = engine.begin
    append = log.append
    clock, cpu_clock = time.perf_counter_ns, time.process_time_ns
    c_all = cpu_clock()
    for entry in extra[1:]:
        t0 = clock()
        with begin() as conn:
            c1 = cpu_clock()
            append(conn, [entry])
            call_cpu += cpu_clock() - c1
        wall_each.append(clock() - t0)
    cpu = cpu_clock() - c_all
    # Two writers taking turns (two API workers on one database): every append finds the
    # other's entry, so its kept edge is stale and it reads the stored state and edge.
    _, other = make_log()
    pairs = next(json_batches(args.single, args.single, args.seed + 4, start=args.entries + args.single + 1))
    c_two = cpu_clock()
    for i, entry in enumerate(pairs):
        with begin() as conn:
            (log if i % 2 else other).append(conn, [entry])
    two_cpu = cpu_clock() - c_two
    with engine.connect() as conn:
        size = log.size(conn)
    engine.dispose()
    assert size == args.entries + 2 * args.single + 1
    k = args.single
    return {
        "single_appends": k,
        "single_cpu_ms_per_append": round(cpu / 1e6 / k, 4),
        "single_append_call_cpu_ms": round(call_cpu / 1e6 / k, 4),
        "single_appends_per_s": round(k / (sum(wall_each) / 1e9)),
        "single_appends_per_cpu_s": round(k / (cpu / 1e9)),
        "single_p50_ms": ms(percentile(wall_each, 0.5)),
        "single_p99_ms": ms(percentile(wall_each, 0.99)),
        "single_first_ms": ms(first_wall),
        "single_first_cpu_ms": ms(first_cpu),
        "single_two_writers_cpu_ms_per_append": round(two_cpu / 1e6 / k, 4),
    }


def step_encoded(args, work: Path) -> dict:
    db = work / "ledger.db"
    fresh_db(db)
    engine = create_engine(f"sqlite:///{db}")
    store.create_tables(engine)
    _, log = make_log()
    n = args.entries
    wall, cpu, per_batch, res = append_all(
        engine, entry_batches(n, args.entry_bytes, args.batch, args.seed), log.append_encoded
    )
    engine.dispose()
    return {
        "root_hex": res.root.hex(),
        "encoded_entries_per_s": round(n / (wall / 1e9)),
        "encoded_entries_per_cpu_s": round(n / (cpu / 1e9)),
        "encoded_append_s": round(wall / 1e9, 2),
        "encoded_append_cpu_s": round(cpu / 1e9, 2),
        "encoded_batch_p50_ms": ms(percentile(per_batch, 0.5)),
        "encoded_batch_max_ms": ms(max(per_batch)),
    }


def step_proofs(args, work: Path) -> dict:
    db = work / "ledger.db"
    site = work / "site"
    shutil.rmtree(site, ignore_errors=True)
    signer, log = make_log()
    n = args.entries
    engine = create_engine(f"sqlite:///{db}")
    reader = read_only(engine)
    rng = random.Random(args.seed + 1)
    incl, cons = [], []
    with reader.connect() as conn:
        t0 = time.perf_counter_ns()
        assert log.size(conn) == n
        first_read_ns = time.perf_counter_ns() - t0
        root = log.root(conn)
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
    return {
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
    }


STEPS = {"canonical": step_canonical, "single": step_single, "encoded": step_encoded, "proofs": step_proofs}

# Runs ../shared/peers/pymerkle_bench.py unchanged, its appends wrapped to add their CPU time.
_PEER_WRAPPER = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
sys.argv = [sys.argv[1] + "/pymerkle_bench.py", *sys.argv[2:]]
import pymerkle, pymerkle_bench
cpu = [0]
real = pymerkle.SqliteTree.append_entries
def append_entries(self, *a, **k):
    c = time.process_time_ns()
    try:
        return real(self, *a, **k)
    finally:
        cpu[0] += time.process_time_ns() - c
pymerkle.SqliteTree.append_entries = append_entries
pymerkle_bench.main()
print(json.dumps({"append_cpu_ns": cpu[0]}))
"""


def run_child(cmd: list[str]) -> tuple[dict, dict]:
    """Run one step; its JSON line(s) merged, and its wall time and whole-process user + sys."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"step failed ({done.returncode}): {' '.join(cmd)}")
    out: dict = {}
    for line in done.stdout.splitlines():
        if line.startswith("{"):
            out.update(json.loads(line))
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return out, {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--entries", type=int, default=1_000_000)
    ap.add_argument("--entry-bytes", type=int, default=300)
    ap.add_argument("--batch", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--proofs", type=int, default=500)
    ap.add_argument("--export-batch", type=int, default=10_000)
    ap.add_argument("--single", type=int, default=2_000, help="single-entry appends (0: none)")
    ap.add_argument("--steps", default="canonical,single,encoded,proofs", help="comma-separated")
    ap.add_argument("--peer", action="store_true", help="also run pymerkle_bench.py (same run)")
    ap.add_argument("--peer-python", default=DEFAULT_PEER_PYTHON)
    ap.add_argument("--dir", default=None, help="work directory (default: a temp dir, removed)")
    ap.add_argument("--step", choices=sorted(STEPS), help=argparse.SUPPRESS)
    args = ap.parse_args()
    work = Path(args.dir or tempfile.mkdtemp(prefix="ledger-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    if args.step:  # a child: one step, one JSON line
        print(json.dumps(STEPS[args.step](args, work)))
        return

    started = time.perf_counter()
    load = [round(x, 2) for x in os.getloadavg()]
    steps = [s for s in args.steps.split(",") if s and not (s == "single" and not args.single)]
    common = [
        f"--entries={args.entries}", f"--entry-bytes={args.entry_bytes}", f"--batch={args.batch}",
        f"--seed={args.seed}", f"--proofs={args.proofs}", f"--export-batch={args.export_batch}",
        f"--single={args.single}", f"--dir={work}",
    ]  # fmt: skip
    figures: dict[str, object] = {}
    children: dict[str, object] = {}
    for step in steps:
        got, usage = run_child([sys.executable, str(Path(__file__).resolve()), f"--step={step}", *common])
        figures.update(got)
        children[step] = {**usage, "loadavg_after": [round(x, 2) for x in os.getloadavg()]}
    if args.peer:
        peer_db = work / "pymerkle.db"
        cmd = [args.peer_python, "-c", _PEER_WRAPPER, str(PEERS), f"--n={args.entries}",
               f"--entry-bytes={args.entry_bytes}", f"--batch={args.batch}", f"--seed={args.seed}",
               f"--db={peer_db}"]  # fmt: skip
        got, usage = run_child(cmd)
        children["peer"] = {**usage, "loadavg_after": [round(x, 2) for x in os.getloadavg()]}
        peer_cpu = got["append_cpu_ns"] / 1e9
        figures.update(
            peer_tool=f"pymerkle {got['pymerkle']} {got['backend']} ({got['durability']})",
            peer_entries_per_s=got["append_entries_per_s"],
            peer_entries_per_cpu_s=round(args.entries / peer_cpu),
            peer_append_s=got["append_s"],
            peer_append_cpu_s=round(peer_cpu, 2),
            peer_root_hex=got["root_hex"],
            peer_root_matches=got["root_hex"] == figures.get("root_hex"),
            peer_inclusion_p50_ms=got["inclusion_p50_ms"],
            peer_consistency_p50_ms=got["consistency_p50_ms"],
            peer_file_bytes=got["file_bytes"],
        )
        for ours in ("canonical", "encoded"):
            if f"{ours}_entries_per_s" in figures:
                rate = figures[f"{ours}_entries_per_s"]
                figures[f"{ours}_over_peer"] = round(rate / got["append_entries_per_s"], 3)
                figures[f"{ours}_over_peer_cpu"] = round(
                    figures[f"{ours}_entries_per_cpu_s"] / figures["peer_entries_per_cpu_s"], 3
                )
    if "canonical_entries_per_s" in figures and "encoded_entries_per_s" in figures:
        figures["canonical_over_encoded"] = round(
            figures["canonical_entries_per_s"] / figures["encoded_entries_per_s"], 3
        )
    if args.dir is None:
        shutil.rmtree(work, ignore_errors=True)
    print(
        json.dumps(
            {
                "tool": "ledger_bench",
                "entries": args.entries,
                "entry_bytes": args.entry_bytes,
                "batch": args.batch,
                **figures,
                "steps": children,
                "python": sys.version.split()[0],
                "sqlite": sqlite3.sqlite_version,
                "cpus": os.cpu_count(),
                "loadavg_at_start": load,
                "loadavg_at_end": [round(x, 2) for x in os.getloadavg()],
                "wall_s": round(time.perf_counter() - started, 1),
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
