"""C2SP tlog-checkpoint (https://c2sp.org/tlog-checkpoint, pinned in docs/specs/tlog-checkpoint.md).

The note text of a checkpoint is::

    <origin>\\n
    <tree size, decimal, no leading zeros>\\n
    <root hash, standard base64 of 32 bytes>\\n
    [<extension line>\\n ...]

``verify_checkpoint`` does the three steps in the only safe order: verify the note signature,
then parse the verified text, then compare the origin with the one the caller expects.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from dataclasses import dataclass

from ledger.errors import MalformedError, OriginMismatch
from ledger.hashing import HASH_SIZE
from ledger.note import Signer, Verifier, decode_base64, open_note, sign_note

MAX_TREE_SIZE = 2**63 - 1
_SIZE = re.compile(r"0|[1-9][0-9]{0,18}", re.ASCII)
_CONTROL = re.compile(r"[\x00-\x1f]")


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A parsed checkpoint body (tlog-checkpoint §Note text)."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()


def _check_line(line: str, what: str) -> None:
    if not isinstance(line, str) or line == "":
        raise MalformedError(f"checkpoint: {what} is empty")
    bad = _CONTROL.search(line)
    if bad:
        raise MalformedError(f"checkpoint: {what} contains control character {ord(bad.group()):#04x}")


def format_checkpoint(origin: str, size: int, root: bytes, extensions: Sequence[str] = ()) -> str:
    """The checkpoint note text (tlog-checkpoint §Note text), refusing values it could not parse back."""
    _check_line(origin, "origin")
    if type(size) is not int or not 0 <= size <= MAX_TREE_SIZE:
        raise MalformedError(f"checkpoint: tree size must be an int in [0, {MAX_TREE_SIZE}]")
    if not isinstance(root, bytes | bytearray) or len(root) != HASH_SIZE:
        raise MalformedError(f"checkpoint: root hash must be {HASH_SIZE} bytes")
    if isinstance(extensions, str):
        raise TypeError("extensions must be a sequence of lines, not a str")
    for n, ext in enumerate(extensions, 1):
        _check_line(ext, f"extension line {n}")
    lines = [origin, str(size), base64.b64encode(bytes(root)).decode("ascii"), *extensions]
    return "\n".join(lines) + "\n"


def parse_checkpoint(text: str) -> Checkpoint:
    """Parse a checkpoint note text strictly (tlog-checkpoint §Note text).

    Origin non-empty; size decimal without sign or leading zero, at most 2^63-1; root exactly
    32 bytes in canonical standard base64; extension lines non-empty; the text ends with exactly
    one newline after the last line.
    """
    if not isinstance(text, str):
        raise MalformedError("checkpoint: text is not a str")
    if not text.endswith("\n"):
        raise MalformedError("checkpoint: text does not end with a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise MalformedError("checkpoint: fewer than three lines (origin, size, root)")
    origin, size_s, root_s, *extensions = lines
    _check_line(origin, "origin")
    if not _SIZE.fullmatch(size_s):
        raise MalformedError("checkpoint: tree size is not a decimal without sign or leading zero")
    size = int(size_s)
    if size > MAX_TREE_SIZE:
        raise MalformedError(f"checkpoint: tree size exceeds {MAX_TREE_SIZE}")
    root = decode_base64(root_s, "checkpoint: root hash")
    if len(root) != HASH_SIZE:
        raise MalformedError(f"checkpoint: root hash is {len(root)} bytes, not {HASH_SIZE}")
    for n, ext in enumerate(extensions, 1):
        _check_line(ext, f"extension line {n}")
    return Checkpoint(origin=origin, size=size, root=root, extensions=tuple(extensions))


def sign_checkpoint(
    signer: Signer, origin: str, size: int, root: bytes, extensions: Sequence[str] = ()
) -> bytes:
    """A signed note whose text is the formatted checkpoint."""
    return sign_note(format_checkpoint(origin, size, root, extensions), signer)


def verify_checkpoint(note: bytes, verifier: Verifier, *, origin: str) -> Checkpoint:
    """Verify the signature, then parse the body, then compare the origin.

    Raises ``MalformedError`` (note or body syntax), ``SignatureError`` (no valid signature by
    ``verifier``) or ``OriginMismatch`` (a valid checkpoint, but of another log).
    """
    verified = open_note(note, [verifier])
    checkpoint = parse_checkpoint(verified.text)
    if checkpoint.origin != origin:
        raise OriginMismatch(expected=origin, got=checkpoint.origin)
    return checkpoint
