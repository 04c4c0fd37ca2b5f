"""The operator's saved commit secret is refused when group or others could read it (issue 19)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from drawsvc.cli.task import load_secret, save_secret
from drawsvc.errors import NotFound
from drawsvc.settings import get_settings
from ledger.errors import KeyFileError


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("DRAWSVC_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_saved_secret_loads_back(data_dir: Path) -> None:
    save_secret("T2026-0001", 1, bytes(range(32)))
    assert load_secret("T2026-0001", 1) == bytes(range(32)).hex()


def test_secret_readable_by_others_is_refused_without_echoing_it(data_dir: Path) -> None:
    secret = bytes(range(32))
    path = save_secret("T2026-0001", 1, secret)
    path.chmod(0o644)
    with pytest.raises(KeyFileError) as exc:
        load_secret("T2026-0001", 1)
    assert "chmod 600" in str(exc.value)
    assert secret.hex() not in str(exc.value)


def test_missing_secret_is_not_found(data_dir: Path) -> None:
    with pytest.raises(NotFound):
        load_secret("T2026-0009", 1)
