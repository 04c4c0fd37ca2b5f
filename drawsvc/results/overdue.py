"""The overdue list per department and the auditor's view of every deadline (docs/specs/results.md §6).

Read-only: every deadline shown is the stored one (``due`` with its ``calendar_version``), except
for what has no row yet — an unconfirmed dispatch (from its ``task.dispatch`` entry) and a
result never entered (from the task's period) — which are computed with the current calendar
and show the calendar version that computed them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from drawsvc.calendar.arithmetic import WorkCalendar
from drawsvc.calendar.service import load_calendar
from drawsvc.errors import CalendarUnavailable
from drawsvc.results import deadlines as dl
from drawsvc.results import repository as repo
from drawsvc.results.dispatch import confirm_due, dispatch_of
from drawsvc.results.models import InspectionResult
from drawsvc.results.service import drawn_teams, settings_for
from ledger.log import Log


def _left(calendar: WorkCalendar, today: date, due: date) -> int | None:
    try:
        return calendar.working_days_between(today, due)
    except CalendarUnavailable:
        return None


def _result_deadlines(rows: Any, calendar: WorkCalendar, today: date) -> Iterator[dl.TrackedDeadline]:
    for (
        code,
        version,
        dept,
        _status,
        completed,
        due,
        due_cv,
        formed,
        pdue,
        pdue_cv,
        published,
        source,
    ) in rows:
        if source == "correction":
            continue  # a correction's record and publication deadlines are the original's
        subject = f"{code}/v{version}"
        yield dl.TrackedDeadline(dl.RESULT_FORM, subject, dept, completed, due, tuple(due_cv), formed)
        if formed is not None and pdue is not None:
            left = _left(calendar, today, pdue) if published is None else None
            yield dl.TrackedDeadline(
                dl.RESULT_PUBLISH, subject, dept, formed, pdue, tuple(pdue_cv or ()), published, left
            )


def _result_rows(session: Session, department: str | None, *, pending_only: bool, warn_from: date) -> Any:
    r = InspectionResult
    q = sa.select(
        r.code,
        r.version,
        r.department,
        r.status,
        r.completed_on,
        r.due,
        r.due_calendar_version,
        r.formed_on,
        r.publish_due,
        r.publish_due_calendar_version,
        r.published_on,
        r.source,
    )
    if department is not None:
        q = q.where(r.department == department)
    if pending_only:
        # the overdue list reads only what can be late: not formed yet, or formed and not published
        q = q.where(r.status != "published", sa.or_(r.formed_on.is_(None), r.publish_due <= warn_from))
    return session.execute(q.order_by(r.id))


def _objection_deadlines(
    session: Session, department: str | None, *, pending_only: bool
) -> Iterator[dl.TrackedDeadline]:
    for o in repo.filed_objections(session, department, only_open=pending_only):
        yield dl.TrackedDeadline(
            dl.OBJECTION_REVIEW,
            o.code,
            o.department,
            o.received_on,
            o.review_due,
            tuple(o.review_due_calendar_version),
            o.decided_on,
        )


def _dispatch_deadlines(session: Session, log: Log, department: str | None) -> Iterator[dl.TrackedDeadline]:
    confirmed = repo.confirmed_units(session)
    for task, draw in repo.dispatched_draws(session):
        done = confirmed.get((task.code, draw.round), {})
        owner = repo.owner_of(task)
        found = None
        for unit in sorted(draw.dispatch or {}):
            if department is not None and department not in (unit, owner):
                continue
            subject = f"{task.code}#{unit}"
            row = done.get(unit)
            if row is not None:
                yield dl.TrackedDeadline(
                    dl.DISPATCH_CONFIRM,
                    subject,
                    unit,
                    row.dispatched_on,
                    row.due,
                    tuple(row.due_calendar_version),
                    row.confirmed_on,
                )
                continue
            found = found or dispatch_of(session, log, draw)
            due = confirm_due(session, found.on)
            yield dl.TrackedDeadline(
                dl.DISPATCH_CONFIRM, subject, unit, found.on, due.due, due.calendar_version, None
            )


def _missing_deadlines(
    session: Session, department: str | None, today: date, calendar: WorkCalendar
) -> Iterator[dl.TrackedDeadline]:
    """RES-D2: a drawn target × check item with a team and no result, N working days after the period."""
    for task, draw in repo.tasks_with_teams(session, department, today):
        targets = list(drawn_teams(draw)[1])
        if not targets:
            continue
        owner = repo.owner_of(task)
        due = calendar.deadline(task.period_end, settings_for(session, owner).results_due_working_days)
        have = repo.existing_keys(session, task.code)
        for item in task.check_items:
            key = (item["department"], item["code"])
            for uscc in targets:
                if (uscc, *key) not in have:
                    yield dl.TrackedDeadline(
                        dl.RESULT_MISSING,
                        f"{task.code}#{uscc}#{key[0]}/{key[1]}",
                        owner,
                        task.period_end,
                        due.due,
                        due.calendar_version,
                        None,
                    )


def deadlines(session: Session, log: Log, *, department: str | None, today: date) -> list[dl.TrackedDeadline]:
    """The auditor's view (RES-D7): every deadline of ``department`` (all: None), met, missed or open."""
    calendar = load_calendar(session)
    out = list(
        _result_deadlines(
            _result_rows(session, department, pending_only=False, warn_from=today), calendar, today
        )
    )
    out += _objection_deadlines(session, department, pending_only=False)
    out += _dispatch_deadlines(session, log, department)
    out += _missing_deadlines(session, department, today, calendar)
    return out


def overdue(
    session: Session, log: Log, *, department: str | None, today: date
) -> dict[str, list[dl.TrackedDeadline]]:
    """RES-D8: what is overdue now, and the publications due soon (the national 20-day warning)."""
    calendar = load_calendar(session)
    try:
        warn_from = calendar.add_working_days(today, dl.PUBLISH_WARN_WORKING_DAYS)
    except CalendarUnavailable:
        warn_from = date.max
    pending = list(
        _result_deadlines(
            _result_rows(session, department, pending_only=True, warn_from=warn_from), calendar, today
        )
    )
    pending += _objection_deadlines(session, department, pending_only=True)
    pending += (d for d in _dispatch_deadlines(session, log, department) if d.done_on is None)
    pending += _missing_deadlines(session, department, today, calendar)
    return {
        "overdue": [d for d in pending if d.state(today) == dl.OVERDUE],
        "due_soon": [d for d in pending if d.state(today) == dl.DUE_SOON],
    }
