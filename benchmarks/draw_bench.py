"""Draw benchmark: a 1,000,000-target directory, a 5 % undirected draw with 2-person teams.

Set-up (bulk Core inserts, excluded from the goal): 1,000,000 targets, 5,000 inspectors of one
department, 10,000 interest declarations. Then, through ``drawsvc.tasks.service`` on SQLite:

- ``pool``:   create the task and build the targets and inspectors pools (directory filters);
- ``commit``: freeze the pools (1,000,000 + 5,000 rows and the avoidance tags logged as chunk
              entries, roots computed) and log the commitment;
- ``draw``:   reveal, read the inputs back from the log, run the engine (50,000 targets, one
              2-person team each), log the result (chunked);
- ``verify``: recompute the draw from the log alone (reported, not part of the goal).

Commit, draw and verify each run in a FRESH process (this script re-invoked with ``--phase``), as
with two API workers or a restart between them: nothing frozen by the commit (``replay._FROZEN``)
is reused by the draw. Imports and the first database connection of each child are not timed
(an API worker has them already). Goal (issue 20): ``commit + draw`` <= 1 s at 1,000,000 targets
on 2 cores (<= 20 s at 10,000,000). Prints ONE JSON line (seconds per phase, wall and CPU, the
load average before the timed phases and after, and a SHA-256 calibration figure).

    .venv/bin/python benchmarks/draw_bench.py [--targets N] [--inspectors N] [--declarations N]
        [--setup-dir DIR] [--profile DIR]

``--setup-dir DIR`` keeps the set-up (directory and pools, before the commit) in DIR and reuses
it when DIR already holds one for the same sizes: every run copies it to a fresh temporary
directory, so the timed phases always start from the same committed-to-be database.
``--profile DIR`` writes a cProfile (CPU timer) of each timed child phase to DIR/<phase>.prof.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
REGIONS = ("330102", "330105", "330106", "330108", "330109", "330110")
SCALES = ("微型", "小型", "中型", "大型")
CREDIT = ("A", "B", "B", "B", "C", "D")


def uscc(i: int) -> str:
    """An 18-character code over the USCC alphabet, unique per ``i`` (bench data only)."""
    body = ""
    k = i
    for _ in range(8):
        k, r = divmod(k, 31)
        body += ALPHABET[r]
    return "91" + REGIONS[i % len(REGIONS)] + "MA" + body


def load_directory(engine: object, n_targets: int, n_inspectors: int, n_declarations: int) -> list[str]:
    import sqlalchemy as sa

    from drawsvc.registries import models as reg
    from drawsvc.registries.records import declaration_key

    rng = random.Random(7)
    ids = [uscc(i) for i in range(n_targets)]
    with engine.begin() as conn:  # type: ignore[attr-defined]
        conn.execute(sa.insert(reg.Department), [{"code": "SCJG", "name": "市场监督管理局"}])
        batch = 50_000
        for lo in range(0, n_targets, batch):
            conn.execute(
                sa.insert(reg.Target),
                [
                    {
                        "uscc": ids[i],
                        "name": f"企业{i}",
                        "target_type": "企业",
                        "scale": SCALES[i % 4],
                        "region_code": REGIONS[i % len(REGIONS)],
                        "registration_authority": f"杭州市{REGIONS[i % len(REGIONS)]}市场监督管理局",
                        "industry": "餐饮",
                        "risk_flags": [],
                        "credit_class": CREDIT[i % len(CREDIT)],
                        "status": "active",
                        "version": 1,
                    }
                    for i in range(lo, min(n_targets, lo + batch))
                ],
            )
        conn.execute(
            sa.insert(reg.Inspector),
            [
                {
                    "code": f"SCJG-{k + 1:05d}",
                    "department_code": "SCJG",
                    "name": f"检查员{k}",
                    "certificate_no": f"C{k}",
                    "certificate_valid_until": date(2028, 1, 1),
                    "specialties": ["食品"],
                    "leader_eligible": k % 3 == 0,
                    "status": "active",
                    "version": 1,
                }
                for k in range(n_inspectors)
            ],
        )
        # registries' shape (registries.md C-1, P-5): random public code, private natural key;
        # a pair drawn twice is one declaration (the natural key is unique)
        declared: dict[str, dict[str, object]] = {}
        for _ in range(n_declarations):
            person = f"SCJG-{rng.randrange(n_inspectors) + 1:05d}"
            target = ids[rng.randrange(n_targets)]
            key = declaration_key("inspector", person, target, "works_there", date(2025, 1, 1))
            declared[key] = {
                "code": reg.new_declaration_code(),
                "natural_key": key,
                "person_kind": "inspector",
                "person_code": person,
                "counterpart_uscc": target,
                "kind": "works_there",
                "valid_from": date(2025, 1, 1),
                "valid_until": None,
                "withdrawn": False,
            }
        conn.execute(sa.insert(reg.InterestDeclaration), list(declared.values()))
    return ids


def calibration() -> float:
    """CPU seconds of 1,000,000 ``sha256(...).digest()`` calls (as in draw_engine_bench): figures
    taken on a loaded, shared machine are compared by scaling with it (≈ 0.3 s on an idle core)."""
    c0 = time.process_time()
    _ = [hashlib.sha256(b"%d" % i).digest() for i in range(1_000_000)]
    return round(time.process_time() - c0, 3)


SECRET = hashlib.sha256(b"bench operator secret").digest()
ORIGIN = "bench.drawsvc.example/log"
BUREAU = ("bureau", "SCJG", "bench")


def _runtime(data_dir: Path):  # type: ignore[no-untyped-def]
    from drawsvc.runtime import open_runtime
    from drawsvc.settings import Settings

    return open_runtime(Settings(data_dir=data_dir, log_origin=ORIGIN))


def phase_setup(args: argparse.Namespace, data_dir: Path) -> dict[str, object]:
    """Directory and pools (not part of the goal); returns the task code and timings."""
    from drawsvc.journal import Actor
    from drawsvc.tasks import service

    rt = _runtime(data_dir)
    t0 = time.perf_counter()
    load_directory(rt.engine, args.targets, args.inspectors, args.declarations)
    out: dict[str, object] = {"load_directory_s": round(time.perf_counter() - t0, 3)}
    bureau = Actor(*BUREAU)
    t0 = time.perf_counter()
    with rt.transaction() as s:
        code = service.create_task(
            s,
            rt.journal,
            title="餐饮单位双随机抽查",
            year=2026,
            organiser="SCJG",
            params={"targets": {"ratio_bp": args.ratio_bp}, "teams": {"size": 2}},
            actor=bureau,
        ).code
        service.build_pool(s, rt.journal, task=code, pool="targets", filters={}, actor=bureau)
        service.build_pool(s, rt.journal, task=code, pool="inspectors", filters={}, actor=bureau)
    out["pool_build_s"] = round(time.perf_counter() - t0, 3)
    out["task"] = code
    rt.close()
    return out


def phase_child(phase: str, data_dir: Path, task: str, profile: Path | None = None) -> dict[str, object]:
    """One timed step in a fresh process: imports and the first connection are not timed (a
    running API worker has both), but nothing of an earlier step is in memory."""
    from drawsvc.draw.seed import commitment
    from drawsvc.journal import Actor
    from drawsvc.tasks import replay, service
    from drawsvc.tasks.logread import reader_for
    from drawsvc.tasks.verify import verify_draw

    rt = _runtime(data_dir)
    with rt.engine.connect() as conn:
        size0 = rt.log.size(conn)
    bureau = Actor(*BUREAU)
    out: dict[str, object] = {}
    prof = None
    if profile is not None:
        import cProfile

        prof = cProfile.Profile(time.process_time)
        prof.enable()
    t0, c0 = time.perf_counter(), time.process_time()
    if phase == "commit":
        with rt.transaction() as s:
            service.commit_task(
                s,
                rt.journal,
                task=task,
                actor=bureau,
                commitments=[{"party": "operator", "commitment": commitment(SECRET)}],
            )
    elif phase == "draw":
        with rt.transaction() as s:
            draw = service.draw_task(
                s,
                rt.journal,
                task=task,
                actor=bureau,
                reveals=[{"party": "operator", "secret": SECRET.hex()}],
            )
            out["draw_index"] = draw.log_index
            # counts only (replay.summary would build 50,000 team views inside the timed phase)
            out["drawn_targets"] = len(replay.drawn_targets(draw.result))
            out["teams"] = len(replay.teams_of(draw.result))
    else:  # verify: recompute the last draw from the log alone
        with rt.engine.connect() as conn:
            index = int(task)
            verify_draw(reader_for(rt.log, conn), index, size=rt.log.size(conn), later=[])
    out["s"] = round(time.perf_counter() - t0, 3)
    out["cpu_s"] = round(time.process_time() - c0, 3)
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # KiB on Linux
    if prof is not None and profile is not None:
        prof.disable()
        profile.mkdir(parents=True, exist_ok=True)
        prof.dump_stats(str(profile / f"{phase}.prof"))
    with rt.engine.connect() as conn:
        size1 = rt.log.size(conn)
        out["entries_logged"] = size1 - size0
        out["log_bytes"] = sum(len(b) for b in rt.log.entries(conn, size0, size1))
    rt.close()
    return out


def kept_setup(args: argparse.Namespace, data_dir: Path) -> dict[str, object]:
    """``phase_setup`` in ``data_dir``, or a copy of the one kept in ``--setup-dir`` (made there
    first if it holds none for these sizes)."""
    if args.setup_dir is None:
        return phase_setup(args, data_dir)
    sizes = {k: getattr(args, k) for k in ("targets", "inspectors", "declarations", "ratio_bp")}
    meta = args.setup_dir / "setup.json"
    if not meta.exists() or json.loads(meta.read_text())["sizes"] != sizes:
        shutil.rmtree(args.setup_dir, ignore_errors=True)
        args.setup_dir.mkdir(parents=True)
        made = phase_setup(args, args.setup_dir)
        meta.write_text(json.dumps({"sizes": sizes, "setup": made}))
    kept: dict[str, object] = json.loads(meta.read_text())["setup"]
    for f in args.setup_dir.iterdir():
        if f.is_dir():
            shutil.copytree(f, data_dir / f.name)
        elif f.name != "setup.json":
            shutil.copy2(f, data_dir / f.name)
    return {**kept, "setup_reused": True}


def run_child(phase: str, data_dir: Path, task: str, profile: Path | None = None) -> dict[str, object]:
    cmd = [sys.executable, __file__, "--phase", phase, "--data-dir", str(data_dir), "--task", task]
    if profile is not None:
        cmd += ["--profile", str(profile)]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--targets", type=int, default=1_000_000)
    parser.add_argument("--inspectors", type=int, default=5_000)
    parser.add_argument("--declarations", type=int, default=10_000)
    parser.add_argument("--ratio-bp", type=int, default=500)
    parser.add_argument("--setup-dir", type=Path, help="keep the set-up here and reuse it (same sizes)")
    parser.add_argument("--profile", type=Path, help="write DIR/<phase>.prof (cProfile, CPU timer)")
    parser.add_argument("--phase", choices=("commit", "draw", "verify"), help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--task", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(phase_child(args.phase, args.data_dir, args.task, args.profile)))
        return

    figures: dict[str, object] = {
        "bench": "draw",
        "targets": args.targets,
        "inspectors": args.inspectors,
        "declarations": args.declarations,
        "ratio_bp": args.ratio_bp,
        "processes": "commit, draw and verify each in a fresh process",
        "cpus": os.cpu_count(),
    }
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        figures["load_avg_1m_start"] = round(os.getloadavg()[0], 2)
        setup = kept_setup(args, data_dir)
        task = str(setup.pop("task"))
        figures.update(setup)
        figures["calibration_1m_sha256_cpu_s"] = calibration()
        figures["load_avg_1m"] = round(os.getloadavg()[0], 2)
        commit = run_child("commit", data_dir, task, args.profile)
        draw = run_child("draw", data_dir, task, args.profile)
        figures["commit_s"], figures["commit_cpu_s"] = commit["s"], commit["cpu_s"]
        figures["draw_s"], figures["draw_cpu_s"] = draw["s"], draw["cpu_s"]
        figures["commit_peak_rss_mb"] = commit["peak_rss_mb"]
        figures["draw_peak_rss_mb"] = draw["peak_rss_mb"]
        figures["commit_draw_log_s"] = round(float(commit["s"]) + float(draw["s"]), 3)  # type: ignore[arg-type]
        figures["commit_draw_log_cpu_s"] = round(float(commit["cpu_s"]) + float(draw["cpu_s"]), 3)  # type: ignore[arg-type]
        figures["entries_logged"] = int(commit["entries_logged"]) + int(draw["entries_logged"])  # type: ignore[call-overload]
        figures["log_bytes"] = int(commit["log_bytes"]) + int(draw["log_bytes"])  # type: ignore[call-overload]
        figures["drawn_targets"], figures["teams"] = draw["drawn_targets"], draw["teams"]
        verify = run_child("verify", data_dir, str(draw["draw_index"]))
        figures["verify_s"] = verify["s"]
        figures["load_avg_1m_end"] = round(os.getloadavg()[0], 2)
    goal = 1.0 if args.targets <= 1_000_000 else 20.0 * args.targets / 10_000_000
    figures["goal_s"] = goal
    figures["goal_met"] = figures["commit_draw_log_s"] <= goal  # type: ignore[operator]
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
