"""drawsvc backup / restore (docs/specs/backup.md): all of it or nothing, never behind the world."""

from __future__ import annotations

import base64
import gzip
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from tasks_support import actor, ops, reveal, seed_registries

from drawsvc.backup.archive import Digest
from drawsvc.backup.service import backup, restore, tables
from drawsvc.db.session import create_engine, create_schema
from drawsvc.errors import InvalidInput, RuleViolation
from drawsvc.runtime import open_runtime
from drawsvc.tasks import service
from drawsvc.tasks.logread import reader_for
from drawsvc.tasks.verify import verify_index_or_task
from ledger import export
from ledger.errors import RootMismatch, SignatureError
from ledger.keys import generate_signer

NOW = datetime(2026, 6, 15, 12, 0)


def _settings(path: Path, url: str = "") -> Any:
    from drawsvc.settings import Settings

    return Settings(data_dir=path, database_url=url, log_origin="test.drawsvc.example/log")


def _draw(rt: Any, title: str) -> str:
    with rt.transaction() as s:
        t = service.create_task(s, rt.journal, title=title, year=2026, organiser="SCJG",
                                params={"targets": {"ratio_bp": 1000}}, actor=actor())
        service.build_pool(s, rt.journal, task=t.code, pool="targets", filters={}, actor=actor())
    with rt.transaction() as s:
        service.commit_task(s, rt.journal, task=t.code, commitments=ops(), actor=actor())
    with rt.transaction() as s:
        service.draw_task(s, rt.journal, task=t.code, reveals=reveal(), actor=actor())
    return t.code


@pytest.fixture
def source(tmp_path: Path) -> Any:
    rt = open_runtime(_settings(tmp_path / "src"))
    with rt.transaction() as s:
        seed_registries(s, targets=40)
    code = _draw(rt, "餐饮抽查")
    yield rt, code
    rt.close()


def _dump_tables(engine: sa.Engine) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as conn:
        return {t.name: [tuple(r) for r in conn.execute(sa.select(t).order_by(*t.primary_key.columns))]
                for t in tables()}


def _wall_clock(dump: dict[str, list[tuple[Any, ...]]]) -> dict[str, list[tuple[Any, ...]]]:
    """SQLite keeps no UTC offset: PostgreSQL's aware value read back as SQLite shows it."""

    def plain(v: Any) -> Any:
        return v.replace(tzinfo=None) if isinstance(v, datetime) else v

    return {name: [tuple(map(plain, row)) for row in rows] for name, rows in dump.items()}


def _empty_target(path: Path, url: str = "") -> sa.Engine:
    engine = create_engine(url or f"sqlite:///{path / 'restored.sqlite3'}")
    create_schema(engine)
    return engine


def _is_empty(engine: sa.Engine) -> bool:
    return all(rows == [] for rows in _dump_tables(engine).values())


def test_backup_then_restore_gives_the_same_rows_and_a_verifiable_log(source: Any, tmp_path: Path) -> None:
    rt, code = source
    archive = backup(rt.engine, tmp_path / "b.gz", now=NOW).path
    assert oct(archive.stat().st_mode & 0o777) == "0o600"
    target = _empty_target(tmp_path)
    summary = restore(target, archive, verifier=rt.log.signer.verifier(), origin=rt.log.origin)
    assert summary.log_size > 0
    assert _dump_tables(target) == _dump_tables(rt.engine)
    with target.connect() as conn:
        assert verify_index_or_task(reader_for(rt.log, conn), code, size=rt.log.size(conn)).task == code
    target.dispose()
    # The service goes on on the restored database with the same key: new ids, new entries.
    url = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    again = open_runtime(_settings(tmp_path / "src", url))
    try:
        second = _draw(again, "恢复后抽查")
        with again.engine.connect() as conn:
            assert verify_index_or_task(reader_for(again.log, conn), second, size=again.log.size(conn))
    finally:
        again.close()


def test_an_edited_entry_is_refused_and_nothing_is_restored(source: Any, tmp_path: Path) -> None:
    rt, _ = source
    archive = backup(rt.engine, tmp_path / "b.gz", now=NOW).path
    lines = gzip.decompress(archive.read_bytes()).split(b"\n")
    # Flip one character inside a stored entry bundle, then fix the checksum as a forger would.
    at = next(i for i, ln in enumerate(lines) if ln.startswith(b'{"table":"ledger_bundles"')) + 1
    row = json.loads(lines[at])

    data = bytearray(base64.b64decode(row[1]))  # (idx, data)
    data[-3] ^= 0x01
    row[1] = base64.b64encode(bytes(data)).decode()
    lines[at] = json.dumps(row, separators=(",", ":")).encode()

    d = Digest()
    for ln in lines[:-2]:
        d.feed(ln + b"\n")
    trailer = json.dumps({"end": "backup", "sha256": d.hexdigest()}).encode()
    forged = b"\n".join(lines[:-2]) + b"\n" + trailer + b"\n"
    (tmp_path / "forged.gz").write_bytes(gzip.compress(forged))
    target = _empty_target(tmp_path)
    with pytest.raises(RootMismatch):
        restore(target, tmp_path / "forged.gz", verifier=rt.log.signer.verifier(), origin=rt.log.origin)
    assert _is_empty(target)
    # Without the forger's care, the checksum alone catches it.
    (tmp_path / "damaged.gz").write_bytes(gzip.compress(b"\n".join(lines)))
    with pytest.raises(InvalidInput) as exc:
        restore(target, tmp_path / "damaged.gz", verifier=rt.log.signer.verifier(), origin=rt.log.origin)
    assert exc.value.rule == "backup.checksum"
    assert _is_empty(target)


