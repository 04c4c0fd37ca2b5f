"""Slow, obviously-correct RFC 9162 reference for the tests.

Copied from ../shared/peers/rfc9162_ref.py (ours), benchmark helpers removed.

Hashing, RFC 9162 section 2.1.1: leaf = SHA-256(0x00 || entry), interior node =
SHA-256(0x01 || left || right), empty tree = SHA-256(""). `mth`, `inclusion_path` and
`consistency_proof` are the RFC's recursive definitions written literally (small trees
only); `verify_inclusion` and `verify_consistency` follow sections 2.1.3.2 and 2.1.4.2
step by step and raise `VerifyError`. Not product code: the fast ``ledger.tree`` and
``ledger.verify`` are cross-checked against it.
"""

from __future__ import annotations

import hashlib

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()

# The RFC 6962 test leaves (certificate-transparency merkle_tree_test) and their 8-leaf root.
RFC6962_LEAVES = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
RFC6962_ROOT8 = bytes.fromhex("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")


class VerifyError(Exception):
    """A proof did not verify."""


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(LEAF_PREFIX + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def _split(n: int) -> int:
    """Largest power of two smaller than n (n >= 2): the RFC's k."""
    return 1 << ((n - 1).bit_length() - 1)


def mth(hashes: list[bytes]) -> bytes:
    """MTH(D[n]) over leaf hashes, literally recursive."""
    n = len(hashes)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return hashes[0]
    k = _split(n)
    return node_hash(mth(hashes[:k]), mth(hashes[k:]))


def inclusion_path(m: int, hashes: list[bytes]) -> list[bytes]:
    """PATH(m, D[n]) for 0-based leaf m, literally recursive (section 2.1.3.1)."""
    n = len(hashes)
    if n <= 1:
        return []
    k = _split(n)
    if m < k:
        return [*inclusion_path(m, hashes[:k]), mth(hashes[k:])]
    return [*inclusion_path(m - k, hashes[k:]), mth(hashes[:k])]


def consistency_proof(m: int, hashes: list[bytes]) -> list[bytes]:
    """PROOF(m, D[n]) = SUBPROOF(m, D[n], true), literally recursive (section 2.1.4.1)."""
    return _subproof(m, hashes, True)


def _subproof(m: int, hashes: list[bytes], complete: bool) -> list[bytes]:
    n = len(hashes)
    if m == n:
        return [] if complete else [mth(hashes)]
    k = _split(n)
    if m <= k:
        return [*_subproof(m, hashes[:k], complete), mth(hashes[k:])]
    return [*_subproof(m - k, hashes[k:], False), mth(hashes[:k])]


def verify_inclusion(index: int, size: int, leaf: bytes, path: list[bytes], root: bytes) -> None:
    """Section 2.1.3.2; index is 0-based."""
    if not 0 <= index < size:
        raise VerifyError("leaf index not below tree size")
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            raise VerifyError("inclusion path too long")
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
        raise VerifyError("inclusion path too short")
    if r != root:
        raise VerifyError("inclusion path does not lead to the root")


def verify_consistency(size1: int, size2: int, root1: bytes, root2: bytes, path: list[bytes]) -> None:
    """Section 2.1.4.2 (0 < size1); equal sizes need an empty path and equal roots."""
    if not 0 < size1 <= size2:
        raise VerifyError("sizes must satisfy 0 < first <= second")
    if size1 == size2:
        if path or root1 != root2:
            raise VerifyError("equal sizes need an empty proof and equal roots")
        return
    if not path:
        raise VerifyError("empty consistency proof")
    if size1 & (size1 - 1) == 0:
        path = [root1, *path]
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise VerifyError("consistency path too long")
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
    if sn != 0:
        raise VerifyError("consistency path too short")
    if fr != root1 or sr != root2:
        raise VerifyError("consistency path does not lead to both roots")


class CompactRange:
    """Running root of a growing tree: roots of its maximal perfect subtrees, left to right."""

    def __init__(self) -> None:
        self.size = 0
        self.stack: list[bytes] = []

    def append(self, leaf: bytes) -> None:
        s, h = self.size, leaf
        while s & 1:
            h = node_hash(self.stack.pop(), h)
            s >>= 1
        self.stack.append(h)
        self.size += 1

    def root(self) -> bytes:
        if not self.stack:
            return EMPTY_ROOT
        r = self.stack[-1]
        for h in reversed(self.stack[:-1]):
            r = node_hash(h, r)
        return r
