"""Idempotent POSTs: a retry returns the original response and never performs the operation twice.

Rules (docs/api.md §Idempotency):

1. Every POST accepts an ``Idempotency-Key`` header (1–255 visible ASCII characters).
   Keys are namespaced by the caller's API key, so one department can neither collide with
   nor read another's.
2. The key, the hash of the request and the response are stored in the *same transaction*
   as the operation: a crash records both or neither.
3. The key is *claimed* (row inserted, response empty) before the operation runs. A
   concurrent duplicate blocks on the primary key until the first transaction ends; if that
   one committed, the duplicate reads and replays the stored response (:class:`KeyTaken`, a
   retry in a fresh transaction, only if it could not see the row). If it rolled back, the
   duplicate's claim succeeds and it runs. (On SQLite every writing transaction is serialised
   by ``BEGIN IMMEDIATE`` anyway.)
4. The same key with a different request (method, path, query or body) is refused with
   :class:`IdempotencyKeyReused` (409). Failed operations roll back, the claim with them,
   so a retry after an error runs again — safe, because the failure changed nothing.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from drawsvc.db.base import Base
from drawsvc.errors import Conflict, InvalidInput

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
KEY_PATTERN = r"^[\x21-\x7e]{1,255}$"
_KEY = re.compile(KEY_PATTERN)
REPLAYED_HEADER = "Idempotent-Replayed"


class IdempotencyRecord(Base):
    __tablename__ = "api_idempotency_keys"

    scope: Mapped[str] = mapped_column(sa.String(24), primary_key=True)  # API key id or "public"
    key: Mapped[str] = mapped_column(sa.String(MAX_KEY_LENGTH), primary_key=True)
    request_sha256: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    method: Mapped[str] = mapped_column(sa.String(10), nullable=False)
    path: Mapped[str] = mapped_column(sa.String(2000), nullable=False)
    status_code: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    media_type: Mapped[str | None] = mapped_column(sa.String(200), nullable=True)
    body: Mapped[bytes | None] = mapped_column(sa.LargeBinary, nullable=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), nullable=False)


class IdempotencyKeyReused(Conflict):
    code = "idempotency-key-reused"


class KeyTaken(Exception):
    """A concurrent request holding the same key committed first: replay in a fresh transaction."""


@dataclass(frozen=True)
class StoredResponse:
    status_code: int
    media_type: str | None
    body: bytes


def check_key(key: str) -> str:
    if not _KEY.match(key):
        raise InvalidInput(f"{HEADER}: 1–{MAX_KEY_LENGTH} visible ASCII characters",
                           field=HEADER, rule="idempotency.key-format")
    return key


def request_hash(method: str, path: str, query: str, content_type: str | None, body: bytes) -> str:
    """SHA-256 over what makes two requests "the same".

    A multipart body's boundary is random per attempt, so it is replaced by a fixed token
    before hashing: a client retrying the same upload gets the same hash.
    """
    ctype = (content_type or "").strip()
    match = re.search(r'boundary="?([^";,]+)"?', ctype, flags=re.IGNORECASE)
    if ctype.lower().startswith("multipart/") and match:
        boundary = match.group(1).encode("latin-1", "replace")
        body = body.replace(boundary, b"BOUNDARY")
        ctype = ctype[: match.start()] + "boundary=BOUNDARY" + ctype[match.end():]
    digest = hashlib.sha256()
    for part in (method.upper(), path, query, ctype.lower()):
        digest.update(part.encode("utf-8", "surrogateescape") + b"\x00")
    digest.update(body)
    return digest.hexdigest()


def claim(session: Session, *, scope: str, key: str, request_sha256: str, method: str,
          path: str) -> StoredResponse | None:
    """Claim ``key`` for this request, or return the stored response of the original.

    Raises :class:`IdempotencyKeyReused` for a different request under the same key and
    :class:`KeyTaken` when the key's row cannot be seen though it exists (the session's
    transaction is then unusable: roll back and call again in a new one).

    One statement for a new key (most requests): ``INSERT … ON CONFLICT DO NOTHING``, which on
    PostgreSQL waits for a concurrent holder's transaction to end, as a plain insert would; the
    row is read only when the key was there already (or was just committed by that holder:
    READ COMMITTED, the read sees it), instead of a read before every insert.
    """
    t = IdempotencyRecord.__table__
    insert = _insert_for(session)(t).values(
        scope=scope, key=key, request_sha256=request_sha256, method=method, path=path[:2000],
        created_at=datetime.now(UTC)).on_conflict_do_nothing(index_elements=[t.c.scope, t.c.key])
    # RETURNING, not rowcount: psycopg's rowcount is -1 here through SQLAlchemy
    if session.execute(insert.returning(t.c.scope)).first() is not None:
        return None
    row = session.execute(
        sa.select(t.c.request_sha256, t.c.status_code, t.c.media_type, t.c.body)
        .where(t.c.scope == scope, t.c.key == key)).one_or_none()
    if row is None:  # pragma: no cover - a conflicting row the statement's snapshot cannot see
        raise KeyTaken(key)
    if row.request_sha256 != request_sha256:
        raise IdempotencyKeyReused(
            f"{HEADER} was already used for a different request; use a new key",
            field=HEADER, rule="idempotency.same-request")
    if row.status_code is None:  # only possible inside the claiming transaction itself
        raise Conflict(f"{HEADER}: the original request is still in progress", field=HEADER,
                       rule="idempotency.in-progress")
    return StoredResponse(row.status_code, row.media_type, row.body or b"")


def _insert_for(session: Session) -> Callable[..., Any]:
    """The dialect's ``insert`` (both supported backends have ``ON CONFLICT DO NOTHING``)."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert
    return sqlite.insert


def complete(session: Session, *, scope: str, key: str, response: StoredResponse) -> None:
    """Store the response of the claimed request (same transaction as the operation)."""
    # one UPDATE (the claimed row is no longer in the session once the request let go of it,
    # so an ORM load would read it back first)
    session.flush()
    r = IdempotencyRecord
    done = session.execute(
        sa.update(r).where(r.scope == scope, r.key == key)
        .values(status_code=response.status_code, media_type=response.media_type, body=response.body)
        .execution_options(synchronize_session=False))
    if done.rowcount != 1:  # pragma: no cover - claim() inserted it in this transaction
        raise Conflict(f"{HEADER}: claim lost", field=HEADER, rule="idempotency.in-progress")
