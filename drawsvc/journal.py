"""The drawsvc side of the log: every state change becomes one versioned log entry.

Entry envelope (``drawsvc/entry/v1``, specified in ``docs/specs/entries.md``)::

    {"schema": "drawsvc/entry/v1", "kind": "<area>.<event>", "at": "<RFC 3339, +08:00>",
     "actor": {"role": ..., "department": ..., "name": ...}, "body": {...}}

``kind`` names the body's own schema (e.g. ``registry.target.upsert``); a change to a
body's shape gets a new kind suffix (``.../v2``) rather than a silent change. Bodies carry
public fields in clear and private fields only as salted commitments (see ``privacy``).
The entry is appended inside the caller's transaction, so a domain change and its log
entry commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from ledger.log import AppendResult, Log

ENTRY_SCHEMA = "drawsvc/entry/v1"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def now_shanghai() -> datetime:
    return datetime.now(SHANGHAI).replace(microsecond=0)


@dataclass(frozen=True)
class Actor:
    """Who did it. ``name`` is a key id or an operator's public id, never personal data."""

    role: str  # "bureau" | "discipline" | "admin" | "system" | "public"
    department: str | None = None
    name: str = "system"

    def as_entry(self) -> dict[str, Any]:
        return {"role": self.role, "department": self.department, "name": self.name}


SYSTEM = Actor(role="system", department=None, name="system")


class Journal:
    """Appends the service's entries to the log, stamped by the service's one clock.

    ``clock`` is the only source of "now" and "today" for services, routes and commands, so
    that a test (or a replay) can fix it in one place. Without one, ``now_shanghai`` is looked
    up when the journal is made, not when this module is imported, for the same reason.
    """

    def __init__(self, log: Log, clock: Callable[[], datetime] | None = None) -> None:
        self.log = log
        self.clock = clock or now_shanghai

    def today(self) -> date:
        """The service's calendar day (Asia/Shanghai)."""
        return self.clock().date()

    def envelope(self, kind: str, body: Mapping[str, Any], actor: Actor) -> dict[str, Any]:
        return {
            "schema": ENTRY_SCHEMA,
            "kind": kind,
            "at": self.clock().isoformat(),
            "actor": actor.as_entry(),
            "body": dict(body),
        }

    def record(self, session: Session, kind: str, body: Mapping[str, Any], *, actor: Actor) -> int:
        """Append one entry in the session's transaction; return its log index."""
        result = self.log.append(session.connection(), [self.envelope(kind, body, actor)])
        return result.first_index

    def record_many(
        self, session: Session, kind: str, bodies: Iterable[Mapping[str, Any]], *, actor: Actor
    ) -> AppendResult:
        """Append one entry per body, as one atomic batch; indices are consecutive from first_index."""
        entries: Sequence[dict[str, Any]] = [self.envelope(kind, b, actor) for b in bodies]
        return self.log.append(session.connection(), entries)
