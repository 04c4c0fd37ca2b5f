"""DRAWSVC_WITNESS_KEYS (docs/specs/witness.md W-9): separators, JSON, a bad key stops start-up, and
`drawsvc serve --env-file` passes the list on to its workers in a form they read back."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from drawsvc.cli.serve import prepare
from drawsvc.settings import Settings, get_settings
from ledger import cosignature


def _keys(n: int) -> list[str]:
    return [cosignature.witness_verifier_key(f"w{i}.example", cosignature.generate_witness_key()[1])
            for i in range(n)]


def test_witness_keys_are_read_from_separated_text_or_json(monkeypatch) -> None:
    a, b = _keys(2)
    for raw in (f"{a},{b}", f"{a} {b}", f"{a}\n{b}\n", f'["{a}", "{b}"]'):
        monkeypatch.setenv("DRAWSVC_WITNESS_KEYS", raw)
        assert Settings().witness_keys == [a, b]
    monkeypatch.setenv("DRAWSVC_WITNESS_KEYS", "")
    assert Settings().witness_keys == []


def test_a_malformed_witness_key_stops_start_up(monkeypatch) -> None:
    a, = _keys(1)
    monkeypatch.setenv("DRAWSVC_WITNESS_KEYS", f"{a} {a[:-4]}AAA=")
    with pytest.raises(ValidationError, match="witness key 2"):
        Settings()


def test_serve_exports_the_witness_keys_to_its_workers(tmp_path: Path, monkeypatch) -> None:
    a, b = _keys(2)
    env_file = tmp_path / "drawsvc.env"
    env_file.write_text(f"DRAWSVC_DATA_DIR={tmp_path / 'data'}\nDRAWSVC_WITNESS_KEYS={a},{b}\n")
    for name in ("DRAWSVC_DATA_DIR", "DRAWSVC_WITNESS_KEYS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DRAWSVC_DATABASE_URL", "")
    try:
        prepare(env_file)
        assert os.environ["DRAWSVC_WITNESS_KEYS"] == f"{a} {b}"
        assert get_settings().witness_keys == [a, b]
    finally:  # prepare() set them in os.environ itself: monkeypatch.delenv would restore them
        for name in ("DRAWSVC_DATA_DIR", "DRAWSVC_WITNESS_KEYS"):
            os.environ.pop(name, None)
        get_settings.cache_clear()
