"""AUD-1/AUD-2: the signed checkpoint, and the whole tree recomputed from the entry bundles.

Streaming (C2SP tlog-tiles bundles read one at a time; RFC 9162 §2.1.1 hashing folded into a
compact range of at most 64 hashes), so memory does not grow with the log. Pure apart from the
``fetch`` callable the caller supplies (a directory or an http(s) reader).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator

from ledger import tiles
from ledger.checkpoint import Checkpoint, verify_checkpoint
from ledger.errors import MalformedError, VerificationError
from ledger.hashing import leaf_hash, leaf_hashes, node_hash, root_from_leaf_hashes
from ledger.note import Verifier

Fetch = Callable[[str], bytes]  # relative path → bytes (raises FileNotFoundError when absent)
WIDTH = 256


class TreeMismatch(VerificationError):
    """AUD-2: the entries do not rebuild the signed root."""

    code = "audit-tree-mismatch"


def checkpoint_of(fetch: Fetch, verifier: Verifier, origin: str) -> Checkpoint:
    """AUD-1: signature and origin first (``ledger.checkpoint.verify_checkpoint``)."""
    return verify_checkpoint(fetch(tiles.CHECKPOINT_PATH), verifier, origin=origin)


def read_bundle(fetch: Fetch, n: int, size: int) -> list[bytes]:
    """Bundle ``n`` of a log of ``size`` entries, checking its width exactly (a partial bundle
    ``.p/W`` must hold W entries, no more)."""
    width = min(WIDTH, size - n * WIDTH)
    rel = tiles.entries_path(n, width)
    try:
        data = fetch(rel)
    except FileNotFoundError:
        if width == WIDTH:
            raise MalformedError(f"entry bundle {rel} missing") from None
        data = fetch(tiles.entries_path(n))  # a full bundle published since; use its prefix
        data = tiles.bundle_prefix(data, width)
    bundle = tiles.decode_bundle(data)
    if len(bundle) != width:
        raise TreeMismatch(f"entry bundle {rel} holds {len(bundle)} entries, not {width}")
    return bundle


def bundles(fetch: Fetch, size: int, start: int = 0) -> Iterator[tuple[int, list[bytes]]]:
    """(index of the first, raw entries) per bundle, for ``start ≤ index < size`` (``read_bundle``;
    the first bundle is cut at ``start``)."""
    for n in range(start // WIDTH, (size + WIDTH - 1) // WIDTH):
        bundle = read_bundle(fetch, n, size)
        first = max(start, n * WIDTH)
        yield first, bundle[first - n * WIDTH :]


def entries(fetch: Fetch, size: int, start: int = 0) -> Iterator[tuple[int, bytes]]:
    """(index, raw entry) for ``start ≤ index < size`` from the bundles (``read_bundle``)."""
    for first, raws in bundles(fetch, size, start):
        for i, raw in enumerate(raws):
            yield first + i, raw


class CompactRange:
    """The right-edge hashes of a growing tree: appending is O(log n), memory O(log n)."""

    def __init__(self, size: int = 0, stack: list[bytes] | None = None) -> None:
        self.size = size
        self.stack: list[bytes] = list(stack or [])  # perfect subtree roots, largest first
        if len(self.stack) != bin(size).count("1"):
            raise MalformedError(f"a compact range of size {size} holds {bin(size).count('1')} hashes")

    def append(self, h: bytes) -> None:
        n = self.size
        while n & 1:
            h = node_hash(self.stack.pop(), h)
            n >>= 1
        self.stack.append(h)
        self.size += 1

    def append_subtree(self, h: bytes, height: int) -> None:
        """Append the root ``h`` of a perfect subtree of ``2**height`` leaves; the size must be a
        multiple of ``2**height`` (then the subtree is one node of the RFC 9162 tree, and merging
        from level ``height`` up gives what ``2**height`` single appends give)."""
        width = 1 << height
        if self.size % width:
            raise ValueError(f"a subtree of {width} leaves cannot start at {self.size}")
        n = self.size >> height
        while n & 1:
            h = node_hash(self.stack.pop(), h)
            n >>= 1
        self.stack.append(h)
        self.size += width

    def root(self) -> bytes:
        if not self.stack:
            return hashlib.sha256(b"").digest()
        h = self.stack[-1]
        for left in reversed(self.stack[:-1]):
            h = node_hash(left, h)
        return h


def check_root(cp: Checkpoint, rng: CompactRange) -> None:
    if rng.size != cp.size or rng.root() != cp.root:
        raise TreeMismatch(
            f"the {rng.size} entries rebuild root {rng.root().hex()[:16]}…, "
            f"the checkpoint signs {cp.root.hex()[:16]}… for size {cp.size}"
        )


def hash_entry(rng: CompactRange, raw: bytes) -> None:
    rng.append(leaf_hash(raw))


BUNDLE_HEIGHT = WIDTH.bit_length() - 1  # a full, aligned bundle is a perfect subtree of 2**8 leaves


def hash_bundle(rng: CompactRange, raws: list[bytes]) -> None:
    """``hash_entry`` for each of ``raws``, in order. A full bundle starting on a multiple of
    ``WIDTH`` is one perfect subtree (RFC 9162 §2.1.1 splits at powers of two), folded by
    ``root_from_leaf_hashes`` and appended as one node; the leaf hashes come from
    ``ledger.hashing.leaf_hashes`` (a copied hash state, not a concatenation per entry)."""
    hashes = leaf_hashes(raws)
    if len(hashes) == WIDTH and rng.size % WIDTH == 0:
        rng.append_subtree(root_from_leaf_hashes(hashes), BUNDLE_HEIGHT)
        return
    for h in hashes:
        rng.append(h)
