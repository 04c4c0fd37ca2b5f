"""Shared fixtures: a fresh runtime on SQLite (always) and on PostgreSQL (when configured)."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from hypothesis import settings

# Property tests have no per-example deadline: the shared 2-core machines stall now and then,
# and a timing failure says nothing about the property. In CI (``CI`` set, as .ci/run does) the
# examples are derandomized, so a submission passes or fails on its code and not on which
# examples were drawn; local runs keep exploring new ones.
settings.register_profile("drawsvc", deadline=None)
settings.register_profile("ci", deadline=None, derandomize=True, database=None)
settings.load_profile("ci" if os.environ.get("CI") else "drawsvc")

PG_URL = os.environ.get("DRAWSVC_TEST_DATABASE_URL", "")

# The service's clock in tests: a Monday in a normal working week of a year the bundled calendar
# covers, ticking from there. With the wall clock, tests that count working days (expert answer
# deadlines) would fail once "today" plus a few working days reached a year with no holiday
# arrangement loaded (calendar.md: 2027 onwards), and the cap and rotation years would move.
TEST_NOW = datetime(2026, 6, 15, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def service_clock(monkeypatch: pytest.MonkeyPatch) -> datetime:
    """Fix ``drawsvc.journal.now_shanghai`` (the default of every Journal) to ``TEST_NOW`` + elapsed."""
    import drawsvc.journal

    started = time.monotonic()

    def now() -> datetime:
        return (TEST_NOW + timedelta(seconds=time.monotonic() - started)).replace(microsecond=0)

    monkeypatch.setattr(drawsvc.journal, "now_shanghai", now)
    return TEST_NOW


def make_settings(tmp_path: Path, database_url: str = ""):
    from drawsvc.settings import Settings

    return Settings(data_dir=tmp_path, database_url=database_url, log_origin="test.drawsvc.example/log")


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[object]:
    """A Runtime on a fresh SQLite file: schema created, signing key generated."""
    from drawsvc.runtime import open_runtime

    rt = open_runtime(make_settings(tmp_path))
    yield rt
    rt.close()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL schema (search_path) per test; skipped unless DRAWSVC_TEST_DATABASE_URL is set."""
    if not PG_URL:
        pytest.skip("DRAWSVC_TEST_DATABASE_URL not set")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = sa.make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def pg_runtime(tmp_path: Path, pg_url: str) -> Iterator[object]:
    from drawsvc.runtime import open_runtime

    rt = open_runtime(make_settings(tmp_path, pg_url))
    yield rt
    rt.close()
