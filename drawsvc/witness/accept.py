"""The service side of witnessing (docs/specs/witness.md W-9…W-13): accept cosignatures from the
configured witnesses, keep them, and publish them on the checkpoint.

A cosignature is accepted only over a checkpoint this log signed: its note text must be exactly
``format_checkpoint(origin, size, root(size))`` for a size the log has reached (the log's
checkpoints carry no extension line, so the text of a size is unique). Signatures by unknown
keys never reach the table; the checkpoint is published with the lines of its own size only,
since a line over another size would not verify against it (signed-note §Signatures: a failing
signature by a known key rejects the whole note).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from drawsvc.errors import Forbidden, InvalidInput
from drawsvc.witness.models import LogCosignature
from ledger import cosignature
from ledger.checkpoint import format_checkpoint, verify_checkpoint
from ledger.cosignature import Cosignature, WitnessKey
from ledger.errors import Inconsistent, MalformedError
from ledger.log import Log
from ledger.note import MAX_SIGNATURES, _split_note

MAX_FUTURE_SECONDS = 300  # tlog-cosignature §Format: verifiers MAY reject future timestamps
MAX_PUBLISHED = MAX_SIGNATURES - 1  # the log's own signature takes one line


def parse_witness_keys(keys: Iterable[str]) -> list[WitnessKey]:
    """``DRAWSVC_WITNESS_KEYS`` parsed; a malformed key is an error at start-up, not a silent skip."""
    out: list[WitnessKey] = []
    for n, vkey in enumerate(keys, 1):
        try:
            key = cosignature.parse_witness_key(vkey)
        except MalformedError as exc:
            raise MalformedError(f"DRAWSVC_WITNESS_KEYS: key {n}: {exc}") from None
        if key not in out:
            out.append(key)
    return out


@dataclass(frozen=True)
class Accepted:
    witness: str
    witness_key: str
    tree_size: int
    root_hash: bytes
    timestamp: int
    line: str
    stored: bool  # False when a newer cosignature by the same witness for this size was kept


def _body(log: Log, conn: sa.Connection, size: int) -> str:
    return format_checkpoint(log.origin, size, log.root(conn, size))


def _check_size(size: int, current: int) -> None:
    if size > current:
        raise InvalidInput(f"tree_size: the log has {current} entries, not {size}", field="tree_size",
                           rule="witness.size-not-reached")


def _from_note(log: Log, conn: sa.Connection, note: bytes, witnesses: Sequence[WitnessKey]
               ) -> tuple[int, bytes, list[Cosignature]]:
    cp = verify_checkpoint(note, log.signer.verifier(), origin=log.origin)  # signature, then origin
    _check_size(cp.size, log.size(conn))
    root = log.root(conn, cp.size)
    if cp.root != root or cp.extensions:
        raise Inconsistent(f"checkpoint of size {cp.size} with root {cp.root.hex()}: the log's root at "
                           f"that size is {root.hex()}")
    _, found = cosignature.cosignatures_in_note(note, witnesses)
    if not found:
        own = log.signer.verifier()
        foreign = [s for _, s, _ in _split_note(note)[1] if (s.name, s.key_id) != (own.name, own.key_id)]
        if foreign:
            raise Forbidden("no cosignature by a configured witness (DRAWSVC_WITNESS_KEYS)",
                            rule="witness.unknown-key")
        raise InvalidInput("checkpoint: carries no cosignature", field="checkpoint",
                           rule="witness.no-cosignature")
    return cp.size, root, found


def _from_line(log: Log, conn: sa.Connection, line: str, size: int | None,
               witnesses: Sequence[WitnessKey]) -> tuple[int, bytes, list[Cosignature]]:
    key = cosignature.find_witness(line, witnesses)
    if key is None:
        raise Forbidden("the cosignature is not by a configured witness (DRAWSVC_WITNESS_KEYS)",
                        rule="witness.unknown-key")
    current = log.size(conn)
    size = current if size is None else size
    _check_size(size, current)
    timestamp = cosignature.verify_cosignature(_body(log, conn, size), line, key.vkey)
    return size, log.root(conn, size), [Cosignature(key, timestamp, line.rstrip("\n") + "\n")]


def accept_cosignatures(
    session: Session, log: Log, witnesses: Sequence[WitnessKey], *, checkpoint: str | None = None,
    cosignature_line: str | None = None, tree_size: int | None = None, now: float | None = None,
) -> list[Accepted]:
    """Verify and store the cosignatures of a cosigned checkpoint note, or of one line over the
    checkpoint of ``tree_size`` (default: the current one). Raises; never returns a bool."""
    if (checkpoint is None) == (cosignature_line is None):
        raise InvalidInput("give exactly one of checkpoint and cosignature", field="checkpoint",
                           rule="witness.one-form")
    if not witnesses:
        raise Forbidden("this service accepts no cosignatures: DRAWSVC_WITNESS_KEYS is empty",
                        rule="witness.none-configured")
    conn = session.connection()
    if checkpoint is not None:
        try:
            note = checkpoint.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate from JSON's \ud800: not UTF-8 text
            raise MalformedError("checkpoint: not valid Unicode text") from None
        size, root, found = _from_note(log, conn, note, witnesses)
    else:
        assert cosignature_line is not None
        size, root, found = _from_line(log, conn, cosignature_line, tree_size, witnesses)
    limit = int(time.time() if now is None else now) + MAX_FUTURE_SECONDS
    out = []
    for c in found:
        if c.timestamp > limit:
            raise InvalidInput(f"cosignature by {c.witness.name}: timestamp {c.timestamp} is in the future",
                               field="cosignature", rule="witness.future-timestamp")
        row = session.get(LogCosignature, (c.witness.vkey, size))
        stored = row is None or row.cosigned_at < c.timestamp
        if row is None:
            row = LogCosignature(witness_key=c.witness.vkey, tree_size=size)
            session.add(row)
        if stored:
            row.witness_name, row.root_hash, row.cosigned_at = c.witness.name, root.hex(), c.timestamp
            row.line, row.received_at = c.line, datetime.now(UTC).replace(microsecond=0)
        out.append(Accepted(c.witness.name, c.witness.vkey, size, root, row.cosigned_at, row.line, stored))
    session.flush()
    return out


def cosignature_rows(conn: sa.Connection, size: int, witnesses: Sequence[WitnessKey]) -> list[sa.Row[Any]]:
    """Stored cosignatures of the checkpoint of ``size`` by the configured witnesses."""
    t = LogCosignature.__table__
    keys = [w.vkey for w in witnesses]
    if not keys:
        return []
    rows = conn.execute(sa.select(t).where(t.c.tree_size == size, t.c.witness_key.in_(keys))
                        .order_by(t.c.witness_key).limit(MAX_PUBLISHED)).all()
    return list(rows)


def cosigned(note: bytes, conn: sa.Connection, size: int, root: bytes,
             witnesses: Sequence[WitnessKey]) -> bytes:
    """The log's checkpoint note of ``size`` with the stored cosignatures of that size appended."""
    lines = [r.line for r in cosignature_rows(conn, size, witnesses) if r.root_hash == root.hex()]
    return cosignature.add_cosignatures(note, lines) if lines else note


def latest_by_witness(conn: sa.Connection, witnesses: Sequence[WitnessKey]) -> list[sa.Row[Any]]:
    """Each configured witness's cosignature of the largest size it cosigned."""
    t = LogCosignature.__table__
    out = []
    for w in witnesses:
        row = conn.execute(sa.select(t).where(t.c.witness_key == w.vkey)
                           .order_by(t.c.tree_size.desc()).limit(1)).first()
        if row is not None:
            out.append(row)
    return out
