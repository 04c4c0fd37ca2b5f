"""Storage of the log in SQL (SQLAlchemy 2 Core): the only module of ``ledger`` that touches a database.

Tables (all prefixed ``ledger_``; see docs/specs/ledger.md §Tables)::

    ledger_bundles(idx PK, data)               C2SP entry bundles of 256 entries (edge grows)
    ledger_leaf_index(bucket, generation, pairs)  leaf hash -> index, bucketed (see below)
    ledger_tiles(level, idx, hashes, interior) C2SP tlog-tiles of height 8: full tiles (8,192
                                               bytes, immutable, + their 255 interior hashes)
                                               and the partial right edge (one row per
                                               level, grown in place)
    ledger_state(id = 1, size, root, checkpoint)  current tree size, root, signed checkpoint

Everything runs in the caller's transaction; nothing here commits. One writer at a time:
SQLite takes its database write lock with ``BEGIN IMMEDIATE`` (``ledger.database``);
PostgreSQL takes a transaction-scoped advisory lock in :func:`lock_for_append` before the
state row is read. The state row's ``size`` is a second line of defence: the final update
requires the size read under the lock, so a forked append would roll back.
"""

from __future__ import annotations

import functools
import sys
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from ledger import hashing, tiles, tree
from ledger.bundlecache import Bundle, BundleCache
from ledger.database import READONLY_OPTION
from ledger.errors import MalformedError, StorageError
from ledger.hashing import EMPTY_ROOT, HASH_SIZE

# SQLite: INTEGER PRIMARY KEY is the rowid (no second index); elsewhere a 64-bit integer.
_Index = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

metadata = sa.MetaData()

bundles_table = sa.Table(
    "ledger_bundles",
    metadata,
    # Entry bundle ``idx`` in the C2SP tlog-tiles format: entries ``[256 idx, 256 idx + 256)``,
    # each as a big-endian uint16 length then its bytes. Full bundles never change; the one
    # partial bundle (the right edge) grows in place.
    sa.Column("idx", _Index, primary_key=True, autoincrement=False),
    sa.Column("data", sa.LargeBinary, nullable=False),
)

# The entries of the partial (right-edge) entry bundle, one row each: an append inserts its
# entries here instead of rewriting the whole growing bundle (up to 256 entries of up to 64 KiB:
# with the service's large chunk entries, megabytes rewritten per append). The append that
# fills the bundle writes it whole to ``ledger_bundles`` and deletes these rows. Readers
# assemble the partial bundle from them (``read_edge_bundle``, ``read_bundles``).
edge_entries_table = sa.Table(
    "ledger_edge_entries",
    metadata,
    sa.Column("idx", _Index, primary_key=True, autoincrement=False),
    sa.Column("data", sa.LargeBinary, nullable=False),
)

# Lookup of an index by leaf hash. Leaf hashes are uniformly random, so an SQL index on them
# (one B-tree insert per entry at a random place) costs more than everything else in an append
# (measured: 24k appends/s at 1M entries with a plain index, ~2x slower than without even when
# partitioned). Instead the index is written once per completed generation of 8,192 entries
# (generation = idx >> 13): one row per (bucket, generation), bucket = first byte of the leaf
# hash >> 2 (64 buckets). ``pairs`` holds the bucket's n leaves of that generation as two
# columns: their leaf hashes' first 8 bytes (8 n bytes, in offset order), then their offsets in
# the generation (2 n bytes, big-endian uint16). The full leaf hashes are the level-0 tiles,
# which confirm every candidate. The entries of the current, incomplete generation are not
# indexed: a lookup scans their level-0 tiles (at most 32 rows of 8 KB). An append that
# completes a generation writes its 64 rows (reading the generation's earlier level-0 tiles);
# any other append writes no index at all.
LEAF_GENERATION_BITS = 13
LEAF_GENERATION = 1 << LEAF_GENERATION_BITS
LEAF_BUCKET_SHIFT = 2  # bucket = first byte of the leaf hash >> 2: 64 buckets
LEAF_BUCKETS = 256 >> LEAF_BUCKET_SHIFT
LEAF_PREFIX_BYTES = 8
LEAF_RECORD = LEAF_PREFIX_BYTES + 2

