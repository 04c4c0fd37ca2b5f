"""The C2SP tlog-witness ``add-checkpoint`` protocol, pure (docs/specs/witness.md W-14…W-17).

C2SP/C2SP ``tlog-witness.md`` §add-checkpoint: the request body is an old size line
(``old <decimal>``, no leading zeroes), at most 63 consistency proof lines (one base64 hash
each), an empty line, then the checkpoint note; every line ends in U+000A. The witness answers
with its cosignature lines (200), or refuses with the status the spec names for each rule:
400 malformed or old size above the checkpoint's, 403 no signature by a trusted key, 404 unknown
origin, 409 old size not the one last cosigned (body: that size, ``text/x.tlog.size``) or the
same size with another root, 422 a consistency proof that does not verify.

No I/O here: :func:`check_add_checkpoint` decides from the request, the trusted keys and the
last cosigned checkpoint; the service (``drawsvc.witness.service``) holds the lock, the state
and the key.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ledger.checkpoint import Checkpoint, parse_checkpoint
from ledger.errors import Inconsistent, MalformedError, SignatureError
from ledger.hashing import EMPTY_ROOT, HASH_SIZE
from ledger.note import Verifier, open_note
from ledger.verify import verify_consistency

PATH = "/add-checkpoint"
SIZE_MEDIA_TYPE = "text/x.tlog.size"
MAX_PROOF_LINES = 63
MAX_BODY_BYTES = 64 * 1024  # a checkpoint with 100 signature lines and 63 hashes is ≈ 15 KiB

_OLD_LINE = re.compile(r"old (0|[1-9][0-9]{0,19})")


class Refused(Exception):
    """A refusal with its tlog-witness HTTP status. ``kind`` is stable; ``size`` is set on a 409
    for an old size that is not the last cosigned one (the body the client must be sent).
    ``evidence`` marks a validly signed checkpoint that contradicts the cosigned one (kept)."""

    def __init__(self, status: int, kind: str, message: str, *, size: int | None = None,
                 evidence: bool = False) -> None:
        super().__init__(message)
        self.status, self.kind, self.message = status, kind, message
        self.size, self.evidence = size, evidence


@dataclass(frozen=True)
class AddCheckpoint:
    old_size: int
    proof: tuple[bytes, ...]
    note: bytes


def _hash_line(line: str, n: int) -> bytes:
    try:
        raw = base64.b64decode(line, validate=True)
    except (binascii.Error, ValueError):
        raise Refused(400, "malformed", f"proof line {n}: not base64") from None
    if len(raw) != HASH_SIZE or base64.b64encode(raw).decode() != line:
        raise Refused(400, "malformed", f"proof line {n}: not one {HASH_SIZE}-byte hash in base64")
    return raw


def parse_add_checkpoint(body: bytes) -> AddCheckpoint:
    """Split a request body into its old size, proof hashes and checkpoint note (400 on error)."""
    if len(body) > MAX_BODY_BYTES:
        raise Refused(400, "malformed", f"request body over {MAX_BODY_BYTES} bytes")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, "malformed", "request body is not UTF-8") from None
    head, sep, rest = text.partition("\n")
    match = _OLD_LINE.fullmatch(head)
    if not sep or match is None:
        raise Refused(400, "malformed", "the first line must be 'old <size>' (decimal, no leading zeroes)")
    proof = []
    while True:
        line, sep, rest = rest.partition("\n")
        if not sep:
            raise Refused(400, "malformed", "no empty line before the checkpoint")
        if line == "":
            break
        if len(proof) == MAX_PROOF_LINES:
            raise Refused(400, "malformed", f"more than {MAX_PROOF_LINES} consistency proof lines")
        proof.append(_hash_line(line, len(proof) + 1))
    return AddCheckpoint(int(match.group(1)), tuple(proof), rest.encode("utf-8"))


def format_add_checkpoint(old_size: int, proof: Sequence[bytes], note: bytes) -> bytes:
    """The request body a log sends (the inverse of :func:`parse_add_checkpoint`)."""
    if old_size < 0 or len(proof) > MAX_PROOF_LINES:
        raise ValueError("old size below zero or too long a proof")
    lines = [f"old {old_size}\n"] + [base64.b64encode(h).decode() + "\n" for h in proof] + ["\n"]
    return "".join(lines).encode() + note


def _origin_line(note: bytes) -> str:
    # Only to find the keys to verify with; nothing else is read before the signature verifies.
    first = note.split(b"\n", 1)[0]
    try:
        return first.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, "malformed", "checkpoint origin is not UTF-8") from None


@dataclass(frozen=True)
class Accepted:
    checkpoint: Checkpoint
    verifier: Verifier  # the trusted key that signed it


def check_add_checkpoint(
    request: AddCheckpoint, trusted: Mapping[str, Sequence[Verifier]], cosigned: Checkpoint | None
) -> Accepted:
    """The tlog-witness checks, in the spec's order; returns the checkpoint to cosign.

    ``trusted`` maps a log origin to the keys the witness trusts for it; ``cosigned`` is the last
    checkpoint this witness cosigned for that origin (None: never). Signatures by other keys are
    ignored (the note may carry other witnesses' cosignatures)."""
    origin = _origin_line(request.note)
    keys = trusted.get(origin)
    if not keys:
        raise Refused(404, "unknown-origin", f"this witness does not witness the log {origin!r}")
    try:
        opened = open_note(request.note, list(keys))
        new = parse_checkpoint(opened.text)
    except SignatureError as exc:
        raise Refused(403, "bad-signature",
                      f"no valid signature by a trusted key of {origin!r}: {exc}") from None
    except MalformedError as exc:
        raise Refused(400, "malformed", f"checkpoint: {exc}") from None
    if new.origin != origin:  # the first line is the origin (tlog-checkpoint): cannot differ
        raise Refused(400, "malformed", "checkpoint origin line does not parse as its origin")
    signed_by = {(sig.name, sig.key_id) for sig in opened.sigs}
    accepted = Accepted(new, next(k for k in keys if (k.name, k.key_id) in signed_by))
    old = request.old_size
    if old > new.size:
        raise Refused(400, "old-size-too-large", f"old size {old} is above the checkpoint size {new.size}")
    last = cosigned.size if cosigned is not None else 0
    if old != last:
        raise Refused(409, "old-size-mismatch", f"the last cosigned size is {last}, not {old}", size=last)
    if old == 0:
        if request.proof:
            raise Refused(422, "bad-proof", "the consistency proof from size 0 must be empty")
        if new.size == 0 and new.root != EMPTY_ROOT:
            raise Refused(422, "bad-proof", "a checkpoint of size 0 must have the empty tree's root")
        return accepted
    assert cosigned is not None
    if old == new.size:
        if new.root != cosigned.root:
            raise Refused(409, "root-mismatch", f"size {old} was cosigned with another root: split view",
                          evidence=True)
        if request.proof:
            raise Refused(422, "bad-proof", "the consistency proof between equal sizes must be empty")
        return accepted
    try:
        verify_consistency(old, new.size, list(request.proof), cosigned.root, new.root)
    except MalformedError as exc:  # a proof of the wrong shape says nothing about the log
        raise Refused(422, "bad-proof", f"consistency proof from size {old}: {exc}") from None
    except Inconsistent as exc:  # validly signed and not an extension: maybe a fork, keep it
        raise Refused(422, "bad-proof", f"no consistency from the cosigned size {old}: {exc}",
                      evidence=True) from None
    return accepted
