"""Read-only connections (``ledger_readonly``, ledger/database.py): a deferred ``BEGIN`` that
neither waits for nor blocks the appender, sees one snapshot, and may not append."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import pytest

from ledger import export
from ledger.database import READONLY, is_read_only, read_only, read_only_transaction
from ledger.errors import StorageError

sys.path.insert(0, str(Path(__file__).parent))
import ledger_support as support


def test_a_reader_does_not_block_an_appender_and_keeps_its_snapshot(tmp_path: Path) -> None:
    engine = support.sqlite_engine(tmp_path / "ro.db")
    log = support.make_log()
    with engine.begin() as conn:
        log.append_encoded(conn, [b"a", b"b"])
    appended = threading.Event()
    errors: list[BaseException] = []

    def appender() -> None:
        try:
            with engine.begin() as conn:
                log.append_encoded(conn, [b"c"])
            appended.set()
        except BaseException as exc:
            errors.append(exc)

    with read_only(engine).connect() as reader, reader.begin():
        assert is_read_only(reader)
        assert log.size(reader) == 2  # the snapshot starts here and stays open
        t = threading.Thread(target=appender)
        t.start()
        # With BEGIN IMMEDIATE the reader would hold the write lock and the appender would
        # wait (busy timeout 30 s); here it commits while the reader is still open.
        assert appended.wait(10), "the appender was blocked by a read-only transaction"
        assert log.size(reader) == 2
        assert log.entries(reader, 0, 2) == [b"a", b"b"]
        t.join()
    assert not errors
    with read_only(engine).connect() as reader:
        assert log.size(reader) == 3


def test_a_default_transaction_still_takes_the_write_lock(tmp_path: Path) -> None:
    """Control: without the option, a second writer waits for the first to finish."""
    engine = support.sqlite_engine(tmp_path / "rw.db")
    log = support.make_log()
    done_at: list[float] = []

    def appender() -> None:
        with engine.begin() as conn:
            log.append_encoded(conn, [b"late"])
        done_at.append(time.monotonic())

    with engine.connect() as holder, holder.begin():
        log.size(holder)
        t = threading.Thread(target=appender)
        t.start()
        time.sleep(0.5)
        released = time.monotonic()
    t.join(30)
    assert done_at and done_at[0] >= released


def test_append_on_a_read_only_connection_is_refused(tmp_path: Path) -> None:
    engine = support.sqlite_engine(tmp_path / "refuse.db")
    log = support.make_log()
    with engine.connect() as conn:
        conn.execution_options(**READONLY)
        with pytest.raises(StorageError), conn.begin():
            log.append_encoded(conn, [b"x"])
        assert log.size(conn) == 0


def test_read_only_transaction_leaves_the_connection_as_it_was(tmp_path: Path) -> None:
    """``read_only_transaction`` (used by the export) is read-only for its own ``begin`` only:
    the same connection then appends under the write lock again."""
    engine = support.sqlite_engine(tmp_path / "rot.db")
    log = support.make_log()
    with engine.connect() as conn:
        with read_only_transaction(conn):
            assert log.size(conn) == 0
            with pytest.raises(StorageError):
                log.append_encoded(conn, [b"x"])  # a read-only begin: refused
        assert not is_read_only(conn)
        with conn.begin():
            log.append_encoded(conn, [b"x"])
        exported = export.export_tiles(conn, tmp_path / "site", fsync=False)
        assert exported.size == 1 and not conn.in_transaction() and not is_read_only(conn)
        with conn.begin():
            assert log.append_encoded(conn, [b"y"]).size == 2
