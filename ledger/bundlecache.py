"""A small bounded LRU of full entry bundles, checked against the level-0 tiles (no I/O).

Why: a draw on a committed task reads its commitment and the pool chunks it cites, 3–4 entries
of one or two bundles, and a bundle of the service's log is ≈ 1 MB (its target chunks are
≈ 20 KB each). Fetching, detoasting and cutting up the whole bundle for every such read was
most of that read's cost on PostgreSQL (docs/performance.md, "Committed draws").

What may be cached: only *full* bundles (256 entries), which no append changes. The partial
bundle at the right edge grows and is never cached (``store`` reads it from its own rows).

Why it is safe (docs/specs/ledger.md §2 rule 10, §8 "Reading entries"): a bundle is stored
only after every one of its 256 entries was hashed (RFC 9162 leaf hash) and compared with the
level-0 tile read in the same snapshot, and it is keyed by that tile's bytes. A reader gets a
cached bundle only when the tile *its* snapshot holds for that index is byte-identical, i.e.
the same 256 leaf hashes, hence (SHA-256) the same entries. So a second database in the same
process, a rolled-back append that had filled a bundle, or a restored backup can never be
served another log's bytes: their tiles differ, and the key misses.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

# Bounds of the process-wide cache: a few draws' worth of the service's ≈ 1 MB bundles.
DEFAULT_MAX_BYTES = 32 << 20
DEFAULT_MAX_BUNDLES = 64


@dataclass(frozen=True)
class Bundle:
    """One full bundle's bytes and where its entries start (``tiles.bundle_offsets``)."""

    data: bytes
    offsets: tuple[int, ...]

    def entries(self, lo: int, hi: int) -> list[bytes]:
        """Entries ``lo … hi - 1`` of the bundle (offsets within it), each copied out alone."""
        data, offsets = self.data, self.offsets
        return [data[offsets[i] + 2 : offsets[i + 1]] for i in range(lo, hi)]


class BundleCache:
    """LRU of full bundles keyed by ``(bundle index, level-0 tile bytes)``, bounded in bytes and
    in count. Thread-safe: API workers serve requests in threads. Callers (``store``) put only
    bundles they have checked against the tile of the key."""

    def __init__(self, *, max_bytes: int = DEFAULT_MAX_BYTES, max_bundles: int = DEFAULT_MAX_BUNDLES) -> None:
        self.max_bytes = max_bytes
        self.max_bundles = max_bundles
        self._items: OrderedDict[tuple[int, bytes], Bundle] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, index: int, tile: bytes) -> Bundle | None:
        key = (index, tile)
        with self._lock:
            got = self._items.get(key)
            if got is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return got

    def put(self, index: int, tile: bytes, bundle: Bundle) -> None:
        """Keep ``bundle`` (checked against ``tile`` by the caller); the oldest go first. A bundle
        larger than the whole cache is not kept."""
        size = len(bundle.data)
        if size > self.max_bytes or self.max_bundles < 1:
            return
        key = (index, tile)
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= len(old.data)
            while self._items and (
                self._bytes + size > self.max_bytes or len(self._items) >= self.max_bundles
            ):
                _, evicted = self._items.popitem(last=False)
                self._bytes -= len(evicted.data)
            self._items[key] = bundle
            self._bytes += size

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    @property
    def bytes(self) -> int:
        with self._lock:
            return self._bytes


# The cache a ``Log`` uses unless given another (``Log(bundle_cache=None)``: none). One per
# process, shared by every ``Log`` and database in it: the key makes sharing safe (see above).
PROCESS_BUNDLES = BundleCache()
