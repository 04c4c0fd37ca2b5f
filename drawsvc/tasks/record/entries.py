"""Selecting one task's entries from a log (DR-11): parse stored entry bytes, pick those whose
``body.task`` is the task (entries.md E-1)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from drawsvc.errors import InvalidInput, NotFound


def task_of(entry: Mapping[str, Any]) -> str | None:
    """The task id an entry belongs to (``body.task``, entries.md E-1), or None."""
    body = entry.get("body") if isinstance(entry, Mapping) else None
    task = body.get("task") if isinstance(body, Mapping) else None
    return task if isinstance(task, str) else None


def parse_entry(data: bytes) -> dict[str, Any]:
    """Parse one log entry's RFC 8785 bytes (as stored) into a dict; InvalidInput if not JSON."""
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput("log entry is not UTF-8 JSON", field="entry", rule="record.entry-json") from exc
    if not isinstance(value, dict):
        raise InvalidInput("log entry is not a JSON object", field="entry", rule="record.entry-json")
    return value


def entries_of_task(
    indexed: Iterable[tuple[int, Mapping[str, Any]]], task: str
) -> list[tuple[int, Mapping[str, Any]]]:
    """The entries whose ``body.task`` is ``task`` (a sub-draw ``task/unit`` is a task of its own)."""
    return [(i, e) for i, e in indexed if task_of(e) == task]


def select_entries(
    log: Sequence[bytes | Mapping[str, Any]], task_or_index: str
) -> list[tuple[int, Mapping[str, Any]]]:
    """The entries of one task from a whole log (position = log index), as :func:`build_record` wants.

    ``task_or_index``: a task id, or (all digits) the log index of one of the task's entries (DR-11).
    """

    def entry(i: int) -> Mapping[str, Any]:
        e = log[i]
        return parse_entry(e) if isinstance(e, bytes) else e

    task = task_or_index.strip()
    if task.isdigit():
        index = int(task)
        if index >= len(log):
            raise NotFound(f"no log entry {index} (log size {len(log)})", field="index", subject=task)
        found = task_of(entry(index))
        if found is None:
            raise InvalidInput(f"log entry {index} belongs to no task", field="index", rule="record.no-task")
        task = found
    # RFC 8785 bytes hold the member exactly as ``"task":"<id>"`` (JSON escapes only ", \ and controls),
    # so entries without that text are skipped unparsed; those with it are parsed and checked.
    needle = ('"task":' + json.dumps(task, ensure_ascii=False)).encode("utf-8")
    candidates = (i for i, e in enumerate(log) if not isinstance(e, bytes) or needle in e)
    selected = [(i, e) for i in candidates if task_of(e := entry(i)) == task]
    if not selected:
        raise NotFound(f"no log entries for task {task}", field="task", subject=task)
    return selected
