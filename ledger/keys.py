"""Signing keys of the log: generate, save (0600, create-exclusive), load.

A private key is stored as Go's note signer string ``PRIVATE+KEY+<name>+<hash>+base64(0x01||seed)``
(see ``ledger.note.new_signer``), one line in a file only its owner can read. The key string is
never printed, logged or put into an error message; a ``Signer`` does not expose it either.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from ledger.errors import KeyFileError, MalformedError
from ledger.note import Signer, generate_key, new_signer

KEY_FILE_MODE = 0o600
MAX_KEY_FILE_SIZE = 4096
GROUP_OR_OTHERS = 0o077  # permission bits that must be clear on a private key or secret file


def require_private_mode(path: Path | str, mode: int) -> None:
    """Refuse a secret file that group or others may read or write, saying how to fix it.

    A key or commit secret someone else could read is not a secret any more: starting with it
    would sign (or reveal) under a key the operator no longer controls alone.
    """
    if mode & GROUP_OR_OTHERS:
        raise KeyFileError(
            f"{path} is readable or writable by group or others (mode {stat.S_IMODE(mode):04o}); "
            f"run `chmod 600 {path}`, and replace the secret if someone else may have read it"
        )


def generate_signer(name: str) -> tuple[str, Signer]:
    """A new Ed25519 key named ``name``: (private key string, signer). Keep the string secret."""
    return generate_key(name)


def verifier_key_of(signer: Signer) -> str:
    """The public verifier key ``<name>+<hash>+<base64>`` to publish for ``signer``."""
    return signer.verifier_key()


def save_private_key(path: Path | str, key_str: str) -> None:
    """Write ``key_str`` to a new file with mode 0600; an existing file is never overwritten.

    The key is written and fsynced under a temporary name, then hard-linked into place, so the
    file at ``path`` appears complete or not at all, and a concurrent creator loses cleanly.
    """
    try:
        new_signer(key_str)
    except MalformedError:
        raise KeyFileError("refusing to save: not a valid private key string") from None
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, KEY_FILE_MODE)
    except OSError as e:
        raise KeyFileError(f"cannot create key file in {path.parent}: {e.strerror}") from None
    try:
        try:
            os.fchmod(fd, KEY_FILE_MODE)  # in case the file system widened it
            data = (key_str + "\n").encode("utf-8")
            written = 0
            while written < len(data):
                written += os.write(fd, data[written:])
            os.fsync(fd)
        finally:
            os.close(fd)
        os.link(tmp, path)
    except FileExistsError:
        raise KeyFileError(f"key file {path} already exists; not overwriting it") from None
    except OSError as e:
        raise KeyFileError(f"cannot write key file {path}: {e.strerror}") from None
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def load_signer(path: Path | str) -> Signer:
    """Read a private key file written by ``save_private_key``."""
    path = Path(path)
    try:
        with path.open("rb") as f:
            require_private_mode(path, os.fstat(f.fileno()).st_mode)
            data = f.read(MAX_KEY_FILE_SIZE + 1)
    except OSError as e:
        raise KeyFileError(f"cannot read key file {path}: {e.strerror}") from None
    if len(data) > MAX_KEY_FILE_SIZE:
        raise KeyFileError(f"key file {path} is too large to be a key")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise KeyFileError(f"key file {path} is not UTF-8") from None
    if text.endswith("\n"):
        text = text[:-1]
    try:
        return new_signer(text)
    except MalformedError as e:
        # e's message is about the format and never quotes the key.
        raise KeyFileError(f"key file {path}: {e}") from None


def load_or_create_signer(path: Path, name: str) -> Signer:
    """The signer in ``path``, creating the directory and a new key named ``name`` if absent.

    An existing key must carry the expected name (the log origin): a log must not silently
    start signing under another name.
    """
    path = Path(path)
    if not path.exists():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise KeyFileError(f"cannot create key directory {path.parent}: {e.strerror}") from None
        key_str, signer = generate_signer(name)
        try:
            save_private_key(path, key_str)
            return signer
        except KeyFileError:
            if not path.exists():
                raise
            # Another process created it first: use theirs.
    signer = load_signer(path)
    if signer.name != name:
        raise KeyFileError(f"key file {path} holds a key named {signer.name!r}, expected {name!r}")
    return signer
