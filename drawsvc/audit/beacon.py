"""Public randomness beacons verified, not trusted (issue 18, rule AUD-BEACON).

drand quicknet is unchained and signs on G1 (RFC 9380 hash-to-curve, DST
``BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_``): the signed message of round ``r`` is
SHA-256(r as 8-byte big-endian) and the round's randomness is SHA-256(signature). The pairing
check is done by the maintained ``drand-verify`` package (PyPI), never by hand.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

from ledger.errors import VerificationError

QUICKNET_CHAIN_HASH = "52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971"
QUICKNET_PUBLIC_KEY = (
    "83cf0f2896adee7eb8b5f01fcad3912212c437e0073e911fb90022d3e760183c"
    "8c4b450b6a0a6c3ac6a5776a2d1064510d1fec758c921cc22b0e17e63aaf4bcb"
    "5ed66304de9cf809bd274ca73bab4af5a6e9c76a4bc09e76eae8991ef5ece45a"
)
_G1_SIG = re.compile(r"[0-9a-f]{96}")  # compressed G1 point, 48 bytes


class BeaconInvalid(VerificationError):
    """A beacon value that does not verify: wrong round, bad signature or mismatched randomness."""

    code = "beacon-invalid"


def verify_quicknet(
    round_: int, signature: str, randomness: str, *, public_key: str = QUICKNET_PUBLIC_KEY
) -> None:
    """Raise ``BeaconInvalid`` unless ``signature`` is the chain's BLS signature of ``round_``
    and ``randomness`` is SHA-256 of that signature."""
    from drand_verify import verify_quicknet as _verify

    if not isinstance(round_, int) or round_ < 1:
        raise BeaconInvalid(f"beacon round {round_!r} is not a positive integer")
    sig = signature.lower() if isinstance(signature, str) else ""
    if not _G1_SIG.fullmatch(sig):
        raise BeaconInvalid(f"beacon round {round_}: the signature is not a 48-byte G1 point in hex")
    try:
        derived = _verify(round_, sig, public_key)
    except BaseException as exc:  # the Rust binding panics (PanicException) on invalid points
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        raise BeaconInvalid(f"beacon round {round_}: the signature does not verify") from None
    expected = hashlib.sha256(bytes.fromhex(sig)).hexdigest()
    if derived != expected:  # defence in depth: the library's randomness is SHA-256(sig)
        raise BeaconInvalid(f"beacon round {round_}: the library derived unexpected randomness")
    if not isinstance(randomness, str) or randomness.lower() != expected:
        raise BeaconInvalid(f"beacon round {round_}: the randomness is not SHA-256 of the signature")


def verify_logged_beacon(beacon: Mapping[str, Any], committed: Mapping[str, Any]) -> None:
    """A draw's logged beacon against its commitment: same source and round, verified value."""
    if beacon.get("round") != committed.get("round") or beacon.get("source") != committed.get("source"):
        raise BeaconInvalid("the beacon used is not the committed round")
    sig = beacon.get("signature")
    if not isinstance(sig, str):
        raise BeaconInvalid(f"beacon round {beacon.get('round')}: no signature recorded")
    verify_quicknet(int(beacon["round"]), sig, str(beacon.get("value", "")))
