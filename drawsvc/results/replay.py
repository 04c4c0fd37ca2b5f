"""Recompute every logged deadline of the results cycle from the log alone (docs/specs/results.md
§10), as the discipline office does. Pure over ``(index, entry)`` pairs.

For each entry that logs a deadline, the calendar is the one the log held just before it
(``calendar.arrangement`` entries, ``drawsvc.calendar.replay``) and the number of working days
the rule's: the department's ``results_due_working_days`` from its latest ``result.settings``
entry before it (default 20) for the entry deadline, 20 for a publication and an objection
review, the department's objection window for the filing window, 1 for a dispatch
confirmation. ``due`` and ``calendar_version`` must be exactly those computed; the
``on_time`` flags must agree with them. A mismatch raises :class:`DeadlineMismatch` naming the
entry and the field; the verifier never returns a bool.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from drawsvc.calendar.arithmetic import WorkCalendar
from drawsvc.calendar.replay import ENTRY_KIND as CALENDAR_KIND
from drawsvc.calendar.replay import calendar_from_entries
from drawsvc.results import deadlines as dl
from ledger.errors import VerificationError

LogEntries = Iterable[tuple[int, Mapping[str, Any]]]


class DeadlineMismatch(VerificationError):
    """A logged deadline is not the one its rule and the logged calendar give."""

    code = "deadline-mismatch"

    def __init__(self, index: int, field: str, expected: Any, logged: Any) -> None:
        super().__init__(f"log index {index}: {field} is {logged!r}, the rule gives {expected!r}")
        self.index, self.field, self.expected, self.logged = index, field, expected, logged


def _check(
    index: int, field: str, calendar: WorkCalendar, start: str, n: int, logged: Mapping[str, Any]
) -> date:
    expected = calendar.deadline(date.fromisoformat(start), n)
    if logged.get("due") != expected.due.isoformat():
        raise DeadlineMismatch(index, f"{field}.due", expected.due.isoformat(), logged.get("due"))
    if list(logged.get("calendar_version") or []) != list(expected.calendar_version):
        raise DeadlineMismatch(
            index,
            f"{field}.calendar_version",
            list(expected.calendar_version),
            logged.get("calendar_version"),
        )
    return expected.due


def _on_time(index: int, body: Mapping[str, Any], done: str, due: date) -> None:
    expected = date.fromisoformat(done) <= due
    if body.get("on_time") is not expected:
        raise DeadlineMismatch(index, "on_time", expected, body.get("on_time"))


def verify_deadlines(entries: LogEntries) -> int:
    """Check every deadline logged by ``result.*`` entries; return how many were checked."""
    calendar_entries: list[tuple[int, Mapping[str, Any]]] = []
    calendar: WorkCalendar | None = None
    due_days: dict[str, int] = {}
    window_days: dict[str, int] = {}
    published: dict[tuple[str, int], str] = {}  # (result, version) → day published
    reviews: dict[str, Mapping[str, Any]] = {}  # objection → its review deadline as filed
    checked = 0
    for index, entry in sorted(entries, key=lambda pair: pair[0]):
        kind, body = entry.get("kind"), entry.get("body") or {}
        if kind == CALENDAR_KIND:
            calendar_entries.append((index, entry))
            calendar = None
            continue
        if not isinstance(kind, str) or not kind.startswith("result."):
            continue
        if calendar is None:
            calendar = calendar_from_entries(calendar_entries)
        if kind == "result.settings":
            due_days[body["department"]] = body["results_due_working_days"]
            window_days[body["department"]] = body["objection_window_working_days"]
        elif kind in ("result.submit", "result.import"):
            n = due_days.get(body["department"], dl.DEFAULT_RESULTS_DUE_WORKING_DAYS)
            _check(index, "due", calendar, body["completed_on"], n, body["due"])
            checked += 1
            if kind == "result.import":
                _check(
                    index,
                    "publish_due",
                    calendar,
                    body["formed_on"],
                    dl.PUBLISH_WORKING_DAYS,
                    body["publish_due"],
                )
                checked += 1
        elif kind in ("result.confirm", "result.dissent") and body.get("formed"):
            _check(
                index,
                "publish_due",
                calendar,
                body["formed_on"],
                dl.PUBLISH_WORKING_DAYS,
                body["publish_due"],
            )
            checked += 1
        elif kind == "result.publish":
            on = body["published"]["published_on"]
            published[(body["result"], body["version"])] = on
            if body.get("publish_due") is not None:
                _on_time(index, body, on, date.fromisoformat(body["publish_due"]["due"]))
        elif kind == "result.objection.file":
            department = entry.get("actor", {}).get("department")
            start = published.get((body["result"], body["version"]))
            if start is None:
                raise DeadlineMismatch(index, "version", "a published version", body["version"])
            n = window_days.get(department, dl.DEFAULT_OBJECTION_WINDOW_WORKING_DAYS)
            _check(index, "window", calendar, start, n, body["window"])
            _check(
                index,
                "review_due",
                calendar,
                body["received_on"],
                dl.OBJECTION_REVIEW_WORKING_DAYS,
                body["review_due"],
            )
            reviews[body["objection"]] = body["review_due"]
            checked += 2
        elif kind == "result.objection.decide":
            if body["review_due"] != reviews.get(body["objection"]):
                raise DeadlineMismatch(
                    index, "review_due", reviews.get(body["objection"]), body["review_due"]
                )
            _on_time(index, body, body["decided_on"], date.fromisoformat(body["review_due"]["due"]))
        elif kind == "result.dispatch.confirm":
            due = _check(
                index, "due", calendar, body["dispatched_on"], dl.DISPATCH_CONFIRM_WORKING_DAYS, body["due"]
            )
            _on_time(index, body, body["confirmed_on"], due)
            checked += 1
    return checked