leaf_index_table = sa.Table(
    "ledger_leaf_index",
    metadata,
    sa.Column("bucket", sa.SmallInteger, primary_key=True, autoincrement=False),
    sa.Column("generation", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("pairs", sa.LargeBinary, nullable=False),
)

tiles_table = sa.Table(
    "ledger_tiles",
    metadata,
    sa.Column("level", sa.SmallInteger, primary_key=True, autoincrement=False),
    sa.Column("idx", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("hashes", sa.LargeBinary, nullable=False),
    # Full tiles only: their 255 interior hashes (``tree.tile_interior``), so proofs read
    # rather than recompute them. NULL for the partial right edge.
    sa.Column("interior", sa.LargeBinary, nullable=True),
)

state_table = sa.Table(
    "ledger_state",
    metadata,
    sa.Column("id", sa.SmallInteger, primary_key=True, autoincrement=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("root", sa.LargeBinary(HASH_SIZE), nullable=False),
    sa.Column("checkpoint", sa.LargeBinary, nullable=False),
    sa.CheckConstraint("id = 1", name="ck_ledger_state_single_row"),
)

STATE_ID = 1
# pg_advisory_xact_lock key of the append lock: int.from_bytes(b"ledger\x00\x01", "big").
APPEND_LOCK_KEY = 0x6C65646765720001


def create_tables(engine: sa.Engine) -> None:
    """Create the ``ledger_*`` tables if absent (Alembic migrations may use ``metadata`` instead)."""
    metadata.create_all(engine)


@dataclass(frozen=True)
class State:
    size: int
    root: bytes
    checkpoint: bytes | None  # None only before the first append


def lock_for_append(conn: sa.Connection) -> None:
    """Become the only appender until the transaction ends.

    SQLite: the transaction already holds the database write lock (``BEGIN IMMEDIATE`` at
    begin, ``ledger.database``). PostgreSQL: ``pg_advisory_xact_lock``, released at commit or
    rollback. Must be called before :func:`read_state` in an append. A connection with the
    ``ledger_readonly`` execution option (``ledger.database``) is refused.
    """
    if not conn.in_transaction():
        raise StorageError("append needs a connection inside a transaction")
    if conn.get_execution_options().get(READONLY_OPTION):
        raise StorageError(
            "append on a read-only connection (ledger_readonly): it would not hold the write lock"
        )
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({APPEND_LOCK_KEY})")


# Plain SQL (no statement compilation per call): read once per append and per API read.
_STATE_SQL = f"SELECT size, root, checkpoint FROM ledger_state WHERE id = {STATE_ID}"


def read_state(conn: sa.Connection) -> State:
    rows = _fetch(conn, _STATE_SQL, ())
    row = rows[0] if rows else None
    if row is None:
        return State(0, EMPTY_ROOT, None)
    size, root, note = row
    return State(int(size), bytes(root), bytes(note))


def read_tiles_with_interior(
    conn: sa.Connection, keys: Iterable[tuple[int, int]]
) -> dict[tuple[int, int], tuple[bytes, bytes | None]]:
    """Stored tiles and their interior hashes by ``(tile_level, tile_index)``; absent keys are missing.

    One statement, written as plain SQL: this is the hot path of every proof.
    """
    keys = sorted(set(keys))
    if not keys:
        return {}
    ph = _placeholders(conn, 2).split(", ")
    where = " OR ".join([f"(level = {ph[0]} AND idx = {ph[1]})"] * len(keys))
    params = tuple(v for key in keys for v in key)
    sql = f"SELECT level, idx, hashes, interior FROM ledger_tiles WHERE {where}"
    rows = _fetch(conn, sql, params)
    return {
        (int(lvl), int(idx)): (bytes(h), None if interior is None else bytes(interior))
        for lvl, idx, h, interior in rows
    }


def read_tiles(conn: sa.Connection, keys: Iterable[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    """Stored tiles by ``(tile_level, tile_index)``; absent keys are simply missing."""
    return {k: v[0] for k, v in read_tiles_with_interior(conn, keys).items()}


def read_edge_entries(conn: sa.Connection, size: int) -> list[bytes]:
    """The entries of the partial entry bundle of a tree of ``size`` (none when ``size`` is a
    multiple of 256), from ``ledger_edge_entries``, which must hold exactly them."""
    width = size & (tree.TILE_WIDTH - 1)
    if not width:
        return []
    first = size - width
    rows = conn.exec_driver_sql(
        f"SELECT idx, data FROM ledger_edge_entries WHERE idx >= {_placeholders(conn, 1)} ORDER BY idx",
        (first,),
    ).all()
    if [int(i) for i, _ in rows] != list(range(first, size)):
        raise StorageError(
            f"partial entry bundle {size >> tree.TILE_HEIGHT}: stored entries do not match tree size {size}"
        )
    return [bytes(d) for _, d in rows]


def read_edge_bundle(conn: sa.Connection, size: int) -> bytes:
    """The partial entry bundle of a tree of ``size`` (empty when ``size`` is a multiple of 256)."""
    return _encode_bundle(read_edge_entries(conn, size))


def _edge_bundles(conn: sa.Connection, first: int, last: int) -> dict[int, bytes]:
    """The partial bundle, if its index is in ``first..last``, from its stored entries."""
    rows = conn.exec_driver_sql(
        f"SELECT idx, data FROM ledger_edge_entries WHERE idx >= {_placeholders(conn, 1)} ORDER BY idx",
        (first << tree.TILE_HEIGHT,),
    ).all()
    if not rows:
        return {}
    idx = int(rows[0][0]) >> tree.TILE_HEIGHT
    if idx > last or int(rows[0][0]) != idx << tree.TILE_HEIGHT:
        return {}
    return {idx: _encode_bundle([bytes(d) for _, d in rows])}


def read_edge(conn: sa.Connection, size: int) -> dict[int, bytes]:
    """The partial right-edge tiles of a tree of ``size``, checked for their expected width."""
    wanted = tree.edge_tiles(size)
    got = read_tiles(conn, [(lvl, idx) for lvl, idx, _ in wanted])
    edge: dict[int, bytes] = {}
    for lvl, idx, width in wanted:
        blob = got.get((lvl, idx))
        if blob is None or len(blob) != width * HASH_SIZE:
            have = None if blob is None else len(blob) // HASH_SIZE
            raise StorageError(f"tile {lvl}/{idx} holds {have} hashes, tree size {size} needs {width}")
        edge[lvl] = blob
    return edge


def node_reader(conn: sa.Connection, size: int) -> tree.HashReader:
    """A :class:`ledger.tree.HashReader` over the stored tiles: one query per proof.

    ``size`` is the current tree size: every perfect subtree of a tree of at most that size
    has all its bottom hashes in the stored (full or current partial) tile.
    """

    def read(nodes: Sequence[tree.Node]) -> list[bytes]:
        where = [tree.node_tile(n) for n in nodes]
        tiles = read_tiles_with_interior(conn, [(lvl, idx) for lvl, idx, _, _ in where])
        out = []
        for node, (lvl, idx, _, _) in zip(nodes, where, strict=True):
            if (node[1] + 1) << node[0] > size:
                raise StorageError(f"node {node} lies beyond tree size {size}")
            got = tiles.get((lvl, idx))
            if got is None:
                raise StorageError(f"tile {lvl}/{idx} missing for node {node}")
            try:
                out.append(tree.node_from_tile(node, *got))
            except ValueError as exc:
                raise StorageError(f"tile {lvl}/{idx} too short for node {node}") from exc
        return out

    return read


def _placeholders(conn: sa.Connection, n: int) -> str:
    return _marks(conn.dialect.paramstyle, n)


@functools.cache
def _marks(style: str, n: int) -> str:
    """``n`` DB-API parameter markers of ``style``, built once (every append asks for them)."""
    if style == "qmark":
        return ", ".join("?" * n)
    if style in ("format", "pyformat"):
        return ", ".join(["%s"] * n)
    if style == "numeric":
        return ", ".join(f":{i + 1}" for i in range(n))
    raise StorageError(f"unsupported DB-API paramstyle {style}")


def _driver(conn: sa.Connection, sql: str, params: object, *, many: bool = False) -> int:
    """Run one statement on the DB-API cursor of ``conn``'s transaction; its rowcount.

    The append's few hot statements skip SQLAlchemy's per-call work (≈ 13 µs each on SQLite,
    a tenth of a single-entry append); DB-API errors are still raised as SQLAlchemy's
    (``OperationalError`` …), as ``exec_driver_sql`` would raise them.
    """
    cursor = conn.connection.cursor()
    try:
        if many:
            cursor.executemany(sql, params)
        else:
            cursor.execute(sql, params)
        return cursor.rowcount
    except conn.dialect.loaded_dbapi.Error as exc:
        raise sa.exc.DBAPIError.instance(
            sql, params, exc, conn.dialect.loaded_dbapi.Error, dialect=conn.dialect, ismulti=many
        ) from exc
    finally:
        cursor.close()


def _fetch(conn: sa.Connection, sql: str, params: tuple) -> list[tuple]:
    """All rows of one query on the DB-API cursor (as :func:`_driver`): the state and tile reads
    of every append and proof."""
    cursor = conn.connection.cursor()
    try:
        cursor.execute(sql, params)
        return cursor.fetchall()
    except conn.dialect.loaded_dbapi.Error as exc:
        raise sa.exc.DBAPIError.instance(
            sql, params, exc, conn.dialect.loaded_dbapi.Error, dialect=conn.dialect
        ) from exc
    finally:
        cursor.close()


def swap_state(
    conn: sa.Connection, *, old_size: int, old_root: bytes, size: int, root: bytes, checkpoint: bytes
) -> bool:
    """Replace the state row's (size, root, checkpoint) if it still holds ``(old_size, old_root)``.

    False (and nothing changed) if it does not: another writer appended, an append of the
    caller's was rolled back, or it is another database. ``ledger.log`` uses it first in an
    append from its cached right edge: one statement both checks the cache and commits the
    new state, instead of a read and a write.
    """
    p = _placeholders(conn, 5).split(", ")
    return (
        _driver(
            conn,
            f"UPDATE ledger_state SET size = {p[0]}, root = {p[1]}, checkpoint = {p[2]} "
            f"WHERE id = {STATE_ID} AND size = {p[3]} AND root = {p[4]}",
            (size, root, checkpoint, old_size, old_root),
        )
        == 1
    )


def write_state(
    conn: sa.Connection, *, old_size: int, size: int, root: bytes, checkpoint: bytes, state_exists: bool
) -> None:
    """Write the new size, root and checkpoint over the state read under the lock (``old_size``)."""
    p = _placeholders(conn, 4).split(", ")
    if not state_exists:
        _driver(
            conn,
            f"INSERT INTO ledger_state (id, size, root, checkpoint) VALUES ({', '.join(p)})",
            (STATE_ID, size, root, checkpoint),
        )
    elif (
        _driver(
            conn,
            f"UPDATE ledger_state SET size = {p[0]}, root = {p[1]}, checkpoint = {p[2]} "
            f"WHERE id = {STATE_ID} AND size = {p[3]}",
            (size, root, checkpoint, old_size),
        )
        != 1
    ):
        raise StorageError(f"tree size changed under the append lock (expected {old_size})")


def write_append(
    conn: sa.Connection,
    *,
    first_index: int,
    entries: Sequence[bytes],
    leaf_hashes: Sequence[bytes],
    integration: tree.Integration,
    old_edge: dict[int, bytes],
    old_edge_entries: Sequence[bytes] | None,
) -> tuple[bytes, ...] | None:
    """Write one append batch's entries, leaf index and new/grown tiles (not the state row:
    :func:`write_state` or :func:`swap_state`, in the same transaction).

    ``entries`` must already be checked (bytes of at most 65,535 bytes: ``Log``);
    ``old_edge_entries`` are the entries of the partial entry bundle before the append, or
    None: then they are read (:func:`read_edge_entries`) only if this append fills the bundle,
    the only case that needs them. Returns the entries of the new partial bundle (empty when
    the new size is a multiple of 256; None if the old ones were not known and not read). A
    single-entry append is two statements: one edge-entry row, one grown level-0 tile (more
    only when tiles or the bundle fill up).
    """
    old_size = first_index
    ph2, ph4 = _placeholders(conn, 2), _placeholders(conn, 4)
    p = ph4.split(", ")
    width = tree.TILE_WIDTH
    room = width - (old_size & (width - 1))
    edge_entries: tuple[bytes, ...] | None
    if len(entries) >= room:  # the partial bundle fills: every full bundle is written whole
        if old_edge_entries is None:
            old_edge_entries = read_edge_entries(conn, old_size)
        written = _extend_bundles(old_size, _encode_bundle(old_edge_entries), entries)
        full = [(idx, data) for idx, data in written if (idx + 1) << tree.TILE_HEIGHT <= integration.size]
        _driver(conn, f"INSERT INTO ledger_bundles (idx, data) VALUES ({ph2})", full, many=True)
        if old_size & (width - 1):  # the old partial bundle is now full: its entry rows go
            _driver(conn, f"DELETE FROM ledger_edge_entries WHERE idx >= {p[0]}", (old_size & ~(width - 1),))
        edge_first = integration.size & ~(width - 1)
        edge_entries = tuple(entries[edge_first - old_size :])
    else:
        edge_first = old_size
        edge_entries = None if old_edge_entries is None else (*old_edge_entries, *entries)
    new_edge = list(zip(range(edge_first, integration.size), entries[edge_first - old_size :], strict=True))
    if new_edge:
        _driver(conn, f"INSERT INTO ledger_edge_entries (idx, data) VALUES ({ph2})", new_edge, many=True)
    _index_generations(conn, old_size, integration.size, old_edge.get(0, b""), leaf_hashes)
    updates, inserts = [], []
    for lvl, idx, blob, interior in integration.tiles:
        if lvl in old_edge and idx == old_size >> (tree.TILE_HEIGHT * (lvl + 1)):  # grown edge tile
            updates.append((blob, interior, lvl, idx))
        else:
            inserts.append((lvl, idx, blob, interior))
    if updates:
        changed = _driver(
            conn,
            f"UPDATE ledger_tiles SET hashes = {p[0]}, interior = {p[1]} "
            f"WHERE level = {p[2]} AND idx = {p[3]}",
            updates,
            many=True,
        )
        if changed != len(updates):
            raise StorageError(f"{len(updates) - changed} partial tile(s) vanished during append")
    if inserts:
        sql = f"INSERT INTO ledger_tiles (level, idx, hashes, interior) VALUES ({ph4})"
        _driver(conn, sql, inserts, many=True)
    return edge_entries


# Big-endian uint16 length prefixes of entry bundles, for the common entry sizes.
_LENGTH_PREFIX = [n.to_bytes(2, "big") for n in range(4096)]


def _encode_bundle(entries: Sequence[bytes]) -> bytes:
    """``tiles.encode_bundle`` for entries already checked to be at most 65,535 bytes."""
    prefixes = _LENGTH_PREFIX
    parts: list[bytes] = []
    append = parts.append
    for e in entries:
        n = len(e)
        append(prefixes[n] if n < 4096 else n.to_bytes(2, "big"))
        append(e)
    return b"".join(parts)


def _extend_bundles(size: int, edge: bytes, entries: Sequence[bytes]) -> list[tuple[int, bytes]]:
    """``tiles.extend_bundles`` over :func:`_encode_bundle` (same bundles, same bytes)."""
    width = tree.TILE_WIDTH
    first = size >> tree.TILE_HEIGHT
    room = width - (size & (width - 1))
    out = []
    if entries[:room]:
        out.append((first, edge + _encode_bundle(entries[:room])))
    for k, i in enumerate(range(room, len(entries), width), start=1):
        out.append((first + k, _encode_bundle(entries[i : i + width])))
    return out


# Leaf-hash first byte -> its bucket, for ``bytes.translate``.
_BUCKET_OF = bytes(b >> LEAF_BUCKET_SHIFT for b in range(256))
_LITTLE_ENDIAN = sys.byteorder == "little"


def _index_generations(
    conn: sa.Connection, old_size: int, new_size: int, old_edge0: bytes, leaf_hashes: Sequence[bytes]
) -> None:
    """Write the leaf-index rows of every generation completed by growing ``old_size`` to ``new_size``.

    A generation's leaf hashes before ``old_size`` are its stored full level-0 tiles and the old
    level-0 edge ``old_edge0``; the rest are ``leaf_hashes``. Per generation: the bucket of every
    leaf (one ``translate`` of the first bytes), a stable sort of the offsets by bucket, then
    per bucket the 8-byte prefixes (copied as native uint64, i.e. byte for byte) and the
    big-endian uint16 offsets, as arrays.
    """
    bits = LEAF_GENERATION_BITS
    first_gen, end_gen = old_size >> bits, new_size >> bits
    if first_gen == end_gen:
        return
    start = first_gen << bits
    tile_first, tile_stop = start >> tree.TILE_HEIGHT, old_size >> tree.TILE_HEIGHT
    before = b""
    if tile_first < tile_stop:
        t = tiles_table.c
        rows = conn.execute(
            sa.select(t.idx, t.hashes)
            .where(t.level == 0, t.idx >= tile_first, t.idx < tile_stop)
            .order_by(t.idx)
        ).all()
        if [int(r.idx) for r in rows] != list(range(tile_first, tile_stop)) or any(
            len(r.hashes) != tree.FULL_TILE_BYTES for r in rows
        ):
            raise StorageError(f"level-0 tiles {tile_first}..{tile_stop - 1} incomplete in storage")
        before = b"".join([bytes(r.hashes) for r in rows])
    blob = before + old_edge0 + b"".join(leaf_hashes[: (end_gen << bits) - old_size])
    gen_bytes = LEAF_GENERATION * HASH_SIZE
    rows_out = []
    for gen in range(first_gen, end_gen):
        part = blob[(gen - first_gen) * gen_bytes : (gen - first_gen + 1) * gen_bytes]
        keys = part[::HASH_SIZE].translate(_BUCKET_OF)
        order = sorted(range(LEAF_GENERATION), key=list(keys).__getitem__)  # stable: offsets ascend
        firsts = memoryview(part).cast("Q")[:: HASH_SIZE // 8].tolist()
        prefixes = array("Q", [firsts[k] for k in order]).tobytes()
        offsets = array("H", order)
        if _LITTLE_ENDIAN:
            offsets.byteswap()
        offset_bytes = offsets.tobytes()
        lo = 0
        for bucket in range(LEAF_BUCKETS):
            hi = lo + keys.count(bucket)
            if hi > lo:
                rows_out.append((bucket, gen, prefixes[8 * lo : 8 * hi] + offset_bytes[2 * lo : 2 * hi]))
                lo = hi
    conn.exec_driver_sql(
        f"INSERT INTO ledger_leaf_index (bucket, generation, pairs) VALUES ({_placeholders(conn, 3)})",
        rows_out,
    )


def read_entries(conn: sa.Connection, start: int, stop: int) -> list[bytes]:
    """Entry bytes for indexes ``[start, stop)`` in order (caller checks the range).

    Every stored bundle is full (the partial one's entries are rows of their own): each is
    checked whole (``tiles.bundle_offsets``) but only the entries asked for are copied out.
    """
    if start >= stop:
        return []
    b = bundles_table.c
    first, last = start >> tree.TILE_HEIGHT, (stop - 1) >> tree.TILE_HEIGHT
    rows = conn.execute(sa.select(b.idx, b.data).where(b.idx >= first, b.idx <= last).order_by(b.idx)).all()
    found = [int(r.idx) for r in rows]
    out: list[bytes] = []
    for r in rows:
        out.extend(_cut(int(r.idx), _full_bundle(int(r.idx), bytes(r.data)), start, stop))
    if found != list(range(first, last + 1)):
        # The last one may be the partial bundle: its entries are rows of their own.
        if found != list(range(first, last)):
            raise StorageError(f"entry bundles {first}..{last} incomplete in storage")
        out.extend(_edge_range(conn, max(start, last << tree.TILE_HEIGHT), stop))
    if len(out) != stop - start:
        raise StorageError(f"entries {start}..{stop - 1} incomplete in storage")
    return out


def read_entries_cached(
    conn: sa.Connection, start: int, stop: int, size: int, cache: BundleCache
) -> list[bytes]:
    """:func:`read_entries` for a tree of ``size`` (``0 <= start <= stop <= size``, checked by
    the caller), full bundles served from ``cache`` when the snapshot's level-0 tile is the one
    a cached bundle was checked against (``ledger.bundlecache``).

    One statement for the level-0 tiles of the full bundles in the range; one more for the
    bundles missing from the cache, each checked entry by entry against its tile (RFC 9162
    leaf hashes) before it is served or kept; the partial bundle's rows as in
    :func:`read_entries` (never cached). A bundle that does not match its tile raises
    ``StorageError``: the store is corrupt (or was edited), and nothing of it is cached.
    """
    if start >= stop:
        return []
    first, last = start >> tree.TILE_HEIGHT, (stop - 1) >> tree.TILE_HEIGHT
    full_last = min(last, (size >> tree.TILE_HEIGHT) - 1)  # bundles below size >> 8 are full
    out: list[bytes] = []
    if first <= full_last:
        t = tiles_table.c
        got = {
            int(idx): bytes(hashes)
            for idx, hashes in conn.execute(
                sa.select(t.idx, t.hashes).where(t.level == 0, t.idx >= first, t.idx <= full_last)
            )
        }
        held: dict[int, Bundle] = {}
        for idx in range(first, full_last + 1):
            tile = got.get(idx)
            if tile is None or len(tile) != tree.FULL_TILE_BYTES:
                raise StorageError(f"level-0 tile {idx} missing or partial for full entry bundle {idx}")
            hit = cache.get(idx, tile)
            if hit is not None:
                held[idx] = hit
        missing = [idx for idx in range(first, full_last + 1) if idx not in held]
        if missing:
            b = bundles_table.c
            rows = conn.execute(sa.select(b.idx, b.data).where(b.idx.in_(missing))).all()
            for r in rows:
                idx = int(r.idx)
                bundle = _full_bundle(idx, bytes(r.data))
                _check_leaves(idx, bundle, got[idx])
                cache.put(idx, got[idx], bundle)
                held[idx] = bundle
            if len(rows) != len(missing):
                raise StorageError(f"entry bundles {first}..{full_last} incomplete in storage")
        for idx in range(first, full_last + 1):
            out.extend(_cut(idx, held[idx], start, stop))
    if last > full_last:
        out.extend(_edge_range(conn, max(start, last << tree.TILE_HEIGHT), stop))
    if len(out) != stop - start:
        raise StorageError(f"entries {start}..{stop - 1} incomplete in storage")
    return out


def _full_bundle(idx: int, data: bytes) -> Bundle:
    """A stored (full) bundle with its entry offsets; ``StorageError`` if it is not 256 entries."""
    try:
        return Bundle(data, tuple(tiles.bundle_offsets(data, tree.TILE_WIDTH)))
    except MalformedError as exc:
        raise StorageError(f"entry bundle {idx} in storage: {exc}") from None


def _check_leaves(idx: int, bundle: Bundle, tile: bytes) -> None:
    """Every entry's RFC 9162 leaf hash is the one the level-0 tile ``idx`` holds at its place."""
    offsets, view = bundle.offsets, memoryview(bundle.data)
    hashes = hashing.leaf_hashes(view[offsets[i] + 2 : offsets[i + 1]] for i in range(tree.TILE_WIDTH))
    for i, h in enumerate(hashes):
        if h != tile[i * HASH_SIZE : (i + 1) * HASH_SIZE]:
            index = (idx << tree.TILE_HEIGHT) + i
            raise StorageError(f"entry {index} in storage does not match its leaf hash in tile 0/{idx}")


def _cut(idx: int, bundle: Bundle, start: int, stop: int) -> list[bytes]:
    """The entries of full bundle ``idx`` that lie in ``[start, stop)``."""
    base = idx << tree.TILE_HEIGHT
    lo, hi = max(start, base) - base, min(stop, base + tree.TILE_WIDTH) - base
    return bundle.entries(lo, hi) if lo < hi else []


def _edge_range(conn: sa.Connection, lo: int, stop: int) -> list[bytes]:
    """Entries ``[lo, stop)`` of the partial bundle, from their rows; all of them or ``StorageError``."""
    ph = _placeholders(conn, 1)
    edge = conn.exec_driver_sql(
        f"SELECT idx, data FROM ledger_edge_entries WHERE idx >= {ph} AND idx < {ph} ORDER BY idx",
        (lo, stop),
    ).all()
    if [int(i) for i, _ in edge] != list(range(lo, stop)):
        raise StorageError(f"entries {lo}..{stop - 1} incomplete in storage")
    return [bytes(d) for _, d in edge]


def read_bundles(conn: sa.Connection, first: int, last: int) -> dict[int, bytes]:
    """Stored entry bundles ``first..last`` by index (full or the current partial one)."""
    b = bundles_table.c
    rows = conn.execute(sa.select(b.idx, b.data).where(b.idx >= first, b.idx <= last))
    out = {int(r.idx): bytes(r.data) for r in rows}
    if len(out) < last - first + 1:
        out.update({k: v for k, v in _edge_bundles(conn, first, last).items() if k not in out})
    return out


def find_leaf(conn: sa.Connection, leaf_hash: bytes) -> int | None:
    """Lowest index whose leaf hash is ``leaf_hash``, or None.

    Completed generations: the bucket's rows, in generation order; every aligned occurrence
    of the 8-byte prefix is a candidate, confirmed against its level-0 tile (the first
    confirmed one, in index order, is the answer). Then the current generation: a scan of
    its level-0 tiles (at most 32 rows). All reads in the caller's transaction, one snapshot.
    """
    size = read_state(conn).size
    bits = LEAF_GENERATION_BITS
    indexed = size >> bits
    prefix = leaf_hash[:LEAF_PREFIX_BYTES]
    li = leaf_index_table.c
    candidates: list[int] = []
    if indexed:
        rows = conn.execute(
            sa.select(li.generation, li.pairs)
            .where(li.bucket == leaf_hash[0] >> LEAF_BUCKET_SHIFT, li.generation < indexed)
            .order_by(li.generation)
        )
        for gen, pairs in rows:
            blob = bytes(pairs)
            n = len(blob) // LEAF_RECORD
            found = []
            pos = blob.find(prefix, 0, 8 * n)
            while pos != -1:
                if pos % LEAF_PREFIX_BYTES == 0:
                    at = 8 * n + 2 * (pos // LEAF_PREFIX_BYTES)
                    found.append((int(gen) << bits) + int.from_bytes(blob[at : at + 2], "big"))
                pos = blob.find(prefix, pos + 1, 8 * n)
            candidates.extend(sorted(found))
    tiles_seen: dict[int, bytes] = {}
    for idx in candidates:
        tile_idx = idx >> tree.TILE_HEIGHT
        if tile_idx not in tiles_seen:
            got = read_tiles(conn, [(0, tile_idx)]).get((0, tile_idx))
            if got is None or len(got) != tree.FULL_TILE_BYTES:
                raise StorageError(f"level-0 tile {tile_idx} missing for an indexed leaf")
            tiles_seen[tile_idx] = got
        off = (idx & (tree.TILE_WIDTH - 1)) * HASH_SIZE
        if tiles_seen[tile_idx][off : off + HASH_SIZE] == leaf_hash:
            return idx
    start = indexed << bits
    if start >= size:
        return None
    t = tiles_table.c
    first_tile = start >> tree.TILE_HEIGHT
    rows = conn.execute(
        sa.select(t.idx, t.hashes)
        .where(t.level == 0, t.idx >= first_tile, t.idx <= (size - 1) >> tree.TILE_HEIGHT)
        .order_by(t.idx)
    )
    for tile_idx, hashes in rows:
        blob = bytes(hashes)
        base = int(tile_idx) << tree.TILE_HEIGHT
        pos = blob.find(leaf_hash)
        while pos != -1:
            if pos % HASH_SIZE == 0 and base + pos // HASH_SIZE < size:
                return base + pos // HASH_SIZE
            pos = blob.find(leaf_hash, pos + 1)
    return None
