"""The exchange files through the API (multipart upload, download) and the CLI."""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from exchange_support import _csv, _row

from drawsvc.api import auth
from drawsvc.api.app import create_app
from drawsvc.journal import SYSTEM


def test_upload_then_download(world: Any) -> None:
    from fastapi.testclient import TestClient
    from results_support import bureau

    from drawsvc.results import service

    rt, task, t = world
    (u0, (l0, _)), (u1, (l1, _)) = t[:2]
    with rt.transaction() as s:
        _r, qy = auth.create_api_key(s, rt.journal, role="bureau", department="QY", actor=SYSTEM)
    with TestClient(create_app(rt)) as client:
        good = _csv([_row(task, u0, l0)])
        assert client.post("/v1/exchange/results", files={"file": ("r.csv", good)}).status_code == 401
        r = client.post("/v1/exchange/results", files={"file": ("r.csv", good)}, headers={"X-API-Key": qy})
        assert r.status_code == 201, r.text
        codes = r.json()["results"]
        bad = _csv([_row(task, u1, l1, 检查结果="查无此类")])
        r = client.post("/v1/exchange/results", files={"file": ("r.csv", bad)}, headers={"X-API-Key": qy})
        assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
        assert [(e["row"], e["column"]) for e in r.json()["rows"]] == [(2, "检查结果")]
        with rt.transaction() as s:
            service.audit_results(s, rt.journal, results=codes, approver="QY-HEAD", actor=bureau())
            service.publish_results(s, rt.journal, results=codes, actor=bureau())
        got = client.get("/v1/exchange/results", params={"format": "csv", "task": task})
        assert got.status_code == 200 and got.content.startswith(b"\xef\xbb\xbf")
        table = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
        assert len(table) == 2 and table[1][0] == u0
        xlsx = client.get("/v1/exchange/results")
        assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_cli_import_refusal_lists_rows(world: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from drawsvc.cli.output import run_guarded
    from drawsvc.settings import get_settings

    rt, task, t = world
    (u0, (l0, _)), (u1, (l1, _)) = t[:2]
    monkeypatch.setenv("DRAWSVC_DATA_DIR", str(rt.settings.data_dir))
    monkeypatch.setenv("DRAWSVC_LOG_ORIGIN", rt.settings.log_origin)
    get_settings.cache_clear()
    from drawsvc.cli.app import app

    def run(*args: str) -> int:
        try:
            run_guarded(lambda: app(list(args), standalone_mode=False))
        except SystemExit as exc:
            return int(exc.code or 0)
        return 0

    try:
        bad = tmp_path / "bad.csv"
        bad.write_bytes(_csv([_row(task, u0, l0), _row(task, u1, l1, 检查组长编号="QY-9999")]))
        assert run("exchange", "import", str(bad), "-d", "QY") != 0
        good = tmp_path / "good.csv"
        good.write_bytes(_csv([_row(task, u0, l0)]))
        assert run("exchange", "import", str(good), "-d", "QY") == 0
        out = tmp_path / "out.xlsx"
        assert run("exchange", "export", str(out), "--task", task) == 0
        assert out.read_bytes()[:2] == b"PK"
    finally:
        get_settings.cache_clear()


def test_download_name_keeps_to_ascii(world: Any) -> None:
    from fastapi.testclient import TestClient

    rt, _task, _t = world
    with TestClient(create_app(rt)) as client:
        r = client.get("/v1/exchange/results", params={"format": "csv", "department": "曲阳/\"x"})
        assert r.status_code == 200
        assert r.headers["content-disposition"] == 'attachment; filename="results-____x.csv"'
