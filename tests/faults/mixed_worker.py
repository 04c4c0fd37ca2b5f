"""One of several OS processes doing mixed operations on one PostgreSQL database at once
(used by test_pg_concurrency.py).

    python mixed_worker.py <data-dir> <database-url> <worker-id> <ops> <seed> <start-unix-time> <shared,...>

Operations, each its own transaction through the services: a new target (registry edit), a
whole task cycle (create, two pools, commit, draw), a draw of one of the shared committed tasks
(other workers draw the same ones), a non-random inspection. Prints one JSON line: what it
did, what was refused (expected: a shared task already drawn) and any other error.
"""

from __future__ import annotations

import json
import random
import sys
import time
import traceback
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "tasks"))
sys.path.insert(0, str(Path(__file__).parents[2]))

from tasks_support import REGIONS, actor, ops, reveal

from drawsvc.errors import Conflict, RuleViolation
from drawsvc.registries import service as registries
from drawsvc.runtime import open_runtime
from drawsvc.sample.generator import make_uscc
from drawsvc.settings import Settings
from drawsvc.tasks import service

ORIGIN = "faults.drawsvc.example/log"


def main() -> None:
    data_dir, url, worker = sys.argv[1], sys.argv[2], int(sys.argv[3])
    n_ops, seed, start = int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6])
    shared = [s for s in sys.argv[7].split(",") if s]
    rt = open_runtime(Settings(data_dir=Path(data_dir), database_url=url, log_origin=ORIGIN),
                      create_tables=False)
    with rt.engine.connect() as conn:
        rt.log.size(conn)  # connect and import everything before the start line
    rng = random.Random(seed)
    done: list[list[str]] = []
    refused: list[str] = []
    errors: list[str] = []
    time.sleep(max(0.0, start - time.time()))
    for k in range(n_ops):
        op = rng.choice(["target", "cycle", "shared", "shared", "inspection"])
        try:
            if op == "target":
                uscc = make_uscc("91", "330105", 500_000 + worker * 10_000 + k)
                with rt.transaction() as s:
                    registries.upsert_target(s, rt.journal, {"uscc": uscc, "name": f"企业{worker}-{k}",
                                                             "region_code": "330105"}, actor=actor())
                done.append(["target", uscc])
            elif op == "cycle":
                with rt.transaction() as s:
                    t = service.create_task(s, rt.journal, title=f"并发 {worker}-{k}", year=2026,
                                            organiser="SCJG", params={"targets": {"count": 2},
                                                                      "teams": {"size": 2}}, actor=actor())
                    for pool in ("targets", "inspectors"):
                        service.build_pool(s, rt.journal, task=t.code, pool=pool, filters={}, actor=actor())
                with rt.transaction() as s:
                    service.commit_task(s, rt.journal, task=t.code, commitments=ops(), actor=actor())
                with rt.transaction() as s:
                    service.draw_task(s, rt.journal, task=t.code, reveals=reveal(), actor=actor())
                done.append(["draw", t.code])
            elif op == "shared" and shared:
                task = rng.choice(shared)
                try:
                    with rt.transaction() as s:
                        service.draw_task(s, rt.journal, task=task, reveals=reveal(), actor=actor())
                    done.append(["draw", task])
                except (Conflict, RuleViolation) as exc:
                    refused.append(f"{task}: {type(exc).__name__}: {exc}")
            elif op == "inspection":
                with rt.transaction() as s:
                    j = k % 30  # one of the seeded targets (tasks_support.seed_registries)
                    service.record_inspection(s, rt.journal, target=make_uscc("91", REGIONS[j % 3], j),
                                              kind="complaint", on=date(2026, 6, 1), department="SCJG",
                                              reason="群众投诉", actor=actor())
                done.append(["inspection", str(k)])
        except Exception:
            errors.append(f"{op}: {traceback.format_exc(limit=6)}")
    rt.close()
    print(json.dumps({"worker": worker, "done": done, "refused": refused, "errors": errors,
                      }))


if __name__ == "__main__":
    main()
