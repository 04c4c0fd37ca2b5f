"""Engine and transactions. The database stays behind this thin layer.

A service function receives a ``Session`` already inside a transaction; it never commits
itself. The caller (API request, CLI command) opens ``runtime.transaction()``: it commits on
success and rolls back on any exception, so a failed operation leaves nothing half-written.
"""

from __future__ import annotations

import sqlalchemy as sa

import drawsvc.db.models  # noqa: F401  (registers every table on Base.metadata)
from drawsvc.db.base import Base
from ledger import store as ledger_store
from ledger.database import create_engine as create_ledger_engine


def create_engine(url: str, **kwargs: object) -> sa.Engine:
    return create_ledger_engine(url, **kwargs)  # type: ignore[arg-type]


def create_schema(engine: sa.Engine) -> None:
    """Create every table (ledger + domain). Deployments use Alembic; tests and the demo use this."""
    ledger_store.metadata.create_all(engine)
    Base.metadata.create_all(engine)


def drop_schema(engine: sa.Engine) -> None:
    Base.metadata.drop_all(engine)
    ledger_store.metadata.drop_all(engine)
