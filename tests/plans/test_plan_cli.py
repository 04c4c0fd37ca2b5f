"""`drawsvc plan create|publish|show`: output, exit codes, and nothing written on bad input."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from drawsvc.cli.output import EXIT_ERROR, EXIT_INVALID, EXIT_NOT_FOUND, EXIT_OK, run_guarded
from drawsvc.journal import SYSTEM
from drawsvc.settings import get_settings

ITEM = "CI-1,500,1,2026-04-01,2026-06-30,WSJ"


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("DRAWSVC_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DRAWSVC_LOG_ORIGIN", "cli.test/log")
    get_settings.cache_clear()
    from drawsvc.registries import service as registries
    from drawsvc.runtime import open_runtime

    rt = open_runtime()
    with rt.transaction() as s:
        for code in ("SCJG", "WSJ"):
            registries.upsert_department(s, rt.journal, code=code, name=f"{code} 局", actor=SYSTEM)
        registries.upsert_check_item(s, rt.journal, {"code": "CI-1", "name": "食品经营", "min_ratio_bp": 300},
                                     department="SCJG", actor=SYSTEM)
    rt.close()

    from drawsvc.cli.app import app

    def run(*args: str) -> tuple[int, str]:
        result = CliRunner().invoke(app, list(args))
        return result.exit_code, result.output

    def guarded(*args: str) -> int:
        """The exit code ``drawsvc`` (``run_guarded``) gives a command."""
        try:
            run_guarded(lambda: app(list(args), standalone_mode=False))
        except SystemExit as exc:
            return int(exc.code or 0)
        return EXIT_OK

    run.guarded = guarded  # type: ignore[attr-defined]
    yield run
    get_settings.cache_clear()


def log_size() -> int:
    from drawsvc.runtime import open_runtime

    rt = open_runtime()
    try:
        with rt.transaction() as s:
            return rt.log.size(s.connection())
    finally:
        rt.close()


def test_create_publish_revise_and_show(cli: Any, tmp_path: Path) -> None:
    code, out = cli("plan", "create", "-d", "SCJG", "--year", "2026", "--item", ITEM)
    assert code == EXIT_OK, out
    assert "version 1 (draft)" in out and "CI-1" in out and "WSJ" in out
    code, out = cli("plan", "publish", "-d", "SCJG", "--year", "2026")
    assert code == EXIT_OK and "version 1 published" in out
    items = tmp_path / "items.json"
    items.write_text(json.dumps([{"check_item": "CI-1", "ratio_bp": 800, "frequency": 2,
                                  "period_start": "2026-07-01", "period_end": "2026-09-30"}]))
    code, out = cli("plan", "create", "-d", "SCJG", "--year", "2026", "--items-file", str(items),
                    "--reason", "上级通知")
    assert code == EXIT_OK and "version 2 (draft)" in out and "上级通知" in out
    code, out = cli("plan", "show", "-d", "SCJG", "--year", "2026", "--version", "1")
    assert code == EXIT_OK and "version 1 (published)" in out and "500" in out


@pytest.mark.parametrize(("args", "exit_code"), [
    (("--item", "CI-1,299,1,2026-04-01,2026-06-30"), EXIT_INVALID),  # below the minimum ratio
    (("--item", "CI-1,500,1,2026-04-01"), EXIT_INVALID),  # too few fields
    (("--item", "CI-1,5%,1,2026-04-01,2026-06-30"), EXIT_INVALID),
    (("--item", "CI-1,500,1,2026-04-01,2026-06-30", "--reason", "x"), EXIT_INVALID),  # no revision yet
])
def test_bad_input_exits_with_its_code_and_writes_nothing(cli: Any, args: tuple[str, ...], exit_code: int):
    size = log_size()
    assert cli.guarded("plan", "create", "-d", "SCJG", "--year", "2026", *args) == exit_code
    assert log_size() == size


def test_show_and_publish_of_a_missing_plan_are_not_found(cli: Any) -> None:
    assert cli.guarded("plan", "show", "-d", "SCJG", "--year", "2026") == EXIT_NOT_FOUND
    assert cli.guarded("plan", "publish", "-d", "SCJG", "--year", "2026") == EXIT_NOT_FOUND


def test_publishing_twice_is_an_error(cli: Any) -> None:
    assert cli("plan", "create", "-d", "SCJG", "--year", "2026", "--item", ITEM)[0] == EXIT_OK
    assert cli("plan", "publish", "-d", "SCJG", "--year", "2026")[0] == EXIT_OK
    assert cli.guarded("plan", "publish", "-d", "SCJG", "--year", "2026") == EXIT_ERROR
