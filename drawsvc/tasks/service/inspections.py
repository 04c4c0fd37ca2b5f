"""Non-random inspections (``inspection.record``) and the merge report (进一次门、查多项事)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from drawsvc.errors import Forbidden, InvalidInput, NotFound
from drawsvc.tasks import repository as repo
from drawsvc.tasks.models import INSPECTION_KINDS, Inspection
from drawsvc.tasks.service.create import find_check_items
from drawsvc.tasks.service.rules import RULE_SCOPE, require_text

if TYPE_CHECKING:
    from drawsvc.journal import Actor, Journal


def record_inspection(
    session: Session,
    journal: Journal,
    *,
    target: str,
    kind: str,
    on: date,
    department: str,
    reason: str,
    check_items: Sequence[Mapping[str, str]] = (),
    task: str | None = None,
    actor: Actor,
) -> Inspection:
    """Record a non-random inspection (complaint, assigned by a superior, patrol) of a target."""
    if kind not in INSPECTION_KINDS or kind == "random":
        raise InvalidInput("kind: complaint, assigned or patrol", field="kind", rule="inspection.kind")
    why = require_text(reason)
    if target not in repo.existing(session, "targets", [target]):
        raise NotFound(f"target {target}: not in the directory", field="target", subject=target)
    if not repo.department_exists(session, department):
        raise NotFound(f"department {department}: unknown", field="department", subject=department)
    if actor.role == "bureau" and actor.department != department:
        raise Forbidden(
            f"department {actor.department} may not record for {department}",
            rule=RULE_SCOPE,
            subject=department,
        )
    items = [{"department": i["department"], "code": i["code"]} for i in check_items]
    find_check_items(session, items)
    if task is not None:
        repo.get_task(session, task)
    index = journal.record(
        session,
        "inspection.record",
        {
            "target": target,
            "kind": kind,
            "on": on.isoformat(),
            "department": department,
            "check_items": items,
            "task": task,
            "reason": why,
        },
        actor=actor,
    )
    row = Inspection(
        target_uscc=target,
        year=on.year,
        on=on,
        kind=kind,
        department=department,
        task_code=task,
        round=None,
        check_items=items,
        reason=why,
        superseded=False,
        log_index=index,
    )
    session.add(row)
    session.flush()
    return row


@dataclass(frozen=True)
class MergeCandidate:
    """A target inspected by several tasks/departments in the period (进一次门、查多项事)."""

    target: str
    inspections: list[dict[str, Any]]


def merge_report(
    session: Session, *, year: int, start: date | None = None, end: date | None = None
) -> list[MergeCandidate]:
    """Targets with inspections from more than one task or department in the period (every kind)."""
    by_target: dict[str, list[Inspection]] = {}
    for row in repo.inspections_in(session, year, start, end):
        by_target.setdefault(row.target_uscc, []).append(row)
    out = []
    for uscc, rows in by_target.items():
        sources = {(r.task_code or f"{r.kind}#{r.id}", r.department) for r in rows}
        if len(sources) > 1:
            out.append(
                MergeCandidate(
                    uscc,
                    [
                        {
                            "task": r.task_code,
                            "department": r.department,
                            "kind": r.kind,
                            "on": r.on.isoformat(),
                        }
                        for r in rows
                    ],
                )
            )
    return out
