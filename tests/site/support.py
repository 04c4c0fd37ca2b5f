"""A small demo site with plans, a published check item and results, for the site tests.

The demo (drawsvc.demo) publishes plans (one revised), draws, results (one corrected after an
objection, one follow-up transferred); the site tests add only SCJG's check item to the public
list, so every page kind has something to show.
"""

from __future__ import annotations

import http.server
import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

from drawsvc.demo import CHECK_ITEMS, DEMO_ORIGIN, bureau, run_demo
from drawsvc.registries import service as registries
from drawsvc.settings import Settings

BASE_URL = "http://127.0.0.1:8160"
PORT_BASE = 8160  # this helper's port range: 8160-8169


def publish_check_item(rt: Any) -> None:
    """The demo's items are not on the public list (``published: false``); publish SCJG's."""
    item = dict(CHECK_ITEMS["SCJG"], published=True)
    with rt.transaction() as s:
        registries.upsert_check_item(s, rt.journal, item, department="SCJG", actor=bureau("SCJG"))


def published_results(rt: Any) -> dict[str, Any]:
    """From the log: the firms with published results ({uscc: name}), the corrected one first."""
    with rt.engine.connect() as conn:
        entries = [json.loads(raw) for raw in rt.log.entries(conn, 0, rt.log.size(conn))]
    forms = [e["body"]["published"] for e in entries if e["kind"] == "result.publish"]
    corrected = {f["firm"]["uscc"] for f in forms if f["version"] > 1}
    firms = {
        f["firm"]["uscc"]: f["firm"]["name"]
        for f in sorted(forms, key=lambda f: f["firm"]["uscc"] not in corrected)
    }
    codes = {f["firm"]["uscc"]: f["result"] for f in forms}
    return {"task": forms[0]["task"], "firms": firms, "corrected": sorted(corrected), "codes": codes}


def build_demo_site(data_dir: Path, *, targets: int = 600) -> tuple[Any, Path, dict[str, Any]]:
    from public_site.build import build_site

    rt, report = run_demo(
        Settings(data_dir=data_dir, log_origin=DEMO_ORIGIN), targets=targets, base_url=BASE_URL
    )
    publish_check_item(rt)
    extra = published_results(rt)
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
