"""Loading holiday arrangements into the log and the database (spec §6).

Every function takes a ``Session`` already inside a transaction (``runtime.transaction()``)
and never commits. Each loaded arrangement is one log entry of kind ``calendar.arrangement``
(body spec §6.1), written in the same transaction as its row, so the auditor and the public
site recompute deadlines from exactly the calendar the service used.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

import rfc8785
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from drawsvc.calendar.arithmetic import Deadline, WorkCalendar
from drawsvc.calendar.arrangement import Arrangement, arrangement_to_json, parse_arrangement
from drawsvc.calendar.bundled import bundled_arrangements
from drawsvc.calendar.models import CalendarArrangement
from drawsvc.errors import Conflict, InvalidInput

if TYPE_CHECKING:
    from drawsvc.journal import Actor, Journal

ENTRY_KIND = "calendar.arrangement"
MAX_REASON = 1000
MAX_FILE_BYTES = 256 * 1024


def content_sha256(arrangement: Arrangement) -> str:
    """SHA-256 (hex) of the RFC 8785 bytes of the canonical arrangement (spec §6.1)."""
    return hashlib.sha256(rfc8785.dumps(arrangement_to_json(arrangement))).hexdigest()


def parse_arrangement_file(data: bytes) -> Arrangement:
    """Strictly decode an arrangement file (UTF-8 JSON, no duplicate keys, no NaN) and validate it."""
    if len(data) > MAX_FILE_BYTES:
        raise InvalidInput(f"file: larger than {MAX_FILE_BYTES} bytes", field="file",
                           rule="calendar.file-size")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("file: not UTF-8", field="file", rule="calendar.file-encoding") from None

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        obj: dict[str, Any] = {}
        for key, value in pairs:
            if key in obj:
                raise InvalidInput(f"{key}: appears twice", field=key, rule="calendar.duplicate-field")
            obj[key] = value
        return obj

    def no_constant(name: str) -> Any:
        raise InvalidInput(f"file: {name} is not allowed", field="file", rule="calendar.file-json")

    try:
        obj = json.loads(text, object_pairs_hook=no_duplicates, parse_constant=no_constant)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"file: not valid JSON (line {exc.lineno}, column {exc.colno})",
                           field="file", rule="calendar.file-json") from None
    return parse_arrangement(obj)


def _current(session: Session, year: int) -> CalendarArrangement | None:
    return session.scalars(
        sa.select(CalendarArrangement).where(
            CalendarArrangement.year == year, CalendarArrangement.superseded.is_(False)
        )
    ).one_or_none()


def _entry_body(
    arrangement: Arrangement, *, version: int, source: str, reason: str | None, supersedes: int | None
) -> dict[str, Any]:
    return {
        "arrangement": arrangement_to_json(arrangement),
        "content_sha256": content_sha256(arrangement),
        "version": version,
        "source": source,
        "reason": reason,
        "supersedes": supersedes,
    }


def _row(body: Mapping[str, Any], log_index: int, actor: Actor, loaded_at: Any) -> CalendarArrangement:
    arr = body["arrangement"]
    return CalendarArrangement(
        year=arr["year"],
        version=body["version"],
        log_index=log_index,
        body=arr,
        content_sha256=body["content_sha256"],
        source=body["source"],
        reason=body["reason"],
        supersedes_log_index=body["supersedes"],
        superseded=False,
        loaded_at=loaded_at,
        loaded_by=f"{actor.role}:{actor.name}",
    )


def _flush(session: Session, year: int) -> None:
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(f"year: {year} was loaded concurrently; retry", field="year",
                       rule="calendar.concurrent-load") from None


def ensure_bundled(session: Session, journal: Journal, *, actor: Actor | None = None) -> list[int]:
    """Log and store each bundled year (2004–2026) not loaded yet; idempotent.

    Returns the log indices appended (empty when every bundled year is already present).
    """
    from drawsvc.journal import SYSTEM

    actor = actor or SYSTEM
    present = set(session.scalars(sa.select(CalendarArrangement.year).distinct()))
    missing = [a for a in bundled_arrangements() if a.year not in present]
    if not missing:
        return []
    bodies = [_entry_body(a, version=1, source="bundled", reason=None, supersedes=None) for a in missing]
    result = journal.record_many(session, ENTRY_KIND, bodies, actor=actor)
    loaded_at = journal.clock()
    indices = [result.first_index + i for i in range(len(bodies))]
    for body, index in zip(bodies, indices, strict=True):
        session.add(_row(body, index, actor, loaded_at))
    _flush(session, missing[0].year)
    _CACHE.clear()
    return indices


def add_arrangement(
    session: Session,
    journal: Journal,
    arrangement: Arrangement | Mapping[str, Any],
    *,
    actor: Actor,
    reason: str | None = None,
) -> CalendarArrangement:
    """Load one year's arrangement (spec §6.2). ``arrangement`` may be raw JSON data (validated here).

    A year already loaded is refused unless ``reason`` is given; then this is a logged
    correction: the new entry names the superseded one, and the old row is kept (superseded).
    Validation happens before anything is written; on any error nothing is logged.
    """
    if not isinstance(arrangement, Arrangement):
        arrangement = parse_arrangement(arrangement)
    if reason is not None:
        reason = reason.strip()
        if not reason or len(reason) > MAX_REASON:
            raise InvalidInput(f"reason: must be 1–{MAX_REASON} characters", field="reason",
                               rule="calendar.reason")
    year = arrangement.year
    current = _current(session, year)
    if current is not None:
        if reason is None:
            raise Conflict(
                f"year: {year} is already loaded (version {current.version}, log index "
                f"{current.log_index}); replacing it is a correction and needs a reason "
                "(`drawsvc calendar add FILE --reason ...`)",
                field="year", rule="calendar.year-already-loaded", year=year,
                log_index=current.log_index,
            )
        if current.content_sha256 == content_sha256(arrangement):
            raise Conflict(f"year: the file is identical to the loaded {year} arrangement "
                           f"(log index {current.log_index})",
                           field="year", rule="calendar.replacement-identical", year=year)
    body = _entry_body(
        arrangement,
        version=1 if current is None else current.version + 1,
        source="upload",
        reason=reason,
        supersedes=None if current is None else current.log_index,
    )
    index = journal.record(session, ENTRY_KIND, body, actor=actor)
    if current is not None:
        current.superseded = True
        _flush(session, year)
    row = _row(body, index, actor, journal.clock())
    session.add(row)
    _flush(session, year)
    _CACHE.clear()
    return row


def list_arrangements(session: Session, *, year: int | None = None) -> list[CalendarArrangement]:
    """Every loaded version (current and superseded), by year then version."""
    query = sa.select(CalendarArrangement).order_by(CalendarArrangement.year, CalendarArrangement.version)
    if year is not None:
        query = query.where(CalendarArrangement.year == year)
    return list(session.scalars(query))


_CacheKey = tuple[tuple[int, int, str], ...]
_CACHE: dict[_CacheKey, WorkCalendar] = {}
_CACHE_SIZE = 8


def load_calendar(session: Session) -> WorkCalendar:
    """The current calendar: every current arrangement, versions = their log indices (spec §6.3).

    Read-only. Tables are built once per distinct set of loaded versions and cached.
    """
    key: _CacheKey = tuple(
        (r.year, r.log_index, r.content_sha256)
        for r in session.execute(
            sa.select(CalendarArrangement.year, CalendarArrangement.log_index,
                      CalendarArrangement.content_sha256)
            .where(CalendarArrangement.superseded.is_(False))
            .order_by(CalendarArrangement.year)
        )
    )
    cached = _CACHE.get(key)
    if cached is not None:
        return cached
    rows = session.scalars(
        sa.select(CalendarArrangement).where(CalendarArrangement.superseded.is_(False))
    ).all()
    calendar = WorkCalendar([parse_arrangement(r.body) for r in rows], {r.year: r.log_index for r in rows})
    if len(_CACHE) >= _CACHE_SIZE:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[key] = calendar
    return calendar


def compute_deadline(session: Session, start: date, working_days: int) -> Deadline:
    """The binding deadline ``working_days`` working days after ``start`` (spec §5, §6.3)."""
    return load_calendar(session).deadline(start, working_days)
