"""Engine set-up shared by every user of the ledger tables (the whole service database).

The log needs one writer at a time (issue: "two processes appending at once never fork or
skip an index"). On SQLite that is the database-wide write lock taken by ``BEGIN IMMEDIATE``
at the *start* of the transaction, so that a transaction never reads the tree size and only
later discovers it cannot write. pysqlite's own transaction handling is switched off so that
SQLAlchemy's ``begin`` event can issue that statement (the documented SQLAlchemy recipe).
On PostgreSQL the log takes ``pg_advisory_xact_lock`` inside :func:`ledger.store` appends,
and every connection writes large values with LZ4 instead of pglz when the server offers it
(:func:`_toast_lz4`).

Read-only transactions (opt-in). A connection with the execution option
``ledger_readonly=True`` (:data:`READONLY`, or :func:`read_only` on an engine) begins its
transactions with a plain deferred ``BEGIN`` instead: in WAL mode such a reader sees one
consistent snapshot (from its first read to its end) and neither waits for nor blocks the
writer. Use it for proofs, exports and API reads. ``ledger.store.lock_for_append`` refuses
such a connection, so an append can never run without the write lock. PostgreSQL ignores
the option (its reads never block the advisory lock). :func:`read_only_transaction` gives one
such transaction on an otherwise ordinary connection (``ledger.export`` reads that way).

SQLite settings (docs/specs/ledger.md §4 Durability, docs/decisions/0011): WAL with
``synchronous=NORMAL`` (a commit is not fsynced; a power loss may lose the last
transactions but never corrupts or half-applies one — the WAL is fsynced at every
checkpoint); a WAL auto-checkpoint every :data:`WAL_AUTOCHECKPOINT_PAGES` pages instead of
SQLite's 1,000 (a 10,000-entry log batch writes ≈ 1,100 pages, so the default checkpointed —
two fsyncs — after every batch); a larger page cache so that one batch is not spilled to
the WAL before its commit; temporary tables in memory. ``page_size`` only takes effect on
a new, empty database file.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

SQLITE_BUSY_TIMEOUT_MS = 30_000
# Pages (of PAGE_SIZE) between automatic checkpoints: 64 MiB of WAL.
WAL_AUTOCHECKPOINT_PAGES = 16_384
# Page cache per connection in KiB (negative = KiB for SQLite): 32 MiB.
CACHE_SIZE_KIB = 32_768
# Bytes per page of a new database file (SQLite's default is 4,096).
PAGE_SIZE = 4096

# ``synchronous`` of SQLite (docs/specs/ledger.md §4, durability promise): NORMAL survives a
# process crash; FULL (one WAL fsync per commit) also a power loss. Environment override:
SYNCHRONOUS_ENV = "LEDGER_SQLITE_SYNCHRONOUS"
SYNCHRONOUS_MODES = ("NORMAL", "FULL", "EXTRA")

READONLY_OPTION = "ledger_readonly"
READONLY: dict[str, Any] = {READONLY_OPTION: True}


def create_engine(url: str, *, sqlite_synchronous: str | None = None, **kwargs: Any) -> sa.Engine:
    """Create an engine configured for the ledger's locking rules (SQLite or PostgreSQL).

    ``sqlite_synchronous`` (default: ``$LEDGER_SQLITE_SYNCHRONOUS``, else ``NORMAL``) is SQLite's
    ``synchronous`` setting; anything but NORMAL, FULL or EXTRA is refused (ValueError).
    """
    u = sa.make_url(url)
    if u.get_backend_name() == "sqlite":
        synchronous = (sqlite_synchronous or os.environ.get(SYNCHRONOUS_ENV) or "NORMAL").upper()
        if synchronous not in SYNCHRONOUS_MODES:
            modes = ", ".join(SYNCHRONOUS_MODES)
            raise ValueError(f"{SYNCHRONOUS_ENV}: {synchronous!r} is not one of {modes}")
        connect_args = dict(kwargs.pop("connect_args", {}))
        connect_args.setdefault("timeout", SQLITE_BUSY_TIMEOUT_MS / 1000)
        connect_args.setdefault("check_same_thread", False)
        engine = sa.create_engine(u, connect_args=connect_args, **kwargs)

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            if u.database not in (None, "", ":memory:"):
                cur.execute(f"PRAGMA page_size={PAGE_SIZE}")  # no-op unless the file is new
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}")
            cur.execute(f"PRAGMA synchronous={synchronous}")
            cur.execute(f"PRAGMA cache_size=-{CACHE_SIZE_KIB}")
            cur.execute("PRAGMA temp_store=MEMORY")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: sa.Connection) -> None:
            # deferred BEGIN: a snapshot reader, no write lock
            sql = "BEGIN" if conn.get_execution_options().get(READONLY_OPTION) else "BEGIN IMMEDIATE"
            # On the driver's connection: SQLAlchemy's statement machinery costs more than the
            # statement (≈ 20 µs of a ≈ 0.2 ms single-entry append); errors (a lock not granted
            # within the busy timeout) are still raised as SQLAlchemy's OperationalError.
            dbapi = conn.dialect.loaded_dbapi
            try:
                conn.connection.driver_connection.execute(sql)
            except dbapi.Error as exc:
                raise sa.exc.DBAPIError.instance(sql, (), exc, dbapi.Error, dialect=conn.dialect) from exc

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    engine = sa.create_engine(u, **kwargs)
    if u.get_backend_name() == "postgresql":
        event.listen(engine, "connect", _toast_lz4)
    return engine


# Ask for LZ4 where the server has it (PostgreSQL ≥ 14 built --with-lz4, as Debian's is).
_LZ4_AVAILABLE = (
    "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
)


def _toast_lz4(dbapi_conn: Any, _record: Any) -> None:
    """``default_toast_compression = lz4`` for this connection, when the server offers it.

    The entry bundles (up to 16 MiB) and edge entries (up to 64 KiB each) are canonical JSON and
    compress ≈ 4×; PostgreSQL's default pglz spent ≈ 0.8 s of server CPU per 50 MB of them
    (measured: a quarter of a directory import's server time), LZ4 ≈ 0.2 s for the same stored
    size. Values already stored keep their method (each datum records it), so this changes
    only the cost of later writes, for every table the service writes.
    """
    cursor = dbapi_conn.cursor()
    try:
        cursor.execute(_LZ4_AVAILABLE)
        row = cursor.fetchone()
        if row is not None and row[0]:
            cursor.execute("SET default_toast_compression = lz4")
    finally:
        cursor.close()
    dbapi_conn.commit()  # the session setting outlives it; the pool gets an idle connection


def read_only(engine: sa.Engine) -> sa.Engine:
    """The same engine (same pool) whose connections begin read-only transactions (see above)."""
    return engine.execution_options(**READONLY)


@contextmanager
def read_only_transaction(conn: sa.Connection) -> Iterator[sa.Connection]:
    """A read-only transaction on ``conn`` (not in a transaction yet), committed at the end.

    The option is set for this transaction only (an append inside it is refused) and then
    restored, so the connection's later transactions are as before (``BEGIN IMMEDIATE``).
    """
    previous = conn.get_execution_options().get(READONLY_OPTION, False)
    conn.execution_options(**READONLY)
    try:
        with conn.begin():
            yield conn
    finally:
        conn.execution_options(**{READONLY_OPTION: previous})


def is_read_only(conn: sa.Connection) -> bool:
    return bool(conn.get_execution_options().get(READONLY_OPTION))


def is_sqlite(conn: sa.Connection | sa.Engine) -> bool:
    return conn.dialect.name == "sqlite"
