"""Provincial scale on PostgreSQL (issue 20): a 10,000,000-target directory imported, a 3 % draw
with 2-person teams from 50,000 inspectors committed, drawn and logged.

Every step runs in a FRESH process (this script re-invoked with ``--step``), as the user runs
them (one CLI call or API request after another, or two workers): nothing of an earlier step is
in memory. Imports of the child and its first connection are not timed.

- ``generate``  sample files (``drawsvc.sample``): N targets (杭州市, valid credit codes) and
                50,000 inspectors as UTF-8 CSV (not part of any goal);
- ``import``    ``registries.imports.import_file`` of the targets CSV in one transaction: streamed
                read, full validation, COPY into ``targets``, the registry log (§7.3). Goal:
                <= 200 s at 10,000,000;
- ``inspectors`` the inspectors CSV imported the same way (not part of a goal);
- ``pools``     a task (3 % of the targets, teams of 2) and its two pools built (not part of a goal);
- ``commit``    the pools frozen and logged (chunk entries, roots), the commitment logged;
- ``draw``      reveal, the pools read back from the log, the engine, the result logged.
                Goal: commit + draw <= 20 s at 10,000,000.

Each step reports wall seconds, CPU seconds of the step's own process (user + sys), the CPU
seconds of the server processes of the step's own connections (``pg_backend_pid``; the server's
background writers and WAL writer are not counted), peak RSS of the step's process
(``ru_maxrss``) and its RSS before the step, and the 1-minute load average at its start and end.
The machine is shared: compare CPU.

PostgreSQL: a database of its own (``--db``, created on ``--server``, dropped at the end unless
``--keep``); the CSV files and the log key live in a temporary directory, removed at the end
(``--files DIR`` keeps the CSV files there for the next run: ≈ 1.6 GB at 10,000,000).
``--keep --dir DIR --only generate,import,inspectors,pools`` then ``--dir DIR --only commit,draw``
runs the steps in two invocations on the same database (each prints its JSON line).
``--copy-of DB --dir DIR --only commit,draw`` repeats commit and draw on a fresh copy of a kept
set-up (``CREATE DATABASE … TEMPLATE DB``; DIR copied to a temporary directory), dropped after;
``--profile DIR`` writes a cProfile (CPU timer) of each commit and draw step to DIR/<step>.prof.
Prints ONE JSON line.

    .venv/bin/python benchmarks/scale_bench.py [--targets 10000000] [--inspectors 50000]
        [--ratio-bp 300] [--server postgresql+psycopg://postgres@127.0.0.1:5432] [--db drawsvc_scale]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ORIGIN = "scale.drawsvc.example/log"
SECRET_HEX = "5ca1e" + "0" * 59  # the operator's secret (bench only)
ON = date(2026, 3, 2)  # a Monday of the bundled calendar: the import's rule date
STEPS = ("generate", "import", "inspectors", "pools", "commit", "draw")


def read_load() -> float:
    with open("/proc/loadavg") as fh:
        return float(fh.read().split()[0])


def rss_mb() -> float:
    """Current RSS of this process (``/proc/self/statm``), MB."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


BACKENDS: list[int] = []  # server processes of this step's own connections


