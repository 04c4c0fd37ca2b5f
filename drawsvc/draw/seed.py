"""draw/v1 commit/reveal and seed derivation (docs/draw-spec.md §3, rules DRAW-5 .. DRAW-9).

- A commitment is ``hex(SHA-256(secret))`` (lowercase), secrets are at least 32 bytes (DRAW-5).
- ``verify_reveal`` raises ``RevealMismatch`` unless every secret hashes to the commitment at the
  same index, in commitment order (DRAW-6).
- The seed is ``SHA-256(JCS(material))`` where ``material`` is the object of DRAW-7:

      {"beacon": null | {"randomness": hex, "round": int},
       "pools": {name: {"root": hex, "size": int}, ...},
       "purpose": str, "round": int,
       "secrets": [hex(secret_1), ...],          # commitment order
       "spec": "draw/v1", "task": str}

API: ``commitment(secret) -> hex``, ``verify_reveal(commitments, secrets)`` (raises),
``Beacon(round, randomness)``, ``PoolRoot(root, size)``, ``seed_material(...) -> dict``,
``derive_seed(task_id=, round=, purpose=, pools=, commitments=, secrets=, beacon=) -> bytes``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from drawsvc.draw.canonical import SPEC, canonical_json
from drawsvc.errors import InvalidInput, RevealMismatch

MIN_SECRET_BYTES = 32
_HEX64 = re.compile(r"[0-9a-f]{64}")
_HEX = re.compile(r"(?:[0-9a-f]{2})+")


def commitment(secret: bytes) -> str:
    """``hex(SHA-256(secret))`` for a secret of at least 32 bytes (DRAW-5)."""
    if not isinstance(secret, bytes) or len(secret) < MIN_SECRET_BYTES:
        raise InvalidInput("a draw secret is at least 32 random bytes", field="secret", rule="DRAW-5")
    return hashlib.sha256(secret).hexdigest()


def verify_reveal(commitments: Sequence[str], secrets: Sequence[bytes]) -> None:
    """Raise ``RevealMismatch`` unless ``secrets`` open ``commitments`` index by index (DRAW-6)."""
    if len(commitments) == 0:
        raise RevealMismatch("a draw needs at least one commitment", rule="DRAW-6", subject="commitments")
    if len(secrets) != len(commitments):
        raise RevealMismatch(
            f"{len(secrets)} secrets revealed for {len(commitments)} commitments",
            rule="DRAW-6", subject="secrets",
        )
    for i, (c, s) in enumerate(zip(commitments, secrets, strict=True)):
        if not isinstance(c, str) or not _HEX64.fullmatch(c):
            raise RevealMismatch(f"commitment {i} is not 64 lowercase hex digits", rule="DRAW-5",
                                 subject=f"commitments[{i}]")
        if not isinstance(s, bytes) or len(s) < MIN_SECRET_BYTES:
            raise RevealMismatch(f"secret {i} is shorter than 32 bytes", rule="DRAW-5",
                                 subject=f"secrets[{i}]")
        if not hmac.compare_digest(hashlib.sha256(s).hexdigest(), c):
            raise RevealMismatch(f"secret {i} does not match commitment {i}", rule="DRAW-6",
                                 subject=f"secrets[{i}]")


@dataclass(frozen=True)
class Beacon:
    """A public randomness beacon value (e.g. a drand round), fixed before the reveal (DRAW-7)."""

    round: int
    randomness: str  # lowercase hex

    def __post_init__(self) -> None:
        if not isinstance(self.round, int) or isinstance(self.round, bool) or self.round < 0:
            raise InvalidInput("beacon round is a non-negative integer", field="beacon.round", rule="DRAW-7")
        if not isinstance(self.randomness, str) or not _HEX.fullmatch(self.randomness):
            raise InvalidInput("beacon randomness is lowercase hex", field="beacon.randomness",
                               rule="DRAW-7")

    def as_json(self) -> dict[str, Any]:
        return {"round": self.round, "randomness": self.randomness}


@dataclass(frozen=True)
class PoolRoot:
    """The frozen pool a draw used: RFC 9162 root over its pages (hex) and record count (DRAW-7, §5)."""

    root: str
    size: int

    def as_json(self) -> dict[str, Any]:
        return {"root": self.root, "size": self.size}


def seed_material(
    *,
    task_id: str,
    round: int,
    purpose: str,
    pools: Mapping[str, PoolRoot],
    secrets: Sequence[bytes],
    beacon: Beacon | None = None,
) -> dict[str, Any]:
    """The JSON object hashed into the seed (DRAW-7). Keys of ``pools`` name the pools."""
    if not isinstance(task_id, str) or not task_id:
        raise InvalidInput("task id is a non-empty string", field="task", rule="DRAW-7")
    if not isinstance(round, int) or isinstance(round, bool) or round < 1:
        raise InvalidInput("draw round is an integer >= 1", field="round", rule="DRAW-7")
    if not isinstance(purpose, str) or not purpose:
        raise InvalidInput("draw purpose is a non-empty string", field="purpose", rule="DRAW-7")
    return {
        "spec": SPEC,
        "task": task_id,
        "round": round,
        "purpose": purpose,
        "pools": {name: root.as_json() for name, root in pools.items()},
        "secrets": [s.hex() for s in secrets],
        "beacon": beacon.as_json() if beacon is not None else None,
    }


def derive_seed(
    *,
    task_id: str,
    round: int,
    purpose: str,
    pools: Mapping[str, PoolRoot],
    commitments: Sequence[str],
    secrets: Sequence[bytes],
    beacon: Beacon | None = None,
) -> bytes:
    """Check the reveal (DRAW-6), then ``SHA-256(JCS(seed_material(...)))`` (DRAW-8)."""
    verify_reveal(commitments, secrets)
    material = seed_material(task_id=task_id, round=round, purpose=purpose, pools=pools,
                             secrets=secrets, beacon=beacon)
    return hashlib.sha256(canonical_json(material)).digest()
