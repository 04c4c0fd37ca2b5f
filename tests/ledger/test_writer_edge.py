"""The writer's cached right edge (ledger.log._Edge): reused only while the stored tree is its own.

Each scenario appends through two ``Log`` objects (two writers: two API workers) and checks
the stored log against a recomputation from the entries alone after every step.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.errors import StorageError

sys.path.insert(0, str(Path(__file__).parent))
import ledger_support as support
from test_log import check_whole_log


class Boom(Exception):
    pass


@pytest.fixture
def db(tmp_path: Path):
    engine = support.sqlite_engine(tmp_path / "log.db")
    yield engine
    engine.dispose()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(["a", "b"]), st.integers(0, 300), st.booleans()), min_size=1, max_size=12
    )
)
def test_interleaved_writers_and_rollbacks_keep_the_log_exact(tmp_path_factory, steps) -> None:
    """Writer a or b appends k entries, committed or rolled back: the cache never forks the tree."""
    engine = support.sqlite_engine(tmp_path_factory.mktemp("edge") / "log.db")
    writers = {"a": support.make_log(), "b": support.make_log()}
    committed: list[bytes] = []
    seed = 0
    for who, k, commit in steps:
        seed += 1
        batch = support.random_entries(k, seed=seed)
        try:
            with engine.begin() as conn:
                res = writers[who].append_encoded(conn, batch)
                assert res.first_index == len(committed)
                if not commit:
                    raise Boom
        except Boom:
            pass
        else:
            committed += batch
        check_whole_log(engine, writers[who], committed)
    engine.dispose()


def test_rolled_back_append_then_another_writer_of_the_same_size(db) -> None:
    """Same size as the cached edge after a rollback, but another tree: the root tells them apart."""
    a, b = support.make_log(), support.make_log()
    base = support.random_entries(5, seed=1)
    with db.begin() as conn:
        a.append_encoded(conn, base)
    with pytest.raises(Boom), db.begin() as conn:
        a.append_encoded(conn, support.random_entries(3, seed=2))  # a caches size 8
        raise Boom
    other = support.random_entries(3, seed=3)
    with db.begin() as conn:
        b.append_encoded(conn, other)  # the stored size is 8 again, another root
    more = support.random_entries(2, seed=4)
    with db.begin() as conn:
        res = a.append_encoded(conn, more)
    assert res.first_index == 8
    check_whole_log(db, a, base + other + more)


def test_one_log_object_on_two_databases(tmp_path: Path) -> None:
    e1 = support.sqlite_engine(tmp_path / "one.db")
    e2 = support.sqlite_engine(tmp_path / "two.db")
    log = support.make_log()
    got: dict[str, list[bytes]] = {"one": [], "two": []}
    for i in range(6):
        name, engine = ("one", e1) if i % 2 == 0 else ("two", e2)
        batch = support.random_entries(i + 1, seed=10 + i)
        with engine.begin() as conn:
            log.append_encoded(conn, batch)
        got[name] += batch
    check_whole_log(e1, log, got["one"])
    check_whole_log(e2, log, got["two"])
    e1.dispose()
    e2.dispose()


def test_a_damaged_edge_is_still_refused_by_a_fresh_writer(db) -> None:
    """The cache skips the stored edge's checks only for its own writes; a new writer reads them."""
    import sqlalchemy as sa

    from ledger import store

    log = support.make_log()
    with db.begin() as conn:
        log.append_encoded(conn, support.random_entries(10, seed=1))
    with db.begin() as conn:
        conn.execute(
            sa.update(store.tiles_table).where(store.tiles_table.c.level == 0).values(hashes=b"\x00" * 32)
        )
    with pytest.raises(StorageError), db.begin() as conn:
        support.make_log().append_encoded(conn, [b"x"])


@pytest.mark.parametrize("mode", ["NORMAL", "FULL", "full"])
def test_sqlite_synchronous_setting(tmp_path: Path, monkeypatch, mode: str) -> None:
    from ledger.database import SYNCHRONOUS_ENV, create_engine

    monkeypatch.setenv(SYNCHRONOUS_ENV, mode)
    engine = create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as conn:
        got = conn.exec_driver_sql("PRAGMA synchronous").scalar()
    engine.dispose()
    assert got == {"NORMAL": 1, "FULL": 2}[mode.upper()]


def test_sqlite_synchronous_refuses_unknown_modes(tmp_path: Path, monkeypatch) -> None:
    from ledger.database import SYNCHRONOUS_ENV, create_engine

    monkeypatch.setenv(SYNCHRONOUS_ENV, "OFF")
    with pytest.raises(ValueError, match="LEDGER_SQLITE_SYNCHRONOUS"):
        create_engine(f"sqlite:///{tmp_path / 'x.db'}")


def test_a_write_lock_not_granted_is_sqlalchemys_operational_error(tmp_path: Path) -> None:
    """BEGIN IMMEDIATE runs on the driver's connection; its failure is still SQLAlchemy's error."""
    import sqlalchemy as sa

    from ledger.database import create_engine

    holder = support.sqlite_engine(tmp_path / "log.db")
    waiter = create_engine(f"sqlite:///{tmp_path / 'log.db'}")  # no connection made yet

    @sa.event.listens_for(waiter, "connect")
    def short_timeout(dbapi_conn, _record) -> None:  # after ledger.database's own (30 s)
        dbapi_conn.execute("PRAGMA busy_timeout=50")

    log = support.make_log()
    with holder.begin() as conn:
        log.append_encoded(conn, [b"first"])
        with pytest.raises(sa.exc.OperationalError, match="locked"), waiter.begin():
            pass
    with waiter.begin() as conn:  # the lock is free again: the same engine begins
        assert support.make_log().append_encoded(conn, [b"second"]).first_index == 1
    holder.dispose()
    waiter.dispose()


def test_an_append_from_the_kept_edge_is_three_statements_and_reads_nothing(db, monkeypatch) -> None:
    """The kept edge is checked by the state update itself: no state, tile or bundle read."""
    import sqlalchemy as sa

    from ledger import store

    log = support.make_log()
    with db.begin() as conn:
        log.append_encoded(conn, support.random_entries(300, seed=1))  # 44 in the partial bundle
    seen: list[str] = []
    real_driver, real_exec = store._driver, sa.Connection.exec_driver_sql

    def driver(conn, sql, *a, **k):
        seen.append(sql.split(" SET ")[0].split(" (")[0])
        return real_driver(conn, sql, *a, **k)

    def exec_driver_sql(self, sql, *a, **k):
        seen.append(sql)
        return real_exec(self, sql, *a, **k)

    monkeypatch.setattr(store, "_driver", driver)
    monkeypatch.setattr(sa.Connection, "exec_driver_sql", exec_driver_sql)
    with db.begin() as conn:
        res = log.append_encoded(conn, [b"one more"])
    monkeypatch.undo()
    assert res.first_index == 300
    assert seen == [
        "UPDATE ledger_state",
        "INSERT INTO ledger_edge_entries",
        "UPDATE ledger_tiles",
    ]
    # A fresh Log (no kept edge) reads the stored state and edge instead, and agrees.
    entries = [*support.random_entries(300, seed=1), b"one more", b"and another"]
    with db.begin() as conn:
        assert support.make_log().append_encoded(conn, [b"and another"]).first_index == 301
    check_whole_log(db, log, entries)
