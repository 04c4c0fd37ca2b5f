"""`drawsvc task create --seal-event`, `task seal`, `task disclose`, `task disclose-due` and
`verify-draw` on a sealed task (docs/specs/sealed-draws.md)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tasks_support import seed_registries
from typer.testing import CliRunner

from drawsvc.settings import get_settings


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("DRAWSVC_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DRAWSVC_LOG_ORIGIN", "cli.test/log")
    get_settings.cache_clear()
    from drawsvc.runtime import open_runtime

    rt = open_runtime()
    with rt.transaction() as s:
        seed_registries(s, targets=30, inspectors_per_dept=5)
    rt.close()
    from drawsvc.cli.app import app

    runner = CliRunner()
    yield lambda *args: runner.invoke(app, list(args))
    get_settings.cache_clear()


def test_a_sealed_task_through_the_cli(cli: Any) -> None:
    def ok(*args: str) -> str:
        r = cli(*args)
        assert r.exit_code == 0, (args, r.output, r.exception)
        return r.output

    ok("task", "create", "--title", "暗访", "--year", "2026", "-d", "SCJG", "--count", "3",
       "--seal-until", "2026-12-01")
    ok("task", "pool", "build", "T2026-0001", "-d", "SCJG")
    ok("task", "commit", "T2026-0001", "-d", "SCJG")
    ok("task", "draw", "T2026-0001", "-d", "SCJG")
    shown = json.loads(ok("task", "seal", "T2026-0001"))
    assert shown["verified"] is True and shown["opens"] == {"date": "2026-12-01"}
    assert "salt" not in shown and "plaintext" not in shown
    sealed = json.loads(ok("verify-draw", "T2026-0001", "--json"))
    assert sealed["sealed"]["disclosed"] is None
    early = cli("task", "disclose", "T2026-0001", "-d", "SCJG", "--on", "2026-11-30")
    assert early.exit_code != 0 and early.exception.rule == "seal.early-needs-reason"
    bad = cli("task", "disclose", "T2026-0001", "-d", "JJ", "--role", "discipline", "--salt", "00" * 32,
              "--on", "2026-12-01")
    assert bad.exit_code != 0 and bad.exception.rule == "seal.commitment-mismatch"
    assert bad.exception.detail["field"] == "salt"
    assert "none due" in ok("task", "disclose-due", "--today", "2026-11-30")
    assert "T2026-0001" in ok("task", "disclose-due", "--today", "2026-12-01")
    verified = json.loads(ok("verify-draw", "T2026-0001", "--json"))
    assert verified["sealed"]["disclosed"] is not None and verified["seed"]
