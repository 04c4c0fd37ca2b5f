"""Errors of the transparency log. Verifiers raise one of these; they never return a bool.

Each class has a stable ``code`` (the JavaScript verifier reports the same codes)::

    LedgerError
    ├─ MalformedError        bytes that don't parse (note, checkpoint, tile, entry)
    ├─ VerificationError     well formed but false
    │  ├─ SignatureError
    │  ├─ OriginMismatch
    │  ├─ RootMismatch(expected, calculated)
    │  └─ Inconsistent
    ├─ ProofRangeError       index >= size, size1 > size2
    ├─ EntryNotFound        no entry with that index or leaf hash
    └─ StorageError
       └─ TileConflict      an immutable exported file exists with other bytes
"""

from __future__ import annotations

from typing import ClassVar


class LedgerError(Exception):
    code: ClassVar[str] = "ledger-error"


class MalformedError(LedgerError):
    code = "malformed"


class EntryRejected(MalformedError):
    """An entry that may not be appended (not an object, undefined canonical form, too large)."""

    code = "entry-rejected"


class VerificationError(LedgerError):
    code = "verification-failed"


class SignatureError(VerificationError):
    code = "bad-signature"


class OriginMismatch(VerificationError):
    code = "origin-mismatch"

    def __init__(self, expected: str, got: str) -> None:
        super().__init__(f"checkpoint origin {got!r} is not the expected {expected!r}")
        self.expected = expected
        self.got = got


class RootMismatch(VerificationError):
    code = "root-mismatch"

    def __init__(self, expected: bytes, calculated: bytes, what: str = "root") -> None:
        super().__init__(f"{what} mismatch: expected {expected.hex()}, calculated {calculated.hex()}")
        self.expected = expected
        self.calculated = calculated


class Inconsistent(VerificationError):
    code = "inconsistent"


class ProofRangeError(LedgerError):
    code = "proof-range"


class StorageError(LedgerError):
    code = "storage"


class EntryNotFound(LedgerError):
    """No entry with that index or leaf hash in the log."""

    code = "entry-not-found"


class TileConflict(StorageError):
    """An immutable exported file exists with different bytes (evidence: its path)."""

    code = "tile-conflict"

    def __init__(self, path: str) -> None:
        super().__init__(f"immutable file {path} already exists with different contents")
        self.path = path


class KeyFileError(StorageError):
    """A signing-key file that cannot be created, read or used (never quotes the key)."""

    code = "key-file"
