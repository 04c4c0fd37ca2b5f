"""Canonical JSON throughput: ledger.entries.canonicalize vs the rfc8785 package.

Prints ONE JSON line. Entries are realistic log entries (~300 bytes of canonical JSON, the
``drawsvc/entry/v1`` envelope with Chinese company names and addresses, integers only), all
distinct. Usage: .venv/bin/python benchmarks/canonical_bench.py [--n 20000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import rfc8785

from ledger.entries import canonicalize, check_entry_bytes

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


def rate(fn, items: list, repeat: int) -> float:
    best = []
    for _ in range(repeat):
        t = time.perf_counter()
        for x in items:
            fn(x)
        best.append(len(items) / (time.perf_counter() - t))
    return max(best)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=20000)
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args()
    entries = make_entries(args.n)
    encoded = [canonicalize(e) for e in entries]
    mismatches = sum(1 for e, b in zip(entries, encoded, strict=True) if rfc8785.dumps(e) != b)
    ours = rate(canonicalize, entries, args.repeat)
    ref = rate(rfc8785.dumps, entries, args.repeat)
    check = rate(lambda b: check_entry_bytes(b, 65536), encoded, args.repeat)
    print(json.dumps({
        "bench": "canonical",
        "entries": args.n,
        "mean_entry_bytes": round(statistics.mean(len(b) for b in encoded), 1),
        "ours_objects_per_s": round(ours),
        "rfc8785_objects_per_s": round(ref),
        "speedup": round(ours / ref, 2),
        "check_entry_bytes_per_s": round(check),
        "mismatches_vs_rfc8785": mismatches,
        "python": platform.python_version(),
    }))


if __name__ == "__main__":
    main()
