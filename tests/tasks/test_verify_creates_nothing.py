"""`drawsvc verify-draw` and `drawsvc log key` only read: an empty or wrong data directory is an
error that says so, and nothing is created there (issue 18)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from drawsvc.cli.app import app
from drawsvc.cli.output import EXIT_NOT_FOUND, run_guarded
from drawsvc.settings import get_settings


@pytest.fixture
def empty_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    d = tmp_path / "nothing-here"
    d.mkdir()
    monkeypatch.setenv("DRAWSVC_DATA_DIR", str(d))
    get_settings.cache_clear()
    yield d
    get_settings.cache_clear()


@pytest.mark.parametrize("args", [["verify-draw", "T2026-0001"], ["verify-draw", "12"], ["log", "key"]])
def test_reading_commands_create_no_database_and_no_key(empty_dir: Path, args: list[str],
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        run_guarded(lambda: app(args, standalone_mode=False))
    assert exc.value.code == EXIT_NOT_FOUND
    assert "no signing key" in capsys.readouterr().err
    assert list(empty_dir.iterdir()) == []


def test_a_key_without_its_database_is_refused_too(
    empty_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from ledger.keys import generate_signer, save_private_key

    key, _ = generate_signer(get_settings().log_origin)
    save_private_key(empty_dir / "log.key", key)
    with pytest.raises(SystemExit) as exc:
        run_guarded(lambda: app(["verify-draw", "T2026-0001"], standalone_mode=False))
    assert exc.value.code == EXIT_NOT_FOUND
    assert "no database" in capsys.readouterr().err
    assert sorted(p.name for p in empty_dir.iterdir()) == ["log.key"]
