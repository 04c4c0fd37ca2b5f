"""Working-day deadlines of the results cycle and their state on a day (docs/specs/results.md §6).

Pure: the calendar arithmetic itself is :mod:`drawsvc.calendar` (the service computes each
``Deadline`` there and stores ``due`` with its ``calendar_version``); this module only names
the kinds and says whether a deadline was met, missed, is still open or is overdue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

# Kinds of deadline (RES-D1 … RES-D5).
RESULT_FORM = "result.form"  # result formed (submitted and answered by the team) N wd after completion
RESULT_MISSING = "result.missing"  # no result at all N wd after the task's period
RESULT_PUBLISH = "result.publish"  # published within 20 wd of being formed (national rule)
OBJECTION_REVIEW = "objection.review"  # objection decided within 20 wd of receipt
DISPATCH_CONFIRM = "dispatch.confirm"  # dispatched targets confirmed by the unit within 1 wd
KINDS = (RESULT_FORM, RESULT_MISSING, RESULT_PUBLISH, OBJECTION_REVIEW, DISPATCH_CONFIRM)

DEFAULT_RESULTS_DUE_WORKING_DAYS = 20
DEFAULT_OBJECTION_WINDOW_WORKING_DAYS = 20
PUBLISH_WORKING_DAYS = 20
OBJECTION_REVIEW_WORKING_DAYS = 20
DISPATCH_CONFIRM_WORKING_DAYS = 1
PUBLISH_WARN_WORKING_DAYS = 5  # warn when this many working days (or fewer) are left

MET, MISSED, OPEN, DUE_SOON, OVERDUE = "met", "missed", "open", "due-soon", "overdue"


@dataclass(frozen=True)
class TrackedDeadline:
    """One deadline of one subject: when it started, when it is due, when (if) it was done."""

    kind: str
    subject: str  # result code, objection code, "<task>#<unit>", "<task>#<uscc>"
    department: str
    start: date
    due: date
    calendar_version: tuple[int, ...]
    done_on: date | None
    left: int | None = None  # working days left (open deadlines, when counted)

    def state(self, today: date) -> str:
        """RES-D6: met / missed when done; overdue after ``due``; due-soon inside the warning; open."""
        if self.done_on is not None:
            return MET if self.done_on <= self.due else MISSED
        if today > self.due:
            return OVERDUE
        if self.kind == RESULT_PUBLISH and self.left is not None and self.left <= PUBLISH_WARN_WORKING_DAYS:
            return DUE_SOON
        return OPEN

    def as_dict(self, today: date) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "subject": self.subject,
            "department": self.department,
            "start": self.start.isoformat(),
            "due": self.due.isoformat(),
            "calendar_version": list(self.calendar_version),
            "done_on": self.done_on.isoformat() if self.done_on else None,
            "working_days_left": self.left,
            "state": self.state(today),
        }
