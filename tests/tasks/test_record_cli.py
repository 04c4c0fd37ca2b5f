"""`drawsvc record show` (docs/specs/draw-record.md §6): reads the log from the database, writes the page."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from drawsvc.cli.output import EXIT_INVALID, EXIT_NOT_FOUND, run_guarded
from drawsvc.cli.record import app as record_app
from drawsvc.settings import Settings, get_settings

VECTOR = Path(__file__).parents[1] / "vectors" / "draw-record" / "log.json"
LOG = json.loads(VECTOR.read_text(encoding="utf-8"))
BASE = "https://sjs.example.gov.cn/gongshi"


@dataclass
class Ran:
    exit_code: int
    output: str
    stderr: str


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """A database whose log is the vector; ``run(*args)`` as ``main()`` runs it."""
    from drawsvc.runtime import open_runtime

    monkeypatch.setenv("DRAWSVC_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DRAWSVC_DATABASE_URL", "")
    monkeypatch.setenv("DRAWSVC_PUBLIC_BASE_URL", BASE)
    monkeypatch.setenv("COLUMNS", "200")
    get_settings.cache_clear()
    runtime = open_runtime(Settings())
    with runtime.transaction() as session:
        runtime.log.append(session.connection(), LOG)  # the vector's list position is its log index
    runtime.close()

    def run(*args: str) -> Ran:
        code = 0
        try:
            run_guarded(lambda: record_app(list(args), standalone_mode=False))
        except SystemExit as exit_:
            code = int(exit_.code or 0)
        captured = capsys.readouterr()
        return Ran(code, captured.out, captured.err)

    yield run
    get_settings.cache_clear()


def test_show_by_task_writes_the_page_from_the_database_log(cli, tmp_path: Path) -> None:
    out = tmp_path / "record.html"
    ran = cli("show", "T2026-0001", "--html", str(out))
    assert ran.exit_code == 0, ran.stderr
    assert f"verify: {BASE}/draws/T2026-0001.html#log-26" in ran.output
    assert "第1轮抽取后发现候选池漏录3户" in ran.output  # the redraw reason
    page = out.read_text(encoding="utf-8")
    assert f'href="{BASE}/draws/T2026-0001.html#log-26"' in page
    assert LOG[26]["body"]["seed"] in page and "其他任务" not in page


def test_show_by_log_index_finds_the_same_task(cli, tmp_path: Path) -> None:
    a, b = tmp_path / "a.html", tmp_path / "b.html"
    assert cli("show", "T2026-0001", "--html", str(a)).exit_code == 0
    assert cli("show", "13", "--html", str(b)).exit_code == 0
    assert a.read_bytes() == b.read_bytes()


def test_unknown_task_and_index_without_task_are_reported_not_raised(cli, tmp_path: Path) -> None:
    missing = cli("show", "T1999-0001", "--html", str(tmp_path / "x.html"))
    assert missing.exit_code == EXIT_NOT_FOUND and "T1999-0001" in missing.stderr
    assert "Traceback" not in missing.stderr and not (tmp_path / "x.html").exists()
    no_task = cli("show", "0")
    assert no_task.exit_code == EXIT_INVALID and "record.no-task" in no_task.stderr


def test_pdf_option_writes_a_pdf(cli, tmp_path: Path) -> None:
    from drawsvc.tasks.record_pdf import CjkFontMissing, find_cjk_font

    try:
        find_cjk_font()
    except CjkFontMissing as exc:
        pytest.skip(str(exc))
    out = tmp_path / "record.pdf"
    ran = cli("show", "T2026-0001", "--pdf", str(out))
    assert ran.exit_code == 0, ran.stderr
    assert out.read_bytes().startswith(b"%PDF-")


def test_record_is_a_sub_command_of_drawsvc() -> None:
    from drawsvc.cli.app import app

    assert any(g.name == "record" and g.typer_instance is record_app for g in app.registered_groups)
