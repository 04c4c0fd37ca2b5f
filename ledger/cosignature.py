"""C2SP tlog-cosignature (https://c2sp.org/tlog-cosignature), Ed25519 ``cosignature/v1`` only.

Checked against the spec text (C2SP/C2SP ``tlog-cosignature.md``, ``signed-note.md``) on
2026-12-07; rules C1-C6 in docs/specs/witness.md. A witness cosignature is an extra
signed-note signature line on a checkpoint (tlog-cosignature §Format)::

    — <witness name> base64(key ID (4) || timestamp (8, big-endian, seconds) || Ed25519 sig (64))

- key ID = ``SHA-256(name || 0x0A || 0x04 || 32-byte public key)[:4]`` (§Format; signed-note
  §Signatures assigns type ``0x04`` to timestamped Ed25519 cosignatures);
- the verifier key is a signed-note vkey ``<name>+<key ID hex>+base64(0x04 || public key)``
  (§Format: "Ed25519 public keys MAY be encoded as vkeys with signature type 0x04");
- the signature is a ``timestamped_signature``: u64 timestamp (POSIX seconds, at most
  2^63 - 1) then the 64-byte Ed25519 signature (§Format, RFC 8446 §3.3 serialisation);
- the signed message is ``"cosignature/v1\\n" "time <timestamp, decimal, no leading zero>\\n"``
  followed by the whole note text of the checkpoint, extension lines included, signature
  lines excluded (§Ed25519 signed message).

Verifiers ignore signature lines whose (name, key ID) is not a known witness key, and verify
every one that matches (signed-note §Signatures: "Verifiers MUST ignore signatures from
unknown keys, even if they share a name or ID (but not both) with a known key").

Pure: no I/O. Verifiers raise ``MalformedError``/``SignatureError``, never return a bool.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ledger.errors import MalformedError, SignatureError
from ledger.note import KEY_ID_SIZE, SIG_PREFIX, _chop, _split_note, decode_base64, is_valid_name

ALG_COSIGNATURE_V1 = 0x04  # signed-note §Signature types
TIMESTAMP_SIZE = 8
ED25519_SIGNATURE_SIZE = 64
COSIGNATURE_SIZE = KEY_ID_SIZE + TIMESTAMP_SIZE + ED25519_SIGNATURE_SIZE  # 76 bytes
MAX_TIMESTAMP = 2**63 - 1  # tlog-cosignature §Format: "MUST NOT exceed 2^63 - 1"
_HEADER = "cosignature/v1\n"
_HEX8 = re.compile(r"[0-9a-fA-F]{8}")


def cosigner_key_hash(name: str, public_key: bytes) -> bytes:
    """``SHA-256(name || "\\n" || 0x04 || public key)[:4]`` (tlog-cosignature §Format)."""
    message = name.encode() + b"\n" + bytes([ALG_COSIGNATURE_V1]) + public_key
    return hashlib.sha256(message).digest()[:KEY_ID_SIZE]


def witness_verifier_key(name: str, public_key: bytes) -> str:
    """``<name>+<key hash, 8 hex>+base64(0x04 || public key)`` (signed-note §Verifier keys)."""
    if not is_valid_name(name) or len(public_key) != 32:
        raise MalformedError("witness key: invalid name or public key")
    alg_key = base64.b64encode(bytes([ALG_COSIGNATURE_V1]) + public_key).decode("ascii")
    return f"{name}+{cosigner_key_hash(name, public_key).hex()}+{alg_key}"


@dataclass(frozen=True, slots=True)
class WitnessKey:
    """A parsed witness verifier key."""

    name: str
    public_key: bytes

    @property
    def key_id(self) -> bytes:
        return cosigner_key_hash(self.name, self.public_key)

    @property
    def vkey(self) -> str:
        return witness_verifier_key(self.name, self.public_key)


def parse_witness_key(vkey: str) -> WitnessKey:
    """Parse a ``cosignature/v1`` verifier key strictly (no surrounding space; 8 hex digits;
    canonical base64 of 0x04 || 32 bytes; the key hash must match name and key)."""
    if not isinstance(vkey, str):
        raise MalformedError("witness key: not a string")
    name, rest = _chop(vkey, "+")
    hash_hex, key64 = _chop(rest, "+")
    if not is_valid_name(name) or not _HEX8.fullmatch(hash_hex):
        raise MalformedError("witness key: malformed (want name+8 hex digits+base64)")
    key = decode_base64(key64, "witness key")
    if len(key) != 33 or key[0] != ALG_COSIGNATURE_V1:
        raise MalformedError("witness key: not a cosignature/v1 (0x04) Ed25519 key")
    if cosigner_key_hash(name, key[1:]).hex() != hash_hex.lower():
        raise MalformedError("witness key: key hash does not match name and key")
    return WitnessKey(name, key[1:])


def parse_witness_verifier_key(vkey: str) -> tuple[str, bytes]:
    """(name, public key) of a ``cosignature/v1`` verifier key (:func:`parse_witness_key`)."""
    key = parse_witness_key(vkey)
    return key.name, key.public_key


def generate_witness_key() -> tuple[bytes, bytes]:
    """(32-byte seed, 32-byte public key). Keep the seed secret."""
    private = Ed25519PrivateKey.generate()
    return private.private_bytes_raw(), private.public_key().public_bytes_raw()


def public_key_of(seed: bytes) -> bytes:
    if len(seed) != 32:
        raise MalformedError("witness key: Ed25519 seed must be 32 bytes")
    return Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes_raw()


def signed_message(body: str, timestamp: int) -> bytes:
    """tlog-cosignature §Ed25519 signed message: header line, time line, whole note text."""
    if type(timestamp) is not int or not 0 <= timestamp <= MAX_TIMESTAMP:
        raise MalformedError("cosignature: timestamp must be an int in [0, 2^63-1]")
    if not isinstance(body, str) or not body.endswith("\n"):
        raise MalformedError("cosignature: checkpoint body must end with a newline")
    return f"{_HEADER}time {timestamp}\n{body}".encode()


def cosign(body: str, name: str, seed: bytes, timestamp: int) -> str:
    """The note signature line (with its newline) cosigning checkpoint text ``body`` at ``timestamp``."""
    if not is_valid_name(name):
        raise MalformedError("cosignature: invalid witness name (empty, space or '+')")
    private = Ed25519PrivateKey.from_private_bytes(seed)
    public = private.public_key().public_bytes_raw()
    sig = private.sign(signed_message(body, timestamp))
    raw = cosigner_key_hash(name, public) + timestamp.to_bytes(TIMESTAMP_SIZE, "big") + sig
    return f"{SIG_PREFIX}{name} {base64.b64encode(raw).decode('ascii')}\n"


@dataclass(frozen=True, slots=True)
class Cosignature:
    """One verified cosignature: by ``witness`` at ``timestamp``; ``line`` ends with a newline."""

    witness: WitnessKey
    timestamp: int
    line: str


def _split_line(line: str) -> tuple[str, bytes]:
    """(name, raw bytes) of one signature line, with or without its single final newline."""
    if not isinstance(line, str):
        raise MalformedError("cosignature: not a string")
    if line.endswith("\n"):
        line = line[:-1]
    if "\n" in line or not line.startswith(SIG_PREFIX):
        raise MalformedError("cosignature: not one signature line starting with an em dash")
    name, b64 = _chop(line[len(SIG_PREFIX) :], " ")
    if not is_valid_name(name):
        raise MalformedError("cosignature: invalid key name")
    return name, decode_base64(b64, "cosignature")


def _verify_raw(body: str, key: WitnessKey, raw: bytes) -> int:
    if len(raw) != COSIGNATURE_SIZE:
        raise SignatureError(f"cosignature by {key.name}: {len(raw)} bytes, not {COSIGNATURE_SIZE}")
    timestamp = int.from_bytes(raw[KEY_ID_SIZE : KEY_ID_SIZE + TIMESTAMP_SIZE], "big")
    if timestamp > MAX_TIMESTAMP:
        raise SignatureError(f"cosignature by {key.name}: timestamp above 2^63-1")
    try:
        Ed25519PublicKey.from_public_bytes(key.public_key).verify(
            raw[KEY_ID_SIZE + TIMESTAMP_SIZE :], signed_message(body, timestamp)
        )
    except InvalidSignature:
        raise SignatureError(f"invalid cosignature by witness {key.name}") from None
    return timestamp


def verify_cosignature(body: str, line: str, vkey: str) -> int:
    """Verify one cosignature line by witness ``vkey`` over ``body``; returns its timestamp.

    A line by another key (other name or key ID) is ``SignatureError`` here: the caller asked
    about this witness. Use :func:`cosignatures_in_note` to pick a note's known witnesses.
    """
    key = parse_witness_key(vkey)
    name, raw = _split_line(line)
    if len(raw) < KEY_ID_SIZE or name != key.name or raw[:KEY_ID_SIZE] != key.key_id:
        raise SignatureError(f"cosignature is not by witness {key.name}")
    return _verify_raw(body, key, raw)


def find_witness(line: str, witnesses: Sequence[WitnessKey]) -> WitnessKey | None:
    """The witness whose (name, key ID) the line carries, ``None`` if none (an unknown key)."""
    name, raw = _split_line(line)
    for key in witnesses:
        if key.name == name and raw[:KEY_ID_SIZE] == key.key_id:
            return key
    return None


def cosignatures_in_note(note: bytes, witnesses: Sequence[WitnessKey]) -> tuple[str, list[Cosignature]]:
    """(note text, verified cosignatures by ``witnesses``) of a signed note.

    The note syntax is checked strictly (``ledger.note``). Lines by unknown keys (the log's own
    signature among them) are ignored; every line by a known witness must verify, else
    ``SignatureError`` (signed-note §Signatures). The log's signature is *not* checked here:
    the caller verifies the checkpoint with the log key first (``ledger.checkpoint``).
    """
    text, parsed = _split_note(note)
    found: list[Cosignature] = []
    seen: set[str] = set()
    for line, sig, raw_sig in parsed:
        if line in seen:
            continue
        seen.add(line)
        kid = sig.key_id.to_bytes(KEY_ID_SIZE, "big")
        key = next((w for w in witnesses if w.name == sig.name and w.key_id == kid), None)
        if key is None:
            continue
        timestamp = _verify_raw(text, key, kid + raw_sig)
        found.append(Cosignature(key, timestamp, line + "\n"))
    return text, found


def add_cosignatures(note: bytes, lines: Sequence[str]) -> bytes:
    """``note`` with the signature ``lines`` appended (C2SP tlog-witness §add-checkpoint: a client
    "MAY concatenate [cosignatures] to the checkpoint"); a line already present is not repeated.

    Checks the syntax only (the caller verified each line); the result must still be a valid
    note of at most ``MAX_SIGNATURES`` lines, else ``MalformedError``.
    """
    text, parsed = _split_note(note)
    have = [line for line, _, _ in parsed]
    for line in lines:
        one = line[:-1] if line.endswith("\n") else line
        _split_line(one)
        if one not in have:
            have.append(one)
    out = (text + "\n" + "".join(line + "\n" for line in have)).encode("utf-8")
    _split_note(out)  # at most MAX_SIGNATURES lines, each well formed
    return out
