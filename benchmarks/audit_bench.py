"""Audit benchmark: ``drawsvc audit`` of a year's log, full and then incremental (issue #18).

Set-up (not timed; cached with ``--dir DIR`` so reruns skip it), in a fresh process, through the
real services: the demo's registries (``drawsvc.demo.load_registries``: the CSV/XLSX importers,
``--targets`` enterprises, inspectors, experts, declarations, check items, the bundled calendar)
and its tasks (``run_tasks``: plans, a joint two-level draw, a stratified draw with a beacon,
expert draws with a decline and a sealed panel, all over the whole directory), then
``--big-draws`` more 5 % draws with 2-person teams from the whole ``--targets`` pool
(``commit_task`` + ``draw_task``), then filler up to ``--entries`` appended in batches through
``Log.append`` (RFC 8785 canonicalized, signed): ``registry.target.upsert`` records through the
year and every ``_yearlog.INSPECTION_EVERY``-th an ``inspection.record``. The log is exported as C2SP
tlog-tiles (``ledger.export.export_tiles``) into ``DIR/base/log``.

Timed, each in a FRESH process (``drawsvc audit LOG --json R --state S``, the auditor's command):

- ``full``:        the whole log from an empty state (AUD-1 … AUD-11);
- ``incremental``: after ``--new`` more entries (filler plus one expert draw through the
                   services) are appended and exported into the same directory, the audit from
                   the state the full run saved (AUD-9 and the new entries only).

Wall time, CPU time (user + sys) and peak RSS are those of the audit process itself
(``os.wait4``), the load average is read before and after each. The audit must find nothing on
this honest log (asserted: a finding means the generator or the audit is wrong). Goals: full
≤ 5 min with peak memory ≤ 1 GiB, incremental ≤ 10 s. Prints ONE JSON line.

    .venv/bin/python benchmarks/audit_bench.py [--entries 1000000] [--new 10000] [--targets 1000000]
                                               [--big-draws 3] [--dir DIR] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import _yearlog as yearlog  # noqa: E402

ORIGIN = "audit-bench.drawsvc.example/log"
APPEND_BATCH = 10_000
GOALS = {"full_s": 300, "full_peak_rss_mib": 1024, "incremental_s": 10}
APPEND_DAY = date(2026, 6, 1)  # the new entries' day (after the set-up's DEMO_DAY)
QUICK = {"entries": 3_000, "new": 300, "targets": 600, "big_draws": 1}


def _day(i: int) -> str:
    """Filler entries spread over the year (the audit's yearly rules see every month)."""
    return f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}"


def _runtime(data: Path) -> Any:
    from drawsvc.runtime import open_runtime
    from drawsvc.settings import Settings

    return open_runtime(Settings(data_dir=data, log_origin=ORIGIN))


def _size(rt: Any) -> int:
    with rt.engine.connect() as conn:
        return int(rt.log.size(conn))


def _append_filler(rt: Any, upto: int) -> None:
    yearlog.append_filler(rt, upto, batch=APPEND_BATCH, day=_day)


def _export(rt: Any, log_dir: Path) -> int:
    from ledger import export

    with rt.engine.connect() as conn:
        done = export.export_tiles(conn, log_dir, fsync=False, empty_checkpoint=rt.log.checkpoint(conn))
    export.publish_verifier_key(log_dir, rt.log.signer.verifier_key(), fsync=False)
    return int(done.size)


def _expert_draw(rt: Any, title: str, group_index: int) -> None:
    from drawsvc.demo import EXPERT_POOL, YEAR, _commit_and_draw, bureau
    from drawsvc.sample import vocabulary
    from drawsvc.tasks import service as tasks

    group = vocabulary.PRODUCT_GROUPS[group_index % len(vocabulary.PRODUCT_GROUPS)]
    with rt.transaction() as s:
        code = tasks.create_task(
            s,
            rt.journal,
            title=title,
            year=YEAR,
            organiser="SCJG",
            params={"experts": {"headcount": 3, "pool": EXPERT_POOL, "group": group}},
            actor=bureau("SCJG"),
        ).code
        tasks.build_pool(s, rt.journal, task=code, pool="experts", actor=bureau("SCJG"))
    _commit_and_draw(rt, code, "SCJG")


