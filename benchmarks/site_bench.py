"""Site benchmark: full build over a large log, incremental rebuild, a big draw in Chromium.

Set-up (not timed): the demo (``drawsvc.demo``, real imports and draws) with ``--targets``
firms, a task drawing ``--draw-targets`` targets with 2-person teams through the task service,
then filler entries appended through ``Log.append`` (RFC 8785 canonicalized, signed) up to
``--entries``: ``registry.target.upsert`` records, and every ``_yearlog.INSPECTION_EVERY``-th an
``inspection.record`` (a firm page, an entry page). Timed, each in a fresh process:

- ``full_build_s``:        ``build_site`` into an empty directory over the whole log;
- ``incremental_s``:       ``build_site`` again after ``--new`` more entries (same mix);
- ``first_page_ms``:       Chromium on a local HTTP server: the big draw page's
                           DOMContentLoaded and first contentful paint;
- ``verify_ms``:           the 验证 button on that page, when the verifier (sitejs) is present.

Goals (issue #17): incremental ≤ 5 s, first page usable ≤ 1 s, in-browser verification ≤ 3 s.
Prints ONE JSON line.

    .venv/bin/python benchmarks/site_bench.py [--entries 1000000] [--new 10000] [--targets 60000]
                                              [--draw-targets 50000] [--dir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import _yearlog as yearlog  # noqa: E402

APPEND_BATCH = 2000
PORT = 8165  # sitepages' port range 8160-8169


def _runtime(data: Path):
    from drawsvc.demo import DEMO_ORIGIN
    from drawsvc.runtime import open_runtime
    from drawsvc.settings import Settings

    return open_runtime(Settings(data_dir=data, log_origin=DEMO_ORIGIN))


def _append(rt, upto: int) -> int:
    return yearlog.append_filler(rt, upto, batch=APPEND_BATCH, day=lambda _i: "2026-03-05")


def step_setup(data: Path, targets: int, draw_targets: int, entries: int) -> dict:
    from drawsvc.demo import DEMO_ORIGIN, YEAR, _commit_and_draw, bureau, load_registries, run_tasks
    from drawsvc.tasks import service as tasks

    data.mkdir(parents=True, exist_ok=True)
    (data / "samples").mkdir(exist_ok=True)
    rt = _runtime(data)
    load_registries(rt, data / "samples", targets=targets, step=lambda _m: None)
    run_tasks(rt, lambda _m: None)
    with rt.transaction() as s:
        code = tasks.create_task(
            s,
            rt.journal,
            title=f"{draw_targets} 户检查对象抽查（两人检查组）",
            year=YEAR,
            organiser="SCJG",
            params={"targets": {"count": draw_targets}, "teams": {"size": 2}},
            actor=bureau("SCJG"),
        ).code
        tasks.build_pool(s, rt.journal, task=code, pool="targets", filters={}, actor=bureau("SCJG"))
        tasks.build_pool(s, rt.journal, task=code, pool="inspectors", actor=bureau("SCJG"))
    _commit_and_draw(rt, code, "SCJG")
    size = _append(rt, entries)
    del DEMO_ORIGIN
    setup = {"task": code, "size": size}
    (data / "setup.json").write_text(json.dumps(setup))
    return setup


def step_build(data: Path) -> dict:
    from public_site.build import build_site

    rt = _runtime(data)
    started, cpu = time.perf_counter(), time.process_time()
    report = build_site(rt, data / "site", base_url=f"http://127.0.0.1:{PORT}")
    return {
        "seconds": time.perf_counter() - started,
        "cpu_s": time.process_time() - cpu,
        "written": len(report.pages_written),
        "full": report.full,
        "size": report.size,
    }


def step_append(data: Path, new: int) -> dict:
    rt = _runtime(data)
    with rt.engine.connect() as conn:
        size = rt.log.size(conn)
    return {"size": _append(rt, size + new)}


def step_browser(data: Path, task: str) -> dict:
    from playwright.sync_api import sync_playwright

    from tests.site.support import serve

    out: dict = {}
    with serve(data / "site", PORT) as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page()
        cdp = page.context.new_cdp_session(page)
        cdp.send("Performance.enable")

        def task_s() -> float:  # main-thread busy time (CPU on the page's renderer thread)
            metrics = cdp.send("Performance.getMetrics")["metrics"]
            return next(m["value"] for m in metrics if m["name"] == "TaskDuration")

        started = time.perf_counter()
        page.goto(url + f"draws/{task}.html", wait_until="domcontentloaded")
        out["first_page_wall_ms"] = round((time.perf_counter() - started) * 1000)
        page.wait_for_load_state("load")
        # after load, so that the first-contentful-paint entry exists when the paint came late
        timing = page.evaluate(
            "() => { const n = performance.getEntriesByType('navigation')[0];"
            " const p = performance.getEntriesByName('first-contentful-paint')[0];"
            " return {dcl: n.domContentLoadedEventEnd, load: n.loadEventEnd, fcp: p ? p.startTime : null,"
            " bytes: n.transferSize}; }"
        )
        out["first_page_dcl_ms"] = round(timing["dcl"])
        out["first_page_fcp_ms"] = round(timing["fcp"]) if timing["fcp"] is not None else None
        out["draw_page_bytes"] = (data / "site" / "draws" / f"{task}.html").stat().st_size
        try:  # verify-ui.js enables the button once the verifier module has loaded
            page.wait_for_selector("#verify-button:not([disabled])", timeout=30_000)
            ready = True
        except Exception:  # playwright's TimeoutError: no verifier on the page
            ready = False
        if ready:
            busy = task_s()
            page.click("#verify-button")
            page.wait_for_function(
                "['pass','fail','error'].includes(document.getElementById('verify-status').dataset.result)",
                timeout=120_000,
            )
            out["verify_result"] = page.locator("#verify-status").get_attribute("data-result")
            out["verify_ms"] = int(page.locator("#verify-status").get_attribute("data-ms") or 0)
            out["verify_main_thread_ms"] = round((task_s() - busy) * 1000)
        else:
            out["verify_ms"] = None
            out["verify_note"] = "verifier (public_site/static/verify/, branch sitejs) not present"
        browser.close()
    return out


def _fresh(step: str, *args: str) -> dict:
    """Run one step in a fresh interpreter (the user's path: a new process per command)."""
    out = yearlog.fresh_step(__file__, step, *args, cwd=ROOT)
    sys.stderr.write(f"{step}: {json.dumps(out)}\n")
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--entries", type=int, default=1_000_000)
    ap.add_argument("--new", type=int, default=10_000)
    ap.add_argument("--targets", type=int, default=60_000)
    ap.add_argument("--draw-targets", type=int, default=50_000)
    ap.add_argument("--dir", type=Path)
    ap.add_argument("--step")
    ap.add_argument("--task", default="")
    args = ap.parse_args()
    if args.step:
        data = args.dir
        result = {
            "setup": lambda: step_setup(data, args.targets, args.draw_targets, args.entries),
            "build": lambda: step_build(data),
            "append": lambda: step_append(data, args.new),
            "browser": lambda: step_browser(data, args.task),
        }[args.step]()
        print(json.dumps(result))
        return
    data = args.dir or Path(tempfile.mkdtemp(prefix="site_bench_")) / "data"
    common = [
        "--dir",
        str(data),
        "--entries",
        str(args.entries),
        "--new",
        str(args.new),
        "--targets",
        str(args.targets),
        "--draw-targets",
        str(args.draw_targets),
    ]
    load_before = os.getloadavg()[0]
    t = time.perf_counter()
    if (data / "setup.json").exists():  # --dir of an earlier run: reuse its log, build afresh
        import shutil

        setup = json.loads((data / "setup.json").read_text())
        shutil.rmtree(data / "site", ignore_errors=True)
        shutil.rmtree(data / "site.cache", ignore_errors=True)
    else:
        setup = _fresh("setup", *common)
    setup_s = time.perf_counter() - t
    full = _fresh("build", *common)
    _fresh("append", *common)
    incr = _fresh("build", *common)
    browser = _fresh("browser", *common, "--task", setup["task"])
    print(
        json.dumps(
            {
                "bench": "site",
                "entries": full["size"],
                "new_entries": args.new,
                "draw_targets": args.draw_targets,
                "setup_s": round(setup_s, 1),
                "full_build_s": round(full["seconds"], 2),
                "full_build_cpu_s": round(full["cpu_s"], 2),
                "full_files_written": full["written"],
                "incremental_s": round(incr["seconds"], 2),
                "incremental_cpu_s": round(incr["cpu_s"], 2),
                "incremental_files_written": incr["written"],
                "incremental_full_fallback": incr["full"],
                **browser,
                "goals": {"incremental_s": 5, "verify_ms": 3000, "first_page_ms": 1000},
                "load_before": round(load_before, 2),
                "load_after": round(os.getloadavg()[0], 2),
                "cpus": os.cpu_count(),
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
