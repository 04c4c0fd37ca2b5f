"""The Alembic migrations build exactly the schema the models declare (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData

from drawsvc.db import migrate
from drawsvc.db.base import Base
from drawsvc.db.session import create_engine
from drawsvc.journal import SYSTEM
from ledger import store as ledger_store


def _diff(url: str) -> list[object]:
    migrate.upgrade(url)
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            combined = MetaData()
            for metadata in (ledger_store.metadata, Base.metadata):
                for table in metadata.tables.values():
                    table.to_metadata(combined)
            diffs = compare_metadata(MigrationContext.configure(conn), combined)
            return [d for d in diffs if not (isinstance(d, tuple) and d[0] == "remove_table"
                                             and d[1].name == "alembic_version")]
    finally:
        engine.dispose()


def test_migrations_match_the_models_on_sqlite(tmp_path: Path) -> None:
    assert _diff(f"sqlite:///{tmp_path / 'm.sqlite3'}") == []


@pytest.mark.postgres
def test_migrations_match_the_models_on_postgresql(pg_url: str) -> None:
    assert _diff(pg_url) == []


def test_a_migrated_database_serves_the_log(tmp_path: Path) -> None:
    from drawsvc.runtime import open_runtime
    from drawsvc.settings import Settings

    url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    migrate.upgrade(url)
    rt = open_runtime(Settings(data_dir=tmp_path, database_url=url, log_origin="m.example/log"),
                      create_tables=False)
    try:
        with rt.transaction() as s:
            index = rt.journal.record(s, "test.event", {"n": 1}, actor=SYSTEM)
        assert index == 0
    finally:
        rt.close()
