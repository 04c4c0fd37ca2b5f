"""The witness's own Ed25519 key (docs/specs/witness.md W-1).

Stored as ``PRIVATE+KEY+<name>+<key ID hex>+base64(0x04 || 32-byte seed)`` (the signed-note
private key form with the tlog-cosignature type byte) in ``<state>/witness.key``, mode 0600,
created exclusively; the verifier key (``ledger.cosignature.witness_verifier_key``) beside it in
``witness.vkey``. The private key is never printed, logged or put into an error message.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ledger import cosignature
from ledger.errors import KeyFileError, MalformedError
from ledger.keys import MAX_KEY_FILE_SIZE, require_private_mode
from ledger.note import PRIVATE_KEY_PREFIX, _chop, decode_base64, is_valid_name

KEY_FILE = "witness.key"
VKEY_FILE = "witness.vkey"
STATE_DIR_MODE = 0o700


@dataclass(frozen=True)
class WitnessSigner:
    """The witness's name and seed; ``repr`` shows the verifier key only."""

    name: str
    _seed: bytes

    @property
    def public_key(self) -> bytes:
        return cosignature.public_key_of(self._seed)

    @property
    def key(self) -> cosignature.WitnessKey:
        return cosignature.WitnessKey(self.name, self.public_key)

    @property
    def vkey(self) -> str:
        return self.key.vkey

    def cosign(self, body: str, timestamp: int) -> str:
        return cosignature.cosign(body, self.name, self._seed, timestamp)

    def __repr__(self) -> str:
        return f"WitnessSigner({self.vkey!r})"

    __str__ = __repr__


def _encode(name: str, seed: bytes) -> str:
    import base64

    kid = cosignature.cosigner_key_hash(name, cosignature.public_key_of(seed)).hex()
    data = base64.b64encode(bytes([cosignature.ALG_COSIGNATURE_V1]) + seed).decode("ascii")
    return f"{PRIVATE_KEY_PREFIX}{name}+{kid}+{data}"


def _decode(text: str) -> WitnessSigner:
    bad = KeyFileError("witness key file: malformed (want PRIVATE+KEY+name+hash+base64(0x04||seed))")
    if not text.startswith(PRIVATE_KEY_PREFIX):
        raise bad
    name, rest = _chop(text[len(PRIVATE_KEY_PREFIX) :], "+")
    kid, data = _chop(rest, "+")
    if not is_valid_name(name):
        raise bad
    try:
        raw = decode_base64(data, "witness key")
    except MalformedError:
        raise bad from None
    if len(raw) != 33 or raw[0] != cosignature.ALG_COSIGNATURE_V1:
        raise bad
    signer = WitnessSigner(name, raw[1:])
    if signer.key.key_id.hex() != kid.lower():
        raise KeyFileError("witness key file: key hash does not match name and key")
    return signer


def init_witness(state: Path, name: str) -> WitnessSigner:
    """Generate the witness key in ``state`` (created 0700 if missing); never overwrites."""
    if not is_valid_name(name):
        raise MalformedError("witness name: non-empty, no space and no '+' (e.g. discipline.example/w1)")
    state.mkdir(parents=True, exist_ok=True, mode=STATE_DIR_MODE)
    path = state / KEY_FILE
    seed, _ = cosignature.generate_witness_key()
    signer = WitnessSigner(name, seed)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise KeyFileError(f"witness key {path} already exists; not overwriting it") from None
    except OSError as exc:
        raise KeyFileError(f"cannot create {path}: {exc.strerror}") from None
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, (_encode(name, seed) + "\n").encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    (state / VKEY_FILE).write_text(signer.vkey + "\n", encoding="ascii")
    return signer


def load_witness(state: Path) -> WitnessSigner:
    path = state / KEY_FILE
    try:
        st = path.stat()
    except FileNotFoundError:
        raise KeyFileError(f"no witness key in {state}: run `drawsvc witness init --state {state}`") from None
    require_private_mode(path, st.st_mode)
    if st.st_size > MAX_KEY_FILE_SIZE:
        raise KeyFileError(f"{path}: too large for a key file")
    return _decode(path.read_text("ascii", errors="replace").strip())
