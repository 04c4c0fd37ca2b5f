"""Queries of the results area (no rules, no logging): the services compose these.

Tasks are read through ``drawsvc.tasks.models`` and ``drawsvc.tasks.repository`` only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from drawsvc.errors import NotFound
from drawsvc.registries import models as reg
from drawsvc.results.models import (
    DispatchConfirmation,
    FollowUpStep,
    InspectionResult,
    Objection,
    ResultAnswer,
    ResultSetting,
    ResultVocabulary,
    TaskClosure,
)
from drawsvc.tasks.models import Draw, Task


def vocabulary(session: Session, vid: str, version: int) -> ResultVocabulary | None:
    return session.scalars(
        sa.select(ResultVocabulary).where(
            ResultVocabulary.vocabulary_id == vid, ResultVocabulary.version == version
        )
    ).one_or_none()


def vocabulary_at(session: Session, log_index: int) -> ResultVocabulary | None:
    return session.scalars(
        sa.select(ResultVocabulary).where(ResultVocabulary.log_index == log_index)
    ).one_or_none()


def setting(session: Session, department: str) -> ResultSetting | None:
    return session.get(ResultSetting, department)


def result_versions(session: Session, code: str) -> list[InspectionResult]:
    return list(
        session.scalars(
            sa.select(InspectionResult)
            .where(InspectionResult.code == code)
            .order_by(InspectionResult.version)
        )
    )


def latest_result(session: Session, code: str) -> InspectionResult:
    rows = result_versions(session, code)
    if not rows:
        raise NotFound(f"result {code}: no such result", field="result", rule="result.exists", subject=code)
    return rows[-1]


def results_by_codes(session: Session, codes: Sequence[str]) -> dict[str, InspectionResult]:
    """The latest version of each code (codes without a row are absent)."""
    out: dict[str, InspectionResult] = {}
    for i in range(0, len(codes), 500):
        chunk = list(codes[i : i + 500])
        for row in session.scalars(
            sa.select(InspectionResult)
            .where(InspectionResult.code.in_(chunk))
            .order_by(InspectionResult.version)
        ):
            out[row.code] = row
    return out


def existing_keys(session: Session, task_code: str) -> set[tuple[str, str, str]]:
    """(target, item department, item code) of every result of a task."""
    r = InspectionResult
    q = sa.select(r.target_uscc, r.item_department, r.item_code).where(r.task_code == task_code)
    return {(u, d, c) for u, d, c in session.execute(q)}


def has_result(session: Session, task_code: str, target: str, item: tuple[str, str]) -> bool:
    r = InspectionResult
    q = (
        sa.select(r.id)
        .where(
            r.task_code == task_code,
            r.target_uscc == target,
            r.item_department == item[0],
            r.item_code == item[1],
        )
        .limit(1)
    )
    return session.execute(q).first() is not None


def answers(session: Session, result_id: int) -> list[ResultAnswer]:
    return list(
        session.scalars(
            sa.select(ResultAnswer).where(ResultAnswer.result_id == result_id).order_by(ResultAnswer.id)
        )
    )


def closure(session: Session, task_code: str) -> TaskClosure | None:
    return session.get(TaskClosure, task_code)


def objection(session: Session, code: str) -> Objection:
    row = session.scalars(sa.select(Objection).where(Objection.code == code)).one_or_none()
    if row is None:
        raise NotFound(
            f"objection {code}: no such objection", field="objection", rule="objection.exists", subject=code
        )
    return row


def objections_of(session: Session, result_code: str) -> list[Objection]:
    return list(
        session.scalars(
            sa.select(Objection).where(Objection.result_code == result_code).order_by(Objection.id)
        )
    )


def follow_ups(session: Session, result_code: str) -> list[FollowUpStep]:
    return list(
        session.scalars(
            sa.select(FollowUpStep).where(FollowUpStep.result_code == result_code).order_by(FollowUpStep.id)
        )
    )


def dispatch_confirmations(session: Session, task_code: str) -> list[DispatchConfirmation]:
    return list(
        session.scalars(
            sa.select(DispatchConfirmation)
            .where(DispatchConfirmation.task_code == task_code)
            .order_by(DispatchConfirmation.unit)
        )
    )


def firm_names(session: Session, usccs: Iterable[str]) -> dict[str, str]:
    ids = sorted(set(usccs))
    out: dict[str, str] = {}
    for i in range(0, len(ids), 500):
        q = sa.select(reg.Target.uscc, reg.Target.name).where(reg.Target.uscc.in_(ids[i : i + 500]))
        out.update(dict(session.execute(q).all()))
    return out


def item_names(session: Session, items: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    wanted = set(items)
    out: dict[tuple[str, str], str] = {}
    for dept in {d for d, _c in wanted}:
        q = sa.select(reg.CheckItem.code, reg.CheckItem.name).where(reg.CheckItem.department_code == dept)
        out.update({(dept, c): n for c, n in session.execute(q) if (dept, c) in wanted})
    return out


def open_results(session: Session, department: str | None) -> list[InspectionResult]:
    """Results not yet published (submitted, formed or audited), latest versions."""
    q = sa.select(InspectionResult).where(
        InspectionResult.status != "published", InspectionResult.superseded.is_(False)
    )
    if department is not None:
        q = q.where(InspectionResult.department == department)
    return list(session.scalars(q.order_by(InspectionResult.id)))


def filed_objections(session: Session, department: str | None, *, only_open: bool) -> list[Objection]:
    q = sa.select(Objection)
    if only_open:
        q = q.where(Objection.status == "filed")
    if department is not None:
        q = q.where(Objection.department == department)
    return list(session.scalars(q.order_by(Objection.id)))


def dispatched_draws(session: Session) -> list[tuple[Task, Draw]]:
    """Current draws that were dispatched, with their tasks."""
    q = (
        sa.select(Task, Draw)
        .join(Draw, Draw.task_code == Task.code)
        .where(Draw.status == "current", Draw.dispatch.is_not(None))
        .order_by(Task.code)
    )
    return [(t, d) for t, d in session.execute(q) if d.dispatch]


def confirmed_units(session: Session) -> dict[tuple[str, int], dict[str, DispatchConfirmation]]:
    out: dict[tuple[str, int], dict[str, DispatchConfirmation]] = {}
    for row in session.scalars(sa.select(DispatchConfirmation)):
        out.setdefault((row.task_code, row.round), {})[row.unit] = row
    return out


def tasks_with_teams(
    session: Session, department: str | None, period_end_before: date
) -> list[tuple[Task, Draw]]:
    """Current draws of tasks whose period ended before ``period_end_before``, neither the task
    nor its parent closed."""
    closed = sa.select(TaskClosure.task_code)
    q = (
        sa.select(Task, Draw)
        .join(Draw, Draw.task_code == Task.code)
        .where(
            Draw.status == "current",
            Task.period_end < period_end_before,
            Task.code.not_in(closed),
            sa.or_(Task.parent_code.is_(None), Task.parent_code.not_in(closed)),
        )
    )
    rows = [(t, d) for t, d in session.execute(q.order_by(Task.code))]
    if department is not None:
        rows = [(t, d) for t, d in rows if owner_of(t) == department]
    return rows


def owner_of(task: Task) -> str:
    """谁检查、谁录入、谁公开: the unit of a sub-draw, else the organiser (docs/tasks.md T-5)."""
    return task.unit if task.parent_code is not None and task.unit else task.organiser
