"""AUD-1/AUD-2: the signed checkpoint, and the whole tree recomputed from the entry bundles.

Streaming (C2SP tlog-tiles bundles read one at a time; RFC 9162 §2.1.1 hashing folded into a
compact range of at most 64 hashes), so memory does not grow with the log. Pure apart from the
``fetch`` callable the caller supplies (a directory or an http(s) reader).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from ledger import tiles
from ledger.checkpoint import Checkpoint, verify_checkpoint
from ledger.errors import MalformedError, VerificationError
from ledger.hashing import leaf_hash, node_hash
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


def entries(fetch: Fetch, size: int, start: int = 0) -> Iterator[tuple[int, bytes]]:
    """(index, raw entry) for ``start ≤ index < size`` from the bundles (``read_bundle``)."""
    for n in range(start // WIDTH, (size + WIDTH - 1) // WIDTH):
        for i, raw in enumerate(read_bundle(fetch, n, size)):
            if n * WIDTH + i >= start:
                yield n * WIDTH + i, raw


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

    def root(self) -> bytes:
        if not self.stack:
            import hashlib

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
