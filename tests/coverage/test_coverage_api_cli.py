"""`GET /v1/coverage/{year}` (public) and `drawsvc stats coverage`: the same figures as the service."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent))
from coverage_support import seed_year

from drawsvc.api.app import create_app
from drawsvc.settings import get_settings


def test_public_route_and_chart_route(runtime: Any) -> None:
    with runtime.transaction() as s:
        seed_year(s)
    with TestClient(create_app(runtime)) as client:
        r = client.get("/v1/coverage/2026", params={"department": "QY"})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["spec"] == "drawsvc/coverage/v1"
        assert [(i["code"], i["targets_checked"], i["meets"]) for i in body["items"]] == [
            ("QY-01", 5, True), ("QY-02", 3, True), ("QY-03", 0, False)]
        charts = client.get("/v1/coverage/2026/charts").json()
        assert charts["spec"] == "drawsvc/coverage-charts/v1" and len(charts["coverage"]) == 4
        bad = client.get("/v1/coverage/1999")
        assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
        missing = client.get("/v1/coverage/2026", params={"department": "XX"})
        assert missing.status_code == 404 and "department" in missing.json()["detail"]


@pytest.fixture
def cli_world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("DRAWSVC_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DRAWSVC_LOG_ORIGIN", "cli.test/log")
    get_settings.cache_clear()
    from drawsvc.runtime import open_runtime

    rt = open_runtime()
    with rt.transaction() as s:
        seed_year(s)
    rt.close()
    yield
    get_settings.cache_clear()


def test_cli_table_and_json(cli_world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from drawsvc.cli.app import app
    from drawsvc.cli.output import console

    # the shared console: wide enough for one line a row (``_width`` None, restored: auto width)
    monkeypatch.setattr(console, "_width", 200)
    runner = CliRunner()
    table = runner.invoke(app, ["stats", "coverage", "--year", "2026", "-d", "QY"])
    assert table.exit_code == 0, table.output
    assert "QY/QY-03" in table.output and "12.50%" in table.output  # QY-01: 5 of 40
    out = runner.invoke(app, ["stats", "coverage", "--year", "2026", "--json"])
    assert out.exit_code == 0, out.output
    report = json.loads(out.output)
    assert [d["department"] for d in report["departments"]] == ["QY", "ZB"]
    charts = json.loads(runner.invoke(app, ["stats", "coverage", "-y", "2026", "--charts"]).output)
    assert charts["spec"] == "drawsvc/coverage-charts/v1"
