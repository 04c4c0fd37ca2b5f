"""``drawsvc backup`` / ``drawsvc restore``: every table of the database in one archive.

Works the same on SQLite and PostgreSQL (and from one to the other): the archive is a logical
dump (``drawsvc.backup.archive``), read in one snapshot transaction, so it holds one state of
the database, as of one log size. The signing key and the operators' commit secrets are not
in it: they are files of the data directory, backed up apart (docs/specs/backup.md §3).

A restore goes into an empty database, in one transaction, and commits only after:

- BK-1 the archive's trailer checksum matches every line read;
- BK-2 the tree recomputed from the restored entries has the restored signed root, and the
  restored checkpoint verifies under the log's key;
- BK-3 no checkpoint already published or cosigned (files given with ``published``) is ahead
  of the restored log, and each is a prefix of it: the restored root at its size is its root.
  Restoring an older backup would roll the log back below what the world has seen, so that
  later appends would fork it: refused.

Anything else rolls back: the database stays empty.
"""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa

import drawsvc.db.models  # noqa: F401  (registers every table on Base.metadata)
from drawsvc.backup.archive import FORMAT, TRAILER, Digest, column_codec, header
from drawsvc.db.base import Base
from drawsvc.errors import InvalidInput, RuleViolation
from ledger import store, tree
from ledger.checkpoint import verify_checkpoint
from ledger.database import read_only_transaction
from ledger.errors import RootMismatch
from ledger.hashing import leaf_hash
from ledger.note import Verifier

ROW_BATCH = 5_000
ENTRY_BATCH = 10_000
ALEMBIC_TABLE = "alembic_version"

Progress = Callable[[str, int], None]  # (table name, rows so far)


@dataclass(frozen=True)
class Summary:
    path: Path
    log_size: int
    rows: dict[str, int]


def tables() -> list[sa.Table]:
    """Every table, parents before children: the ledger's, then the domain's."""
    return [*store.metadata.sorted_tables, *Base.metadata.sorted_tables]


def _alembic_revision(conn: sa.Connection) -> str | None:
    if not sa.inspect(conn).has_table(ALEMBIC_TABLE):
        return None
    return conn.execute(sa.text(f"SELECT version_num FROM {ALEMBIC_TABLE}")).scalar()


def _snapshot(engine: sa.Engine) -> Any:
    """One consistent read of the whole database: a deferred BEGIN in WAL mode on SQLite,
    REPEATABLE READ on PostgreSQL."""
    conn = engine.connect()
    if conn.dialect.name == "postgresql":
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
    return conn