def backend_cpu_s(pid: int) -> float:
    """User + system CPU seconds of one server process (``/proc/<pid>/stat`` fields 14, 15)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _runtime(url: str, data_dir: Path):  # type: ignore[no-untyped-def]
    import sqlalchemy as sa

    from drawsvc.runtime import open_runtime
    from drawsvc.settings import Settings

    rt = open_runtime(Settings(data_dir=data_dir, database_url=url, log_origin=ORIGIN))

    @sa.event.listens_for(rt.engine, "connect")
    def remember(dbapi_conn: Any, _record: Any) -> None:  # the server process of each connection
        with dbapi_conn.cursor() as cur:
            cur.execute("SELECT pg_backend_pid()")
            BACKENDS.append(int(cur.fetchone()[0]))

    rt.engine.dispose()  # connections made before the listener: reopened, so they are counted
    return rt


def step_generate(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    """The sample files, or those of an earlier run kept in ``--files`` (same sizes and seed:
    generating 10,000,000 rows takes minutes)."""
    from drawsvc.sample import generate_inspectors, generate_targets, write_file

    files = args.files or work
    files.mkdir(parents=True, exist_ok=True)
    names = {"targets": f"targets-{args.targets}.csv", "inspectors": f"inspectors-{args.inspectors}.csv"}
    reused = True
    for kind, name in names.items():
        done = files / (name + ".done")
        if not done.exists():
            reused = False
            rows = (generate_targets(args.targets, seed=1) if kind == "targets"
                    else generate_inspectors(args.inspectors, seed=1, on=ON))
            write_file(kind, rows, files / name)
            done.touch()
        if files != work:
            (work / f"{kind}.csv").symlink_to(files / name)
        else:
            (work / name).rename(work / f"{kind}.csv")
            done.unlink()
    return {"csv_mb": round((work / "targets.csv").stat().st_size / 2**20, 1), "reused": reused}


def step_import(args: argparse.Namespace, work: Path, kind: str) -> dict[str, Any]:
    from drawsvc.calendar.service import ensure_bundled
    from drawsvc.journal import Actor
    from drawsvc.registries import service as registries
    from drawsvc.registries.imports import import_file

    rt = _runtime(args.url, work / "var")
    admin = Actor(role="admin", department=None, name="bench")
    if kind == "inspectors":  # the department first (not timed)
        with rt.transaction() as s:
            ensure_bundled(s, rt.journal)
            registries.upsert_department(s, rt.journal, code="SCJG", name="市场监督管理局", actor=admin)
    path = work / f"{kind}.csv"

    def timed() -> dict[str, Any]:
        with rt.transaction() as s:
            report = import_file(
                s, rt.journal, path, kind=kind, fmt="csv", actor=admin, on=ON,
                department="SCJG" if kind == "inspectors" else None,
            )
        return {"rows": report.rows, "created": report.created, "log_entries": report.log_entries}

    try:
        return _measured(timed)
    finally:
        rt.close()


def step_pools(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    from drawsvc.journal import Actor
    from drawsvc.tasks import service

    rt = _runtime(args.url, work / "var")
    bureau = Actor("bureau", "SCJG", "bench")

    def timed() -> dict[str, Any]:
        with rt.transaction() as s:
            code = service.create_task(
                s, rt.journal, title="全省双随机抽查", year=2026, organiser="SCJG",
                params={"targets": {"ratio_bp": args.ratio_bp}, "teams": {"size": 2}}, actor=bureau,
            ).code
            n = service.build_pool(s, rt.journal, task=code, pool="targets", filters={}, actor=bureau)
            m = service.build_pool(s, rt.journal, task=code, pool="inspectors", filters={}, actor=bureau)
        (work / "task").write_text(code)
        return {"task": code, "targets_pool": n, "inspectors_pool": m}

    try:
        return _measured(timed)
    finally:
        rt.close()


def step_commit_or_draw(args: argparse.Namespace, work: Path, step: str) -> dict[str, Any]:
    from drawsvc.draw.seed import commitment
    from drawsvc.journal import Actor
    from drawsvc.tasks import replay, service

    rt = _runtime(args.url, work / "var")
    bureau = Actor("bureau", "SCJG", "bench")
    task = (work / "task").read_text()
    secret = bytes.fromhex(SECRET_HEX)
    with rt.engine.connect() as conn:
        size0 = rt.log.size(conn)

    def timed() -> dict[str, Any]:
        out: dict[str, Any] = {}
        prof = None
        if args.profile is not None:
            import cProfile

            prof = cProfile.Profile(time.process_time)
            prof.enable()
        with rt.transaction() as s:
            if step == "commit":
                c = service.commit_task(
                    s, rt.journal, task=task, actor=bureau,
                    commitments=[{"party": "operator", "commitment": commitment(secret)}],
                )
                out["pool_sizes"] = {k: v["size"] for k, v in c.pools["pools"].items()}
            else:
                d = service.draw_task(
                    s, rt.journal, task=task, actor=bureau,
                    reveals=[{"party": "operator", "secret": secret.hex()}],
                )
                out["drawn_targets"] = len(replay.drawn_targets(d.result))
                out["teams"] = len(replay.teams_of(d.result))
        if prof is not None:
            prof.disable()
            args.profile.mkdir(parents=True, exist_ok=True)
            prof.dump_stats(str(args.profile / f"{step}.prof"))
        return out

    try:
        out = _measured(timed)
        with rt.engine.connect() as conn:
            size1 = rt.log.size(conn)
            out["entries_logged"] = size1 - size0
            out["log_mb"] = round(sum(len(b) for b in rt.log.entries(conn, size0, size1)) / 2**20, 1)
        return out
    finally:
        rt.close()


def _measured(fn: Any) -> dict[str, Any]:
    rss0, load0 = rss_mb(), read_load()
    pg0 = {pid: backend_cpu_s(pid) for pid in BACKENDS}
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    out.update(
        s=round(time.perf_counter() - t0, 2),
        cpu_s=round(time.process_time() - c0, 2),
        postgres_cpu_s=round(sum(backend_cpu_s(p) - pg0.get(p, 0.0) for p in set(BACKENDS)), 2),
        peak_rss_mb=round(peak_rss_mb(), 1),
        rss_before_mb=round(rss0, 1),
        load_start=load0,
        load_end=read_load(),
    )
    return out


def run_step(args: argparse.Namespace, work: Path, step: str) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--step", step, "--work", str(work), "--url", args.url,
           "--targets", str(args.targets), "--inspectors", str(args.inspectors),
           "--ratio-bp", str(args.ratio_bp), *(["--files", str(args.files)] if args.files else []),
           *(["--profile", str(args.profile)] if args.profile else [])]
    t0 = time.perf_counter()
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    out: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    out["process_s"] = round(time.perf_counter() - t0, 2)  # with the child's start and imports
    return out


def child(args: argparse.Namespace) -> dict[str, Any]:
    work = args.work
    if args.step == "generate":
        return _measured(lambda: step_generate(args, work))
    if args.step in ("import", "inspectors"):
        return step_import(args, work, "targets" if args.step == "import" else "inspectors")
    if args.step == "pools":
        return step_pools(args, work)
    return step_commit_or_draw(args, work, args.step)


def _admin(server: str, sql: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(sql)
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--targets", type=int, default=10_000_000)
    parser.add_argument("--inspectors", type=int, default=50_000)
    parser.add_argument("--ratio-bp", type=int, default=300)
    parser.add_argument("--server", default="postgresql+psycopg://postgres@127.0.0.1:5432")
    parser.add_argument("--db", default="drawsvc_scale")
    parser.add_argument("--keep", action="store_true", help="keep the database and --dir (default: dropped)")
    parser.add_argument("--dir", type=Path, help="work directory (default: a temporary one)")
    parser.add_argument("--only", help="comma-separated steps; later steps resume a kept --dir and --db")
    parser.add_argument("--files", type=Path, help="keep the generated CSV files here and reuse them")
    parser.add_argument("--copy-of", help="--only's steps on a fresh copy of this kept database (and --dir)")
    parser.add_argument("--profile", type=Path, help="write a cProfile of the commit and draw steps here")
    parser.add_argument("--step", choices=STEPS, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        print(json.dumps(child(args), ensure_ascii=False))
        return

    figures: dict[str, Any] = {
        "bench": "scale_postgresql",
        "targets": args.targets,
        "inspectors": args.inspectors,
        "ratio_bp": args.ratio_bp,
        "processes": "every step in a fresh process",
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    args.url = f"{args.server}/{args.db}"
    only = [x for x in args.only.split(",") if x] if args.only else list(STEPS)
    if unknown := set(only) - set(STEPS):
        parser.error(f"--only: unknown steps {sorted(unknown)}")
    resuming = only[0] != STEPS[0]  # later steps on a kept --dir and database
    if resuming and not (args.dir and (args.dir / "var").exists()):
        parser.error("--only without the first step needs the --dir and --keep of an earlier run")
    if args.copy_of and (not resuming or args.copy_of == args.db):
        parser.error("--copy-of needs --only without the first step, and a --db other than the copied one")
    if not resuming or args.copy_of:
        _admin(args.server, f'DROP DATABASE IF EXISTS "{args.db}"')
        template = f' TEMPLATE "{args.copy_of}"' if args.copy_of else ""
        _admin(args.server, f'CREATE DATABASE "{args.db}"{template}')
    work = args.dir or Path(tempfile.mkdtemp(prefix="scale-bench-"))
    if args.copy_of:  # the copy's own work directory (its log key, its task), dropped after
        copy = Path(tempfile.mkdtemp(prefix="scale-bench-copy-"))
        shutil.copytree(work, copy, symlinks=True, dirs_exist_ok=True)
        work, args.keep = copy, False
    work.mkdir(parents=True, exist_ok=True)
    steps: dict[str, dict[str, Any]] = {}
    figures["steps"] = steps
    try:
        for step in STEPS:
            if step in only:
                steps[step] = run_step(args, work, step)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)  # ≈ 1.6 GB of CSV at 10,000,000 targets
            _admin(args.server, f'DROP DATABASE IF EXISTS "{args.db}"')
    if "import" in steps:
        figures["import_s"], figures["import_cpu_s"] = steps["import"]["s"], steps["import"]["cpu_s"]
        if args.targets == 10_000_000:  # the goals are stated for this size only
            figures["goal_import_met"] = figures["import_s"] <= 200
    if "commit" in steps and "draw" in steps:
        commit, draw = steps["commit"], steps["draw"]
        figures["commit_draw_s"] = round(commit["s"] + draw["s"], 2)
        figures["commit_draw_cpu_s"] = round(commit["cpu_s"] + draw["cpu_s"], 2)
        if args.targets == 10_000_000:
            figures["goal_commit_draw_met"] = figures["commit_draw_s"] <= 20
    figures["peak_rss_mb"] = {step: out["peak_rss_mb"] for step, out in steps.items()}
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
