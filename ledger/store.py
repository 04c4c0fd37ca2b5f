"""Storage of the log in SQL (SQLAlchemy 2 Core): the only module of ``ledger`` that touches a database.

Tables (all prefixed ``ledger_``; see docs/specs/ledger.md §Tables)::

    ledger_entries(idx PK, data, leaf_hash)   one row per entry; leaf_hash indexed
    ledger_tiles(level, idx, hashes, interior) C2SP tlog-tiles of height 8: full tiles (8,192
                                               bytes, immutable, + their 255 interior hashes)
                                               and the partial right edge (one row per
                                               level, grown in place)
    ledger_state(id = 1, size, root, checkpoint)  current tree size, root, signed checkpoint

Everything runs in the caller's transaction; nothing here commits. One writer at a time:
SQLite takes its database write lock with ``BEGIN IMMEDIATE`` (``ledger.database``);
PostgreSQL takes a transaction-scoped advisory lock in :func:`lock_for_append` before the
state row is read. The ``idx`` primary key is a second line of defence: a forked index
would be a duplicate key, and the whole batch would roll back.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from ledger import tree
from ledger.errors import StorageError
from ledger.hashing import EMPTY_ROOT, HASH_SIZE

# SQLite: INTEGER PRIMARY KEY is the rowid (no second index); elsewhere a 64-bit integer.
_Index = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

metadata = sa.MetaData()

entries_table = sa.Table(
    "ledger_entries",
    metadata,
    sa.Column("idx", _Index, primary_key=True, autoincrement=False),
    sa.Column("data", sa.LargeBinary, nullable=False),
    sa.Column("leaf_hash", sa.LargeBinary(HASH_SIZE), nullable=False),
)

# The leaf-hash index is partitioned by generation, ``idx >> 16`` (65,536 entries): leaf hashes
# are random, so a plain index on them makes every batch dirty pages all over the index (at
# 1M entries, ~25 MB written per 10,000-entry commit; 24k appends/s measured). Keyed on
# (generation, leaf_hash), a batch only touches the newest generation's pages; a lookup
# probes each generation (O(n / 65536 * log n)). See docs/specs/ledger.md §Tables.
LEAF_GENERATION_BITS = 16
_generation = entries_table.c.idx.op(">>")(sa.literal_column(str(LEAF_GENERATION_BITS)))
sa.Index("ix_ledger_entries_generation_leaf_hash", _generation, entries_table.c.leaf_hash)

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
    checkpoint: bytes,
    state_exists: bool,
) -> None:
    """Write one append batch: entries, new/grown tiles, then the new size, root and checkpoint.

    Bulk inserts go straight to the DB-API ``executemany`` (no per-row SQLAlchemy work).
    """
    old_size = first_index
    if entries:
        conn.exec_driver_sql(
            f"INSERT INTO ledger_entries (idx, data, leaf_hash) VALUES ({_placeholders(conn, 3)})",
            list(zip(range(first_index, first_index + len(entries)), entries, leaf_hashes, strict=True)),
        )
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


def read_entries(conn: sa.Connection, start: int, stop: int) -> list[bytes]:
    """Entry bytes for indexes ``[start, stop)`` in order (caller checks the range)."""
    e = entries_table.c
    rows = conn.execute(sa.select(e.idx, e.data).where(e.idx >= start, e.idx < stop).order_by(e.idx)).all()
    if len(rows) != stop - start or (rows and int(rows[0].idx) != start):
        raise StorageError(f"entries {start}..{stop - 1} incomplete in storage")
    return [bytes(r.data) for r in rows]


def find_leaf(conn: sa.Connection, leaf_hash: bytes) -> int | None:
    """Lowest index whose leaf hash is ``leaf_hash``, or None."""
    e = entries_table.c
    size = read_state(conn).size
    if size == 0:
        return None
    generations = list(range(((size - 1) >> LEAF_GENERATION_BITS) + 1))
    row = conn.execute(
        sa.select(sa.func.min(e.idx)).where(_generation.in_(generations), e.leaf_hash == leaf_hash)
    ).first()
    return None if row is None or row[0] is None else int(row[0])