def backup(engine: sa.Engine, path: Path, *, now: datetime, progress: Progress | None = None) -> Summary:
    """Write the archive to ``path`` (a new file, 0600: it holds the registries' private fields)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    rows: dict[str, int] = {}
    with _snapshot(engine) as conn, read_only_transaction(conn):
        state = store.read_state(conn)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as out:
            digest = Digest()
            out.write(digest.line(header(
                created=now.isoformat(), dialect=conn.dialect.name,
                alembic_revision=_alembic_revision(conn),
                log={"size": state.size, "root": state.root.hex(),
                     "checkpoint": None if state.checkpoint is None else state.checkpoint.decode("utf-8")},
                tables=[t.name for t in tables()],
            )))
            for table in tables():
                encoders = [column_codec(c)[0] for c in table.columns]
                out.write(digest.line({"table": table.name, "columns": [c.name for c in table.columns]}))
                n = 0
                query = sa.select(table).order_by(*table.primary_key.columns)
                for row in conn.execution_options(yield_per=ROW_BATCH).execute(query):
                    out.write(digest.line([enc(v) for enc, v in zip(encoders, row, strict=True)]))
                    n += 1
                    if progress and n % ROW_BATCH == 0:
                        progress(table.name, n)
                out.write(digest.line({"end": table.name, "rows": n}))
                rows[table.name] = n
            out.write(json.dumps({"end": TRAILER, "sha256": digest.hexdigest()}).encode() + b"\n")
            out.flush()
            raw.flush()
            os.fsync(raw.fileno())
    os.replace(tmp, path)
    return Summary(path=path, log_size=state.size, rows=rows)


def _lines(stream: IO[bytes]) -> Iterator[tuple[bytes, Any]]:
    for n, raw in enumerate(stream, 1):
        try:
            yield raw, json.loads(raw)
        except ValueError:
            raise InvalidInput(f"backup line {n} is not JSON", field="file", rule="backup.format") from None


def _bad(message: str) -> InvalidInput:
    return InvalidInput(message, field="file", rule="backup.format")


def _load(
    conn: sa.Connection, stream: IO[bytes], progress: Progress | None
) -> tuple[dict[str, Any], dict[str, int]]:
    """Insert every row of the archive; check its structure and checksum (BK-1)."""
    by_name = {t.name: t for t in tables()}
    lines = _lines(stream)
    digest = Digest()
    try:
        raw, head = next(lines)
    except StopIteration:
        raise _bad("backup file is empty") from None
    if not isinstance(head, dict) or head.get("format") != FORMAT:
        raise _bad(f"not a {FORMAT} archive")
    digest.feed(raw)
    if head.get("tables") != [t.name for t in tables()]:
        raise InvalidInput(
            "the archive's tables are not this version's schema: restore with the drawsvc version "
            "that wrote it (header alembic_revision), then upgrade",
            field="file", rule="backup.schema",
        )
    rows: dict[str, int] = {}
    for table in tables():
        raw, start = next(lines, (b"", None))
        digest.feed(raw)
        columns = [c.name for c in table.columns]
        if start != {"table": table.name, "columns": columns}:
            raise InvalidInput(f"table {table.name}: columns differ from this schema", field="file",
                               rule="backup.schema")
        decoders = [column_codec(c)[1] for c in table.columns]
        batch: list[dict[str, Any]] = []
        n = 0
        for raw, value in lines:
            digest.feed(raw)
            if isinstance(value, dict):
                if value != {"end": table.name, "rows": n}:
                    raise _bad(f"table {table.name}: bad end marker after {n} rows")
                break
            if not isinstance(value, list) or len(value) != len(columns):
                raise _bad(f"table {table.name}: row {n + 1} does not have {len(columns)} values")
            try:
                batch.append({c: dec(v) for c, dec, v in zip(columns, decoders, value, strict=True)})
            except (TypeError, ValueError):
                raise _bad(f"table {table.name}: row {n + 1} holds a value of the wrong type") from None
            n += 1
            if len(batch) == ROW_BATCH:
                conn.execute(by_name[table.name].insert(), batch)
                batch = []
                if progress:
                    progress(table.name, n)
        else:
            raise _bad(f"table {table.name}: archive ends inside the table")
        if batch:
            conn.execute(by_name[table.name].insert(), batch)
        rows[table.name] = n
    _, trailer = next(lines, (b"", None))
    if trailer != {"end": TRAILER, "sha256": digest.hexdigest()}:
        raise InvalidInput("backup checksum does not match its contents (damaged or edited)",
                           field="file", rule="backup.checksum")
    if next(lines, None) is not None:
        raise _bad("trailing data after the checksum")
    return head, rows


def _recompute_roots(conn: sa.Connection, size: int, at: Sequence[int]) -> dict[int, bytes]:
    """The root at ``size`` and at each size in ``at``, recomputed from the entries alone."""
    roots: dict[int, bytes] = {}
    n, edge = 0, dict[int, bytes]()
    for stop in sorted({s for s in at if s <= size} | {size}):
        while n < stop:
            upto = min(stop, n + ENTRY_BATCH)
            step = tree.integrate(n, edge, [leaf_hash(e) for e in store.read_entries(conn, n, upto)])
            n, edge = step.size, step.edge
        roots[stop] = tree.root_from_edge(n, edge)
    return roots


def _fix_sequences(conn: sa.Connection) -> None:
    """PostgreSQL: serial ids go on after the restored rows."""
    if conn.dialect.name != "postgresql":
        return
    for table in Base.metadata.sorted_tables:
        pk = list(table.primary_key.columns)
        if len(pk) == 1 and pk[0].autoincrement in (True, "auto") and isinstance(pk[0].type, sa.Integer):
            conn.execute(sa.text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', '{pk[0].name}'), "
                f"COALESCE((SELECT MAX({pk[0].name}) FROM {table.name}), 0) + 1, false)"
            ))


def restore(
    engine: sa.Engine,
    path: Path,
    *,
    verifier: Verifier,
    origin: str,
    published: Sequence[bytes] = (),
    progress: Progress | None = None,
) -> Summary:
    """Restore ``path`` into the (empty) database of ``engine``: all of it or nothing (BK-1..3)."""
    with engine.connect() as conn, conn.begin():
        for table in tables():
            if conn.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first():
                raise RuleViolation(
                    f"the database is not empty (table {table.name} has rows): restore into a new "
                    "database, keeping the current one until the restored one is checked",
                    rule="backup.target-not-empty",
                )
        with gzip.open(path, "rb") as stream:
            try:
                head, rows = _load(conn, stream, progress)
            except (OSError, EOFError) as exc:
                raise _bad(f"backup file is not a readable gzip archive ({type(exc).__name__})") from None
        state = store.read_state(conn)
        if (state.size, state.root.hex()) != (head["log"]["size"], head["log"]["root"]):
            raise _bad("the header's log size or root differs from the restored log state")
        seen = [verify_checkpoint(note, verifier, origin=origin) for note in published]
        ahead = [c for c in seen if c.size > state.size]
        if ahead:
            top = max(ahead, key=lambda c: c.size)
            raise RuleViolation(
                f"the backup's log has {state.size} entries but a checkpoint of size {top.size} was "
                "already published or cosigned: restoring it would roll the log back and fork it",
                rule="backup.rollback", backup_size=state.size, published_size=top.size,
            )
        roots = _recompute_roots(conn, state.size, [c.size for c in seen])
        if roots[state.size] != state.root:
            raise RootMismatch(state.root, roots[state.size], what="restored log root")
        if state.checkpoint is not None:
            signed = verify_checkpoint(state.checkpoint, verifier, origin=origin)
            if (signed.size, signed.root) != (state.size, state.root):
                raise RootMismatch(signed.root, state.root, what="restored checkpoint")
        for c in seen:
            if roots[c.size] != c.root:
                raise RootMismatch(c.root, roots[c.size], what=f"published checkpoint of size {c.size}")
        if head.get("alembic_revision"):
            conn.execute(sa.text(f"CREATE TABLE IF NOT EXISTS {ALEMBIC_TABLE} "
                                 "(version_num VARCHAR(32) NOT NULL PRIMARY KEY)"))
            conn.execute(sa.text(f"INSERT INTO {ALEMBIC_TABLE} VALUES (:v)"), {"v": head["alembic_revision"]})
        _fix_sequences(conn)
    return Summary(path=Path(path), log_size=state.size, rows=rows)


def published_checkpoint(path: Path) -> bytes:
    """The signed checkpoint in ``path``: a checkpoint file, or a site or log directory."""
    path = Path(path)
    for candidate in (path, path / "checkpoint", path / "log" / "checkpoint"):
        if candidate.is_file():
            return candidate.read_bytes()  # verified by restore (signature, then origin)
    raise InvalidInput(f"no checkpoint at {path}", field="published", rule="backup.published")
