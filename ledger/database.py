"""Engine set-up shared by every user of the ledger tables.

The log needs one writer at a time (issue: "two processes appending at once never fork or
skip an index"). On SQLite that is the database-wide write lock taken by ``BEGIN IMMEDIATE``
at the *start* of the transaction, so that a transaction never reads the tree size and only
later discovers it cannot write. pysqlite's own transaction handling is switched off so that
SQLAlchemy's ``begin`` event can issue that statement (the documented SQLAlchemy recipe).
On PostgreSQL the log takes ``pg_advisory_xact_lock`` inside :func:`ledger.store` appends.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

SQLITE_BUSY_TIMEOUT_MS = 30_000


def create_engine(url: str, **kwargs: Any) -> sa.Engine:
    """Create an engine configured for the ledger's locking rules (SQLite or PostgreSQL)."""
    u = sa.make_url(url)
    if u.get_backend_name() == "sqlite":
        connect_args = dict(kwargs.pop("connect_args", {}))
        connect_args.setdefault("timeout", SQLITE_BUSY_TIMEOUT_MS / 1000)
        connect_args.setdefault("check_same_thread", False)
        engine = sa.create_engine(u, connect_args=connect_args, **kwargs)

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            if u.database not in (None, "", ":memory:"):
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: sa.Connection) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return sa.create_engine(u, **kwargs)


def is_sqlite(conn: sa.Connection | sa.Engine) -> bool:
    return conn.dialect.name == "sqlite"
