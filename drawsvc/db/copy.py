"""Bulk rows into PostgreSQL by ``COPY … FROM STDIN`` (psycopg 3), for the few writes of
hundreds of thousands of rows (a directory import, a draw's inspections).

The statement runs on the SQLAlchemy connection's own DB-API connection, so it belongs to the
caller's transaction and savepoints: a rollback undoes it like any insert. Text format, each
value adapted and escaped by psycopg as it would adapt a bound parameter.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa


def supports_copy(conn: sa.Connection) -> bool:
    """Whether ``copy_rows`` can be used on ``conn`` (PostgreSQL through psycopg 3)."""
    return conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg"


def copy_rows(conn: sa.Connection, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """``COPY table (columns) FROM STDIN`` of ``rows`` (values in ``columns`` order)."""
    copy_into(*_target(conn, table, columns), rows)


def _target(conn: sa.Connection, table: str, columns: Sequence[str]) -> tuple[Any, str]:
    """The DB-API connection and the ``COPY`` statement (looked up by the caller's thread)."""
    quote = conn.dialect.identifier_preparer.quote
    statement = f"COPY {quote(table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    return conn.connection.dbapi_connection, statement


def copy_into(dbapi_connection: Any, statement: str, rows: Iterable[Sequence[Any]]) -> None:
    """Run the ``COPY … FROM STDIN`` ``statement`` on the psycopg connection, writing ``rows``."""
    cursor = dbapi_connection.cursor()
    try:
        with cursor.copy(statement) as copy:
            write = copy.write_row
            for row in rows:
                write(row)
    finally:
        cursor.close()


class BackgroundCopy:
    """At most one :func:`copy_rows` in flight on a worker thread.

    A ``COPY`` returns only once the server has stored every row and updated every index, and
    for a directory import that is as long as parsing the next batch takes in Python. Run on a
    worker, the server's part overlaps the caller's next batch (the wait is in libpq, outside
    the GIL), so an import takes about the longer of the two instead of their sum.

    The connection is the caller's: while a copy is in flight nothing else may use it, so the
    caller calls :meth:`settle` before its next statement (and :func:`background_copies`
    settles at the end). :meth:`settle` re-raises the copy's error, if any.
    """

    def __init__(self, pool: ThreadPoolExecutor) -> None:
        self._pool = pool
        self._pending: Future[None] | None = None

    def start(
        self, conn: sa.Connection, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        """Settle the previous copy, then start copying ``rows`` (a sequence: the caller keeps
        no iterator that the worker would advance)."""
        self.settle()
        self._pending = self._pool.submit(copy_into, *_target(conn, table, columns), rows)

    def settle(self) -> None:
        """Wait for the copy in flight, if any; its error is raised here."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def _abandon(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.exception()  # waited for; the caller's own error is the one to report


@contextmanager
def background_copies() -> Iterator[BackgroundCopy]:
    """A :class:`BackgroundCopy` whose last copy is settled on leaving, or on an error waited
    for and dropped (the connection is free again before the caller rolls back)."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="copy") as pool:
        copies = BackgroundCopy(pool)
        try:
            yield copies
        except BaseException:
            copies._abandon()
            raise
        copies.settle()
