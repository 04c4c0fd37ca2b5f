"""Salted commitments for private fields (docs/specs/registries.md §6).

Private fields (phone, ID number, birth date, home address, an objector's identity) never
enter a log entry in clear. The log carries ``{"commitment": hex}`` where

    commitment = SHA-256( "drawsvc/commitment/v1" 0x00
                          || u32be(len(field)) || field
                          || salt (16 random bytes)
                          || u32be(len(value)) || value )        (UTF-8 throughout)

The salt is stored privately beside the value, so the holder of the record can open the
commitment to an auditor (reveal value and salt) while the public learns nothing, not even
whether two people share a phone number. A new salt is drawn whenever the value changes.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

COMMITMENT_DOMAIN = b"drawsvc/commitment/v1\x00"
SALT_BYTES = 16

# Field names that are private wherever they appear (used by tests and by public_body).
PRIVATE_FIELDS = frozenset({"phone", "id_number", "birth_date", "home_address", "objector"})


def new_salt() -> str:
    """A fresh random salt, hex encoded (32 characters) for storage beside the value."""
    return secrets.token_hex(SALT_BYTES)


def _lp(data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + data


def commit(field: str, salt_hex: str, value: str) -> str:
    """Hex SHA-256 commitment to ``value`` of ``field`` under ``salt_hex`` (16 bytes)."""
    salt = bytes.fromhex(salt_hex)
    if len(salt) != SALT_BYTES:
        raise ValueError("salt must be 16 bytes")
    digest = hashlib.sha256()
    digest.update(COMMITMENT_DOMAIN)
    digest.update(_lp(field.encode("utf-8")))
    digest.update(salt)
    digest.update(_lp(value.encode("utf-8")))
    return digest.hexdigest()


def verify_commitment(field: str, salt_hex: str, value: str, commitment: str) -> None:
    """Raise ``ValueError`` unless ``commitment`` opens to (field, salt, value)."""
    if not secrets.compare_digest(commit(field, salt_hex, value), commitment):
        raise ValueError(f"commitment for {field} does not open")


@dataclass(frozen=True)
class Sealed:
    """A private value with its salt, as stored in a private column pair."""

    value: str
    salt: str

    def commitment(self, field: str) -> dict[str, str]:
        return {"commitment": commit(field, self.salt, self.value)}


def seal(value: str | None, *, previous: Sealed | None = None) -> Sealed | None:
    """Seal ``value`` keeping the previous salt when the value did not change."""
    if value is None or value == "":
        return None
    if previous is not None and previous.value == value:
        return previous
    return Sealed(value=value, salt=new_salt())


def public_body(public: Mapping[str, Any], private: Mapping[str, Sealed | None]) -> dict[str, Any]:
    """A log body: ``public`` in clear, each private field as ``{"commitment": ...}`` (or null)."""
    body = dict(public)
    overlap = set(body) & set(private)
    if overlap:
        raise ValueError(f"fields both public and private: {sorted(overlap)}")
    for field, sealed in private.items():
        body[field] = None if sealed is None else sealed.commitment(field)
    return body
