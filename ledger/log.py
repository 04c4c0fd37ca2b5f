"""The transparency log: append -> integrate -> sign the checkpoint, in the caller's transaction.

Append order (docs/specs/ledger.md §Append), all inside the caller's open transaction:

1. encode (RFC 8785, ``ledger.entries``; ``append`` only) and size-check *every* entry;
   nothing is written if any is refused (``EntryRejected``);
2. take the writer lock (``store.lock_for_append``);
3. from the right edge (the partial tiles and entry bundle): hash the leaves and integrate
   them into the tiles (``tree.integrate``), giving the root (for small batches folded from
   the compact range, without re-hashing the edge), and sign the C2SP checkpoint for
   (origin, new size, root);
4. write the new size + root + checkpoint, then entry bundles, leaf index and tiles.

The right edge is the one this ``Log`` left after its last append while the stored (size,
root) are still what it wrote (``_Edge``): then step 4's first statement, the state update
``WHERE size = … AND root = …``, is also the check, and a single-entry append is three
statements (state, entry row, level-0 tile). Otherwise (another writer appended, a rollback,
a fresh ``Log``) nothing was written, and steps 3–4 run again from the stored state and edge.
After such a miss the ``Log`` reads the state first (one cheap query, no wasted signature)
until it finds its kept edge intact again.

The caller commits: all of it becomes visible at once or, on any exception, none of it.
Reads take a connection too and see the snapshot of its transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from ledger import checkpoint as checkpoints
from ledger import hashing, store, tree
from ledger.bundlecache import PROCESS_BUNDLES, BundleCache
from ledger.entries import canonicalize_many
from ledger.errors import EntryNotFound, EntryRejected, MalformedError, ProofRangeError
from ledger.hashing import HASH_SIZE, NODE_PREFIX
from ledger.tiles import MAX_BUNDLE_ENTRY_SIZE

if TYPE_CHECKING:
    from ledger.note import Signer


@dataclass(frozen=True)
class _Edge:
    """The right edge of the tree as this ``Log`` left it after its last append.

    Reused by the next append only if the stored ``(size, root)``, checked under the writer
    lock, are still these: any other writer's append changes the size, a rolled-back append
    leaves the stored size below this one, and equal roots mean equal trees (SHA-256 collision
    resistance), hence equal edge tiles and bundle, whichever database it is. ``entries`` are
    the entries of the partial entry bundle (None: not read, as they are needed only by the
    append that fills the bundle, which reads them then); ``compact`` is the compact range: the hashes of
    the maximal perfect subtrees of ``[0, size)``, left to right, with their heights (None:
    not computed yet).
    """

    size: int
    root: bytes
    tiles: dict[int, bytes]
    entries: tuple[bytes, ...] | None
    compact: list[tuple[int, bytes]] | None


# Reads of at most this many entries go through the bundle cache (``ledger.bundlecache``): the
# few entries a draw or a proof page wants out of ≈ 1 MB bundles. Longer reads (an audit, the
# site build, a backup walking the log) read the bundles directly and do not flush the cache.
CACHED_READ_MAX = 64

# Batches up to this many entries extend the compact range leaf by leaf (≈ 1 hash per leaf);
# larger ones fold the root from the new edge tiles (≤ 255 hashes per tile level).
_COMPACT_MAX_BATCH = 256


@dataclass(frozen=True)
class AppendResult:
    first_index: int
    size: int
    root: bytes
    checkpoint: bytes


class Log:
    """One RFC 9162 log stored in the ``ledger_*`` tables, checkpoints signed by ``signer``."""

    def __init__(
        self,
        *,
        origin: str,
        signer: Signer,
        max_entry_size: int = 65536,
        bundle_cache: BundleCache | None = PROCESS_BUNDLES,
    ) -> None:
        self.origin = origin
        self.signer = signer
        # Full entry bundles checked against their level-0 tiles, shared by the process's logs
        # (safe across databases: see ledger.bundlecache); None reads every bundle from storage.
        self.bundle_cache = bundle_cache
        # An entry must also fit a tlog-tiles entry bundle's big-endian uint16 length prefix.
        self.max_entry_size = min(max_entry_size, MAX_BUNDLE_ENTRY_SIZE)
        self._edge: _Edge | None = None
        # True after the kept edge was found stale (another writer): appends read the state
        # first, and go back to checking by the state update once the kept edge is intact.
        self._contended = False

    # --- writing -----------------------------------------------------------------------

    def append(self, conn: sa.Connection, entries: Sequence[Mapping[str, Any]]) -> AppendResult:
        """Canonicalize and check all ``entries``, then append them as one batch."""
        return self.append_encoded(conn, canonicalize_many(entries))

    def append_encoded(self, conn: sa.Connection, entries: Sequence[bytes]) -> AppendResult:
        """Append already-encoded entry bytes as one atomic batch.

        The log is agnostic of the encoding: only the type and size of every entry are
        checked (before anything is written). Callers holding JSON use :meth:`append`, or
        ``ledger.entries.check_entry_bytes`` to check bytes from elsewhere.
        """
        limit = self.max_entry_size
        for i, data in enumerate(entries):
            if type(data) is not bytes:
                raise EntryRejected(f"entry {i} of the batch is not bytes")
            if len(data) > limit:
                raise EntryRejected(f"entry {i} of the batch is {len(data)} bytes, over the limit {limit}")
        leaf_hashes = hashing.leaf_hashes(entries)

        store.lock_for_append(conn)
        cached, self._edge = self._edge, None  # set again only once this append is written
        if cached is not None and not self._contended:
            # The cached edge is checked by the statement that writes the new state
            # (``store.swap_state``): if the stored (size, root) are no longer the cache's it
            # changes nothing, and the append starts again from the stored state.
            built = self._integrate(cached.size, cached.tiles, cached.compact, leaf_hashes)
            integration, note, _ = built
            if store.swap_state(
                conn,
                old_size=cached.size,
                old_root=cached.root,
                size=integration.size,
                root=integration.root,
                checkpoint=note,
            ):
                edge, edge_entries = cached.tiles, cached.entries
                return self._write(conn, cached.size, entries, leaf_hashes, built, edge, edge_entries)
            # Another writer appends too (a second API worker): until this Log finds its own
            # edge intact again, it reads the state first rather than sign for nothing.
            self._contended, cached = True, None
        state = store.read_state(conn)
        if cached is not None and cached.size == state.size and cached.root == state.root:
            self._contended = False  # the other writer has stopped: back to the one-statement check
            edge, compact, edge_entries = cached.tiles, cached.compact, cached.entries
        else:
            edge, compact, edge_entries = store.read_edge(conn, state.size), None, None
        built = self._integrate(state.size, edge, compact, leaf_hashes)
        integration, note, _ = built
        store.write_state(
            conn,
            old_size=state.size,
            size=integration.size,
            root=integration.root,
            checkpoint=note,
            state_exists=state.checkpoint is not None,
        )
        return self._write(conn, state.size, entries, leaf_hashes, built, edge, edge_entries)

    def _integrate(
        self,
        size: int,
        edge: dict[int, bytes],
        compact: list[tuple[int, bytes]] | None,
        leaf_hashes: list[bytes],
    ) -> tuple[tree.Integration, bytes, list[tuple[int, bytes]] | None]:
        """The new tiles and root (for small batches folded from the compact range, without
        re-hashing the edge tiles) and the signed checkpoint; nothing written."""
        root = None
        if len(leaf_hashes) <= _COMPACT_MAX_BATCH:
            if compact is None:
                compact = _compact_range(size, edge)
            compact = _extend_compact(compact, leaf_hashes)
            root = tree.fold_range([h for _, h in compact])
        else:
            compact = None
        integration = tree.integrate(size, edge, leaf_hashes, root=root)
        note = checkpoints.sign_checkpoint(self.signer, self.origin, integration.size, integration.root)
        return integration, note, compact

    def _write(
        self,
        conn: sa.Connection,
        size: int,
        entries: Sequence[bytes],
        leaf_hashes: list[bytes],
        built: tuple[tree.Integration, bytes, list[tuple[int, bytes]] | None],
        edge: dict[int, bytes],
        edge_entries: Sequence[bytes] | None,
    ) -> AppendResult:
        """Write entries, index and tiles (the state row is written already); cache the new edge."""
        integration, note, compact = built
        new_entries = store.write_append(
            conn,
            first_index=size,
            entries=entries,
            leaf_hashes=leaf_hashes,
            integration=integration,
            old_edge=edge,
            old_edge_entries=edge_entries,
        )
        self._edge = _Edge(integration.size, integration.root, integration.edge, new_entries, compact)
        return AppendResult(size, integration.size, integration.root, note)

    # --- reading -----------------------------------------------------------------------

    def size(self, conn: sa.Connection) -> int:
        return store.read_state(conn).size

    def root(self, conn: sa.Connection, size: int | None = None) -> bytes:
        """Root of the current tree, or of the tree of an earlier ``size``."""
        state = store.read_state(conn)
        if size is None or size == state.size:
            return state.root
        self._check_size(size, state.size)
        return tree.root(size, store.node_reader(conn, state.size))

    def checkpoint(self, conn: sa.Connection) -> bytes:
        """The latest signed checkpoint note; for an empty log, a fresh one for size 0."""
        state = store.read_state(conn)
        if state.checkpoint is None:
            return checkpoints.sign_checkpoint(self.signer, self.origin, 0, state.root)
        return state.checkpoint

    def entry(self, conn: sa.Connection, index: int) -> bytes:
        size = store.read_state(conn).size
        if not 0 <= index < size:
            raise EntryNotFound(f"no entry at index {index} (tree size {size})")
        return self._read(conn, index, index + 1, size)[0]

    def entries(self, conn: sa.Connection, start: int, stop: int) -> list[bytes]:
        """Entries ``[start, stop)``; the range must lie within the tree."""
        size = store.read_state(conn).size
        if not 0 <= start <= stop <= size:
            raise ProofRangeError(f"entry range {start}..{stop} is not within tree size {size}")
        return self._read(conn, start, stop, size) if start < stop else []

    def _read(self, conn: sa.Connection, start: int, stop: int, size: int) -> list[bytes]:
        if self.bundle_cache is not None and stop - start <= CACHED_READ_MAX:
            return store.read_entries_cached(conn, start, stop, size, self.bundle_cache)
        return store.read_entries(conn, start, stop)

    def index_of_leaf(self, conn: sa.Connection, leaf_hash: bytes) -> int:
        """Lowest index whose RFC 9162 leaf hash is ``leaf_hash``; EntryNotFound if none."""
        if not isinstance(leaf_hash, bytes) or len(leaf_hash) != HASH_SIZE:
            raise MalformedError(f"leaf hash must be {HASH_SIZE} bytes")
        index = store.find_leaf(conn, leaf_hash)
        if index is None:
            raise EntryNotFound(f"no entry with leaf hash {leaf_hash.hex()}")
        return index

    def inclusion_proof(self, conn: sa.Connection, index: int, size: int) -> list[bytes]:
        """RFC 9162 §2.1.3.1 proof that leaf ``index`` is in the tree of ``size``."""
        current = store.read_state(conn).size
        self._check_size(size, current)
        if not 0 <= index < size:
            raise ProofRangeError(f"leaf index {index} is not below tree size {size}")
        return tree.inclusion_proof(index, size, store.node_reader(conn, current))

    def consistency_proof(self, conn: sa.Connection, size1: int, size2: int) -> list[bytes]:
        """RFC 9162 §2.1.4.1 proof that the tree of ``size1`` is a prefix of that of ``size2``."""
        current = store.read_state(conn).size
        self._check_size(size2, current)
        if not 0 < size1 <= size2:
            raise ProofRangeError(f"first size {size1} is not between 1 and second size {size2}")
        return tree.consistency_proof(size1, size2, store.node_reader(conn, current))

    @staticmethod
    def _check_size(size: int, current: int) -> None:
        if not 0 <= size <= current:
            raise ProofRangeError(f"tree size {size} is beyond the log's size {current}")


_NODE_BASE = hashlib.sha256(NODE_PREFIX)


def _compact_range(size: int, edge: Mapping[int, bytes]) -> list[tuple[int, bytes]]:
    """(height, hash) of the maximal perfect subtrees of ``[0, size)``, from the edge tiles."""
    return [(n[0], tree.node_from_tile(n, edge[n[0] // tree.TILE_HEIGHT])) for n in tree.range_nodes(0, size)]


def _extend_compact(
    compact: list[tuple[int, bytes]], leaf_hashes: Sequence[bytes]
) -> list[tuple[int, bytes]]:
    """The compact range after appending ``leaf_hashes``: equal heights merge (RFC 9162 nodes)."""
    out = list(compact)
    copy = _NODE_BASE.copy
    for leaf in leaf_hashes:
        height, node = 0, leaf
        while out and out[-1][0] == height:
            h = copy()
            h.update(out.pop()[1])
            h.update(node)
            height, node = height + 1, h.digest()
        out.append((height, node))
    return out
