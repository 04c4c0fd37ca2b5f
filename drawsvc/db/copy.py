"""Bulk rows into PostgreSQL by ``COPY … FROM STDIN`` (psycopg 3), for the few writes of
hundreds of thousands of rows (a directory import, a draw's inspections).

The statement runs on the SQLAlchemy connection's own DB-API connection, so it belongs to the
caller's transaction and savepoints: a rollback undoes it like any insert. Text format, each
value adapted and escaped by psycopg as it would adapt a bound parameter.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa


def supports_copy(conn: sa.Connection) -> bool:
    """Whether ``copy_rows`` can be used on ``conn`` (PostgreSQL through psycopg 3)."""
    return conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg"


def copy_rows(conn: sa.Connection, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """``COPY table (columns) FROM STDIN`` of ``rows`` (values in ``columns`` order)."""
    quote = conn.dialect.identifier_preparer.quote
    statement = f"COPY {quote(table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(statement) as copy:
            write = copy.write_row
            for row in rows:
                write(row)
    finally:
        cursor.close()
