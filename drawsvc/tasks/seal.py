"""Sealed draws (docs/specs/sealed-draws.md, ``drawsvc/seal/v1``): the pure commitment to a
draw's result, its opening and the seal settings of a task. No I/O.

A sealed draw logs ``draw.sealed`` instead of ``draw.result``: only a salted commitment to the
*plaintext* (SEAL-2: every secret field the ``draw.result`` body would have carried), the counts
and when it opens. ``draw.disclose`` later publishes the plaintext and the salt; anyone checks

    commitment = lower-hex(SHA-256(salt ‖ RFC8785(plaintext)))            (SEAL-3)

with ``salt`` 32 random bytes and RFC 8785 the JSON canonicalization the log uses for entries
(:func:`ledger.entries.canonicalize`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from drawsvc.errors import InvalidInput
from ledger.entries import canonicalize
from ledger.errors import VerificationError

SEAL_SPEC = "drawsvc/seal/v1"
SALT_BYTES = 32
MAX_EVENT = 200
PLAINTEXT_FIELDS = (
    "spec", "task", "round", "commit", "reveals", "beacon", "avoidance_salt", "seed", "result"
)

# Stable rule ids (docs/specs/sealed-draws.md §6).
RULE_MISMATCH = "seal.commitment-mismatch"
RULE_PLAINTEXT = "seal.plaintext-format"
RULE_SALT = "seal.salt-format"
RULE_OPENS = "seal.opens"
RULE_UNDISCLOSED = "seal.undisclosed"
RULE_DISCLOSED = "seal.already-disclosed"
RULE_EARLY = "seal.early-needs-reason"
RULE_NOT_SEALED = "seal.not-sealed"

_HEX_SALT = re.compile(r"\A[0-9a-f]{64}\Z")
_HEX64 = re.compile(r"\A[0-9a-f]{64}\Z")


class SealMismatch(VerificationError):
    """A disclosure that does not open its commitment (SEAL-3), or a malformed opening."""

    code = "seal-mismatch"

    def __init__(self, what: str, rule: str, message: str) -> None:
        super().__init__(f"{what}: {message} ({rule})")
        self.what = what
        self.rule = rule


def parse_seal(raw: Any, field: str = "params.seal") -> dict[str, Any]:
    """``params.seal`` in its logged form: ``{"opens": {"date": "YYYY-MM-DD"}}`` or
    ``{"opens": {"event": text}}`` (SEAL-1). Raises ``InvalidInput`` naming the field."""
    if not isinstance(raw, Mapping) or set(raw) != {"opens"}:
        raise InvalidInput(f"{field}: must be {{\"opens\": {{...}}}}", field=field, rule=RULE_OPENS)
    opens = raw["opens"]
    if not isinstance(opens, Mapping) or len(opens) != 1 or not set(opens) <= {"date", "event"}:
        raise InvalidInput(
            f"{field}.opens: exactly one of date or event", field=f"{field}.opens", rule=RULE_OPENS
        )
    if "date" in opens:
        value = opens["date"]
        try:
            day = date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
        except ValueError:
            day = None
        if day is None:
            raise InvalidInput(
                f"{field}.opens.date: must be a date YYYY-MM-DD", field=f"{field}.opens.date", rule=RULE_OPENS
            )
        return {"opens": {"date": day.isoformat()}}
    text = opens["event"].strip() if isinstance(opens["event"], str) else ""
    if not text or len(text) > MAX_EVENT or any(ord(c) < 0x20 for c in text):
        raise InvalidInput(
            f"{field}.opens.event: a short description (at most {MAX_EVENT} characters, one line)",
            field=f"{field}.opens.event",
            rule=RULE_OPENS,
        )
    return {"opens": {"event": text}}


def opens_on(seal: Mapping[str, Any]) -> date | None:
    """The opening date of a date seal, None for an event seal."""
    value = seal["opens"].get("date")
    return date.fromisoformat(value) if value else None


def plaintext(
    *,
    task: str,
    round: int,
    commit: int,
    reveals: list[dict[str, Any]],
    beacon: dict[str, Any] | None,
    avoidance_salt: str | None,
    seed: str,
    result: Mapping[str, Any],
) -> dict[str, Any]:
    """SEAL-2: what a ``draw.result`` body would have published, bound to its task and round."""
    return {
        "spec": SEAL_SPEC,
        "task": task,
        "round": round,
        "commit": commit,
        "reveals": reveals,
        "beacon": beacon,
        "avoidance_salt": avoidance_salt,
        "seed": seed,
        "result": dict(result),
    }


def plaintext_bytes(value: Mapping[str, Any]) -> bytes:
    """RFC 8785 bytes of the plaintext object (the bytes the commitment hashes)."""
    return canonicalize(value)


def commitment(salt: bytes, value: Mapping[str, Any]) -> str:
    """SEAL-3: ``lower-hex(SHA-256(salt ‖ RFC8785(plaintext)))``."""
    if len(salt) != SALT_BYTES:
        raise ValueError(f"a seal salt has {SALT_BYTES} bytes")
    return hashlib.sha256(salt + plaintext_bytes(value)).hexdigest()


def check_plaintext(value: Any) -> dict[str, Any]:
    """SEAL-2 shape: exactly the plaintext fields, spec ``drawsvc/seal/v1``. Raises ``SealMismatch``."""
    if not isinstance(value, Mapping) or tuple(sorted(value)) != tuple(sorted(PLAINTEXT_FIELDS)):
        fields = ", ".join(PLAINTEXT_FIELDS)
        raise SealMismatch("plaintext", RULE_PLAINTEXT, f"must be an object with exactly {fields}")
    if value["spec"] != SEAL_SPEC:
        raise SealMismatch("plaintext.spec", RULE_PLAINTEXT, f"must be {SEAL_SPEC}")
    if not isinstance(value["result"], Mapping) or not isinstance(value["reveals"], list):
        raise SealMismatch("plaintext", RULE_PLAINTEXT, "result must be an object, reveals a list")
    return dict(value)


def open_seal(commitment_hex: str, salt_hex: Any, value: Any) -> dict[str, Any]:
    """SEAL-3/SEAL-4: check that ``salt_hex`` and ``value`` open ``commitment_hex``; return the
    plaintext. Raises ``SealMismatch`` (``what``: salt or plaintext, ``rule``) otherwise."""
    if not isinstance(salt_hex, str) or not _HEX_SALT.match(salt_hex):
        raise SealMismatch("salt", RULE_SALT, f"must be {SALT_BYTES * 2} lower-case hex digits")
    if not isinstance(commitment_hex, str) or not _HEX64.match(commitment_hex):
        raise SealMismatch("commitment", RULE_SALT, "must be 64 lower-case hex digits")
    p = check_plaintext(value)
    if commitment(bytes.fromhex(salt_hex), p) != commitment_hex:
        raise SealMismatch(
            "plaintext", RULE_MISMATCH, "SHA-256(salt ‖ RFC8785(plaintext)) is not the sealed commitment"
        )
    return p
