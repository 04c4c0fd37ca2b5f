"""Public randomness beacons verified, not trusted (docs/specs/beacon.md; issue 18, AUD-BEACON).

drand quicknet is unchained and signs on G1 (scheme ``bls-unchained-g1-rfc9380``: RFC 9380
hash-to-curve with DST ``BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_``, the group key on G2): the
signed message of round ``r`` is SHA-256(r as 8-byte big-endian) and the round's randomness is
SHA-256(signature). The pairing check is done by the maintained ``drand-verify`` package (PyPI),
never by hand.

Rules (docs/specs/beacon.md §3), each refusal a ``BeaconInvalid`` naming its rule:

BEACON-1. the source is one this module knows the chain of (``drand-quicknet``);
BEACON-2. the logged source and round are the committed ones;
BEACON-3. the round is a positive integer and the signature is present, 96 lowercase hex digits
          (a compressed G1 point, not the point at infinity), and verifies under the chain's key;
BEACON-4. the value is the lowercase hex SHA-256 of the signature.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ledger.errors import VerificationError


@dataclass(frozen=True)
class Chain:
    """A drand chain whose beacons this module verifies (its ``/info``)."""

    hash: str
    public_key: str  # hex, compressed G2 point (96 bytes)
    scheme: str
    genesis_time: int  # Unix seconds of round 1
    period: int  # seconds between rounds


QUICKNET = Chain(
    hash="52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971",
    public_key=(
        "83cf0f2896adee7eb8b5f01fcad3912212c437e0073e911fb90022d3e760183c"
        "8c4b450b6a0a6c3ac6a5776a2d1064510d1fec758c921cc22b0e17e63aaf4bcb"
        "5ed66304de9cf809bd274ca73bab4af5a6e9c76a4bc09e76eae8991ef5ece45a"
    ),
    scheme="bls-unchained-g1-rfc9380",
    genesis_time=1692803367,
    period=3,
)
QUICKNET_CHAIN_HASH = QUICKNET.hash
QUICKNET_PUBLIC_KEY = QUICKNET.public_key

# BEACON-1: the beacon sources a commitment may name, by the name logged in ``beacon.source``.
CHAINS: Mapping[str, Chain] = {"drand-quicknet": QUICKNET}

_G1_SIG = re.compile(r"[0-9a-f]{96}")  # compressed G1 point, 48 bytes, lowercase as logged
_G1_INFINITY = "c0" + "00" * 47
_RANDOMNESS = re.compile(r"[0-9a-f]{64}")


class BeaconInvalid(VerificationError):
    """A beacon that does not verify: unknown source, not the committed round, bad signature or
    mismatched randomness. ``rule`` names the BEACON-n rule that refuses it."""

    code = "beacon-invalid"

    def __init__(self, message: str, *, rule: str = "AUD-BEACON") -> None:
        super().__init__(f"{message} [{rule}]")
        self.message = message
        self.rule = rule


def chain_of(source: object) -> Chain:
    """BEACON-1: the chain a beacon source names."""
    chain = CHAINS.get(source) if isinstance(source, str) else None
    if chain is None:
        raise BeaconInvalid(
            f"beacon source {source!r} is not one the verifier knows ({', '.join(sorted(CHAINS))})",
            rule="BEACON-1",
        )
    return chain


def round_time(chain: Chain, round_: int) -> int:
    """Unix time (seconds) at which ``round_`` of ``chain`` is published (beacon.md §1): what an
    auditor compares with the time the commitment naming that round was published."""
    if isinstance(round_, bool) or not isinstance(round_, int) or round_ < 1:
        raise BeaconInvalid(f"beacon round {round_!r} is not a positive integer", rule="BEACON-3")
    return chain.genesis_time + (round_ - 1) * chain.period


def verify_quicknet(round_: int, signature: str, randomness: str, *, chain: Chain = QUICKNET) -> None:
    """Raise ``BeaconInvalid`` unless ``signature`` is the chain's BLS signature of ``round_``
    (BEACON-3) and ``randomness`` is SHA-256 of that signature (BEACON-4)."""
    from drand_verify import verify_bls_unchained_g1_rfc9380

    if isinstance(round_, bool) or not isinstance(round_, int) or not 1 <= round_ < 2**64:
        raise BeaconInvalid(f"beacon round {round_!r} is not a positive integer", rule="BEACON-3")
    if not isinstance(signature, str) or not _G1_SIG.fullmatch(signature) or signature == _G1_INFINITY:
        raise BeaconInvalid(
            f"beacon round {round_}: the signature is not a 48-byte compressed G1 point in lowercase hex",
            rule="BEACON-3",
        )
    try:
        derived = verify_bls_unchained_g1_rfc9380(round_, signature, chain.public_key)
    except BaseException as exc:  # ValueError, or the Rust binding's PanicException on bad points
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        raise BeaconInvalid(
            f"beacon round {round_}: the signature does not verify under chain {chain.hash[:16]}…",
            rule="BEACON-3",
        ) from None
    expected = hashlib.sha256(bytes.fromhex(signature)).hexdigest()
    if derived != expected:  # defence in depth: the library's randomness is SHA-256(sig)
        raise BeaconInvalid(
            f"beacon round {round_}: the library derived unexpected randomness", rule="BEACON-4"
        )
    if not isinstance(randomness, str) or not _RANDOMNESS.fullmatch(randomness) or randomness != expected:
        raise BeaconInvalid(
            f"beacon round {round_}: the value is not the lowercase hex SHA-256 of the signature",
            rule="BEACON-4",
        )


def verify_logged_beacon(beacon: Mapping[str, Any], committed: Mapping[str, Any]) -> None:
    """A draw's logged beacon (``draw.result`` ``beacon``: source, round, signature, value) against
    the beacon its ``draw.commit`` announced (source, round): BEACON-1 … BEACON-4."""
    chain = chain_of(beacon.get("source"))
    if beacon.get("source") != committed.get("source") or beacon.get("round") != committed.get("round"):
        raise BeaconInvalid(
            f"the beacon used ({beacon.get('source')} round {beacon.get('round')!r}) is not the committed "
            f"one ({committed.get('source')} round {committed.get('round')!r})",
            rule="BEACON-2",
        )
    round_ = beacon.get("round")
    sig = beacon.get("signature")
    if sig is None:
        raise BeaconInvalid(f"beacon round {round_!r}: no signature recorded", rule="BEACON-3")
    verify_quicknet(round_, sig, beacon.get("value"), chain=chain)  # type: ignore[arg-type]
