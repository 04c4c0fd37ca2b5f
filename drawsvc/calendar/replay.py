"""Rebuild the calendar from log entries, as an auditor does (spec §6.4). Pure.

The auditor reads the ``calendar.arrangement`` entries of the log and obtains the same
``WorkCalendar`` — same arrangements, same versions — that the service used, so every
stored ``Deadline`` can be recomputed from the log alone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

import rfc8785

from drawsvc.calendar.arithmetic import WorkCalendar
from drawsvc.calendar.arrangement import Arrangement, arrangement_to_json, parse_arrangement
from drawsvc.errors import RuleViolation

ENTRY_KIND = "calendar.arrangement"


def _refuse(index: int, rule: str, message: str) -> RuleViolation:
    return RuleViolation(f"log index {index}: {message}", rule=rule, subject=str(index))


LogEntries = Iterable[tuple[int, Mapping[str, Any]]]


def replay_arrangements(entries: LogEntries) -> dict[int, tuple[int, Arrangement]]:
    """Current arrangement per year → (log index, arrangement), from ``(index, entry)`` pairs.

    Entries of other kinds are skipped. Checks R1–R3 of spec §6.4: the content hash matches,
    a first load never meets a loaded year, a correction names the year's current entry.
    """
    current: dict[int, tuple[int, Arrangement]] = {}
    for index, entry in sorted(entries, key=lambda pair: pair[0]):
        if entry.get("kind") != ENTRY_KIND:
            continue
        body = entry["body"]
        arrangement = parse_arrangement(body["arrangement"])
        digest = hashlib.sha256(rfc8785.dumps(arrangement_to_json(arrangement))).hexdigest()
        if digest != body["content_sha256"]:  # R1
            raise _refuse(index, "calendar.replay-hash", "content_sha256 does not match the arrangement")
        year = arrangement.year
        supersedes = body.get("supersedes")
        if supersedes is None and year in current:  # R2
            raise _refuse(index, "calendar.replay-duplicate", f"{year} loaded again without a correction")
        if supersedes is not None and (year not in current or current[year][0] != supersedes):  # R3
            raise _refuse(index, "calendar.replay-supersedes",
                          f"correction of {year} does not name its current entry")
        current[year] = (index, arrangement)
    return current


def calendar_from_entries(entries: LogEntries) -> WorkCalendar:
    """The calendar the service used after these entries (versions = log indices)."""
    current = replay_arrangements(entries)
    return WorkCalendar([a for _, a in current.values()], {y: i for y, (i, _) in current.items()})
