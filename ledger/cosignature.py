"""C2SP tlog-cosignature (https://c2sp.org/tlog-cosignature), Ed25519 ``cosignature/v1`` only.

A witness cosignature is an extra signed-note signature line on a checkpoint::

    — <witness name> base64(key hash (4) || timestamp (8, big-endian, seconds) || Ed25519 sig (64))

- key hash = SHA-256(name || 0x0A || 0x04 || 32-byte public key)[:4];
- the verifier key is ``<name>+<key hash hex>+base64(0x04 || public key)``;
- the signed message is ``"cosignature/v1\\ntime <timestamp>\\n" + checkpoint note text``.

Pure: no I/O. ``verify_cosignature`` raises ``MalformedError``/``SignatureError``, never returns a bool.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ledger.errors import MalformedError, SignatureError
from ledger.note import KEY_ID_SIZE, SIG_PREFIX, _chop, decode_base64, is_valid_name

ALG_COSIGNATURE_V1 = 0x04
_HEADER = "cosignature/v1\n"
_MAX_TIMESTAMP = 2**63 - 1


def cosigner_key_hash(name: str, public_key: bytes) -> bytes:
    message = name.encode() + b"\n" + bytes([ALG_COSIGNATURE_V1]) + public_key
    return hashlib.sha256(message).digest()[:KEY_ID_SIZE]


def witness_verifier_key(name: str, public_key: bytes) -> str:
    """``<name>+<key hash, 8 hex>+base64(0x04 || public key)``."""
    if not is_valid_name(name) or len(public_key) != 32:
        raise MalformedError("witness key: invalid name or public key")
    alg_key = base64.b64encode(bytes([ALG_COSIGNATURE_V1]) + public_key).decode("ascii")
    return f"{name}+{cosigner_key_hash(name, public_key).hex()}+{alg_key}"


def parse_witness_verifier_key(vkey: str) -> tuple[str, bytes]:
    """(name, public key) of a ``cosignature/v1`` verifier key; checks algorithm byte and key hash."""
    name, rest = _chop(vkey.strip(), "+")
    hash_hex, key64 = _chop(rest, "+")
    if not is_valid_name(name) or len(hash_hex) != 8:
        raise MalformedError("witness key: malformed (want name+8 hex digits+base64)")
    key = decode_base64(key64, "witness key")
    if len(key) != 33 or key[0] != ALG_COSIGNATURE_V1:
        raise MalformedError("witness key: not a cosignature/v1 (0x04) Ed25519 key")
    if cosigner_key_hash(name, key[1:]).hex() != hash_hex.lower():
        raise MalformedError("witness key: key hash does not match name and key")
    return name, key[1:]


def generate_witness_key() -> tuple[bytes, bytes]:
    """(32-byte seed, 32-byte public key). Keep the seed secret."""
    private = Ed25519PrivateKey.generate()
    return private.private_bytes_raw(), private.public_key().public_bytes_raw()


def signed_message(body: str, timestamp: int) -> bytes:
    if type(timestamp) is not int or not 0 <= timestamp <= _MAX_TIMESTAMP:
        raise MalformedError("cosignature: timestamp must be an int in [0, 2^63-1]")
    if not body.endswith("\n"):
        raise MalformedError("cosignature: checkpoint body must end with a newline")
    return f"{_HEADER}time {timestamp}\n{body}".encode()


def cosign(body: str, name: str, seed: bytes, timestamp: int) -> str:
    """The note signature line (with its newline) cosigning checkpoint text ``body`` at ``timestamp``."""
    private = Ed25519PrivateKey.from_private_bytes(seed)
    public = private.public_key().public_bytes_raw()
    sig = private.sign(signed_message(body, timestamp))
    raw = cosigner_key_hash(name, public) + timestamp.to_bytes(8, "big") + sig
    return f"{SIG_PREFIX}{name} {base64.b64encode(raw).decode('ascii')}\n"


def verify_cosignature(body: str, line: str, vkey: str) -> int:
    """Verify one cosignature line by witness ``vkey`` over ``body``; returns its timestamp."""
    name, public = parse_witness_verifier_key(vkey)
    line = line.rstrip("\n")
    if not line.startswith(SIG_PREFIX):
        raise MalformedError("cosignature: line does not start with an em dash")
    got_name, b64 = _chop(line[len(SIG_PREFIX):], " ")
    raw = decode_base64(b64, "cosignature")
    if len(raw) != KEY_ID_SIZE + 8 + 64:
        raise MalformedError(f"cosignature: {len(raw)} bytes, not {KEY_ID_SIZE + 8 + 64}")
    if got_name != name or raw[:KEY_ID_SIZE] != cosigner_key_hash(name, public):
        raise SignatureError(f"cosignature is not by witness {name}")
    timestamp = int.from_bytes(raw[KEY_ID_SIZE:KEY_ID_SIZE + 8], "big")
    try:
        key = Ed25519PublicKey.from_public_bytes(public)
        key.verify(raw[KEY_ID_SIZE + 8 :], signed_message(body, timestamp))
    except InvalidSignature:
        raise SignatureError(f"invalid cosignature by witness {name}") from None
    return timestamp
