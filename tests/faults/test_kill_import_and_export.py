"""SIGKILL during `drawsvc registry import` and during the static export (issue 19, REL-C2/C3).

An import killed at any moment leaves none or all of its rows (one transaction) and a whole
log; an export killed at any moment leaves a directory that verifies for some signed size (the
checkpoint is written last), and the next export completes it.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from harness import LONG, ORIGIN, check_log

from drawsvc.registries import models as reg
from drawsvc.runtime import open_runtime
from drawsvc.sample import generate_targets, write_file
from drawsvc.settings import Settings
from ledger import export, tiles

KILLS = 12 if LONG else 3


def _env(data_dir: Path) -> dict[str, str]:
    return {**os.environ, "DRAWSVC_DATA_DIR": str(data_dir), "DRAWSVC_LOG_ORIGIN": ORIGIN}


def _kill_after(cmd: list[str], env: dict[str, str], delay: float, *, after_line: bool = False) -> int | None:
    """Run ``cmd``; SIGKILL its process group ``delay`` seconds after its start (or after its
    first line of output); its exit status, or None when it was killed."""
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE if after_line else subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    if after_line:
        assert proc.stdout is not None
        proc.stdout.readline()
    try:
        return proc.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        return None


def _targets(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(reg.Target)).scalar_one())


@pytest.mark.slow
def test_import_killed_at_random_leaves_none_or_all_of_it(tmp_path: Path) -> None:
    rt = open_runtime(Settings(data_dir=tmp_path, log_origin=ORIGIN))
    verifier = rt.log.signer.verifier()
    csv = tmp_path / "名录.csv"
    rows = 150_000  # about 4 s to import: most kills land inside it
    write_file("targets", generate_targets(rows, seed=11), csv)
    cmd = [sys.executable, "-m", "drawsvc.cli.app", "registry", "import", "targets", str(csv)]
    rng = random.Random(5)
    killed = 0
    for _ in range(KILLS):
        before = _targets(rt.engine)
        rc = _kill_after(cmd, _env(tmp_path), rng.uniform(0.3, 3.0))
        after = _targets(rt.engine)
        killed += rc is None
        assert after in (before, rows), f"half an import: {after} of {rows} targets"
        check_log(rt.engine, verifier, [])
        if after == rows:
            break  # imported whole before the kill: later runs would change nothing
    assert killed >= 1, "no run was killed mid-import (make the file larger)"
    assert subprocess.run(cmd, env=_env(tmp_path), capture_output=True).returncode == 0
    assert _targets(rt.engine) == rows
    rt.close()


@pytest.mark.slow
def test_export_killed_at_random_stays_valid_and_is_repaired(tmp_path: Path) -> None:
    rt = open_runtime(Settings(data_dir=tmp_path, log_origin=ORIGIN))
    verifier = rt.log.signer.verifier()
    site = tmp_path / "site"
    # The exporter says when it starts exporting; the kill comes a random moment after that, so
    # that it lands inside the export whatever the machine's load does to start-up times.
    script = (
        "import sys; from drawsvc.runtime import open_runtime; from ledger import export;"
        "rt = open_runtime(); c = rt.engine.connect(); print('exporting', flush=True);"
        "export.export_tiles(c, sys.argv[1])"
    )
    rng = random.Random(7)
    published = [0]
    torn = 0  # kills that left tiles written beyond the published checkpoint
    for _ in range(KILLS):
        with rt.engine.begin() as conn:  # the log grows between exports
            rt.log.append_encoded(conn, [os.urandom(120) for _ in range(rng.randint(150_000, 300_000))])
        rc = _kill_after([sys.executable, "-c", script, str(site)], _env(tmp_path), rng.uniform(0.0, 0.5),
                         after_line=True)
        size = export.verify_directory(site, verifier, origin=ORIGIN, full=True) if (
            site / "checkpoint").exists() else 0
        assert size >= published[-1], "the published size went back"
        published.append(size)
        torn += rc is None and (site / tiles.entries_path((size >> 8) + 1)).exists()
    with rt.engine.connect() as conn:
        export.export_tiles(conn, site)
        final = rt.log.size(conn)
    assert export.verify_directory(site, verifier, origin=ORIGIN, full=True) == final
    assert torn >= 1, f"no kill landed inside an export ({published})"
    rt.close()
