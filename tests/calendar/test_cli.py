"""`drawsvc calendar` commands: what they print, and what they must not (spec calendar.md §9)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from drawsvc.cli.app import app
from drawsvc.cli.output import EXIT_ERROR, EXIT_INVALID, run_guarded
from drawsvc.settings import get_settings

VECTORS = Path(__file__).parents[1] / "vectors" / "calendar"
FIXTURE = VECTORS / "arrangement-2027.TEST-FIXTURE.json"


@dataclass
class Ran:
    exit_code: int
    output: str
    stderr: str


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """Run ``drawsvc ARGS`` as ``main()`` does: through the one error-conversion point."""
    monkeypatch.setenv("DRAWSVC_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DRAWSVC_DATABASE_URL", "")
    monkeypatch.setenv("COLUMNS", "120")
    get_settings.cache_clear()

    def run(*args: str) -> Ran:
        code = 0
        try:
            run_guarded(lambda: app(list(args), standalone_mode=False))
        except SystemExit as exit_:
            code = int(exit_.code or 0)
        captured = capsys.readouterr()
        return Ran(code, captured.out, captured.err)

    yield run
    get_settings.cache_clear()


def test_seed_add_deadline_and_show(cli, tmp_path: Path) -> None:
    assert "loaded 23 bundled years" in cli("calendar", "seed").output
    assert "already loaded" in cli("calendar", "seed").output
    out = cli("calendar", "add", str(FIXTURE)).output
    assert "loaded 2027 arrangement version 1 at log index 23" in out
    result = cli("calendar", "deadline", "2026-12-10", "20")
    assert result.exit_code == 0
    assert "2027-01-08 24:00 Asia/Shanghai" in result.output and "22, 23" in result.output
    shown = cli("calendar", "show", "2026").output
    assert "2026年2月" in shown and "14班" in shown and "23休" in shown and "国办发明电〔2025〕7号" in shown
    listed = cli("calendar", "list").output
    assert "2027" in listed and "current" in listed


def test_unknown_year_fails_with_explicit_error_not_traceback(cli) -> None:
    cli("calendar", "seed")
    result = cli("calendar", "deadline", "2026-12-10", "20")
    assert result.exit_code == EXIT_ERROR
    assert "calendar.year-unavailable" in result.stderr and "year: 2027" in result.stderr
    assert "drawsvc calendar add" in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr + result.output


def test_provisional_deadline_is_labelled(cli) -> None:
    cli("calendar", "seed")
    out = cli("calendar", "deadline", "2026-12-10", "20", "--provisional").output
    assert "PROVISIONAL" in out and "not binding" in out and "2027-01-08" in out


def test_bad_file_is_refused_with_the_field_and_nothing_loaded(cli, tmp_path: Path) -> None:
    vector = json.loads((VECTORS / "invalid" / "workdays[1].dates[0]-wednesday.json").read_text("utf-8"))
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(vector["arrangement"], ensure_ascii=False), encoding="utf-8")
    result = cli("calendar", "add", str(bad))
    assert result.exit_code == EXIT_INVALID
    assert "workdays[1].dates[0]" in result.stderr and "calendar.workday-not-weekend" in result.stderr
    assert "Traceback" not in result.stderr
    assert "2027" not in cli("calendar", "list").output


def test_replacing_needs_a_reason(cli) -> None:
    cli("calendar", "add", str(FIXTURE))
    result = cli("calendar", "add", str(FIXTURE))
    assert result.exit_code == EXIT_ERROR and "calendar.year-already-loaded" in result.stderr
