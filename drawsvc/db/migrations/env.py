"""Alembic environment: ledger tables and drawsvc's models share one database."""

from __future__ import annotations

from alembic import context

import drawsvc.db.models  # noqa: F401  (registers every table)
from drawsvc.db.base import Base
from drawsvc.db.session import create_engine
from drawsvc.settings import get_settings
from ledger import store as ledger_store

target_metadata = [ledger_store.metadata, Base.metadata]


def run_migrations() -> None:
    connectable = context.config.attributes.get("connection")
    if connectable is not None:
        context.configure(connection=connectable, target_metadata=target_metadata,
                          render_as_batch=connectable.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()
        return
    url = context.config.get_main_option("sqlalchemy.url") or get_settings().resolved_database_url
    engine = create_engine(url)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=connection.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations()
