"""The demo's published site, audited as the discipline office would: no findings; its state then
accepts the same checkpoint again (nothing new) and a tampered republication fails."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from drawsvc.cli.app import app
from drawsvc.demo import DEMO_ORIGIN, run_demo
from drawsvc.settings import Settings


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Any:
    data_dir = tmp_path_factory.mktemp("demo") / "demo"
    rt, report = run_demo(
        Settings(data_dir=data_dir, log_origin=DEMO_ORIGIN),
        targets=600,
        base_url="http://127.0.0.1:8610/site",
    )
    yield rt, report
    rt.close()


def test_the_demo_site_passes_the_audit(tmp_path: Path, demo: Any) -> None:
    rt, report = demo
    key = rt.log.signer.verifier_key()
    out, html, state = tmp_path / "a.json", tmp_path / "a.html", tmp_path / "s.json"
    r = CliRunner().invoke(
        app,
        [
            "audit",
            str(report.site_dir),
            "--key",
            key,
            "--json",
            str(out),
            "--html",
            str(html),
            "--state",
            str(state),
        ],
    )
    rep = json.loads(out.read_text())
    assert r.exit_code == 0, rep["findings"][:5]
    assert rep["size"] == report.log_size
    assert rep["summary"]["verified"] == rep["summary"]["draws"] >= len(report.verified)
    assert "未发现问题" in html.read_text(encoding="utf-8")
    r = CliRunner().invoke(app, ["audit", str(report.site_dir), "--state", str(state), "--json", str(out)])
    assert r.exit_code == 0, r.output
    assert json.loads(out.read_text())["incremental"]["start"] == report.log_size
