"""Migrations build the partial indexes with the models' very predicates (SQLite and PostgreSQL).

Alembic's ``compare_metadata`` (tests/db/test_migrations.py) compares an index's columns, not
its WHERE clause; a predicate that differs from the one the queries carry leaves the index
unused. Here the migrated database's partial index definitions are compared with those
``create_all`` then emits from the models in the same (emptied) database; ``downgrade`` to 0002
removes them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from drawsvc.db import migrate
from drawsvc.db.base import Base
from drawsvc.db.session import create_engine
from ledger import store as ledger_store

NEW_IN_0003 = {"ix_targets_flagged", "ix_task_pool_members_edits"}


def _partial_indexes(url: str) -> dict[str, str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            if conn.dialect.name == "sqlite":
                q = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql LIKE '% WHERE %'"
            else:
                q = ("SELECT indexname, indexdef FROM pg_indexes "
                     "WHERE schemaname = current_schema() AND indexdef LIKE '% WHERE %'")
            return {name: sql for name, sql in conn.execute(sa.text(q))}
    finally:
        engine.dispose()


def _created(url: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            ledger_store.metadata.create_all(conn)
            Base.metadata.create_all(conn)
    finally:
        engine.dispose()


def _check(url: str) -> None:
    migrate.upgrade(url)
    migrated = _partial_indexes(url)
    assert NEW_IN_0003 <= set(migrated)
    command.downgrade(migrate.alembic_config(url), "0002")
    assert not NEW_IN_0003 & set(_partial_indexes(url))
    command.downgrade(migrate.alembic_config(url), "base")
    _created(url)
    assert migrated == _partial_indexes(url)


def test_migrated_partial_indexes_equal_the_models_on_sqlite(tmp_path: Path) -> None:
    _check(f"sqlite:///{tmp_path / 'm.sqlite3'}")


@pytest.mark.postgres
def test_migrated_partial_indexes_equal_the_models_on_postgresql(pg_url: str) -> None:
    _check(pg_url)
