"""Canonical JSON throughput: ledger.entries.canonicalize vs the rfc8785 package.

Prints ONE JSON line. Entries are realistic log entries (~300 bytes of canonical JSON, the
``drawsvc/entry/v1`` envelope with Chinese company names and addresses, integers only), all
distinct. Usage: .venv/bin/python benchmarks/canonical_bench.py [--n 20000] [--repeat 3] [--batch 10000]

Rates are per CPU second of this process (``time.process_time``: user + sys), best of
``--repeat`` passes; ``*_wall_per_s`` the same passes by the wall clock (a shared machine).
``ours_batch`` is ``canonicalize_many`` on chunks of ``--batch`` objects (what ``Log.append``
calls), ``ours`` one ``canonicalize`` call per object. Those passes reuse the same objects
(warm); ``fresh_*`` canonicalize every object once, each chunk built just before (not timed)
and dropped after, as ``Log.append`` sees the service's entries (--fresh chunks).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import rfc8785

from ledger.entries import canonicalize, canonicalize_many, check_entry_bytes

DISTRICTS = ["浦东新区", "黄浦区", "徐汇区", "长宁区", "静安区", "普陀区", "虹口区", "杨浦区", "闵行区"]
TRADES = ["科技", "贸易", "餐饮管理", "建筑工程", "医疗器械", "物流", "文化传媒"]
KINDS = ["registry.target.upsert", "draw.commit", "draw.result", "task.create"]


def make_entries(n: int, seed: int = 20261126) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        district = rng.choice(DISTRICTS)
        out.append({
            "spec": "drawsvc/entry/v1",
            "kind": rng.choice(KINDS),
            "seq": i,
            "at": f"2026-11-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00Z",
            "actor": f"user:{rng.randint(1000, 9999)}",
            "body": {
                "uscc": f"9131{rng.randint(10**13, 10**14 - 1)}",
                "name": f"上海{rng.choice(['华', '申', '浦', '东'])}{rng.choice(TRADES)}有限公司",
                "district": district,
                "address_commitment": f"{rng.getrandbits(256):064x}",
                "risk": rng.choice("ABCD"),
                "ratio_bp": rng.choice([100, 300, 500]),
                "active": rng.random() < 0.9,
            },
        })
    return out


def rate(fn, items: list, repeat: int) -> tuple[float, float]:
    """Best (CPU rate, wall rate) of ``repeat`` passes of ``fn`` over every item."""
    cpu, wall = [], []
    for _ in range(repeat):
        c, t = time.process_time(), time.perf_counter()
        for x in items:
            fn(x)
        cpu.append(len(items) / (time.process_time() - c))
        wall.append(len(items) / (time.perf_counter() - t))
    return max(cpu), max(wall)


def batch_rate(items: list, batch: int, repeat: int) -> tuple[float, float]:
    chunks = [items[i : i + batch] for i in range(0, len(items), batch)]
    cpu, wall = rate(canonicalize_many, chunks, repeat)
    return cpu * len(items) / len(chunks), wall * len(items) / len(chunks)


def fresh_rate(fn, batch: int, chunks: int) -> float:
    """CPU rate of ``fn`` over freshly built chunks of ``batch`` objects (building not timed)."""
    cpu = 0
    for k in range(chunks):
        items = make_entries(batch, seed=k)
        c = time.process_time_ns()
        fn(items)
        cpu += time.process_time_ns() - c
        del items
    return chunks * batch / (cpu / 1e9)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=20000)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--batch", type=int, default=10000)
    p.add_argument("--fresh", type=int, default=20, help="fresh chunks of --batch objects")
    args = p.parse_args()
    entries = make_entries(args.n)
    encoded = [canonicalize(e) for e in entries]
    mismatches = sum(1 for e, b in zip(entries, encoded, strict=True) if rfc8785.dumps(e) != b)
    chunks = [entries[i : i + args.batch] for i in range(0, len(entries), args.batch)]
    batched = [b for chunk in chunks for b in canonicalize_many(chunk)]
    batch_mismatches = sum(1 for a, b in zip(encoded, batched, strict=True) if a != b)
    ours, ours_wall = rate(canonicalize, entries, args.repeat)
    many, many_wall = batch_rate(entries, args.batch, args.repeat)
    ref, ref_wall = rate(rfc8785.dumps, entries, args.repeat)
    check, _ = rate(lambda b: check_entry_bytes(b, 65536), encoded, args.repeat)
    fresh_many = fresh_rate(canonicalize_many, args.batch, args.fresh)
    fresh_one = fresh_rate(lambda items: [canonicalize(e) for e in items], args.batch, args.fresh)
    print(json.dumps({
        "bench": "canonical",
        "entries": args.n,
        "batch": args.batch,
        "mean_entry_bytes": round(statistics.mean(len(b) for b in encoded), 1),
        "ours_batch_objects_per_s": round(many),
        "ours_batch_wall_per_s": round(many_wall),
        "ours_objects_per_s": round(ours),
        "ours_wall_per_s": round(ours_wall),
        "rfc8785_objects_per_s": round(ref),
        "rfc8785_wall_per_s": round(ref_wall),
        "fresh_batch_objects_per_s": round(fresh_many),
        "fresh_objects_per_s": round(fresh_one),
        "speedup_batch": round(many / ref, 2),
        "speedup": round(ours / ref, 2),
        "check_entry_bytes_per_s": round(check),
        "mismatches_vs_rfc8785": mismatches,
        "batch_mismatches_vs_one_by_one": batch_mismatches,
        "loadavg": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
    }))


if __name__ == "__main__":
    main()