def step_setup(data: Path, *, targets: int, big_draws: int, entries: int) -> dict[str, Any]:
    from drawsvc.demo import DEMO_DAY, YEAR, DemoClock, _commit_and_draw, bureau, load_registries, run_tasks
    from drawsvc.tasks import service as tasks

    (data / "samples").mkdir(parents=True, exist_ok=True)
    rt = _runtime(data / "db")
    # the demo's days, so that every working-day deadline falls in a year the bundled calendar
    # covers whatever the real date (expert answer deadlines, the yearly cap's year)
    rt.journal.clock = DemoClock(DEMO_DAY)
    t0 = time.perf_counter()
    load_registries(rt, data / "samples", targets=targets, step=lambda _m: None)
    shutil.rmtree(data / "samples")  # the import files are not needed any more (≈ 200 MB at 1M)
    registries_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    run_tasks(rt, lambda _m: None)
    for q in range(big_draws):
        with rt.transaction() as s:
            code = tasks.create_task(
                s,
                rt.journal,
                title=f"{YEAR}年第{q + 2}轮全市检查对象双随机抽查（两人检查组）",
                year=YEAR,
                organiser="SCJG",
                params={"targets": {"ratio_bp": 500}, "teams": {"size": 2}},
                actor=bureau("SCJG"),
            ).code
            tasks.build_pool(s, rt.journal, task=code, pool="targets", filters={}, actor=bureau("SCJG"))
            tasks.build_pool(s, rt.journal, task=code, pool="inspectors", actor=bureau("SCJG"))
        _commit_and_draw(rt, code, "SCJG")
    tasks_s = time.perf_counter() - t0
    service_entries = _size(rt)
    if service_entries > entries:
        raise SystemExit(f"the services logged {service_entries} entries, more than --entries {entries}")
    t0 = time.perf_counter()
    _append_filler(rt, entries)
    filler_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    size = _export(rt, data / "base" / "log")
    export_s = time.perf_counter() - t0
    rt.close()
    setup = {
        "entries": size,
        "targets": targets,
        "big_draws": big_draws,
        "service_entries": service_entries,
        "registries_s": round(registries_s, 1),
        "tasks_s": round(tasks_s, 1),
        "filler_s": round(filler_s, 1),
        "export_s": round(export_s, 1),
    }
    (data / "setup.json").write_text(json.dumps(setup))
    return setup


def step_append(data: Path, *, entries: int, new: int, log_dir: Path) -> dict[str, Any]:
    """``new`` entries after the base log (one expert draw through the services, then filler),
    exported into ``log_dir``. The database keeps them, so a rerun over a cached ``--dir`` only
    exports (the base directory stays at ``entries``)."""
    from drawsvc.demo import DemoClock

    rt = _runtime(data / "db")
    rt.journal.clock = DemoClock(APPEND_DAY)
    size = _size(rt)
    if size == entries:
        _expert_draw(rt, "新增：产品质量复检评审专家抽取", 1)
        if _size(rt) > entries + new:
            raise SystemExit(f"--new {new} is smaller than one expert draw")
        _append_filler(rt, entries + new)
    elif size != entries + new:
        raise SystemExit(f"{data} holds {size} entries, not {entries} or {entries + new}: use another --dir")
    t0 = time.perf_counter()
    exported = _export(rt, log_dir)
    rt.close()
    return {"size": exported, "export_s": round(time.perf_counter() - t0, 2)}


def _fresh(step: str, *args: str) -> dict[str, Any]:
    """A set-up step in a fresh interpreter."""
    return yearlog.fresh_step(__file__, step, *args, cwd=ROOT)


def _loadavg() -> list[float]:
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


def timed_audit(log_dir: Path, state: Path, report: Path) -> dict[str, Any]:
    """``drawsvc audit`` in a fresh process; wall, CPU and peak RSS of that process alone."""
    exe = Path(sys.executable).parent / "drawsvc"  # the auditor's command, as installed
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "drawsvc.cli.app"]
    cmd = [*command, "audit", str(log_dir), "--json", str(report), "--state", str(state)]
    load = _loadavg()
    with tempfile.TemporaryFile() as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        printed = out.read().decode(errors="replace")
    rep = json.loads(report.read_text(encoding="utf-8"))
    return {
        "exit": proc.returncode,
        "wall_s": round(wall, 2),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
        "user_s": round(usage.ru_utime, 2),
        "sys_s": round(usage.ru_stime, 2),
        "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),  # Linux: KiB
        "loadavg_before": load,
        "loadavg_after": _loadavg(),
        "size": rep["size"],
        "passed": rep["passed"],
        "findings": len(rep["findings"]) + sum(rep["summary"]["omitted_findings"].values()),
        "first_findings": rep["findings"][:3],
        "draws": rep["summary"]["draws"],
        "verified": rep["summary"]["verified"],
        "incremental": rep["incremental"],
        "printed_tail": printed.strip().splitlines()[-1:] if proc.returncode else [],
    }


