"""C2SP signed-note (https://c2sp.org/signed-note, pinned in docs/specs/signed-note.md), Ed25519 only.

A signed note is a text ending in a newline, a blank line, then one or more signature lines
``— <key name> base64(key ID || signature)``. This module mirrors the Go reference
(golang.org/x/mod/sumdb/note) and is strict where it is strict:

- the whole note is UTF-8 with no control character but newline (signed-note §Format);
- every signature line is well formed, otherwise the whole note is rejected (never skipped);
- at most ``MAX_SIGNATURES`` signature lines;
- signatures from unknown keys are ignored, every signature from a known key is verified and a
  bad one rejects the note, and at least one known key must have signed (§Signatures).

Stricter than the reference (our conventions, docs/specs/signed-note.md §Conventions): base64
must be canonical (the re-encoding of the decoded bytes gives back the same text), and
``open_note`` checks the syntax of *all* signature lines before verifying any of them.

Nothing in the note text is looked at before a signature over it has verified: ``open_note``
returns the text only after verification, and ``ledger.checkpoint`` parses only that text.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ledger.errors import MalformedError, SignatureError

ALG_ED25519 = 0x01
ED25519_PUBLIC_KEY_SIZE = 32
ED25519_SEED_SIZE = 32
ED25519_SIGNATURE_SIZE = 64
KEY_ID_SIZE = 4
MAX_SIGNATURES = 100
SIG_PREFIX = "\u2014 "  # em dash, space (signed-note §Format)
PRIVATE_KEY_PREFIX = "PRIVATE+KEY+"

# Go's unicode.IsSpace: the Latin-1 spaces plus the White_Space property above U+00FF.
_SPACES = frozenset(
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)
_HEX8 = re.compile(r"[0-9a-fA-F]{8}")
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")


def is_valid_name(name: str) -> bool:
    """Key names are non-empty, contain no Unicode space and no ``+`` (signed-note §Format).

    Also refused (our convention): control characters, which no note may contain, and lone
    surrogates, which are not UTF-8.
    """
    return (
        isinstance(name, str)
        and name != ""
        and "+" not in name
        and not any(c in _SPACES or c < " " or "\ud800" <= c <= "\udfff" for c in name)
    )


def key_id(name: str, public_key: bytes) -> int:
    """``SHA-256(key name || 0x0A || 0x01 || public key)[:4]`` as a big-endian uint32.

    signed-note §Ed25519 signatures; ``public_key`` is the raw 32-byte Ed25519 key.
    """
    digest = hashlib.sha256(name.encode() + b"\n" + bytes([ALG_ED25519]) + public_key).digest()
    return int.from_bytes(digest[:KEY_ID_SIZE], "big")


def decode_base64(text: str, what: str) -> bytes:
    """Standard base64 with padding (RFC 4648 §4), canonical form only."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error, ValueError):
        raise MalformedError(f"{what}: not standard base64") from None
    if base64.b64encode(raw).decode("ascii") != text:
        raise MalformedError(f"{what}: not canonical base64")
    return raw


def _chop(s: str, sep: str) -> tuple[str, str]:
    before, found, after = s.partition(sep)
    return (before, after) if found else (s, "")


