"""ledger.keys: key files (0600, create-exclusive), loading, and never leaking the private key."""

from __future__ import annotations

import base64
import logging
import os
import stat
from pathlib import Path

import pytest

from ledger.errors import KeyFileError
from ledger.keys import (
    generate_signer,
    load_or_create_signer,
    load_signer,
    save_private_key,
    verifier_key_of,
)
from ledger.note import open_note, parse_verifier_key, sign_note

NAME = "drawsvc.example/log"


def secret_parts(key_str: str) -> list[str]:
    b64 = key_str.split("+", 4)[4]
    return [key_str, b64, base64.b64decode(b64)[1:].hex()]


def test_generated_signer_signs_what_its_verifier_key_verifies() -> None:
    key_str, signer = generate_signer(NAME)
    assert key_str.startswith(f"PRIVATE+KEY+{NAME}+{signer.key_id:08x}+")
    verifier = parse_verifier_key(verifier_key_of(signer))
    assert open_note(sign_note("hello\n", signer), [verifier]).text == "hello\n"


def test_save_then_load_gives_the_same_key(tmp_path: Path) -> None:
    key_str, signer = generate_signer(NAME)
    path = tmp_path / "log.key"
    save_private_key(path, key_str)
    loaded = load_signer(path)
    assert (loaded.name, loaded.key_id, loaded.public_key) == (signer.name, signer.key_id, signer.public_key)
    assert path.read_text() == key_str + "\n"


def test_saved_key_file_is_0600_even_with_a_permissive_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        key_str, _ = generate_signer(NAME)
        save_private_key(tmp_path / "k", key_str)
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "k").stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["k"]  # no temporary file left behind


def test_save_never_overwrites(tmp_path: Path) -> None:
    first, _ = generate_signer(NAME)
    second, _ = generate_signer(NAME)
    path = tmp_path / "k"
    save_private_key(path, first)
    with pytest.raises(KeyFileError, match="already exists"):
        save_private_key(path, second)
    assert path.read_text() == first + "\n"


def test_save_refuses_a_malformed_key_without_quoting_it(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError) as info:
        save_private_key(tmp_path / "k", "PRIVATE+KEY+x+00000000+c2VjcmV0c2VjcmV0")
    assert "c2VjcmV0" not in str(info.value)
    assert not (tmp_path / "k").exists()


def test_load_or_create_creates_dir_and_key_then_reuses_it(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "log.key"
    first = load_or_create_signer(path, NAME)
    assert path.exists() and stat.S_IMODE(path.stat().st_mode) == 0o600
    again = load_or_create_signer(path, NAME)
    assert again.public_key == first.public_key


def test_load_or_create_refuses_a_key_of_another_name(tmp_path: Path) -> None:
    path = tmp_path / "log.key"
    load_or_create_signer(path, "old.example/log")
    with pytest.raises(KeyFileError, match="expected"):
        load_or_create_signer(path, NAME)


@pytest.mark.parametrize(
    "content",
    [b"", b"garbage\n", b"\xff\xfe", b"PRIVATE+KEY+x\n", b"x" * 5000],
    ids=["empty", "garbage", "not-utf8", "truncated", "too-large"],
)
def test_load_refuses_bad_files(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "k"
    path.write_bytes(content)
    with pytest.raises(KeyFileError):
        load_signer(path)


def test_load_of_a_tampered_key_does_not_quote_it(tmp_path: Path) -> None:
    key_str, _ = generate_signer(NAME)
    tampered = key_str[:-3] + ("A" if key_str[-3] != "A" else "B") + key_str[-2:]
    path = tmp_path / "k"
    path.write_text(tampered + "\n")
    with pytest.raises(KeyFileError) as info:
        load_signer(path)
    for part in [*secret_parts(key_str), tampered]:
        assert part not in str(info.value)


def test_load_missing_file(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError, match="cannot read"):
        load_signer(tmp_path / "absent")


def test_private_key_never_appears_in_repr_str_or_logs(tmp_path: Path, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    path = tmp_path / "log.key"
    signer = load_or_create_signer(path, NAME)
    key_str = path.read_text().strip()
    shown = [repr(signer), str(signer), f"{signer}", verifier_key_of(signer), caplog.text]
    for part in secret_parts(key_str):
        for text in shown:
            assert part not in text
    assert NAME in repr(signer) and f"{signer.key_id:08x}" in repr(signer)


def test_concurrent_creators_end_up_with_one_key(tmp_path: Path) -> None:
    import threading

    path = tmp_path / "k" / "log.key"
    barrier = threading.Barrier(4)
    results: list[bytes] = []

    def create() -> None:
        barrier.wait()
        results.append(load_or_create_signer(path, NAME).public_key)

    threads = [threading.Thread(target=create) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 4 and len(set(results)) == 1
    assert load_signer(path).public_key == results[0]


def test_invalid_name_is_refused(tmp_path: Path) -> None:
    from ledger.errors import MalformedError

    with pytest.raises(MalformedError):
        load_or_create_signer(tmp_path / "k", "not a key name")
    assert not (tmp_path / "k").exists()


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644, 0o660, 0o602])
def test_key_readable_or_writable_by_others_is_refused_with_the_fix(tmp_path: Path, mode: int) -> None:
    key_str, _ = generate_signer(NAME)
    path = tmp_path / "log.key"
    save_private_key(path, key_str)
    path.chmod(mode)
    with pytest.raises(KeyFileError) as exc:
        load_signer(path)
    message = str(exc.value)
    assert f"chmod 600 {path}" in message and f"{mode:04o}" in message
    assert not any(part in message for part in secret_parts(key_str))
    with pytest.raises(KeyFileError):
        load_or_create_signer(path, NAME)  # the service refuses to start on it
    path.chmod(0o600)
    assert load_signer(path).name == NAME


def test_service_refuses_to_start_with_a_world_readable_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from drawsvc.runtime import open_runtime
    from drawsvc.settings import get_settings

    monkeypatch.setenv("DRAWSVC_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DRAWSVC_LOG_ORIGIN", NAME)
    get_settings.cache_clear()
    try:
        open_runtime().close()  # creates the key, 0600
        key_file = get_settings().resolved_key_file
        key_file.chmod(0o644)
        with pytest.raises(KeyFileError, match="chmod 600"):
            open_runtime()
    finally:
        get_settings.cache_clear()
