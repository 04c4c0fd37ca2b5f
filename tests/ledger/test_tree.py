"""ledger.tree (pure proof construction and tile integration) against the recursive RFC reference."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger import tree
from ledger.errors import ProofRangeError
from ledger.hashing import EMPTY_ROOT, leaf_hash, leaf_hashes, root_from_leaf_hashes

sys.path.insert(0, str(Path(__file__).parent))
import merkle_reference as ref

LEAVES = [leaf_hash(i.to_bytes(4, "big")) for i in range(1200)]


class CountingReader:
    """A HashReader over in-memory leaves that counts what a proof asks for."""

    def __init__(self, leaves: list[bytes]) -> None:
        self.leaves = leaves
        self.calls = 0
        self.nodes = 0

    def __call__(self, nodes):
        self.calls += 1
        self.nodes += len(nodes)
        return [ref.mth(self.leaves[i << lvl : (i + 1) << lvl]) for lvl, i in nodes]


@given(st.integers(0, 600))
def test_root_equals_reference(n: int) -> None:
    assert tree.root(n, CountingReader(LEAVES)) == ref.mth(LEAVES[:n])


@settings(max_examples=300)
@given(st.data())
def test_proofs_equal_reference_with_log_reads(data: st.DataObject) -> None:
    n = data.draw(st.integers(1, 1200))
    m = data.draw(st.integers(0, n - 1))
    read = CountingReader(LEAVES)
    assert tree.inclusion_proof(m, n, read) == ref.inclusion_path(m, LEAVES[:n])
    size1 = m + 1
    assert tree.consistency_proof(size1, n, read) == ref.consistency_proof(size1, LEAVES[:n])
    # O(log n) stored hashes, one reader call per proof.
    assert read.calls <= 2
    assert read.nodes <= 4 * (n.bit_length() + 1) ** 2


def test_proof_reads_are_logarithmic_at_large_sizes() -> None:
    """Counting node requests only (no hashing) for a tree of 2**40 + 12345 leaves."""
    asked: list[int] = []

    def read(nodes):
        asked.append(len(nodes))
        return [bytes(32)] * len(nodes)

    n = (1 << 40) + 12345
    tree.inclusion_proof(n // 3, n, read)
    tree.consistency_proof(n // 2 + 1, n, read)
    assert len(asked) == 2 and max(asked) <= 3 * 41


@given(st.integers(0, 5000), st.integers(0, 5000))
def test_range_nodes_cover_the_range_with_perfect_subtrees(lo: int, width: int) -> None:
    hi = lo + width
    nodes = tree.range_nodes(lo, hi)
    pos = lo
    for level, index in nodes:
        assert index << level == pos
        pos += 1 << level
    assert pos == hi


def test_out_of_range_proofs_are_refused() -> None:
    read = CountingReader(LEAVES)
    for args in [(5, 5), (-1, 5), (0, 0)]:
        with pytest.raises(ProofRangeError):
            tree.inclusion_proof(*args, read)
    for args in [(6, 5), (0, 5), (-1, 5)]:
        with pytest.raises(ProofRangeError):
            tree.consistency_proof(*args, read)
    assert read.calls == 0


def test_empty_tree_root() -> None:
    assert tree.root(0, CountingReader([])) == EMPTY_ROOT


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 700), min_size=1, max_size=6))
def test_integrate_in_batches_equals_one_pass(batches: list[int]) -> None:
    """Appending in any batch split gives the reference root and tiles equal to a full recompute."""
    size, edge, stored = 0, {}, {}
    leaves = []
    for b in batches:
        new = [leaf_hash(f"{len(leaves) + i}".encode()) for i in range(b)]
        got = tree.integrate(size, edge, new)
        leaves += new
        size, edge = got.size, got.edge
        assert got.root == root_from_leaf_hashes(leaves)
        for lvl, idx, blob, interior in got.tiles:
            stored[(lvl, idx)] = blob
            assert (interior is not None) == (len(blob) == 8192)
            if interior is not None:
                for r in range(1, 8):  # every stored interior node is the MTH of its leaves
                    for j in range(0, 256 >> r, 37):
                        node = (8 * lvl + r, (idx * 256 >> r) + j)
                        assert tree.node_from_tile(node, blob, interior) == tree.node_from_tile(node, blob)
    # Every stored level-0 tile is the leaf hashes; level-1 tiles are roots of full level-0 tiles.
    for (lvl, idx), blob in stored.items():
        if lvl == 0:
            assert blob == b"".join(leaves[idx * 256 : idx * 256 + len(blob) // 32])
        else:
            assert lvl == 1
            for j in range(len(blob) // 32):
                start = (idx * 256 + j) * 256
                assert blob[j * 32 : j * 32 + 32] == root_from_leaf_hashes(leaves[start : start + 256])


def test_integrate_refuses_an_edge_of_the_wrong_width() -> None:
    with pytest.raises(ValueError):
        tree.integrate(3, {0: bytes(64)}, [bytes(32)])


def test_tile_math_examples() -> None:
    # tlog-tiles §Partial Tiles: size 70,000 -> level-0 partial of 112, level-1 partial of 17,
    # level-2 partial of 1.
    assert tree.edge_tiles(70_000) == [(0, 273, 112), (1, 1, 17), (2, 0, 1)]
    assert tree.edge_tiles(256) == [(1, 0, 1)]
    assert tree.node_tile((11, 5)) == (1, 0, 40, 8)


@given(st.lists(st.binary(max_size=300), max_size=20))
def test_leaf_hashes_are_each_entrys_leaf_hash_from_bytes_or_memoryview_slices(entries: list[bytes]) -> None:
    assert leaf_hashes(entries) == [leaf_hash(e) for e in entries]
    joined = memoryview(b"".join(entries))
    ends = [sum(len(e) for e in entries[: i + 1]) for i in range(len(entries))]
    slices = [joined[end - len(e) : end] for e, end in zip(entries, ends, strict=True)]
    assert leaf_hashes(slices) == [leaf_hash(e) for e in entries]
