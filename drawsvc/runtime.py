"""Wires settings, engine, log and journal together for the API, the CLI and the tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from drawsvc.db.session import create_engine, create_schema
from drawsvc.errors import NotFound
from drawsvc.journal import Journal
from drawsvc.settings import Settings, get_settings
from ledger import store
from ledger.keys import load_or_create_signer, load_signer
from ledger.log import Log


@dataclass
class Runtime:
    settings: Settings
    engine: sa.Engine
    log: Log
    journal: Journal
    sessions: sessionmaker[Session]

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: commits on success, rolls back on any exception."""
        with self.sessions() as session, session.begin():
            yield session

    def close(self) -> None:
        self.engine.dispose()


def open_runtime(settings: Settings | None = None, *, create_tables: bool = True) -> Runtime:
    settings = settings or get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_engine(settings.resolved_database_url)
    if create_tables:
        create_schema(engine)
    signer = load_or_create_signer(settings.resolved_key_file, settings.log_origin)
    log = Log(origin=settings.log_origin, signer=signer, max_entry_size=settings.max_entry_size)
    return Runtime(
        settings=settings,
        engine=engine,
        log=log,
        journal=Journal(log),
        sessions=sessionmaker(engine, expire_on_commit=False),
    )


def open_existing_runtime(settings: Settings | None = None) -> Runtime:
    """A runtime over a log that must already exist: nothing is created (no directory, no
    database file, no table, no key). For readers such as ``drawsvc verify-draw``: pointed at
    the wrong place they say so instead of verifying an empty new log under a new key."""
    settings = settings or get_settings()
    key_file = settings.resolved_key_file
    if not key_file.exists():
        raise NotFound(f"no signing key at {key_file}: {settings.data_dir} holds no log "
                       "(set DRAWSVC_DATA_DIR to the data directory of the log to read)",
                       subject=str(key_file))
    url = sa.make_url(settings.resolved_database_url)
    if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).exists():
        raise NotFound(f"no database at {url.database}: nothing to read (set DRAWSVC_DATA_DIR or "
                       "DRAWSVC_DATABASE_URL)", subject=url.database)
    engine = create_engine(settings.resolved_database_url)
    if not sa.inspect(engine).has_table(store.state_table.name):
        engine.dispose()
        raise NotFound(f"the database {url.render_as_string(hide_password=True)} holds no log tables",
                       subject="database")
    signer = load_signer(key_file)
    log = Log(origin=settings.log_origin, signer=signer, max_entry_size=settings.max_entry_size)
    return Runtime(settings=settings, engine=engine, log=log, journal=Journal(log),
                   sessions=sessionmaker(engine, expire_on_commit=False))


T = TypeVar("T")


@contextmanager
def opened_runtime(settings: Settings | None = None) -> Iterator[Runtime]:
    """A runtime for one command: opened from settings, closed however the command ends."""
    runtime = open_runtime(settings)
    try:
        yield runtime
    finally:
        runtime.close()


def run_in_transaction(fn: Callable[[Session, Journal], T], settings: Settings | None = None) -> T:
    """Run ``fn(session, journal)`` as one unit of work of a fresh runtime (CLI commands)."""
    with opened_runtime(settings) as runtime, runtime.transaction() as session:
        return fn(session, runtime.journal)
