"""The audit benchmark at a tiny size: one JSON line with the figures, and no finding on its log."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "audit_bench.py"


def _bench() -> object:
    spec = importlib.util.spec_from_file_location("audit_bench", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def quick(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    data = tmp_path_factory.mktemp("audit_bench")
    done = subprocess.run([sys.executable, str(SCRIPT), "--quick", "--dir", str(data)],
                          capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1, done.stdout  # ONE JSON line
    return json.loads(lines[0]), data


def test_quick_run_prints_the_figures_and_finds_nothing(quick: tuple[dict, Path]) -> None:
    out, _data = quick
    entries, new = out["entries"], out["new_entries"]
    assert out["bench"] == "audit" and entries == 3_000 and new == 300
    for phase, size in (("full", entries), ("incremental", entries + new)):
        fig = out[phase]
        assert fig["findings"] == 0
        assert fig["size"] == size
        assert fig["wall_s"] > 0 and fig["cpu_s"] > 0 and fig["peak_rss_mib"] > 10
        assert len(fig["loadavg_before"]) == 3 and len(fig["loadavg_after"]) == 3
    # the demo's draws plus the big one, all recomputed; the new entries hold one more draw
    assert out["full"]["draws"] == out["full"]["verified"] >= 2
    assert out["incremental"]["draws"] == out["full"]["draws"] + 1
    assert out["setup"]["service_entries"] < entries
    assert set(out["goals_met"]) == {"full_wall", "full_cpu", "full_peak_rss", "incremental_wall",
                                     "incremental_cpu"}


def test_rerun_reuses_the_generated_directory(quick: tuple[dict, Path]) -> None:
    _out, data = quick
    done = subprocess.run([sys.executable, str(SCRIPT), "--quick", "--dir", str(data)],
                          capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    again = json.loads(done.stdout)
    assert again["setup"]["cached"] is True
    assert again["full"]["findings"] == again["incremental"]["findings"] == 0
    assert again["incremental"]["size"] == again["entries"] + again["new_entries"]


def test_a_tampered_entry_makes_the_bench_fail(quick: tuple[dict, Path], tmp_path: Path) -> None:
    """The bench's own check is not decorative: a changed entry is a finding, and the bench stops."""
    _out, data = quick
    bench = _bench()
    import shutil

    log = tmp_path / "log"
    shutil.copytree(data / "base" / "log", log)  # a real copy: the base stays honest
    bundle = log / "tile" / "entries" / "000"
    raw = bundle.read_bytes()
    at = raw.index(b'"SCJG-clerk"')
    bundle.write_bytes(raw[:at] + b'"SCJG-clark"' + raw[at + len(b'"SCJG-clerk"'):])
    run = bench.timed_audit(log, tmp_path / "state.json", tmp_path / "report.json")  # type: ignore[attr-defined]
    assert run["exit"] == 3 and run["findings"] >= 1
    assert run["first_findings"][0]["rule"] == "AUD-2"
    with pytest.raises(SystemExit):
        bench._check(run, "full", run["size"])  # type: ignore[attr-defined]
