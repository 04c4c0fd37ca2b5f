"""The backup archive ``drawsvc-backup/v1``: pure line codec, no I/O (spec: docs/specs/backup.md).

An archive is gzip-compressed UTF-8 text, one JSON value per line (LF):

1. a header object ``{"format": "drawsvc-backup/v1", "created", "dialect", "alembic_revision",
   "log": {"origin", "size", "root", "checkpoint"}, "tables": [name, ...]}``;
2. for each table in ``tables`` order (parents before children): ``{"table": name,
   "columns": [name, ...]}``, then one JSON array per row (values in ``columns`` order),
   then ``{"end": name, "rows": n}``;
3. a trailer ``{"end": "backup", "sha256": hex}``: SHA-256 over every preceding line's bytes,
   newlines included.

Values are typed by the column: bytes as base64 text, dates and times as ISO 8601 text, JSON
columns as JSON, everything else as it is. Decoding needs the same column types, which the
restoring code takes from its own metadata (the schema of the same migration revision).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Mapping
from datetime import date, datetime, time
from typing import Any

import sqlalchemy as sa

FORMAT = "drawsvc-backup/v1"
TRAILER = "backup"

Codec = tuple[Callable[[Any], Any], Callable[[Any], Any]]


def _identity(value: Any) -> Any:
    return value


def _b64encode(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def _b64decode(value: str) -> bytes:
    return base64.b64decode(value, validate=True)


def _iso(value: date | datetime | time) -> str:
    return value.isoformat()


_CODECS: list[tuple[type[sa.types.TypeEngine[Any]], Codec]] = [
    (sa.LargeBinary, (_b64encode, _b64decode)),
    (sa.DateTime, (_iso, datetime.fromisoformat)),
    (sa.Date, (_iso, date.fromisoformat)),
    (sa.Time, (_iso, time.fromisoformat)),
]


def _nullable(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda v: None if v is None else fn(v)


def column_codec(column: sa.Column[Any]) -> Codec:
    """(encode, decode) for one column's values; ``None`` always passes through."""
    for kind, (enc, dec) in _CODECS:
        if isinstance(column.type, kind):
            return _nullable(enc), _nullable(dec)
    return _identity, _identity


class Digest:
    """Running SHA-256 of the archive's lines, as the trailer states it."""

    def __init__(self) -> None:
        self._h = hashlib.sha256()

    def line(self, obj: Any) -> bytes:
        data = json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"
        self._h.update(data)
        return data

    def feed(self, raw: bytes) -> None:
        self._h.update(raw)

    def hexdigest(self) -> str:
        return self._h.hexdigest()


def header(*, created: str, dialect: str, alembic_revision: str | None, log: Mapping[str, Any],
           tables: list[str]) -> dict[str, Any]:
    return {"format": FORMAT, "created": created, "dialect": dialect,
            "alembic_revision": alembic_revision, "log": dict(log), "tables": tables}
