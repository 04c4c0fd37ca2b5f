"""`drawsvc registry …`: import with a progress bar, the bad-row table, export, sample files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
import typer

from drawsvc.cli.app import app
from drawsvc.cli.output import EXIT_INVALID, run_guarded
from drawsvc.settings import get_settings


@dataclass
class Ran:
    exit_code: int
    output: str
    stderr: str


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    monkeypatch.setenv("DRAWSVC_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("DRAWSVC_DATABASE_URL", "")
    monkeypatch.setenv("COLUMNS", "160")
    get_settings.cache_clear()

    def run(*args: str) -> Ran:
        try:
            code = run_guarded(lambda: app(list(args), standalone_mode=False)) or 0
        except SystemExit as exit_:
            code = int(exit_.code or 0)
        except typer.BadParameter as exc:  # a usage error: click exits 2 outside tests
            code = exc.exit_code
        captured = capsys.readouterr()
        return Ran(code, captured.out, captured.err)

    yield run
    get_settings.cache_clear()


def test_sample_import_export_and_reimport(cli, tmp_path: Path) -> None:
    csv_file, xlsx_file = tmp_path / "t.csv", tmp_path / "t.xlsx"
    assert (
        "wrote 120 sample targets"
        in cli("registry", "sample", "targets", str(csv_file), "--rows", "120").output
    )
    ran = cli("registry", "import", "targets", str(csv_file))
    assert ran.exit_code == 0 and "imported 120 targets: 120 new" in ran.output
    assert "wrote 120 targets" in cli("registry", "export", "targets", str(xlsx_file)).output
    ran = cli("registry", "import", "targets", str(xlsx_file))
    assert ran.exit_code == 0 and "0 new, 0 changed, 120 unchanged" in ran.output


def test_rejected_import_prints_the_bad_rows_and_exits_invalid(cli, tmp_path: Path) -> None:
    cli("calendar", "seed")
    cli("registry", "sample", "inspectors", str(tmp_path / "i.csv"), "--rows", "5")
    lines = (tmp_path / "i.csv").read_text(encoding="utf-8-sig").splitlines()
    phone = lines[2].split(",")[8]
    lines[2] = lines[2].replace(phone, "x" + phone)
    (tmp_path / "bad.csv").write_text("\n".join(lines), encoding="utf-8")
    ran = cli(
        "registry",
        "import",
        "inspectors",
        str(tmp_path / "bad.csv"),
        "--department",
        "SCJG",
        "--on",
        "2026-03-02",
    )
    assert ran.exit_code == EXIT_INVALID
    assert "import rejected" in ran.stderr and "RG-13" in ran.stderr and "RG-18" in ran.stderr
    assert phone not in ran.stderr + ran.output  # private data is never printed


def test_unknown_kind_and_bad_suffix(cli, tmp_path: Path) -> None:
    assert cli("registry", "import", "companies", str(tmp_path)).exit_code != 0
    (tmp_path / "x.txt").write_text("x")
    assert cli("registry", "import", "targets", str(tmp_path / "x.txt")).exit_code == EXIT_INVALID


def test_flag_over_age_command(cli) -> None:
    cli("calendar", "seed")
    ran = cli("registry", "flag-over-age", "--on", "2026-03-02")
    assert ran.exit_code == 0 and "flagged 0 expert(s) over age on 2026-03-02" in ran.output
    assert cli("registry", "flag-over-age", "--on", "2026-13-01").exit_code == EXIT_INVALID
