"""Pool reads benchmark: the two small reads of a task's commit over a million-row pool.

Set-up (excluded from the figures): ``draw_bench.load_directory`` (1,000,000 targets), one
target in ``--flag-every`` carrying a risk flag, a task whose targets pool holds the whole
directory, ``--edits`` hand removals and as many hand additions (deregistered targets added back).
Then, on SQLite, the median of ``--repeat`` warm calls of

- ``pool_edits``:      the task's hand-edited pool rows (``tasks.repository.pool_edits``);
- ``flagged_targets``: the USCCs of the risk-flagged targets (``tasks.repository.flagged_targets``);

and the plan SQLite chooses for the SELECTs each executes (``EXPLAIN QUERY PLAN``). Prints ONE JSON line.

    .venv/bin/python benchmarks/pool_reads_bench.py [--targets N] [--flag-every K] [--edits N]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from draw_bench import load_directory


def _median_s(fn: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return round(statistics.median(times), 4)


def _planned(session: Any, read: Callable[[], Any], table: str) -> str:
    """SQLite's EXPLAIN QUERY PLAN of the SELECTs of ``table`` that ``read()`` executes."""
    import sqlalchemy as sa

    seen: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT") and f"FROM {table}" in statement:
            seen.append((statement, parameters))

    engine = session.get_bind()
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        read()
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    conn = session.connection()
    return " | ".join(
        "; ".join(r[-1] for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params).all())
        for sql, params in seen
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--targets", type=int, default=1_000_000)
    parser.add_argument("--flag-every", type=int, default=100)
    parser.add_argument("--edits", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    from drawsvc.journal import Actor
    from drawsvc.registries import models as reg
    from drawsvc.runtime import open_runtime
    from drawsvc.settings import Settings
    from drawsvc.tasks import repository as repo
    from drawsvc.tasks import service

    figures: dict[str, Any] = {
        "bench": "pool_reads",
        "targets": args.targets,
        "flag_every": args.flag_every,
        "edits": args.edits,
        "cpus": os.cpu_count(),
    }
    with tempfile.TemporaryDirectory() as tmp:
        rt = open_runtime(Settings(data_dir=Path(tmp), log_origin="bench.drawsvc.example/log"))
        ids = load_directory(rt.engine, args.targets, 10, 1)
        added = ids[1 : 1 + args.edits]  # deregistered: outside the filter, added back by hand
        removed = ids[-args.edits :]
        with rt.engine.begin() as conn:
            t = reg.Target.__table__
            conn.execute(
                t.update().where(t.c.id % args.flag_every == 0).values(risk_flags=["complaints"])
            )
            conn.execute(t.update().where(t.c.uscc.in_(added)).values(status="deregistered"))
        bureau = Actor(role="bureau", department="SCJG", name="bench")
        with rt.transaction() as s:
            code = service.create_task(
                s, rt.journal, title="bench", year=2026, organiser="SCJG",
                params={"targets": {"ratio_bp": 500}}, actor=bureau,
            ).code
            service.build_pool(s, rt.journal, task=code, pool="targets", filters={}, actor=bureau)
            for u in added:
                service.add_pool_member(
                    s, rt.journal, task=code, pool="targets", member=u, reason="bench", actor=bureau
                )
            for u in removed:
                service.remove_pool_member(
                    s, rt.journal, task=code, pool="targets", member=u, reason="bench", actor=bureau
                )
        figures["load_avg_1m"] = round(os.getloadavg()[0], 2)
        figures["calibration_1m_sha256_cpu_s"] = round(
            _median_s(lambda: [hashlib.sha256(b"%d" % i).digest() for i in range(1_000_000)], 1), 3
        )
        with rt.transaction() as s:
            edits = repo.pool_edits(s, code)
            flagged = repo.flagged_targets(s)
            assert len(edits) == 2 * args.edits, len(edits)
            assert len(flagged) == args.targets // args.flag_every, len(flagged)
            figures["pool_edits_s"] = _median_s(lambda: repo.pool_edits(s, code), args.repeat)
            figures["flagged_targets_s"] = _median_s(lambda: repo.flagged_targets(s), args.repeat)
            figures["pool_edits_plan"] = _planned(s, lambda: repo.pool_edits(s, code), "task_pool_members")
            figures["flagged_targets_plan"] = _planned(s, lambda: repo.flagged_targets(s), "targets")
        figures["load_avg_1m_end"] = round(os.getloadavg()[0], 2)
        rt.close()
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