def _check(run: dict[str, Any], what: str, size: int) -> None:
    """The honest log must pass: a finding is a bug in the generator or in the audit."""
    if run["findings"] or run["exit"] != 0 or run["size"] != size:
        sys.stderr.write(json.dumps(run, ensure_ascii=False) + "\n")
        raise SystemExit(f"{what} audit: exit {run['exit']}, {run['findings']} finding(s), "
                         f"size {run['size']} (expected 0 findings at size {size})")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--entries", type=int, default=1_000_000)
    ap.add_argument("--new", type=int, default=10_000)
    ap.add_argument("--targets", type=int, default=1_000_000)
    ap.add_argument("--big-draws", type=int, default=3)
    ap.add_argument("--dir", type=Path, help="generated data, kept: a rerun with the same sizes skips set-up")
    ap.add_argument("--quick", action="store_true", help=f"a small run: {QUICK}")
    ap.add_argument("--step", choices=("setup", "append"), help=argparse.SUPPRESS)
    ap.add_argument("--log-dir", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.quick:
        for k, v in QUICK.items():
            setattr(args, k, v)
    if args.step == "setup":
        print(json.dumps(step_setup(args.dir, targets=args.targets, big_draws=args.big_draws,
                                    entries=args.entries)))
        return
    if args.step == "append":
        print(json.dumps(step_append(args.dir, entries=args.entries, new=args.new, log_dir=args.log_dir)))
        return

    tmp = None
    if args.dir is None:
        tmp = tempfile.TemporaryDirectory(prefix="audit_bench_")
        args.dir = Path(tmp.name)
    data: Path = args.dir.resolve()
    data.mkdir(parents=True, exist_ok=True)
    sizes = ["--entries", str(args.entries), "--targets", str(args.targets),
             "--big-draws", str(args.big_draws)]
    cached = False
    if (data / "setup.json").exists():
        setup = json.loads((data / "setup.json").read_text())
        wanted = {"entries": args.entries, "targets": args.targets, "big_draws": args.big_draws}
        if {k: setup[k] for k in wanted} != wanted:
            raise SystemExit(f"{data} was generated with {setup}, not {wanted}: use another --dir")
        cached = True
    else:
        setup = _fresh("setup", "--dir", str(data), *sizes)
    # the run's directory: hard links to the base (immutable tiles; the export replaces the
    # checkpoint and adds files, never writes into an existing one), so the base stays at --entries
    run = data / "run"
    shutil.rmtree(run, ignore_errors=True)
    shutil.copytree(data / "base", run, copy_function=os.link)
    state, report = run / "audit-state.json", run / "report.json"

    full = timed_audit(run / "log", state, report)
    _check(full, "full", args.entries)
    appended = _fresh("append", "--dir", str(data), "--log-dir", str(run / "log"), "--new", str(args.new),
                      *sizes)
    incr = timed_audit(run / "log", state, report)
    _check(incr, "incremental", args.entries + args.new)
    if (incr["incremental"] or {}).get("start") != args.entries:
        raise SystemExit(f"the second audit did not start from the saved state: {incr['incremental']}")
    goals_met = {
        "full_wall": full["wall_s"] <= GOALS["full_s"],
        "full_cpu": full["cpu_s"] <= GOALS["full_s"],
        "full_peak_rss": full["peak_rss_mib"] <= GOALS["full_peak_rss_mib"],
        "incremental_wall": incr["wall_s"] <= GOALS["incremental_s"],
        "incremental_cpu": incr["cpu_s"] <= GOALS["incremental_s"],
    }
    drop = ("exit", "passed", "first_findings", "printed_tail", "incremental")
    print(
        json.dumps(
            {
                "bench": "audit",
                "entries": args.entries,
                "new_entries": args.new,
                "targets": args.targets,
                "setup": {**setup, "cached": cached},
                "full": {k: v for k, v in full.items() if k not in drop},
                "append": appended,
                "incremental": {k: v for k, v in incr.items() if k not in drop},
                "goals": GOALS,
                "goals_met": goals_met,
                "cpus": os.cpu_count(),
            },
            ensure_ascii=False,
        )
    )
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
