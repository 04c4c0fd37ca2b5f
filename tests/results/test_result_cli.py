"""`drawsvc result …`: a submitted result from a file, the overdue list, exit codes on bad input."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent))
from results_support import drawn_task, log_size, seed, submission, teams

from drawsvc.cli.output import EXIT_INVALID, run_guarded
from drawsvc.settings import get_settings


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("DRAWSVC_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DRAWSVC_LOG_ORIGIN", "cli.test/log")
    get_settings.cache_clear()
    from drawsvc.runtime import open_runtime

    rt = open_runtime()
    with rt.transaction() as s:
        seed(s)
    task = drawn_task(rt)
    yield rt, task, tmp_path
    rt.close()
    get_settings.cache_clear()


def _guarded(*args: str) -> int:
    from drawsvc.cli.app import app

    try:
        run_guarded(lambda: app(list(args), standalone_mode=False))
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def test_submit_then_the_overdue_list_shows_the_result_once_due(
    world: Any, service_clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    rt, task, tmp = world
    from drawsvc.cli import output
    from drawsvc.cli.app import app

    monkeypatch.setattr(output.console, "_width", 250)  # whole codes in the table cells

    target, (leader, _members) = next(iter(teams(rt, task).items()))
    path = tmp / "result.json"
    path.write_text(
        json.dumps({"task": task, **submission(target, leader)}, ensure_ascii=False), encoding="utf-8"
    )
    out = CliRunner().invoke(app, ["result", "submit", str(path), "-d", "QY"])
    assert out.exit_code == 0, out.output
    assert "due 2026-07-14" in out.output  # 20 working days after 2026-06-15 (端午 06-19 off)
    code = out.output.split()[1]
    out = CliRunner().invoke(app, ["result", "overdue", "-d", "QY"])
    assert out.exit_code == 0 and code not in out.output
    from datetime import datetime

    import drawsvc.journal

    monkeypatch.setattr(
        drawsvc.journal, "now_shanghai", lambda: datetime(2026, 7, 15, 9, 0, tzinfo=drawsvc.journal.SHANGHAI)
    )
    out = CliRunner().invoke(app, ["result", "overdue", "-d", "QY"])
    assert out.exit_code == 0 and code in out.output and "overdue" in out.output


def test_a_bad_result_file_exits_invalid_and_writes_nothing(world: Any) -> None:
    rt, task, tmp = world
    target, (leader, _members) = next(iter(teams(rt, task).items()))
    path = tmp / "bad.json"
    path.write_text(
        json.dumps({"task": task, **submission(target, leader, categories=["x"])}), encoding="utf-8"
    )
    before = log_size(rt)
    assert _guarded("result", "submit", str(path), "-d", "QY") == EXIT_INVALID
    assert log_size(rt) == before


def test_verify_deadlines_recomputes_the_logged_deadlines(world: Any) -> None:
    rt, task, tmp = world
    from drawsvc.cli.app import app

    target, (leader, _members) = next(iter(teams(rt, task).items()))
    path = tmp / "result.json"
    path.write_text(
        json.dumps({"task": task, **submission(target, leader)}, ensure_ascii=False), encoding="utf-8"
    )
    assert CliRunner().invoke(app, ["result", "submit", str(path), "-d", "QY"]).exit_code == 0
    out = CliRunner().invoke(app, ["result", "verify-deadlines"])
    assert out.exit_code == 0 and "1 deadlines recomputed" in out.output
