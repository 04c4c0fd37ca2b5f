"""The published form of a result (docs/specs/results.md §5, RES-P3): the public subset, built
from an allow-list, never from the row itself.

Pure: it takes the row's public values and the names the caller looked up. Inspectors, the
leader, the team's answers, refusal notes, witnesses and whoever filed an objection are not in
it, and nothing here can add them: the keys are :data:`PUBLIC_KEYS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Protocol

PUBLISHED_SPEC = "drawsvc/published-result/v1"
PUBLIC_KEYS = (
    "spec",
    "result",
    "version",
    "task",
    "firm",
    "check_items",
    "inspected_on",
    "method",
    "categories",
    "subcategories",
    "follow_up",
    "published_on",
    "supersedes",
    "objection",
)


class PublicFields(Protocol):
    code: str
    version: int
    task_code: str
    target_uscc: str
    item_department: str
    item_code: str
    inspected_on: date
    method: str
    categories: list[str]
    subcategories: list[str]
    follow_up: str | None
    published_on: date | None
    objection_code: str | None


def public_form(
    row: PublicFields,
    *,
    firm_name: str,
    item_name: str | None,
    published_on: date | None = None,
    follow_up: str | None = None,
    objection: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The public subset of one result version (RES-P3). ``follow_up`` is the current state."""
    on = published_on or row.published_on
    form = {
        "spec": PUBLISHED_SPEC,
        "result": row.code,
        "version": row.version,
        "task": row.task_code,
        "firm": {"uscc": row.target_uscc, "name": firm_name},
        "check_items": [{"department": row.item_department, "code": row.item_code, "name": item_name}],
        "inspected_on": row.inspected_on.isoformat(),
        "method": row.method,
        "categories": list(row.categories),
        "subcategories": list(row.subcategories),
        "follow_up": follow_up if follow_up is not None else row.follow_up,
        "published_on": on.isoformat() if on else None,
        "supersedes": row.version - 1 if row.version > 1 else None,
        "objection": dict(objection) if objection else None,
    }
    assert tuple(form) == PUBLIC_KEYS
    return form
