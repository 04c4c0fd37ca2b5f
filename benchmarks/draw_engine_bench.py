"""Pure draw/v1 engine benchmark (no database, no log): prints ONE JSON line.

Scenario (docs/draw-spec.md; end-to-end goal <= 3 s on 2 cores, pure engine well under 2 s):
1,000,000 targets, 5 % undirected ratio draw (50,000 targets), teams of 2 from 5,000 inspectors
with 10,000 interest declarations. Phases timed separately: pool roots (targets, inspectors,
avoidance), seed, target sampling, team assignment; then the targets root again from shuffled
records, from columns (``freeze_target_columns``, the service's form) and from a regular pool
(no strata, no checks, no risk: the service's common case). Input generation is not timed; the
cyclic GC is paused during the timed phases, as the service pauses it.

Usage: .venv/bin/python benchmarks/draw_engine_bench.py [--targets N] [--inspectors N]
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import platform
import random
import time

from drawsvc.draw.pool import (
    USCC_ALPHABET,
    InspectorRecord,
    TargetColumns,
    TargetRecord,
    freeze_avoidance,
    freeze_inspectors,
    freeze_target_columns,
    freeze_targets,
)
from drawsvc.draw.seed import commitment, derive_seed
from drawsvc.draw.targets import RatioRule, draw_ratio
from drawsvc.draw.teams import Avoidance, TeamRule, assign_teams


class Clock:
    """Wall and CPU (process) time per phase: CPU time is less distorted on a shared machine."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = {}
        self.cpu: dict[str, float] = {}
        self._w0 = self._w = time.perf_counter()
        self._c0 = self._c = time.process_time()

    def lap(self, name: str) -> None:
        w, c = time.perf_counter(), time.process_time()
        self.wall[name], self.cpu[name] = round(w - self._w, 3), round(c - self._c, 3)
        self._w, self._c = w, c

    def total(self) -> tuple[float, float]:
        return self._w - self._w0, self._c - self._c0


def make_targets(n: int, rnd: random.Random) -> list[TargetRecord]:
    alphabet = USCC_ALPHABET
    ids: set[str] = set()
    while len(ids) < n:
        ids.add("91" + "".join(rnd.choices(alphabet, k=16)))
    ordered = "|".join(sorted(ids)).split("|")  # allocated in pool order, as read from the database
    return [TargetRecord(i, "ABCD"[k % 4], k % 2, k % 97 == 0) for k, i in enumerate(ordered)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--targets", type=int, default=1_000_000)
    ap.add_argument("--inspectors", type=int, default=5_000)
    ap.add_argument("--declarations", type=int, default=10_000)
    ap.add_argument("--ratio-bp", type=int, default=500)
    args = ap.parse_args()
    rnd = random.Random(20261126)
    targets = make_targets(args.targets, rnd)
    columns = TargetColumns.of_records(targets)
    # the service's common case: no strata, no inspections yet, no risk flag (template leaves)
    regular = TargetColumns(columns.ids, [""] * len(targets), [0] * len(targets), [False] * len(targets))
    shuffled = list(targets)
    rnd.shuffle(shuffled)
    inspectors = [InspectorRecord(f"ZF{i:06d}", f"D{i % 7}", i % 3 == 0, ("general",))
                  for i in range(args.inspectors)]
    salt = hashlib.sha256(b"bench salt").digest()
    pairs = {(rnd.choice(inspectors).id, rnd.choice(targets).id) for _ in range(args.declarations)}
    avoid = Avoidance.from_pairs(salt, pairs)
    secrets = [hashlib.sha256(bytes([k])).digest() for k in range(3)]
    rule = RatioRule(ratio_bp=args.ratio_bp)

    gc.disable()  # as the service does around commit and draw (docs/performance.md, tasks)
    clock = Clock()
    _ = [hashlib.sha256(b"%d" % i).digest() for i in range(1_000_000)]
    clock.lap("calibration_1m_sha256")  # compare across machines/loads: ~0.3 s on an idle core
    calib = clock.cpu["calibration_1m_sha256"]
    clock = Clock()
    tpool = freeze_targets(targets)  # the service reads the pool in id order (DRAW-16)
    clock.lap("pool_root_targets")
    ipool = freeze_inspectors(inspectors)
    apool = freeze_avoidance(avoid.hex_tags())
    clock.lap("pool_roots_inspectors_avoidance")
    seed = derive_seed(task_id="bench", round=1, purpose="inspection",
                       pools={"targets": tpool.pool_root(), "inspectors": ipool.pool_root(),
                              "avoidance": apool.pool_root()},
                       commitments=[commitment(s) for s in secrets], secrets=secrets)
    clock.lap("seed")
    part = draw_ratio(seed, tpool.records, rule)
    clock.lap("sampling")
    teams = assign_teams(seed, part["selected"], ipool.records, TeamRule(size=2), avoid)
    clock.lap("teams")
    engine_wall, engine_cpu = clock.total()
    assert freeze_targets(shuffled).root == tpool.root
    clock.lap("pool_root_targets_shuffled_input")
    assert freeze_target_columns(columns).root == tpool.root  # the service's form (same pool)
    clock.lap("pool_root_targets_columns")
    assert freeze_target_columns(regular).root == freeze_targets(regular.records()).root
    clock.lap("pool_root_targets_columns_regular_then_records")
    loads: dict[str, int] = {}
    for a in teams["assignments"]:
        for m in a["members"]:
            loads[m["id"]] = loads.get(m["id"], 0) + 1
    print(json.dumps({
        "bench": "draw_engine", "python": platform.python_version(),
        "targets": args.targets, "drawn": len(part["selected"]), "inspectors": args.inspectors,
        "declarations": len(pairs),
        "seconds": clock.wall, "cpu_seconds": clock.cpu, "calibration_1m_sha256_cpu_seconds": calib,
        "engine_total_seconds": round(engine_wall, 3), "engine_total_cpu_seconds": round(engine_cpu, 3),
        "load_min": min(loads.values()), "load_max": max(loads.values()),
    }))


if __name__ == "__main__":
    main()
