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

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from ledger import tiles, tree
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

# Lookup of an index by leaf hash. Leaf hashes are uniformly random, so an SQL index on them
# (one B-tree insert per entry at a random place) costs more than everything else in an append
# (measured: 24k appends/s at 1M entries with a plain index, ~2x slower than without even when
# partitioned). Instead, one row per (bucket, generation): bucket = first byte of the leaf
# hash >> 2 (64 buckets), generation = idx >> 13 (8,192 entries); ``pairs`` = records of leaf
# hash (32 bytes) || idx (8 bytes, big-endian), one sorted run per append batch. A
# 10,000-entry batch writes ~150 rows; a lookup reads the bucket's rows, one per generation
# (~5 KB each; 123 rows at 1M entries) and scans them with bytes.find.
LEAF_GENERATION_BITS = 13
LEAF_BUCKET_SHIFT = 2  # bucket = first byte of the leaf hash >> 2: 64 buckets
LEAF_BUCKETS = 256 >> LEAF_BUCKET_SHIFT
LEAF_RECORD = HASH_SIZE + 8

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
    rollback. Must be called before :func:`read_state` in an append.
    """
    if not conn.in_transaction():
        raise StorageError("append needs a connection inside a transaction")
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({APPEND_LOCK_KEY})")


_STATE_QUERY = sa.select(state_table.c.size, state_table.c.root, state_table.c.checkpoint).where(
    state_table.c.id == STATE_ID
)


def read_state(conn: sa.Connection) -> State:
    row = conn.execute(_STATE_QUERY).first()
    if row is None:
        return State(0, EMPTY_ROOT, None)
    return State(int(row.size), bytes(row.root), bytes(row.checkpoint))


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
    rows = conn.exec_driver_sql(sql, params)
    return {
        (int(lvl), int(idx)): (bytes(h), None if interior is None else bytes(interior))
        for lvl, idx, h, interior in rows
    }


def read_tiles(conn: sa.Connection, keys: Iterable[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    """Stored tiles by ``(tile_level, tile_index)``; absent keys are simply missing."""
    return {k: v[0] for k, v in read_tiles_with_interior(conn, keys).items()}


def read_edge_bundle(conn: sa.Connection, size: int) -> bytes:
    """The partial entry bundle of a tree of ``size`` (empty when ``size`` is a multiple of 256)."""
    width = size & (tree.TILE_WIDTH - 1)
    if not width:
        return b""
    row = conn.execute(
        sa.select(bundles_table.c.data).where(bundles_table.c.idx == size >> tree.TILE_HEIGHT)
    ).first()
    if row is None:
        raise StorageError(f"entry bundle {size >> tree.TILE_HEIGHT} missing for tree size {size}")
    data = bytes(row.data)
    try:
        if tiles.bundle_prefix(data, width) != data:
            raise StorageError(f"entry bundle {size >> tree.TILE_HEIGHT} holds more than {width} entries")
    except MalformedError as exc:
        raise StorageError(f"entry bundle {size >> tree.TILE_HEIGHT} is damaged: {exc}") from exc
    return data


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
    style = conn.dialect.paramstyle
    if style == "qmark":
        return ", ".join("?" * n)
    if style in ("format", "pyformat"):
        return ", ".join(["%s"] * n)
    if style == "numeric":
        return ", ".join(f":{i + 1}" for i in range(n))
    raise StorageError(f"unsupported DB-API paramstyle {style}")


def write_append(
    conn: sa.Connection,
    *,
    first_index: int,
    entries: Sequence[bytes],
    leaf_hashes: Sequence[bytes],
    integration: tree.Integration,
    old_edge: dict[int, bytes],
    old_bundle: bytes,
    checkpoint: bytes,
    state_exists: bool,
) -> None:
    """Write one append batch: entry bundles, leaf index, new/grown tiles, then the new size,
    root and checkpoint. Bulk writes go straight to the DB-API (no per-row SQLAlchemy work).
    """
    old_size = first_index
    new_bundles = []
    for idx, data in tiles.extend_bundles(old_size, old_bundle, entries):
        if idx == old_size >> tree.TILE_HEIGHT and old_bundle:
            res = conn.execute(sa.update(bundles_table).where(bundles_table.c.idx == idx).values(data=data))
            if res.rowcount != 1:
                raise StorageError(f"partial entry bundle {idx} vanished during append")
        else:
            new_bundles.append((idx, data))
    if new_bundles:
        conn.exec_driver_sql(
            f"INSERT INTO ledger_bundles (idx, data) VALUES ({_placeholders(conn, 2)})", new_bundles
        )
    _index_leaves(conn, old_size, leaf_hashes)
    inserts = []
    for lvl, idx, blob, interior in integration.tiles:
        grown = lvl in old_edge and idx == old_size >> (tree.TILE_HEIGHT * (lvl + 1))
        if grown:
            res = conn.execute(
                sa.update(tiles_table)
                .where(tiles_table.c.level == lvl, tiles_table.c.idx == idx)
                .values(hashes=blob, interior=interior)
            )
            if res.rowcount != 1:
                raise StorageError(f"partial tile {lvl}/{idx} vanished during append")
        else:
            inserts.append((lvl, idx, blob, interior))
    if inserts:
        conn.exec_driver_sql(
            f"INSERT INTO ledger_tiles (level, idx, hashes, interior) VALUES ({_placeholders(conn, 4)})",
            inserts,
        )
    values = {"size": integration.size, "root": integration.root, "checkpoint": checkpoint}
    if not state_exists:
        conn.execute(sa.insert(state_table).values(id=STATE_ID, **values))
    else:
        res = conn.execute(
            sa.update(state_table)
            .where(state_table.c.id == STATE_ID, state_table.c.size == old_size)
            .values(**values)
        )
        if res.rowcount != 1:
            raise StorageError(f"tree size changed under the append lock (expected {old_size})")


def _index_leaves(conn: sa.Connection, first_index: int, leaf_hashes: Sequence[bytes]) -> None:
    """Add ``leaf_hashes`` (indexes from ``first_index``) to the bucketed leaf index.

    Per generation the records are sorted (C sort of 40-byte strings: by leaf hash, then by
    index) and cut into buckets by bisection, so the work per entry is one concatenation.
    """
    if not leaf_hashes:
        return
    bits = LEAF_GENERATION_BITS
    end = first_index + len(leaf_hashes)
    groups: dict[tuple[int, int], bytes] = {}
    start = first_index
    while start < end:
        gen = start >> bits
        stop = min(end, (gen + 1) << bits)
        part = leaf_hashes[start - first_index : stop - first_index]
        recs = [h + i.to_bytes(8, "big") for i, h in zip(range(start, stop), part, strict=True)]
        recs.sort()
        lo = 0
        for bucket in range(LEAF_BUCKETS):
            hi = bisect_left(recs, _BUCKET_BOUNDS[bucket], lo) if bucket < LEAF_BUCKETS - 1 else len(recs)
            if hi > lo:
                groups[(bucket, gen)] = b"".join(recs[lo:hi])
                lo = hi
        start = stop
    existing: dict[int, bytes] = {}
    first_gen = first_index >> bits
    if first_index & ((1 << bits) - 1):  # the first generation already has rows
        li = leaf_index_table.c
        rows = conn.execute(sa.select(li.bucket, li.pairs).where(li.generation == first_gen))
        existing = {int(r.bucket): bytes(r.pairs) for r in rows}
    updates, inserts = [], []
    for (bucket, gen), blob in groups.items():
        if gen == first_gen and bucket in existing:
            updates.append((existing[bucket] + blob, bucket, gen))
        else:
            inserts.append((bucket, gen, blob))
    ph = _placeholders(conn, 3).split(", ")
    if updates:
        conn.exec_driver_sql(
            f"UPDATE ledger_leaf_index SET pairs = {ph[0]} WHERE bucket = {ph[1]} AND generation = {ph[2]}",
            updates,
        )
    if inserts:
        conn.exec_driver_sql(
            f"INSERT INTO ledger_leaf_index (bucket, generation, pairs) VALUES ({', '.join(ph)})", inserts
        )


# Records of bucket b (first byte >> 2 == b) sort below bytes([4 * (b + 1)]).
_BUCKET_BOUNDS = [bytes([(b + 1) << LEAF_BUCKET_SHIFT]) for b in range(LEAF_BUCKETS - 1)]


def read_entries(conn: sa.Connection, start: int, stop: int) -> list[bytes]:
    """Entry bytes for indexes ``[start, stop)`` in order (caller checks the range)."""
    if start >= stop:
        return []
    b = bundles_table.c
    first, last = start >> tree.TILE_HEIGHT, (stop - 1) >> tree.TILE_HEIGHT
    rows = conn.execute(sa.select(b.idx, b.data).where(b.idx >= first, b.idx <= last).order_by(b.idx)).all()
    if [int(r.idx) for r in rows] != list(range(first, last + 1)):
        raise StorageError(f"entry bundles {first}..{last} incomplete in storage")
    out: list[bytes] = []
    for r in rows:
        out.extend(tiles.decode_bundle(bytes(r.data)))
    skip = start - (first << tree.TILE_HEIGHT)
    got = out[skip : skip + stop - start]
    if len(got) != stop - start:
        raise StorageError(f"entries {start}..{stop - 1} incomplete in storage")
    return got


def read_bundles(conn: sa.Connection, first: int, last: int) -> dict[int, bytes]:
    """Stored entry bundles ``first..last`` by index (full or the current partial one)."""
    b = bundles_table.c
    rows = conn.execute(sa.select(b.idx, b.data).where(b.idx >= first, b.idx <= last))
    return {int(r.idx): bytes(r.data) for r in rows}


def find_leaf(conn: sa.Connection, leaf_hash: bytes) -> int | None:
    """Lowest index whose leaf hash is ``leaf_hash``, or None (reads one bucket's rows).

    Generations are read in order, so the first generation with a match holds the lowest
    index; inside a row (sorted runs, one per batch) every aligned match is considered.
    """
    li = leaf_index_table.c
    bucket = leaf_hash[0] >> LEAF_BUCKET_SHIFT
    rows = conn.execute(sa.select(li.pairs).where(li.bucket == bucket).order_by(li.generation))
    for (pairs,) in rows:
        blob = bytes(pairs)
        found = []
        pos = blob.find(leaf_hash)
        while pos != -1:
            if pos % LEAF_RECORD == 0:
                found.append(int.from_bytes(blob[pos + HASH_SIZE : pos + LEAF_RECORD], "big"))
            pos = blob.find(leaf_hash, pos + 1)
        if found:
            return min(found)
    return None
