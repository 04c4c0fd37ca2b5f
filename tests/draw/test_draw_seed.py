"""Commitments, reveal and seed derivation (docs/draw-spec.md §3)."""

from __future__ import annotations

import hashlib

import pytest
import rfc8785

from drawsvc.draw.seed import Beacon, PoolRoot, commitment, derive_seed, seed_material, verify_reveal
from drawsvc.errors import InvalidInput, RevealMismatch

S1 = bytes(range(32))
S2 = hashlib.sha256(b"second").digest() + b"\x07"
POOLS = {"targets": PoolRoot("ab" * 32, 10)}


def _seed(**kw):
    args = {"task_id": "T-1", "round": 1, "purpose": "inspection", "pools": POOLS,
            "commitments": [commitment(S1), commitment(S2)], "secrets": [S1, S2], "beacon": None}
    args.update(kw)
    return derive_seed(**args)


def test_commitment_is_lowercase_hex_sha256():
    assert commitment(S1) == hashlib.sha256(S1).hexdigest()


def test_short_secret_cannot_be_committed():
    with pytest.raises(InvalidInput) as e:
        commitment(b"\x01" * 31)
    assert e.value.rule == "DRAW-5"


def test_reveal_not_matching_commitment_is_refused():
    with pytest.raises(RevealMismatch) as e:
        verify_reveal([commitment(S1), commitment(S2)], [S1, S1])
    assert e.value.rule == "DRAW-6" and e.value.subject == "secrets[1]"
    assert e.value.code == "reveal-mismatch"


def test_reveal_in_the_wrong_order_is_refused():
    with pytest.raises(RevealMismatch):
        verify_reveal([commitment(S1), commitment(S2)], [S2, S1])


@pytest.mark.parametrize("secrets", [[S1], [S1, S2, S2], []])
def test_reveal_with_the_wrong_number_of_secrets_is_refused(secrets):
    with pytest.raises(RevealMismatch):
        verify_reveal([commitment(S1), commitment(S2)], secrets)


def test_short_secret_is_refused_at_reveal_even_if_it_hashes_to_the_commitment():
    short = b"\x01" * 16
    with pytest.raises(RevealMismatch) as e:
        verify_reveal([hashlib.sha256(short).hexdigest()], [short])
    assert e.value.rule == "DRAW-5"


def test_uppercase_commitment_is_refused():
    with pytest.raises(RevealMismatch):
        verify_reveal([commitment(S1).upper()], [S1])


def test_no_seed_is_derived_from_a_bad_reveal():
    with pytest.raises(RevealMismatch):
        _seed(secrets=[S1, S1])


def test_seed_is_sha256_of_the_jcs_material():
    material = seed_material(task_id="T-1", round=1, purpose="inspection", pools=POOLS, secrets=[S1, S2])
    assert material["spec"] == "draw/v1" and material["beacon"] is None
    assert _seed() == hashlib.sha256(rfc8785.dumps(material)).digest()


@pytest.mark.parametrize("change", [
    {"task_id": "T-2"}, {"round": 2}, {"purpose": "experts"},
    {"pools": {"targets": PoolRoot("ab" * 32, 11)}},
    {"pools": {"targets": PoolRoot("ac" + "ab" * 31, 10)}},
    {"beacon": Beacon(round=1234, randomness="00" * 32)},
])
def test_every_input_changes_the_seed(change):
    assert _seed(**change) != _seed()


def test_secret_order_is_part_of_the_seed():
    swapped = _seed(commitments=[commitment(S2), commitment(S1)], secrets=[S2, S1])
    assert swapped != _seed()


@pytest.mark.parametrize("field,value", [("round", 0), ("task_id", ""), ("purpose", "")])
def test_bad_seed_inputs_are_refused(field, value):
    with pytest.raises(InvalidInput):
        _seed(**{field: value})


@pytest.mark.parametrize("kw", [{"round": -1, "randomness": "00"}, {"round": 1, "randomness": "0G"},
                                {"round": 1, "randomness": "ABCD"}])
def test_bad_beacon_is_refused(kw):
    with pytest.raises(InvalidInput):
        Beacon(**kw)
