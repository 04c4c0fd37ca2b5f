"""Results benchmark: 50,000 results entered and published for a 1,000,000-target year.

Set-up (bulk Core inserts and one direct task + draw row, excluded from the goals; the draw
itself is benchmarked by ``draw_bench.py``): 1,000,000 targets, one department with two check
items' worth of settings, a locked draw of ``--drawn`` targets (default 51,000: 1,000 of them
get no result, so the overdue list has missing results to find) with 2-person teams, the
bundled calendar. Then each timed step runs in a fresh process on the same SQLite database,
through the real services and the canonicalizing log path:

- ``import``:  ``drawsvc.results.batch.import_results`` of 50,000 parsed rows (all-or-nothing:
               every row checked, one ``result.import`` entry per row); goal ≥ 2,000 results/s;
- ``publish``: ``audit_results`` then ``publish_results`` of 49,000 of them (one
               ``result.audit`` and one ``result.publish`` entry each), the public forms built;
- ``overdue``: ``overdue.overdue`` for the department weeks later (1,000 publications overdue,
               1,000 results missing); goal ≤ 1 s;
- ``deadlines``: the auditor's view of every deadline (reported);
- ``coverage``: the yearly statistics (``drawsvc.coverage.service.coverage``) over the year's
               inspections, in the overdue step's process; goal ≤ 1 s (``coverage_bench.py``
               times them alone, with non-random checks and several items).

Prints ONE JSON line.

    .venv/bin/python benchmarks/results_bench.py [--targets N] [--drawn N] [--results N]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime
from datetime import time as dtime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
DEPT = "QY"
ITEM = {"department": DEPT, "code": "QY-SP-01"}
TASK = "T2026-0001"
IMPORT_DAY, PUBLISH_DAY, OVERDUE_DAY = date(2026, 6, 15), date(2026, 6, 16), date(2026, 8, 3)
CATEGORIES = (
    ["未发现问题"],
    ["发现问题经责令已改正"],
    ["发现问题待后续处理", "不配合检查情节严重"],
    ["通过登记的住所（经营场所）无法联系"],
)


def uscc(i: int) -> str:
    body, k = "", i
    for _ in range(8):
        k, r = divmod(k, 31)
        body += ALPHABET[r]
    return "91130634MA" + body


def runtime(data_dir: Path, day: date) -> Any:
    from drawsvc.journal import SHANGHAI
    from drawsvc.runtime import open_runtime
    from drawsvc.settings import Settings

    rt = open_runtime(Settings(data_dir=data_dir, log_origin="bench.drawsvc.example/log"))
    rt.journal.clock = lambda: datetime.combine(day, dtime(10, 0), tzinfo=SHANGHAI)
    return rt


def setup(data_dir: Path, n_targets: int, n_drawn: int) -> dict[str, Any]:
    import sqlalchemy as sa

    from drawsvc.calendar.service import ensure_bundled
    from drawsvc.journal import SYSTEM, Actor
    from drawsvc.registries import models as reg
    from drawsvc.results import service
    from drawsvc.tasks import repository as task_repo
    from drawsvc.tasks.models import Draw, Task

    rt = runtime(data_dir, IMPORT_DAY)
    ids = [uscc(i) for i in range(n_targets)]
    with rt.engine.begin() as conn:
        conn.execute(sa.insert(reg.Department), [{"code": DEPT, "name": "曲阳县市场监督管理局"}])
        conn.execute(
            sa.insert(reg.CheckItem),
            [
                {
                    "department_code": DEPT,
                    "code": ITEM["code"],
                    "name": "食品经营者经营活动的监督检查",
                    "published": True,
                }
            ],
        )
        for lo in range(0, n_targets, 50_000):
            conn.execute(
                sa.insert(reg.Target),
                [
                    {
                        "uscc": ids[i],
                        "name": f"企业{i}",
                        "target_type": "企业",
                        "scale": "小型",
                        "region_code": "130634",
                        "registration_authority": "曲阳县市场监督管理局",
                        "industry": "餐饮",
                        "risk_flags": [],
                        "credit_class": "B",
                        "status": "active",
                        "version": 1,
                    }
                    for i in range(lo, min(n_targets, lo + 50_000))
                ],
            )
    step = max(1, n_targets // n_drawn)
    drawn = sorted(ids[i] for i in range(0, n_targets, step))[:n_drawn]
    assignments = [
        {
            "target": u,
            "members": [
                {"id": f"QY-{(2 * k) % 5000 + 1:05d}", "leader": True, "designated": False},
                {"id": f"QY-{(2 * k + 1) % 5000 + 1:05d}", "leader": False, "designated": False},
            ],
        }
        for k, u in enumerate(drawn)
    ]
    result = {
        "inspection": {
            "spec": "draw/v1",
            "targets": {"selected": drawn},
            "teams": {"size": 2, "assignments": assignments, "position": 0},
            "events": [],
        },
        "experts": None,
    }
    bureau = Actor(role="bureau", department=DEPT, name="bench")
    with rt.transaction() as s:
        ensure_bundled(s, rt.journal, actor=SYSTEM)
        s.add(
            Task(
                code=TASK,
                title="2026年食品经营者双随机抽查",
                year=2026,
                period_start=date(2026, 3, 1),
                period_end=date(2026, 6, 30),
                organiser=DEPT,
                departments=[],
                check_items=[ITEM],
                params={},
                status="locked",
                round=1,
                created_at=rt.journal.clock(),
                log_index=0,
            )
        )
        s.flush()  # the task before its draw (no ORM relationship orders them)
        draw = Draw(
            task_code=TASK,
            round=1,
            seed="00" * 32,
            reveals=[],
            status="current",
            locked=True,
            log_index=0,
            drawn_at=datetime(2026, 3, 2, 10, tzinfo=rt.journal.clock().tzinfo),
        )
        draw.result = result
        s.add(draw)
        # the inspections a locked draw records (what the coverage statistics count)
        task_repo.insert_inspections(s, drawn, {
            "year": 2026, "on": date(2026, 3, 2), "kind": "random", "department": DEPT,
            "task_code": TASK, "round": 1, "check_items": [dict(ITEM)], "reason": None,
            "superseded": False, "log_index": 0})
        service.set_department_settings(
            s, rt.journal, department=DEPT, results_due_working_days=5, actor=bureau
        )
    rt.close()
    return {"drawn": len(drawn), "teams": len(assignments)}


def step_import(data_dir: Path, n_results: int) -> dict[str, Any]:
    from drawsvc.journal import Actor
    from drawsvc.results import batch
    from drawsvc.tasks import repository as tasks

    rt = runtime(data_dir, IMPORT_DAY)
    with rt.transaction() as s:
        assignments = tasks.current_draw(s, TASK).result["inspection"]["teams"]["assignments"]
    rows = []
    for k, a in enumerate(assignments[:n_results]):
        cats = CATEGORIES[k % len(CATEGORIES)]
        rows.append(
            {
                "task": TASK,
                "target": a["target"],
                "check_item": dict(ITEM),
                "inspector": a["members"][0]["id"],
                "inspected_on": f"2026-06-{1 + k % 12:02d}",
                "method": ("实地核查", "书面检查", "网络监测")[k % 3],
                "firm_signed": k % 50 != 0,
                "refusal_note": None if k % 50 else "拒绝签字",
                "categories": cats,
                "subcategories": ["未按规定公示应当公示的信息"] if "发现问题待后续处理" in cats else [],
            }
        )
    t0, c0 = time.perf_counter(), time.process_time()
    with rt.transaction() as s:
        report = batch.import_results(
            s, rt.journal, rows, actor=Actor(role="bureau", department=DEPT, name="bench")
        )
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    rt.close()
    return {
        "import_s": round(wall, 3),
        "import_cpu_s": round(cpu, 3),
        "imported": report.rows,
        "import_results_per_s": round(report.rows / wall),
    }


def step_publish(data_dir: Path, n_publish: int) -> dict[str, Any]:
    import sqlalchemy as sa

    from drawsvc.journal import Actor
    from drawsvc.results import service
    from drawsvc.results.models import InspectionResult

    rt = runtime(data_dir, PUBLISH_DAY)
    actor = Actor(role="bureau", department=DEPT, name="bench")
    with rt.transaction() as s:
        codes = list(
            s.scalars(sa.select(InspectionResult.code).order_by(InspectionResult.id).limit(n_publish))
        )
    t0 = time.perf_counter()
    with rt.transaction() as s:
        service.audit_results(s, rt.journal, results=codes, approver="QY-HEAD", actor=actor)
    t1 = time.perf_counter()
    with rt.transaction() as s:
        forms = service.publish_results(s, rt.journal, results=codes, actor=actor)
    t2 = time.perf_counter()
    rt.close()
    return {
        "audit_s": round(t1 - t0, 3),
        "publish_s": round(t2 - t1, 3),
        "published": len(forms),
        "publish_results_per_s": round(len(forms) / (t2 - t1)),
    }


def step_overdue(data_dir: Path) -> dict[str, Any]:
    from drawsvc.results import overdue

    rt = runtime(data_dir, OVERDUE_DAY)
    t0 = time.perf_counter()
    with rt.transaction() as s:
        got = overdue.overdue(s, rt.log, department=DEPT, today=OVERDUE_DAY)
    t1 = time.perf_counter()
    with rt.transaction() as s:
        every = overdue.deadlines(s, rt.log, department=DEPT, today=OVERDUE_DAY)
    t2 = time.perf_counter()
    kinds: dict[str, int] = {}
    for d in got["overdue"]:
        kinds[d.kind] = kinds.get(d.kind, 0) + 1
    out: dict[str, Any] = {
        "overdue_s": round(t1 - t0, 3),
        "overdue": kinds,
        "deadlines_s": round(t2 - t1, 3),
        "deadlines": len(every),
        "coverage_s": None,
    }
    from drawsvc.coverage.service import coverage

    t0, c0 = time.perf_counter(), time.process_time()
    with rt.transaction() as s:
        report = coverage(s, year=2026)
    out["coverage_s"] = round(time.perf_counter() - t0, 3)
    out["coverage_cpu_s"] = round(time.process_time() - c0, 3)
    out["coverage_targets_checked"] = report["departments"][0]["targets_checked"]
    rt.close()
    return out


def run_step(args: list[str]) -> dict[str, Any]:
    """One timed step in a fresh process (``python results_bench.py --step NAME DIR ...``)."""
    proc = subprocess.run(
        [sys.executable, __file__, "--step", *args], check=True, capture_output=True, text=True
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--targets", type=int, default=1_000_000)
    parser.add_argument("--drawn", type=int, default=51_000)
    parser.add_argument("--results", type=int, default=50_000)
    parser.add_argument("--step", nargs="+")
    args = parser.parse_args()
    if not args.step and args.results <= 1_000:
        parser.error("--results: more than 1,000 (the last 1,000 stay unpublished for the overdue step)")
    if not args.step and not args.results <= args.drawn <= args.targets:
        parser.error("--results <= --drawn <= --targets (results are entered for drawn inspections)")
    if args.step:
        name, data_dir, *rest = args.step
        fn = {"import": step_import, "publish": step_publish, "overdue": step_overdue}[name]
        print(json.dumps(fn(Path(data_dir), *map(int, rest))))
        return
    figures: dict[str, Any] = {
        "bench": "results",
        "targets": args.targets,
        "results": args.results,
        "cpus": os.cpu_count(),
        "load_avg_1m": round(os.getloadavg()[0], 2),
    }
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        figures.update(setup(Path(tmp), args.targets, args.drawn))
        figures["setup_s"] = round(time.perf_counter() - t0, 3)
        figures.update(run_step(["import", tmp, str(args.results)]))
        figures.update(run_step(["publish", tmp, str(max(0, args.results - 1_000))]))
        figures.update(run_step(["overdue", tmp]))
        from drawsvc.settings import Settings

        db = Settings(data_dir=Path(tmp)).resolved_database_url.removeprefix("sqlite:///")
        figures["db_mb"] = round(os.path.getsize(db) / 2**20, 1)
    figures["load_avg_1m_end"] = round(os.getloadavg()[0], 2)
    figures["goal_import_results_per_s"] = 2000
    figures["goal_overdue_s"] = 1.0
    figures["goals_met"] = (figures["import_results_per_s"] >= 2000 and figures["overdue_s"] <= 1.0
                            and figures["coverage_s"] <= 1.0)
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
