"""ledger.verify: RFC 9162 §2.1.3.2 / §2.1.4.2 verifiers raise on every tampering."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.errors import Inconsistent, MalformedError, ProofRangeError, RootMismatch, VerificationError
from ledger.hashing import leaf_hash
from ledger.verify import (
    consistency_proof_length,
    inclusion_proof_length,
    root_from_tiles,
    verify_consistency,
    verify_inclusion,
)

sys.path.insert(0, str(Path(__file__).parent))
import ledger_support as support
import merkle_reference as ref

LEAVES = [leaf_hash(i.to_bytes(4, "big")) for i in range(300)]


@settings(max_examples=150)
@given(st.data())
def test_flipping_any_byte_of_an_inclusion_proof_or_root_fails(data: st.DataObject) -> None:
    n = data.draw(st.integers(1, 300))
    m = data.draw(st.integers(0, n - 1))
    proof, root = ref.inclusion_path(m, LEAVES[:n]), ref.mth(LEAVES[:n])
    verify_inclusion(m, n, LEAVES[m], proof, root)
    assert len(proof) == inclusion_proof_length(m, n)
    byte, bit = data.draw(st.integers(0, 31)), data.draw(st.integers(0, 7))
    with pytest.raises(RootMismatch) as exc:
        verify_inclusion(m, n, LEAVES[m], proof, support.flip(root, byte, bit))
    assert exc.value.calculated == root
    with pytest.raises(RootMismatch):
        verify_inclusion(m, n, support.flip(LEAVES[m], byte, bit), proof, root)
    if proof:
        i = data.draw(st.integers(0, len(proof) - 1))
        bad = [*proof[:i], support.flip(proof[i], byte, bit), *proof[i + 1 :]]
        with pytest.raises(RootMismatch):
            verify_inclusion(m, n, LEAVES[m], bad, root)


@settings(max_examples=150)
@given(st.data())
def test_flipping_any_byte_of_a_consistency_proof_or_root_fails(data: st.DataObject) -> None:
    n = data.draw(st.integers(1, 300))
    m = data.draw(st.integers(1, n))
    proof, r1, r2 = ref.consistency_proof(m, LEAVES[:n]), ref.mth(LEAVES[:m]), ref.mth(LEAVES[:n])
    verify_consistency(m, n, proof, r1, r2)
    assert len(proof) == consistency_proof_length(m, n)
    byte, bit = data.draw(st.integers(0, 31)), data.draw(st.integers(0, 7))
    with pytest.raises(VerificationError):
        verify_consistency(m, n, proof, support.flip(r1, byte, bit), r2)
    with pytest.raises(VerificationError):
        verify_consistency(m, n, proof, r1, support.flip(r2, byte, bit))
    if proof:
        i = data.draw(st.integers(0, len(proof) - 1))
        bad = [*proof[:i], support.flip(proof[i], byte, bit), *proof[i + 1 :]]
        with pytest.raises(Inconsistent):
            verify_consistency(m, n, bad, r1, r2)


def test_index_not_below_size_is_a_range_error() -> None:
    root = ref.mth(LEAVES[:4])
    for index, size in [(4, 4), (5, 4), (-1, 4), (0, 0)]:
        with pytest.raises(ProofRangeError):
            verify_inclusion(index, size, LEAVES[0], [], root)


def test_size1_above_size2_or_zero_is_a_range_error() -> None:
    r = ref.mth(LEAVES[:4])
    for s1, s2 in [(5, 4), (0, 4), (0, 0), (-1, 3)]:
        with pytest.raises(ProofRangeError):
            verify_consistency(s1, s2, [], r, r)


def test_proofs_of_the_wrong_length_are_malformed() -> None:
    proof, root = ref.inclusion_path(5, LEAVES[:13]), ref.mth(LEAVES[:13])
    for bad in (proof[:-1], [*proof, proof[0]], [proof[0][:31], *proof[1:]]):
        with pytest.raises(MalformedError):
            verify_inclusion(5, 13, LEAVES[5], bad, root)
    cproof = ref.consistency_proof(5, LEAVES[:13])
    for bad in (cproof[:-1], [*cproof, cproof[0]], []):
        with pytest.raises(MalformedError):
            verify_consistency(5, 13, bad, ref.mth(LEAVES[:5]), root)
    with pytest.raises(MalformedError):
        verify_consistency(4, 4, [root], root, root)


def test_equal_sizes_with_different_roots_are_inconsistent() -> None:
    with pytest.raises(Inconsistent):
        verify_consistency(4, 4, [], ref.mth(LEAVES[:4]), ref.mth(LEAVES[:5]))


def test_hashes_that_are_not_32_bytes_are_malformed() -> None:
    root = ref.mth(LEAVES[:1])
    with pytest.raises(MalformedError):
        verify_inclusion(0, 1, LEAVES[0], [], root[:31])
    with pytest.raises(MalformedError):
        verify_inclusion(0, 1, LEAVES[0] + b"\x00", [], root)
    with pytest.raises(MalformedError):
        verify_inclusion(0, 1, LEAVES[0].hex(), [], root)  # type: ignore[arg-type]


def test_root_from_tiles_matches_and_refuses_wrong_width() -> None:
    leaves = [leaf_hash(i.to_bytes(4, "big")) for i in range(70_000)]
    from ledger.tree import perfect_root

    level0 = {(0, 273): b"".join(leaves[273 * 256 :])}
    level1_hashes = [perfect_root(b"".join(leaves[j * 256 : (j + 1) * 256])) for j in range(273)]
    tiles = {**level0, (1, 1): b"".join(level1_hashes[256:])}
    tiles[(2, 0)] = perfect_root(b"".join(level1_hashes[:256]))
    from ledger.hashing import root_from_leaf_hashes

    assert root_from_tiles(70_000, tiles) == root_from_leaf_hashes(leaves)
    with pytest.raises(MalformedError):
        root_from_tiles(70_000, {**tiles, (1, 1): tiles[(1, 1)][:-32]})
    with pytest.raises(MalformedError):
        root_from_tiles(70_000, {k: v for k, v in tiles.items() if k != (2, 0)})