def _public_bytes(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def _encode_key(name: str, kid: int, alg_and_key: bytes) -> str:
    return f"{name}+{kid:08x}+{base64.b64encode(alg_and_key).decode('ascii')}"


class Verifier:
    """One named Ed25519 public key; ``verify`` raises ``SignatureError``, never returns a bool."""

    __slots__ = ("_key", "key_id", "name", "public_key")

    def __init__(self, name: str, public_key: bytes) -> None:
        if not is_valid_name(name):
            raise MalformedError("verifier key: invalid key name (empty, space or '+')")
        if len(public_key) != ED25519_PUBLIC_KEY_SIZE:
            raise MalformedError(f"verifier key: Ed25519 public key must be {ED25519_PUBLIC_KEY_SIZE} bytes")
        self.name = name
        self.public_key = bytes(public_key)
        self.key_id = key_id(name, self.public_key)
        self._key = Ed25519PublicKey.from_public_bytes(self.public_key)

    def verify(self, msg: bytes, sig: bytes) -> None:
        """Check a raw Ed25519 signature (RFC 8032 §5.1.7) over ``msg``."""
        if len(sig) != ED25519_SIGNATURE_SIZE:
            raise SignatureError(f"invalid signature for key {self.name}+{self.key_id:08x}: wrong length")
        try:
            self._key.verify(bytes(sig), bytes(msg))
        except InvalidSignature:
            raise SignatureError(f"invalid signature for key {self.name}+{self.key_id:08x}") from None

    def verifier_key(self) -> str:
        """``<name>+<key id, 8 hex>+base64(0x01 || public key)``."""
        return _encode_key(self.name, self.key_id, bytes([ALG_ED25519]) + self.public_key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Verifier) and (self.name, self.public_key) == (other.name, other.public_key)

    def __hash__(self) -> int:
        return hash((self.name, self.public_key))

    def __repr__(self) -> str:
        return f"Verifier({self.verifier_key()!r})"


class Signer:
    """A named Ed25519 private key. Its repr/str show the name and key ID only.

    The private key is never exposed as text by this object: no attribute holds its encoding,
    it cannot be pickled or copied, and ``repr``/``str`` do not include it.
    """

    __slots__ = ("_private", "key_id", "name", "public_key")

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        if not is_valid_name(name):
            raise MalformedError("signer: invalid key name (empty, space or '+')")
        self.name = name
        self._private = private_key
        self.public_key = _public_bytes(private_key.public_key())
        self.key_id = key_id(name, self.public_key)

    @classmethod
    def from_seed(cls, name: str, seed: bytes) -> Signer:
        if len(seed) != ED25519_SEED_SIZE:
            raise MalformedError(f"signer: Ed25519 seed must be {ED25519_SEED_SIZE} bytes")
        return cls(name, Ed25519PrivateKey.from_private_bytes(bytes(seed)))

    def sign(self, msg: bytes) -> bytes:
        """The raw 64-byte Ed25519 signature of ``msg`` (RFC 8032 §5.1.6)."""
        return self._private.sign(bytes(msg))

    def verifier(self) -> Verifier:
        return Verifier(self.name, self.public_key)

    def verifier_key(self) -> str:
        return self.verifier().verifier_key()

    def __repr__(self) -> str:
        return f"Signer(name={self.name!r}, key_id={self.key_id:08x})"

    __str__ = __repr__

    def __getstate__(self) -> object:
        raise TypeError("a Signer holds a private key and cannot be pickled or copied")

    def __reduce_ex__(self, protocol: object) -> object:
        raise TypeError("a Signer holds a private key and cannot be pickled or copied")


def parse_verifier_key(vkey: str) -> Verifier:
    """Parse ``<name>+<hash>+<keydata>`` as Go's ``note.NewVerifier`` does.

    The hash must be exactly 8 hex digits and equal the key ID computed from the name and key;
    the key data is base64(0x01 || 32-byte Ed25519 key).
    """
    if not isinstance(vkey, str):
        raise MalformedError("verifier key: not a string")
    name, rest = _chop(vkey, "+")
    hash16, key64 = _chop(rest, "+")
    if not _HEX8.fullmatch(hash16) or not is_valid_name(name):
        raise MalformedError("verifier key: malformed (want name+8 hex digits+base64)")
    key = decode_base64(key64, "verifier key")
    if not key:
        raise MalformedError("verifier key: empty key data")
    if key[0] != ALG_ED25519:
        raise MalformedError(f"verifier key: unknown algorithm {key[0]:#04x}")
    if len(key) != 1 + ED25519_PUBLIC_KEY_SIZE:
        raise MalformedError("verifier key: Ed25519 key must be 32 bytes")
    v = Verifier(name, key[1:])
    if v.key_id != int(hash16, 16):
        raise MalformedError("verifier key: key hash does not match name and key")
    return v


def new_signer(skey: str) -> Signer:
    """Parse ``PRIVATE+KEY+<name>+<hash>+base64(0x01 || seed)`` as Go's ``note.NewSigner`` does.

    Error messages never contain any part of the key string.
    """
    if not isinstance(skey, str) or not skey.startswith(PRIVATE_KEY_PREFIX):
        raise MalformedError("private key: malformed (want PRIVATE+KEY+name+hash+base64)")
    name, rest = _chop(skey[len(PRIVATE_KEY_PREFIX) :], "+")
    hash16, key64 = _chop(rest, "+")
    if not _HEX8.fullmatch(hash16) or not is_valid_name(name):
        raise MalformedError("private key: malformed (want PRIVATE+KEY+name+hash+base64)")
    key = decode_base64(key64, "private key")
    if not key:
        raise MalformedError("private key: empty key data")
    if key[0] != ALG_ED25519:
        raise MalformedError("private key: unknown algorithm")
    if len(key) != 1 + ED25519_SEED_SIZE:
        raise MalformedError("private key: Ed25519 seed must be 32 bytes")
    signer = Signer.from_seed(name, key[1:])
    if signer.key_id != int(hash16, 16):
        raise MalformedError("private key: key hash does not match name and derived public key")
    return signer


def generate_key(name: str) -> tuple[str, Signer]:
    """A fresh Ed25519 key: (private key string, signer). Keep the string secret."""
    private = Ed25519PrivateKey.generate()
    signer = Signer(name, private)
    seed = private.private_bytes_raw()
    skey = PRIVATE_KEY_PREFIX + _encode_key(name, signer.key_id, bytes([ALG_ED25519]) + seed)
    return skey, signer


@dataclass(frozen=True, slots=True)
class Signature:
    """One signature line: key name, key ID and the base64 text as it appeared."""

    name: str
    key_id: int
    base64: str


@dataclass(frozen=True, slots=True)
class Note:
    """A verified note: its text (with the final newline) and its signatures.

    ``sigs`` are the signatures that verified (one per key); ``unverified_sigs`` those by keys
    the caller did not know, kept for display only.
    """

    text: str
    sigs: tuple[Signature, ...]
    unverified_sigs: tuple[Signature, ...] = ()


def _split_note(msg: bytes) -> tuple[str, list[tuple[str, Signature, bytes]]]:
    """Syntax of a signed note (signed-note §Format): (text, [(line, signature, raw sig)])."""
    if not isinstance(msg, bytes | bytearray | memoryview):
        raise MalformedError("malformed note: not bytes")
    try:
        whole = bytes(msg).decode("utf-8")
    except UnicodeDecodeError as e:
        raise MalformedError(f"malformed note: not UTF-8 at byte {e.start}") from None
    bad = _CONTROL.search(whole)
    if bad:
        raise MalformedError(f"malformed note: control character {ord(bad.group()):#04x}")
    split = whole.rfind("\n\n")
    if split < 0:
        raise MalformedError("malformed note: no blank line before the signatures")
    text, block = whole[: split + 1], whole[split + 2 :]
    if not block or not block.endswith("\n"):
        raise MalformedError("malformed note: signature block missing or not ending in a newline")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise MalformedError(f"malformed note: more than {MAX_SIGNATURES} signatures")
    parsed = []
    for n, line in enumerate(lines, 1):
        if not line.startswith(SIG_PREFIX):
            raise MalformedError(f"malformed note: signature line {n} does not start with an em dash")
        name, b64 = _chop(line[len(SIG_PREFIX) :], " ")
        if not is_valid_name(name):
            raise MalformedError(f"malformed note: signature line {n} has an invalid key name")
        if not b64:
            raise MalformedError(f"malformed note: signature line {n} has no signature")
        raw = decode_base64(b64, f"malformed note: signature line {n}")
        if len(raw) < KEY_ID_SIZE + 1:
            raise MalformedError(f"malformed note: signature line {n} is too short")
        kid = int.from_bytes(raw[:KEY_ID_SIZE], "big")
        parsed.append((line, Signature(name, kid, b64), raw[KEY_ID_SIZE:]))
    return text, parsed


def _index(verifiers: Iterable[Verifier]) -> dict[tuple[str, int], list[Verifier]]:
    known: dict[tuple[str, int], list[Verifier]] = {}
    for v in verifiers:
        if not isinstance(v, Verifier):
            raise TypeError("verifiers must be ledger.note.Verifier objects")
        same = known.setdefault((v.name, v.key_id), [])
        if v not in same:
            same.append(v)
    return known


def open_note(msg: bytes, verifiers: Sequence[Verifier]) -> Note:
    """Check the syntax of a signed note, verify its signatures, and only then return its text.

    Raises ``MalformedError`` for any syntax error (including a single bad signature line or more
    than ``MAX_SIGNATURES`` lines) and ``SignatureError`` when a signature by a known key fails,
    when two different known keys share a name and key ID, or when no known key signed.
    """
    text, parsed = _split_note(msg)
    known = _index(verifiers)
    body = text.encode("utf-8")
    verified: list[Signature] = []
    unverified: list[Signature] = []
    seen_lines: set[str] = set()
    verified_keys: set[tuple[str, int]] = set()
    for line, sig, raw in parsed:
        if line in seen_lines:  # an identical line says nothing new (the Go reference drops it too)
            continue
        seen_lines.add(line)
        candidates = known.get((sig.name, sig.key_id))
        if not candidates:
            unverified.append(sig)
            continue
        if len(candidates) > 1:
            raise SignatureError(f"ambiguous key {sig.name}+{sig.key_id:08x}: several verifiers")
        candidates[0].verify(body, raw)  # every signature by a known key must verify
        if (sig.name, sig.key_id) not in verified_keys:
            verified_keys.add((sig.name, sig.key_id))
            verified.append(sig)
    if not verified:
        raise SignatureError("note has no verifiable signatures")
    return Note(text=text, sigs=tuple(verified), unverified_sigs=tuple(unverified))


def sign_note(text: str, *signers: Signer) -> bytes:
    """Sign ``text`` with each signer and return the encoded note (signed-note §Format).

    Refuses text that ``open_note`` would not accept: it must end in a newline and contain no
    control character but newline. Several signers with the same name and key ID sign once.
    """
    if not isinstance(text, str) or not text.endswith("\n"):
        raise MalformedError("malformed note: text must end with a newline")
    bad = _CONTROL.search(text)
    if bad:
        raise MalformedError(f"malformed note: control character {ord(bad.group()):#04x}")
    try:
        body = text.encode("utf-8")
    except UnicodeEncodeError:
        raise MalformedError("malformed note: text is not valid Unicode (lone surrogate)") from None
    if not signers:
        raise MalformedError("malformed note: at least one signer is needed")
    lines = []
    done: set[tuple[str, int]] = set()
    for s in signers:
        if not isinstance(s, Signer):
            raise TypeError("signers must be ledger.note.Signer objects")
        if (s.name, s.key_id) in done:
            continue
        done.add((s.name, s.key_id))
        raw = s.key_id.to_bytes(KEY_ID_SIZE, "big") + s.sign(body)
        lines.append(f"{SIG_PREFIX}{s.name} {base64.b64encode(raw).decode('ascii')}\n")
    if len(lines) > MAX_SIGNATURES:
        raise MalformedError(f"malformed note: more than {MAX_SIGNATURES} signatures")
    return body + b"\n" + "".join(lines).encode("utf-8")
