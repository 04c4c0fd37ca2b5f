"""Beacon verification refuses forged values (AUD-BEACON). A real quicknet vector is still to add."""

from __future__ import annotations

import hashlib

import pytest

from drawsvc.audit.beacon import BeaconInvalid, verify_logged_beacon, verify_quicknet

# A valid G1 point that is not quicknet's signature of the round: the compressed generator.
G1_GEN = "97f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb"


@pytest.mark.parametrize(
    ("round_", "sig"),
    [(1000, G1_GEN), (1000, "00" * 48), (0, G1_GEN), (1000, "zz"), (1000, G1_GEN[:-2])],
)
def test_forged_signature_refused(round_: int, sig: str) -> None:
    with pytest.raises(BeaconInvalid):
        verify_quicknet(round_, sig, hashlib.sha256(bytes.fromhex("00")).hexdigest())


def test_logged_beacon_must_be_committed_round() -> None:
    with pytest.raises(BeaconInvalid, match="committed"):
        verify_logged_beacon(
            {"source": "drand-quicknet", "round": 5, "signature": G1_GEN, "value": "00"},
            {"source": "drand-quicknet", "round": 6},
        )


def test_logged_beacon_without_signature_refused() -> None:
    with pytest.raises(BeaconInvalid, match="no signature"):
        verify_logged_beacon({"source": "q", "round": 5, "value": "ab"}, {"source": "q", "round": 5})
