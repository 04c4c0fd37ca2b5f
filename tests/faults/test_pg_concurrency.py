"""Eight processes of mixed operations on one PostgreSQL database at once (issue 19, REL-P).

Draws of their own tasks, draws of the same shared tasks from several processes, registry
edits and non-random inspections, all overlapping: afterwards one consistent log (no duplicate
or missing index, the signed checkpoint matches), every shared task drawn exactly once (the
others refused with a clear conflict, never a database error), no process left hanging, every
draw recomputes from the log.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from harness import LONG, ORIGIN, check_log
from tasks_support import actor, ops, seed_registries

from drawsvc.runtime import open_runtime
from drawsvc.settings import Settings
from drawsvc.tasks import service
from drawsvc.tasks.logread import reader_for
from drawsvc.tasks.verify import verify_index_or_task

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

PROCESSES = 8
OPS = 40 if LONG else 8
SHARED = 4
WORKER = Path(__file__).with_name("mixed_worker.py")


def test_eight_processes_of_mixed_operations_leave_one_consistent_log(tmp_path: Path, pg_url: str) -> None:
    rt = open_runtime(Settings(data_dir=tmp_path, database_url=pg_url, log_origin=ORIGIN))
    with rt.transaction() as s:
        seed_registries(s, targets=30, inspectors_per_dept=6)
    shared = []
    for i in range(SHARED):
        with rt.transaction() as s:
            t = service.create_task(s, rt.journal, title=f"共享 {i}", year=2026, organiser="SCJG",
                                    params={"targets": {"count": 2}, "teams": {"size": 2}}, actor=actor())
            for pool in ("targets", "inspectors"):
                service.build_pool(s, rt.journal, task=t.code, pool=pool, filters={}, actor=actor())
        with rt.transaction() as s:
            service.commit_task(s, rt.journal, task=t.code, commitments=ops(), actor=actor())
        shared.append(t.code)
    start = time.time() + 4
    procs = [subprocess.Popen([sys.executable, str(WORKER), str(tmp_path), pg_url, str(w), str(OPS), str(w),
                               str(start), ",".join(shared)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for w in range(PROCESSES)]
    reports = []
    for p in procs:
        try:
            out, err = p.communicate(timeout=300)
        except subprocess.TimeoutExpired:
            for q in procs:
                q.kill()
            pytest.fail("a worker hung (deadlock or lock wait without end)")
        assert p.returncode == 0, err.decode()[-3000:]
        reports.append(json.loads(out.decode().strip().splitlines()[-1]))
    errors = [e for r in reports for e in r["errors"]]
    assert errors == [], "\n".join(errors)[:6000]
    state = check_log(rt.engine, rt.log.signer.verifier(), [])
    entries = state.entries
    draws = [ident for r in reports for what, ident in r["done"] if what == "draw"]
    for task in shared:
        results = [e for e in entries if e["kind"] == "draw.result" and e["body"]["task"] == task]
        assert len(results) == 1, f"shared task {task} drawn {len(results)} times"
        assert draws.count(task) == 1
    targets = [ident for r in reports for what, ident in r["done"] if what == "target"]
    logged = {e["body"]["uscc"] for e in entries if e["kind"] == "registry.target.upsert"}
    assert set(targets) <= logged
    with rt.engine.connect() as conn:
        for task in set(draws):
            assert verify_index_or_task(reader_for(rt.log, conn), task, size=state.size).task == task
    rt.close()
    print("pg-concurrency", {"processes": PROCESSES, "ops": PROCESSES * OPS, "log_size": state.size,
                             "draws": len(draws), "refused": sum(len(r["refused"]) for r in reports)})
