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


def test_departments_check_items_and_pools_from_the_command_line(cli, tmp_path: Path) -> None:
    assert "department SCJG" in cli("registry", "department", "SCJG", "杭州市市场监督管理局").output
    items = tmp_path / "items.json"
    items.write_text('[{"code": "SP-01", "name": "食品经营检查", "method": "实地核查", "min_ratio_bp": 500}]',
                     encoding="utf-8")
    ran = cli("registry", "check-items", str(items), "--department", "SCJG")
    assert ran.exit_code == 0 and "check item SCJG/SP-01 v1" in ran.output
    ran = cli("registry", "pool", "ZLZJ", "产品质量专家库", "--department", "SCJG", "--groups", "机械,电子")
    assert ran.exit_code == 0 and "groups: 机械, 电子" in ran.output
    # sample inspectors are valid on the day they are written, so they import at once
    cli("calendar", "seed")
    cli("registry", "sample", "inspectors", str(tmp_path / "i.xlsx"), "--rows", "4")
    ran = cli("registry", "import", "inspectors", str(tmp_path / "i.xlsx"), "--department", "SCJG")
    assert ran.exit_code == 0 and "imported 4 inspectors" in ran.output


def test_a_bad_check_item_file_names_the_field_and_writes_nothing(cli, tmp_path: Path) -> None:
    cli("registry", "department", "SCJG", "杭州市市场监督管理局")
    items = tmp_path / "items.json"
    items.write_text('[{"code": "SP-01", "name": "好的"}, {"code": "SP-02"}]', encoding="utf-8")
    ran = cli("registry", "check-items", str(items), "--department", "SCJG")
    assert ran.exit_code == EXIT_INVALID and "field: [2].name" in ran.stderr
    from drawsvc.registries.models import CheckItem
    from drawsvc.runtime import open_runtime

    rt = open_runtime()
    try:
        with rt.transaction() as session:  # the first, valid item was not written either
            assert session.query(CheckItem).count() == 0
    finally:
        rt.close()
    (tmp_path / "broken.json").write_text("{not json", encoding="utf-8")
    ran = cli("registry", "check-items", str(tmp_path / "broken.json"), "--department", "SCJG")
    assert ran.exit_code == EXIT_INVALID and "not UTF-8 JSON" in ran.stderr
