"""RFC 9162 §2.1.1 Merkle Tree Hash primitives (SHA-256).

    MTH({})       = SHA-256()
    leaf hash     = SHA-256(0x00 || entry)
    interior hash = SHA-256(0x01 || left || right)
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

HASH_SIZE = 32
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(LEAF_PREFIX + entry).digest()


_LEAF_BASE = hashlib.sha256(LEAF_PREFIX)


def leaf_hashes(entries: Iterable[bytes | memoryview]) -> list[bytes]:
    """``leaf_hash`` of each entry, in order: a copy of the hash state after the prefix, fed the
    entry (≈ 30 % faster than concatenating ``0x00 || e`` for 300-byte entries; slices of a
    ``memoryview`` are hashed without being copied out)."""
    copy = _LEAF_BASE.copy
    out = []
    append = out.append
    for data in entries:
        h = copy()
        h.update(data)
        append(h.digest())
    return out


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def root_from_leaf_hashes(hashes: Sequence[bytes]) -> bytes:
    """MTH over already-hashed leaves (RFC 9162 §2.1.1), iteratively, O(n) time.

    Pairs are combined left to right at each level and a lone last node is carried up
    unchanged, which yields exactly the RFC's split at the largest power of two < n.
    """
    if not hashes:
        return EMPTY_ROOT
    sha256, prefix = hashlib.sha256, NODE_PREFIX  # locals: this loop runs n - 1 times
    level = list(hashes)
    while len(level) > 1:
        pairs = zip(level[::2], level[1::2], strict=False)
        nxt = [sha256(prefix + left + right).digest() for left, right in pairs]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]
