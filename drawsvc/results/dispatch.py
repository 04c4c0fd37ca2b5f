"""Dispatch confirmation (曲阳 §17; docs/specs/results.md §4): a unit that receives dispatched
targets confirms them within 1 working day of the dispatch.

The dispatch itself is the task's (``task.dispatch`` entries, written by ``drawsvc.tasks``);
this module reads those entries from the log — their ``at`` is the dispatch day, their
``units`` the share — and records the unit's confirmation (``result.dispatch.confirm``) with the
deadline and its calendar version. A unit that has not confirmed is listed as overdue once the
working day has passed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from drawsvc.calendar.arithmetic import Deadline
from drawsvc.calendar.service import load_calendar
from drawsvc.errors import Conflict, Forbidden, InvalidInput, RuleViolation
from drawsvc.journal import Actor, Journal
from drawsvc.results import deadlines as dl
from drawsvc.results import repository as repo
from drawsvc.results.models import DispatchConfirmation
from drawsvc.results.service import deadline_body
from drawsvc.tasks import repository as tasks
from drawsvc.tasks.models import Draw
from ledger.log import Log

KIND_CONFIRM = "result.dispatch.confirm"
SCAN_WINDOW = 256
EntryReader = Callable[[int, int], list[dict[str, Any]]]


@dataclass(frozen=True)
class Dispatch:
    """A task's dispatch as logged: first entry index, dispatch day, units → targets."""

    task: str
    round: int
    index: int
    on: date
    units: dict[str, list[str]]


def find_dispatch(read: EntryReader, size: int, *, task: str, round_: int, after: int) -> Dispatch | None:
    """The ``task.dispatch`` chunks of ``task``/``round_``, searched from log index ``after`` on.

    Pure over an entry reader. The chunks are consecutive (entries.md E-5), appended after the
    draw (``after`` = the ``draw.result`` index); the search stops at the last chunk.
    """
    units: dict[str, list[str]] = {}
    first: int | None = None
    on: date | None = None
    start = after + 1
    while start < size:
        stop = min(size, start + SCAN_WINDOW)
        for offset, entry in enumerate(read(start, stop)):
            body = entry.get("body", {})
            if (
                entry.get("kind") != "task.dispatch"
                or body.get("task") != task
                or body.get("round") != round_
            ):
                continue
            if first is None:
                first = start + offset
                on = datetime.fromisoformat(entry["at"]).date()
            units.update(body["units"])
            if body["chunk"] == body["chunks"] - 1:
                assert on is not None
                return Dispatch(task=task, round=round_, index=first, on=on, units=units)
        start = stop
    return None


def reader(log: Log, session: Session) -> tuple[EntryReader, int]:
    from drawsvc.tasks.logread import decode

    conn = session.connection()

    def read(start: int, stop: int) -> list[dict[str, Any]]:
        return [decode(b) for b in log.entries(conn, start, stop)]

    return read, log.size(conn)


def dispatch_of(session: Session, log: Log, draw: Draw) -> Dispatch:
    read, size = reader(log, session)
    found = find_dispatch(read, size, task=draw.task_code, round_=draw.round, after=draw.log_index)
    if found is None:  # the row says dispatched, the log must have it
        raise RuleViolation(
            f"task {draw.task_code}: no task.dispatch entry in the log",
            rule="dispatch.logged",
            subject=draw.task_code,
        )
    return found


def confirm_due(session: Session, dispatched_on: date) -> Deadline:
    """RES-D5: confirmed within 1 working day of the dispatch."""
    return load_calendar(session).deadline(dispatched_on, dl.DISPATCH_CONFIRM_WORKING_DAYS).require_binding()


def confirm_dispatch(
    session: Session, journal: Journal, *, task: str, unit: str, actor: Actor
) -> DispatchConfirmation:
    """The receiving unit confirms its dispatched targets (``result.dispatch.confirm``, RES-DC1 … DC3).

    Only the unit itself (a bureau key of that unit, or the system) confirms; once. A late
    confirmation is recorded and logged as late.
    """
    if actor.role not in ("bureau", "system") or (actor.role == "bureau" and actor.department != unit):
        raise Forbidden(  # before anything about the task is said
            f"unit: only {unit} confirms what it received", rule="dispatch.unit-confirms", subject=unit
        )
    draw = tasks.current_draw(session, task)
    if draw is None or not draw.dispatch:
        raise RuleViolation(f"task {task}: not dispatched", rule="dispatch.dispatched", subject=task)
    if unit not in draw.dispatch:
        raise InvalidInput(
            f"unit: task {task} dispatched nothing to {unit}", field="unit", rule="dispatch.unit"
        )
    if any(c.unit == unit and c.round == draw.round for c in repo.dispatch_confirmations(session, task)):
        raise Conflict(
            f"unit: {unit} already confirmed task {task}", field="unit", rule="dispatch.confirm-once"
        )
    found = dispatch_of(session, journal.log, draw)
    today = journal.today()
    due = confirm_due(session, found.on)
    targets = len(draw.dispatch[unit])
    body = {
        "task": task,
        "round": draw.round,
        "unit": unit,
        "dispatch": found.index,
        "dispatched_on": found.on.isoformat(),
        "targets": targets,
        "due": deadline_body(due),
        "confirmed_on": today.isoformat(),
        "on_time": today <= due.due,
    }
    index = journal.record(session, KIND_CONFIRM, body, actor=actor)
    row = DispatchConfirmation(
        task_code=task,
        round=draw.round,
        unit=unit,
        dispatch_index=found.index,
        dispatched_on=found.on,
        due=due.due,
        due_calendar_version=list(due.calendar_version),
        confirmed_on=today,
        targets=targets,
        log_index=index,
    )
    session.add(row)
    session.flush()
    return row
