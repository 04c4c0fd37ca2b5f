"""Prove a new checkpoint consistent with an old one from published tiles (docs/specs/witness.md M3).

Every hash is read from the tiles *of the new tree* (widths ``tile_span(new_size, ...)``), an
RFC 9162 §2.1.4 consistency proof is built from them and verified against both signed roots
(``ledger.verify.verify_consistency``). The proof binds the hashes to both roots, so tiles
cannot be chosen to please the old checkpoint: a forked or rewritten log fails whatever files
the server keeps. The new root is also recomputed from the same tiles, so a directory whose
tiles do not match its own checkpoint is caught too.
"""

from __future__ import annotations

from collections.abc import Sequence

from drawsvc.monitor.source import LogSource, read_required
from ledger import tiles
from ledger.checkpoint import Checkpoint
from ledger.errors import Inconsistent, MalformedError, RootMismatch, VerificationError
from ledger.hashing import HASH_SIZE
from ledger.tree import Node, consistency_proof, node_from_tile, node_tile, root
from ledger.verify import verify_consistency


class TileHashReader:
    """``ledger.tree.HashReader`` over the tiles of a tree of ``size`` published by ``source``."""

    def __init__(self, source: LogSource, size: int) -> None:
        self.source = source
        self.size = size
        self._tiles: dict[tuple[int, int], bytes] = {}

    def _tile(self, level: int, index: int) -> bytes:
        key = (level, index)
        if key not in self._tiles:
            width = tiles.tile_span(self.size, level, index)
            if width == 0:
                raise MalformedError(f"tile {level}/{index} lies beyond tree size {self.size}")
            blob = read_required(self.source, tiles.tile_path(level, index, width))
            if len(blob) != width * HASH_SIZE:
                raise MalformedError(
                    f"{tiles.tile_path(level, index, width)} holds {len(blob)} bytes, not {width * HASH_SIZE}"
                )
            self._tiles[key] = blob
        return self._tiles[key]

    def __call__(self, nodes: Sequence[Node], /) -> list[bytes]:
        out = []
        for node in nodes:
            level, index, _, _ = node_tile(node)
            out.append(node_from_tile(node, self._tile(level, index)))
        return out


def check_consistent(source: LogSource, old: Checkpoint, new: Checkpoint) -> None:
    """Raise ``Inconsistent`` unless ``new`` extends ``old`` (both already signature-verified)."""
    reader = TileHashReader(source, new.size)
    calculated = root(new.size, reader)
    if calculated != new.root:
        raise RootMismatch(new.root, calculated, "published tiles vs. new checkpoint root")
    if new.size < old.size:
        raise Inconsistent(
            f"rollback: the log now publishes size {new.size}, smaller than the size "
            f"{old.size} already seen (root {old.root.hex()})"
        )
    if old.size == 0:
        return  # the empty tree is a prefix of every tree
    if old.size == new.size:
        if old.root != new.root:
            raise Inconsistent(
                f"fork: two checkpoints of size {old.size} with different roots "
                f"({old.root.hex()} seen, {new.root.hex()} now)"
            )
        return
    proof = consistency_proof(old.size, new.size, reader)
    try:
        verify_consistency(old.size, new.size, proof, old.root, new.root)
    except VerificationError:
        raise Inconsistent(
            f"fork: the checkpoint of size {new.size} (root {new.root.hex()}) does not "
            f"extend the one of size {old.size} already seen (root {old.root.hex()})"
        ) from None
