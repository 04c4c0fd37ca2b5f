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

from ledger import store
from ledger.errors import StorageError
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

    def batch(self, session: Session) -> Batch:
        """Entries of one operation gathered for one append (see :class:`Batch`)."""
        return Batch(self, session)


class Batch:
    """The entries of one operation appended as one atomic batch: one writer-lock turn, one
    integration and one signed checkpoint instead of one per ``record`` call.

    An entry's index is known when it is recorded (later entries cite earlier ones, e.g. the
    commitment cites its pool chunks): the first ``record`` (or :meth:`first_index`) takes the
    log's writer lock, held until the transaction ends, and reads the size, so the indices
    handed out — size, size + 1, … in recording order — are the ones :meth:`append` gets.
    Entries queued before that (:meth:`queue_many`) are counted in their order too. Nothing is
    in the log until :meth:`append`, which must run in the same transaction; an append by
    anyone else in between (impossible under the lock, except by this transaction itself
    bypassing the batch) makes :meth:`append` raise instead of logging entries at other
    indices than handed out.
    """

    def __init__(self, journal: Journal, session: Session) -> None:
        self.journal = journal
        self.session = session
        self.entries: list[dict[str, Any]] = []
        self.start: int | None = None

    def _next(self) -> int:
        if self.start is None:
            conn = self.session.connection()
            store.lock_for_append(conn)
            self.start = self.journal.log.size(conn)
        return self.start + len(self.entries)

    def queue_many(self, kind: str, bodies: Iterable[Mapping[str, Any]], *, actor: Actor) -> int:
        """Add one entry per body without taking the writer lock; return the first one's offset
        in the batch: its index is ``first_index() + offset``. An operation queues its costly
        entries (a commitment's pool chunks) first and takes the lock only for what cites them."""
        offset = len(self.entries)
        self.entries.extend(self.journal.envelope(kind, b, actor) for b in bodies)
        return offset

    def first_index(self) -> int:
        """The index of the batch's first entry: takes the writer lock (until the transaction
        ends) and reads the log's size, once."""
        return self._next() - len(self.entries)

    def record(self, kind: str, body: Mapping[str, Any], *, actor: Actor) -> int:
        """Add one entry; return the log index it will have."""
        index = self._next()
        self.entries.append(self.journal.envelope(kind, body, actor))
        return index

    def record_many(self, kind: str, bodies: Iterable[Mapping[str, Any]], *, actor: Actor) -> int:
        """Add one entry per body; return the index of the first (the others follow it)."""
        index = self._next()
        self.entries.extend(self.journal.envelope(kind, b, actor) for b in bodies)
        return index

    def append(self) -> AppendResult | None:
        """Append everything recorded, as one batch (None if nothing was)."""
        if not self.entries:
            return None
        result = self.journal.log.append(self.session.connection(), self.entries)
        if result.first_index != self.start:
            raise StorageError(f"batch appended at index {result.first_index}, not at the {self.start} "
                               "handed out: something appended in between")
        self.entries = []
        return result
