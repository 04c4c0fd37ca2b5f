"""Helpers shared by the registry tests (imported by name; conftest puts this folder on sys.path)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from typing import Any

from drawsvc.journal import Actor
from drawsvc.registries.formats import LAYOUTS

BUREAU = Actor(role="bureau", department="SCJG", name="op-1")
TODAY = date(2026, 3, 2)  # a Monday inside the bundled calendar (2004–2026)


def log_bytes(runtime: Any) -> bytes:
    """Every log entry's bytes, concatenated."""
    with runtime.transaction() as s:
        conn = s.connection()
        size = runtime.log.size(conn)
        return b"\n".join(runtime.log.entries(conn, 0, size))


def log_entries(runtime: Any) -> list[dict[str, Any]]:
    with runtime.transaction() as s:
        conn = s.connection()
        size = runtime.log.size(conn)
        return [json.loads(b) for b in runtime.log.entries(conn, 0, size)]


def csv_bytes(kind: str, rows: list[dict[str, Any]], encoding: str = "utf-8-sig") -> bytes:
    """A registry file of ``kind`` with the canonical Chinese headers."""
    out = io.StringIO()
    writer = csv.writer(out)
    columns = LAYOUTS[kind].columns
    writer.writerow([c.header for c in columns])
    for row in rows:
        writer.writerow([row.get(c.field, "") for c in columns])
    return out.getvalue().encode(encoding)
