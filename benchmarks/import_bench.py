"""Registry import benchmark: a generated targets CSV imported all-or-nothing into SQLite.

Generates ``--rows`` sample targets (杭州市, valid credit codes) as a UTF-8 CSV, then times
``drawsvc.registries.imports.import_file`` in one transaction: streaming read, validation
(GB 32100 check character etc.), batched insert, and the log scheme of spec registries.md
§7.3 (records packed as arrays into ``registry.target.batch.v2`` entries filled to the 64 KiB
entry limit + one summary).
Prints ONE JSON line (wall seconds, CPU seconds of this process, rows/s, peak RSS).
Usage: .venv/bin/python benchmarks/import_bench.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from drawsvc.journal import Actor
from drawsvc.registries.imports import import_file
from drawsvc.runtime import open_runtime
from drawsvc.sample import generate_targets, write_file
from drawsvc.settings import Settings


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def read_load() -> float:
    """The 1-minute load average (the machine is shared: figures depend on it)."""
    with open("/proc/loadavg") as fh:
        return float(fh.read().split()[0])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--dir", type=Path, default=None, help="work directory, kept (default: a temp dir, removed)"
    )
    args = parser.parse_args()

    work = args.dir or Path(tempfile.mkdtemp(prefix="import-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        run(args, work)
    finally:
        if args.dir is None:  # the CSV and the database are ≈ 600 MB at a million rows
            shutil.rmtree(work, ignore_errors=True)


def run(args: argparse.Namespace, work: Path) -> None:
    csv_path = work / "targets.csv"
    t0 = time.perf_counter()
    write_file("targets", generate_targets(args.rows, args.seed), csv_path)
    generate_s = time.perf_counter() - t0
    rss_before = peak_rss_mb()

    load_start = read_load()
    rt = open_runtime(Settings(data_dir=work / "var", log_origin="bench.drawsvc.example/log"))
    actor = Actor(role="admin", department=None, name="bench")
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    with rt.transaction() as session:
        report = import_file(
            session, rt.journal, csv_path, kind="targets", fmt="csv", actor=actor, on=date(2026, 3, 2)
        )
    seconds = time.perf_counter() - t0
    cpu_seconds = time.process_time() - cpu0
    rt.close()
    db_bytes = sum(p.stat().st_size for p in (work / "var").glob("drawsvc.sqlite3*"))
    print(
        json.dumps(
            {
                "bench": "import_targets_csv_sqlite",
                "rows": report.rows,
                "seconds": round(seconds, 2),
                "rows_per_s": round(report.rows / seconds),
                "cpu_seconds": round(cpu_seconds, 2),  # this process only: least skewed by load
                "peak_rss_mb": round(peak_rss_mb(), 1),
                "rss_before_import_mb": round(rss_before, 1),
                "log_entries": report.log_entries,
                "csv_mb": round(csv_path.stat().st_size / 2**20, 1),
                "db_mb": round(db_bytes / 2**20, 1),
                "generate_seconds": round(generate_s, 2),
                "load_avg_1m_start": load_start,
                "load_avg_1m": read_load(),
                "python": platform.python_version(),
            }
        )
    )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
