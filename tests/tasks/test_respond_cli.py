"""`drawsvc task respond --reason`: a decline needs the expert's reason, which is logged."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tasks_support import seed_registries
from typer.testing import CliRunner

from drawsvc.calendar.service import ensure_bundled
from drawsvc.journal import SYSTEM
from drawsvc.settings import get_settings


@pytest.fixture
def rt_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("DRAWSVC_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DRAWSVC_LOG_ORIGIN", "cli.test/log")
    get_settings.cache_clear()
    from drawsvc.runtime import open_runtime

    rt = open_runtime()
    with rt.transaction() as s:
        ensure_bundled(s, rt.journal, actor=SYSTEM)
        seed_registries(s, targets=1, experts=6)
    rt.close()
    from drawsvc.cli.app import app

    runner = CliRunner()
    yield lambda *args: runner.invoke(app, list(args))
    get_settings.cache_clear()


def _responses() -> list[dict[str, Any]]:
    from drawsvc.runtime import open_runtime

    rt = open_runtime()
    try:
        with rt.engine.connect() as conn:
            entries = [json.loads(b) for b in rt.log.entries(conn, 0, rt.log.size(conn))]
    finally:
        rt.close()
    return [e["body"] for e in entries if e["kind"] == "draw.expert.response"]


def _invited() -> list[str]:
    from drawsvc.runtime import open_runtime
    from drawsvc.tasks import repository as repo

    rt = open_runtime()
    try:
        with rt.transaction() as s:
            return [x.expert_code for x in repo.expert_slots(s, "T2026-0001", 1) if x.status == "invited"]
    finally:
        rt.close()


def test_respond_declined_needs_and_logs_the_reason(rt_cli: Any) -> None:
    create = ("task", "create", "--title", "专家抽取", "--year", "2026", "-d", "SCJG", "--experts", "2",
              "--expert-pool", "ZJ", "--expert-group", "食品")
    assert rt_cli(*create).exit_code == 0
    for args in (("pool", "build", "T2026-0001", "--pool", "experts"), ("commit", "T2026-0001"),
                 ("draw", "T2026-0001")):
        ran = rt_cli("task", *args, "-d", "SCJG")
        assert ran.exit_code == 0, ran.output
    expert = _invited()[0]
    respond = ("task", "respond", "T2026-0001", "--expert", expert, "--response", "declined", "-d", "SCJG")
    bare = rt_cli(*respond)
    assert bare.exit_code != 0 and getattr(bare.exception, "field", None) == "reason"
    assert _responses() == []
    ok = rt_cli(*respond, "--reason", "出差在外")
    assert ok.exit_code == 0, ok.output
    (body,) = _responses()
    assert body["reason"] == "出差在外" and body["expert"] == expert and body["calendar_version"]
