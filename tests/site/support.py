"""A small demo site with plans, a published check item and results, for the site tests.

The demo (drawsvc.demo) has draws but no plans or results. Plans go through the plans service;
results are appended as the ``result.*`` entries of docs/specs/results.md (the results package
writes the same bodies), so the site is tested on what it will read from the log.
"""

from __future__ import annotations

import http.server
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

from drawsvc.demo import CHECK_ITEMS, DEMO_ORIGIN, bureau, run_demo
from drawsvc.plans import service as plans
from drawsvc.registries import service as registries
from drawsvc.settings import Settings

BASE_URL = "http://127.0.0.1:8160"
PORT_BASE = 8160  # this helper's port range: 8160-8169


def result_body(
    code: str, version: int, task: str, uscc: str, name: str, categories: list[str]
) -> dict[str, Any]:
    form = {
        "spec": "drawsvc/published-result/v1",
        "result": code,
        "version": version,
        "task": task,
        "firm": {"uscc": uscc, "name": name},
        "check_items": [{"department": "SCJG", "code": "SCJG-SP-01", "name": "食品经营者经营活动的监督检查"}],
        "inspected_on": "2026-03-10",
        "method": "on_site",
        "categories": categories,
        "subcategories": [],
        "follow_up": "ordered" if "发现问题" in categories[0] else "none",
        "published_on": "2026-03-20",
        "supersedes": version - 1 if version > 1 else None,
        "objection": None,
    }
    return {"result": code, "version": version, "published": form, "publish_due": None, "on_time": True}


def add_plans_and_results(rt: Any) -> dict[str, Any]:
    """Publish SCJG's check item list and 2026 plan (two versions), and results for two firms."""
    item = dict(CHECK_ITEMS["SCJG"], published=True)
    with rt.transaction() as s:
        registries.upsert_check_item(s, rt.journal, item, department="SCJG", actor=bureau("SCJG"))
        plan_item = {
            "check_item": "SCJG-SP-01",
            "ratio_bp": 300,
            "frequency": 1,
            "period_start": "2026-03-01",
            "period_end": "2026-06-30",
            "joint_departments": ["HBJ"],
        }
        plans.upsert_plan(
            s, rt.journal, department="SCJG", year=2026, items=[plan_item], actor=bureau("SCJG")
        )
        plans.publish_plan(s, rt.journal, department="SCJG", year=2026, actor=bureau("SCJG"))
        plan_item["ratio_bp"] = 500
        plans.upsert_plan(
            s,
            rt.journal,
            department="SCJG",
            year=2026,
            items=[plan_item],
            reason="投诉增多，提高比例",
            actor=bureau("SCJG"),
        )
        plans.publish_plan(s, rt.journal, department="SCJG", year=2026, actor=bureau("SCJG"))
    with rt.engine.connect() as conn:
        import json

        size = rt.log.size(conn)
        entries = [json.loads(raw) for raw in rt.log.entries(conn, 0, size)]
    draw = next(e for e in entries if e["kind"] == "draw.result" and e["body"]["task"] == "T2026-0001/SCJG")
    teams = draw["body"]["result"]["inspection"]["teams"]["assignments"]
    names = {}
    for e in entries:
        if e["kind"] == "registry.target.batch.v2":
            fields = e["body"]["fields"]
            for rec in e["body"]["records"]:
                row = dict(zip(fields, rec, strict=True))
                names[row["uscc"]] = row["name"]
    first, second = teams[0]["target"], teams[1]["target"]
    task = "T2026-0001/SCJG"
    with rt.transaction() as s:
        j, actor = rt.journal, bureau("SCJG")
        j.record(
            s,
            "result.publish",
            result_body("R-0001", 1, task, first, names[first], ["未发现问题"]),
            actor=actor,
        )
        j.record(
            s,
            "result.publish",
            result_body("R-0002", 1, task, second, names[second], ["发现问题已责令改正"]),
            actor=actor,
        )
        j.record(
            s,
            "result.objection.file",
            {
                "objection": "O-0001",
                "result": "R-0002",
                "version": 1,
                "firm": second,
                "channel": "online",
                "received_on": "2026-03-22",
                "grounds": "已在检查前整改",
            },
            actor=actor,
        )
        j.record(
            s,
            "result.objection.decide",
            {
                "objection": "O-0001",
                "result": "R-0002",
                "outcome": "corrected",
                "reasons": "核实",
                "decided_on": "2026-03-25",
                "corrected": {"version": 2, "categories": ["未发现问题"], "subcategories": []},
            },
            actor=actor,
        )
        j.record(
            s,
            "result.publish",
            result_body("R-0002", 2, task, second, names[second], ["未发现问题"]),
            actor=actor,
        )
        j.record(
            s,
            "result.followup",
            {
                "result": "R-0001",
                "step": "closed",
                "on": "2026-03-26",
                "unit": None,
                "decision_no": None,
                "transfer": None,
            },
            actor=actor,
        )
    return {"task": task, "firms": {first: names[first], second: names[second]}}


def build_demo_site(data_dir: Path, *, targets: int = 600) -> tuple[Any, Path, dict[str, Any]]:
    from public_site.build import build_site

    rt, report = run_demo(
        Settings(data_dir=data_dir, log_origin=DEMO_ORIGIN), targets=targets, base_url=BASE_URL
    )
    extra = add_plans_and_results(rt)
    build_site(rt, report.site_dir, base_url=BASE_URL)
    return rt, report.site_dir, {**extra, "tasks": report.tasks}


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def worker_port(offset: int = 0) -> int:
    """8160 + the xdist worker number (gw0, gw1 …) + offset, within this helper's range."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return PORT_BASE + int(worker.removeprefix("gw") or 0) * 3 + offset


@contextmanager
def serve(directory: Path, port: int) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), partial(_Quiet, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.shutdown()
        server.server_close()
