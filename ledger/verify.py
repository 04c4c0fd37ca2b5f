"""Pure RFC 9162 verifiers on plain values. They raise; they never return a bool.

- :func:`verify_inclusion` — RFC 9162 §2.1.3.2
- :func:`verify_consistency` — RFC 9162 §2.1.4.2
- :func:`root_from_tiles` — MTH(D[size]) from C2SP tlog-tiles (the right-edge partial tiles)

Errors (``ledger.errors``): ``ProofRangeError`` (index >= size, size1 > size2, negative),
``MalformedError`` (a hash that is not 32 bytes, a proof of the wrong length, a tile of the
wrong width), ``RootMismatch(expected, calculated)`` (an inclusion proof leading elsewhere),
``Inconsistent`` (a consistency proof that does not lead to both roots).

Proof lengths are checked exactly before any hashing, as transparency-dev/merkle
``proof/verify.go`` does: an inclusion proof for ``index`` in ``size`` has
``inner + border`` hashes, where ``inner = bit_length(index ^ (size - 1))`` and
``border = popcount(index >> inner)``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ledger.errors import Inconsistent, MalformedError, ProofRangeError, RootMismatch
from ledger.hashing import HASH_SIZE, node_hash
from ledger.tree import edge_tiles, root_from_edge


def _check_hash(value: object, what: str) -> None:
    if not isinstance(value, bytes) or len(value) != HASH_SIZE:
        raise MalformedError(f"{what} is not a {HASH_SIZE}-byte hash")


def _check_proof(proof: Sequence[bytes], expected_len: int, what: str) -> None:
    if len(proof) != expected_len:
        raise MalformedError(f"{what} has {len(proof)} hashes, expected {expected_len}")
    for i, h in enumerate(proof):
        _check_hash(h, f"{what}[{i}]")


def _decompose(index: int, size: int) -> tuple[int, int]:
    """(inner, border) lengths of the inclusion path of ``index`` in a tree of ``size``."""
    inner = (index ^ (size - 1)).bit_length()
    border = (index >> inner).bit_count()
    return inner, border


def inclusion_proof_length(index: int, size: int) -> int:
    if not 0 <= index < size:
        raise ProofRangeError(f"leaf index {index} is not below tree size {size}")
    inner, border = _decompose(index, size)
    return inner + border


def consistency_proof_length(size1: int, size2: int) -> int:
    if not 0 < size1 <= size2:
        raise ProofRangeError(f"first size {size1} is not between 1 and second size {size2}")
    if size1 == size2:
        return 0
    inner, border = _decompose(size1 - 1, size2)
    shift = (size1 & -size1).bit_length() - 1
    start = 0 if size1 == 1 << shift else 1
    return start + inner - shift + border


def root_from_inclusion_proof(index: int, size: int, leaf_hash: bytes, proof: Sequence[bytes]) -> bytes:
    """The root that ``proof`` leads to from ``leaf_hash`` (RFC 9162 §2.1.3.2 steps 1-6)."""
    _check_proof(proof, inclusion_proof_length(index, size), "inclusion proof")
    _check_hash(leaf_hash, "leaf hash")
    fn, sn, r = index, size - 1, leaf_hash
    for p in proof:
        if sn == 0:  # cannot happen after the length check; kept as in the RFC
            raise MalformedError("inclusion proof too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise MalformedError("inclusion proof too short")
    return r


def verify_inclusion(index: int, size: int, leaf_hash: bytes, proof: Sequence[bytes], root: bytes) -> None:
    """RFC 9162 §2.1.3.2: raise unless ``proof`` shows leaf ``index`` is in the tree ``root``."""
    _check_hash(root, "root")
    calculated = root_from_inclusion_proof(index, size, leaf_hash, proof)
    if calculated != root:
        raise RootMismatch(root, calculated, "inclusion proof root")


def verify_consistency(size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes) -> None:
    """RFC 9162 §2.1.4.2: raise unless ``proof`` shows tree ``root1`` is a prefix of ``root2``.

    Edge cases as transparency-dev/merkle: equal sizes need an empty proof and equal roots;
    ``size1 == 0`` is refused (``ProofRangeError``): a proof from the empty tree is meaningless.
    """
    _check_hash(root1, "first root")
    _check_hash(root2, "second root")
    _check_proof(proof, consistency_proof_length(size1, size2), "consistency proof")
    if size1 == size2:
        if root1 != root2:
            raise Inconsistent(f"equal sizes {size1} with different roots {root1.hex()} {root2.hex()}")
        return
    # Step 1: if size1 is an exact power of 2, prepend first_hash to the path.
    path = list(proof)
    if size1 & (size1 - 1) == 0:
        path.insert(0, root1)
    # Steps 2-4.
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    # Step 6.
    for c in path[1:]:
        if sn == 0:
            raise MalformedError("consistency proof too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    # Step 7.
    if sn != 0:
        raise MalformedError("consistency proof too short")
    if fr != root1 or sr != root2:
        raise Inconsistent(
            f"consistency proof {size1} -> {size2} leads to roots {fr.hex()} {sr.hex()}, "
            f"expected {root1.hex()} {root2.hex()}"
        )


def tiles_for_root(size: int) -> list[tuple[int, int, int]]:
    """``(tile_level, tile_index, width)`` of the tiles :func:`root_from_tiles` needs."""
    if size < 0:
        raise ProofRangeError(f"tree size {size} is negative")
    return edge_tiles(size)


def root_from_tiles(size: int, tiles: Mapping[tuple[int, int], bytes]) -> bytes:
    """MTH(D[size]) from the partial tiles of a C2SP tlog-tiles tree of ``size``.

    ``tiles[(level, index)]`` holds the bytes of the tiles listed by :func:`tiles_for_root`.
    Every maximal perfect subtree of ``[0, size)`` lies inside one of them.
    """
    edge: dict[int, bytes] = {}
    for level, index, width in tiles_for_root(size):
        blob = tiles.get((level, index))
        if blob is None:
            raise MalformedError(f"tile {level}/{index} needed for size {size} is missing")
        if len(blob) != width * HASH_SIZE:
            raise MalformedError(f"tile {level}/{index} is {len(blob)} bytes, expected {width * HASH_SIZE}")
        edge[level] = blob
    return root_from_edge(size, edge)
