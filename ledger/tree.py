"""Pure RFC 9162 §2.1 tree math over stored hashes: roots, inclusion and consistency proofs.

No I/O. Every value the proofs need is the Merkle Tree Hash of a *perfect* subtree, named
``(level, index)``: the ``index``-th subtree of ``2**level`` leaves, covering leaves
``[index << level, (index + 1) << level)``. Level 0 nodes are the leaf hashes. A proof is
built in three steps:

1. the RFC's recursive definitions (§2.1.3.1 ``PATH``, §2.1.4.1 ``SUBPROOF``) are unrolled
   into the list of leaf ranges ``[lo, hi)`` whose MTH makes up the proof, bottom first;
2. each range is split into its maximal perfect subtrees (:func:`range_nodes`), which is
   O(log n) nodes per range, so a whole proof needs O(log n) perfect-subtree hashes;
3. one call to the :class:`HashReader` returns those hashes and each range's MTH is folded
   right to left (:func:`fold_range`).

This is the approach of golang.org/x/mod/sumdb/tlog (``subTreeIndex``/``subTreeHash``).
:func:`integrate` is the append side: from the right edge of the tree (the partial tiles of
height 8, C2SP tlog-tiles) and new leaf hashes it computes the tiles to write and the root.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from ledger.errors import ProofRangeError
from ledger.hashing import EMPTY_ROOT, HASH_SIZE, NODE_PREFIX, node_hash

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT  # 256 hashes in a full tile (C2SP tlog-tiles)
FULL_TILE_BYTES = TILE_WIDTH * HASH_SIZE  # 8,192

Node = tuple[int, int]  # (level, index) of a perfect subtree
Range = tuple[int, int]  # leaf range [lo, hi)


class HashReader(Protocol):
    """Returns the stored hash of every requested perfect subtree, in request order."""

    def __call__(self, nodes: Sequence[Node], /) -> list[bytes]: ...


def split_point(n: int) -> int:
    """RFC 9162 §2.1.1: the largest power of two smaller than ``n`` (``n >= 2``)."""
    return 1 << ((n - 1).bit_length() - 1)


def range_nodes(lo: int, hi: int) -> list[Node]:
    """The maximal perfect subtrees covering leaves ``[lo, hi)``, left to right.

    For the ranges that occur in RFC 9162 trees (``lo`` a multiple of a power of two at
    least ``hi - lo``) the sizes strictly decrease, and folding their hashes right to left
    yields MTH(D[lo:hi]).
    """
    nodes: list[Node] = []
    while lo < hi:
        level = (lo & -lo).bit_length() - 1 if lo else (hi - lo).bit_length()
        while lo + (1 << level) > hi:
            level -= 1
        nodes.append((level, lo >> level))
        lo += 1 << level
    return nodes


def fold_range(hashes: Sequence[bytes]) -> bytes:
    """MTH of a range from the hashes of its :func:`range_nodes`, folded right to left."""
    if not hashes:
        return EMPTY_ROOT
    h = hashes[-1]
    for left in reversed(hashes[:-1]):
        h = node_hash(left, h)
    return h


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """RFC 9162 §2.1.3.1 ``PATH(m, D[n])`` as leaf ranges, bottom first."""
    if not 0 <= index < size:
        raise ProofRangeError(f"leaf index {index} is not below tree size {size}")
    out: list[Range] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = split_point(hi - lo)
        if index - lo < k:
            out.append((lo + k, hi))
            hi = lo + k
        else:
            out.append((lo, lo + k))
            lo += k
    out.reverse()
    return out


def consistency_ranges(size1: int, size2: int) -> list[Range]:
    """RFC 9162 §2.1.4.1 ``PROOF(m, D[n]) = SUBPROOF(m, D[n], true)`` as leaf ranges.

    Defined for ``0 < size1 <= size2``; ``size1 == size2`` gives the empty proof. A proof
    from the empty tree is meaningless and refused (as transparency-dev/merkle).
    """
    if not 0 < size1 <= size2:
        raise ProofRangeError(f"first size {size1} is not between 1 and second size {size2}")
    out: list[Range] = []
    if size1 == size2:
        return out
    lo, hi, m, complete = 0, size2, size1, True
    while m != hi - lo:
        k = split_point(hi - lo)
        if m <= k:
            out.append((lo + k, hi))
            hi = lo + k
        else:
            out.append((lo, lo + k))
            lo += k
            m -= k
            complete = False
    if not complete:
        out.append((lo, hi))
    out.reverse()
    return out


def hashes_for_ranges(ranges: Sequence[Range], read: HashReader) -> list[bytes]:
    """MTH of every range, reading all needed perfect-subtree hashes in one reader call."""
    per_range = [range_nodes(lo, hi) for lo, hi in ranges]
    flat = [node for nodes in per_range for node in nodes]
    hashes = read(flat) if flat else []
    if len(hashes) != len(flat):
        raise ValueError("hash reader returned a wrong number of hashes")
    out, pos = [], 0
    for nodes in per_range:
        out.append(fold_range(hashes[pos : pos + len(nodes)]))
        pos += len(nodes)
    return out


def root(size: int, read: HashReader) -> bytes:
    """MTH(D[size]) (RFC 9162 §2.1.1) from at most log2(size) + 1 stored hashes."""
    if size < 0:
        raise ProofRangeError(f"tree size {size} is negative")
    if size == 0:
        return EMPTY_ROOT
    return hashes_for_ranges([(0, size)], read)[0]


def inclusion_proof(index: int, size: int, read: HashReader) -> list[bytes]:
    """RFC 9162 §2.1.3.1 inclusion proof for leaf ``index`` in the tree of ``size``."""
    return hashes_for_ranges(inclusion_ranges(index, size), read)


def consistency_proof(size1: int, size2: int, read: HashReader) -> list[bytes]:
    """RFC 9162 §2.1.4.1 consistency proof between tree sizes ``size1 <= size2``."""
    return hashes_for_ranges(consistency_ranges(size1, size2), read)


# --- tiles of height 8 (C2SP tlog-tiles) ------------------------------------------------


def perfect_root(blob: bytes) -> bytes:
    """MTH of a perfect subtree given its 2**k bottom hashes concatenated (k >= 0)."""
    sha256, prefix, step = hashlib.sha256, NODE_PREFIX, 2 * HASH_SIZE
    while len(blob) > HASH_SIZE:
        # Sibling pairs are adjacent in the blob: hash 0x01 || left || right straight off it.
        blob = b"".join([sha256(prefix + blob[i : i + step]).digest() for i in range(0, len(blob), step)])
    return blob


def tile_interior(blob: bytes) -> bytes:
    """The 255 interior hashes of a full tile, levels 1 to 8 concatenated (8,160 bytes).

    Level ``k`` (1..8) holds ``256 >> k`` hashes starting at hash ``256 - (512 >> k)``; the
    last hash is the tile's root. Stored beside full tiles so that proofs read hashes
    instead of recomputing up to 255 of them per tile.
    """
    if len(blob) != FULL_TILE_BYTES:
        raise ValueError("only full tiles have stored interior hashes")
    copy, step = _NODE_BASE.copy, 2 * HASH_SIZE
    levels = []
    while len(blob) > HASH_SIZE:
        view = memoryview(blob)
        out = []
        for i in range(0, len(blob), step):
            h = copy()  # the state after 0x01; then left || right straight off the tile
            h.update(view[i : i + step])
            out.append(h.digest())
        blob = b"".join(out)
        levels.append(blob)
    return b"".join(levels)


_NODE_BASE = hashlib.sha256(NODE_PREFIX)


def tile_width(size: int, tile_level: int) -> int:
    """Width of the partial (right edge) tile at ``tile_level`` for a tree of ``size``."""
    return (size >> (TILE_HEIGHT * tile_level)) & (TILE_WIDTH - 1)


def edge_tiles(size: int) -> list[tuple[int, int, int]]:
    """``(tile_level, tile_index, width)`` of every non-empty partial tile of a tree of ``size``."""
    out = []
    level = 0
    while size >> (TILE_HEIGHT * level):
        width = tile_width(size, level)
        if width:
            out.append((level, size >> (TILE_HEIGHT * (level + 1)), width))
        level += 1
    return out


def node_tile(node: Node) -> tuple[int, int, int, int]:
    """Where a perfect subtree's bottom hashes live: ``(tile_level, tile_index, offset, count)``.

    Node ``(h, i)`` with ``h = 8 L + r`` is the MTH of ``2**r`` consecutive hashes of tile
    level ``L`` starting at hash number ``i << r`` of that level.
    """
    level, index = node
    tile_level, r = divmod(level, TILE_HEIGHT)
    first = index << r
    return tile_level, first >> TILE_HEIGHT, first & (TILE_WIDTH - 1), 1 << r


def node_from_tile(node: Node, tile: bytes, interior: bytes | None = None) -> bytes:
    """Hash of ``node`` from the tile that holds its bottom hashes (see :func:`node_tile`).

    With the tile's stored ``interior`` (:func:`tile_interior`) it is a slice; otherwise
    the ``2**r`` bottom hashes are hashed up (at most 127 SHA-256 calls).
    """
    _, _, offset, count = node_tile(node)
    start, end = offset * HASH_SIZE, (offset + count) * HASH_SIZE
    if len(tile) < end:
        raise ValueError(f"tile of {len(tile) // HASH_SIZE} hashes lacks node {node}")
    if count == 1:
        return tile[start:end]
    if interior:
        r = count.bit_length() - 1
        pos = TILE_WIDTH - (2 * TILE_WIDTH >> r) + (offset >> r)
        return interior[pos * HASH_SIZE : (pos + 1) * HASH_SIZE]
    return perfect_root(tile[start:end])


def root_from_edge(size: int, edge: Mapping[int, bytes]) -> bytes:
    """MTH(D[size]) from the partial right-edge tiles alone (``edge[tile_level]`` = bytes).

    Every maximal perfect subtree of ``[0, size)`` at level ``8 L + r`` lies inside the
    partial tile of level ``L`` (its start, ``size`` with bits ``< 8 L + r + 1`` cleared,
    shares the tile index ``size >> (8 L + 8)``), so no full tile is needed.
    """
    if size == 0:
        return EMPTY_ROOT
    return fold_range([node_from_tile(n, edge[n[0] // TILE_HEIGHT]) for n in range_nodes(0, size)])


@dataclass(frozen=True)
class Integration:
    """Result of appending leaf hashes to a tree: tiles to (over)write and the new state."""

    size: int
    root: bytes
    tiles: list[tuple[int, int, bytes, bytes | None]]  # (level, index, hashes, interior if full)
    edge: dict[int, bytes]  # the new partial tiles by tile level (non-empty only)


def integrate(
    size: int, edge: Mapping[int, bytes], leaf_hashes: Sequence[bytes], *, root: bytes | None = None
) -> Integration:
    """Append ``leaf_hashes`` to a tree of ``size`` whose partial tiles are ``edge``.

    ``edge[L]`` must hold the ``tile_width(size, L)`` hashes of the partial tile at tile level
    ``L`` (absent or empty when that width is 0). Interior hashes are computed only for the
    tiles that become full (255 hashes each, straight off the concatenated tile, returned for
    storage), so an append of ``k`` leaves costs about ``2 k`` SHA-256 calls whatever the
    tree size. ``root``, when the caller already knows the new root (``ledger.log`` keeps the
    compact range of the right edge), is taken as it is instead of being folded from the new
    edge tiles.
    """
    for level, _, width in edge_tiles(size):
        if len(edge.get(level, b"")) != width * HASH_SIZE:
            raise ValueError(f"edge tile at level {level} does not hold {width} hashes")
    new_size = size + len(leaf_hashes)
    tiles: list[tuple[int, int, bytes, bytes | None]] = []
    new_edge = {lvl: blob for lvl, blob in edge.items() if blob}
    incoming = b"".join(leaf_hashes)
    level = 0
    while incoming:
        before = size >> (TILE_HEIGHT * level)
        first_tile = before >> TILE_HEIGHT
        buf = new_edge.pop(level, b"") + incoming
        completed = []
        for off in range(0, len(buf), FULL_TILE_BYTES):
            blob = buf[off : off + FULL_TILE_BYTES]
            if len(blob) == FULL_TILE_BYTES:
                interior = tile_interior(blob)
                completed.append(interior[-HASH_SIZE:])
            else:
                interior = None
                new_edge[level] = blob
            tiles.append((level, first_tile + off // FULL_TILE_BYTES, blob, interior))
        incoming = b"".join(completed)
        level += 1
    if root is None:
        root = root_from_edge(new_size, new_edge)
    return Integration(new_size, root, tiles, new_edge)