def test_a_restore_behind_a_published_checkpoint_is_refused(source: Any, tmp_path: Path) -> None:
    rt, _ = source
    archive = backup(rt.engine, tmp_path / "b.gz", now=NOW).path
    _draw(rt, "第二次抽查")  # the log grows and is published after the backup
    with rt.engine.connect() as conn:
        export.export_tiles(conn, tmp_path / "site")
    published = (tmp_path / "site" / "checkpoint").read_bytes()
    target = _empty_target(tmp_path)
    with pytest.raises(RuleViolation) as exc:
        restore(target, archive, verifier=rt.log.signer.verifier(), origin=rt.log.origin,
                published=[published])
    assert exc.value.rule == "backup.rollback"
    assert _is_empty(target)
    # A backup taken after the publication passes against it.
    newer = backup(rt.engine, tmp_path / "b2.gz", now=NOW).path
    restore(target, newer, verifier=rt.log.signer.verifier(), origin=rt.log.origin, published=[published])


def test_a_published_checkpoint_of_another_history_is_refused(source: Any, tmp_path: Path) -> None:
    rt, _ = source
    with rt.engine.connect() as conn:
        size = rt.log.size(conn)
    from ledger.checkpoint import sign_checkpoint

    fork = sign_checkpoint(rt.log.signer, rt.log.origin, size - 1, b"\x07" * 32)  # same key, other root
    archive = backup(rt.engine, tmp_path / "b.gz", now=NOW).path
    target = _empty_target(tmp_path)
    with pytest.raises(RootMismatch):
        restore(target, archive, verifier=rt.log.signer.verifier(), origin=rt.log.origin, published=[fork])
    assert _is_empty(target)
    _, stranger = generate_signer(rt.log.origin)
    with pytest.raises(SignatureError):
        restore(target, archive, verifier=stranger.verifier(), origin=rt.log.origin)
    assert _is_empty(target)


def test_restore_refuses_a_database_that_is_not_empty(source: Any, tmp_path: Path) -> None:
    rt, _ = source
    archive = backup(rt.engine, tmp_path / "b.gz", now=NOW).path
    with pytest.raises(RuleViolation) as exc:
        restore(rt.engine, archive, verifier=rt.log.signer.verifier(), origin=rt.log.origin)
    assert exc.value.rule == "backup.target-not-empty"


OTHER_FORMAT = gzip.compress(b'{"format":"other"}\n', mtime=0)


@pytest.mark.parametrize("garbage", [b"", b"not gzip at all", OTHER_FORMAT],
                         ids=["empty", "not-gzip", "other-format"])
def test_garbage_is_refused_naming_the_file(source: Any, tmp_path: Path, garbage: bytes) -> None:
    rt, _ = source
    (tmp_path / "g.gz").write_bytes(garbage)
    target = _empty_target(tmp_path)
    with pytest.raises(InvalidInput) as exc:
        restore(target, tmp_path / "g.gz", verifier=rt.log.signer.verifier(), origin=rt.log.origin)
    assert exc.value.field == "file"
    assert _is_empty(target)


@pytest.mark.postgres
def test_sqlite_backup_restores_into_postgresql_and_back(source: Any, tmp_path: Path, pg_url: str) -> None:
    rt, _ = source
    archive = backup(rt.engine, tmp_path / "b.gz", now=NOW).path
    pg = _empty_target(tmp_path, pg_url)
    restore(pg, archive, verifier=rt.log.signer.verifier(), origin=rt.log.origin)
    assert _wall_clock(_dump_tables(pg)) == _dump_tables(rt.engine)
    again = backup(pg, tmp_path / "pg.gz", now=NOW).path
    lite = _empty_target(tmp_path)
    restore(lite, again, verifier=rt.log.signer.verifier(), origin=rt.log.origin)
    assert _wall_clock(_dump_tables(lite)) == _dump_tables(rt.engine)
    pg_rt = open_runtime(_settings(tmp_path / "src", pg_url))  # same key: the service goes on on PostgreSQL
    try:
        _draw(pg_rt, "迁移后抽查")
    finally:
        pg_rt.close()
    pg.dispose()


def test_cli_backup_and_restore_refuse_rollback_with_exit_code(
    source: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from drawsvc.cli.app import app
    from drawsvc.settings import get_settings

    rt, _ = source
    runner = CliRunner()
    monkeypatch.setenv("DRAWSVC_DATA_DIR", str(tmp_path / "src"))
    monkeypatch.setenv("DRAWSVC_LOG_ORIGIN", rt.log.origin)
    get_settings.cache_clear()
    try:
        out = runner.invoke(app, ["backup", str(tmp_path / "cli.gz")])
        assert out.exit_code == 0, out.output
        assert "log size" in out.output
        _draw(rt, "第二次抽查")
        with rt.engine.connect() as conn:
            export.export_tiles(conn, tmp_path / "site")
        monkeypatch.setenv("DRAWSVC_DATABASE_URL", f"sqlite:///{tmp_path / 'new.sqlite3'}")
        get_settings.cache_clear()
        from drawsvc.cli.output import run_guarded

        with pytest.raises(SystemExit) as exc:
            args = ["restore", str(tmp_path / "cli.gz"), "--published", str(tmp_path / "site")]
            run_guarded(lambda: app(args, standalone_mode=False))
        assert exc.value.code != 0
        assert _is_empty(create_engine(f"sqlite:///{tmp_path / 'new.sqlite3'}"))
        out = runner.invoke(app, ["restore", str(tmp_path / "cli.gz")])
        assert out.exit_code == 0, out.output
        assert "restored" in out.output
    finally:
        get_settings.cache_clear()
