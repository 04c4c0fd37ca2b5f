"""Reads a drawn target's notice (抽查告知书) from the task tables and the registries.

The target must be in the current draw of the task (or, dispatched, of a unit's sub-draw of
it). The team is the draw's team for the target; a dispatched target whose unit has not drawn
its team yet gets a notice without one (it says the unit draws it). Only public columns are
read: inspector code and name, never phone or ID number.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from drawsvc.errors import NotFound, RuleViolation
from drawsvc.notice.model import CheckItemLine, Member, Notice, build_notice
from drawsvc.registries import models as reg
from drawsvc.registries.uscc import validate_uscc
from drawsvc.tasks import repository as tasks
from drawsvc.tasks.models import Draw, Task

BASE_URL_ENV = "DRAWSVC_PUBLIC_BASE_URL"


def public_base_url(log_origin: str) -> str:
    """The public site's address: ``DRAWSVC_PUBLIC_BASE_URL``, else ``https://`` + the log
    origin's host (as for the draw record, draw-record.md §4)."""
    return os.environ.get(BASE_URL_ENV) or "https://" + log_origin.split("/", 1)[0]


def _team(draw: Draw, uscc: str) -> list[tuple[str, bool]] | None:
    ins = draw.result.get("inspection") or {}
    for a in (ins.get("teams") or {}).get("assignments", []):
        if a["target"] == uscc:
            return [(m["id"], bool(m.get("leader"))) for m in a["members"]]
    return None


def _drawn(draw: Draw, uscc: str) -> bool:
    ins = draw.result.get("inspection") or {}
    return uscc in (ins.get("targets") or {}).get("selected", [])


def _locate(session: Session, task: Task, uscc: str) -> tuple[Task, Draw, list[tuple[str, bool]], str | None]:
    """(task that formed the team, its draw, the team, the receiving unit) for the target."""
    draw = tasks.current_draw(session, task.code)
    if draw is None:
        raise RuleViolation(f"task {task.code}: not drawn yet", rule="notice.not-drawn", subject=task.code)
    if not _drawn(draw, uscc):
        raise NotFound(f"target {uscc}: not drawn by task {task.code}", field="target", subject=uscc)
    team = _team(draw, uscc)
    unit = next((u for u, ids in (draw.dispatch or {}).items() if uscc in ids), None)
    if team is None and unit is not None:  # the unit's sub-draw forms the team
        for sub in tasks.subtasks(session, task.code):
            sub_draw = tasks.current_draw(session, sub.code)
            if sub.unit == unit and sub_draw is not None and (sub_team := _team(sub_draw, uscc)) is not None:
                return sub, sub_draw, sub_team, unit
    return task, draw, team or [], unit


def _names(session: Session, codes: Sequence[str]) -> dict[str, str]:
    q = sa.select(reg.Inspector.code, reg.Inspector.name).where(reg.Inspector.code.in_(codes))
    return {code: name for code, name in session.execute(q)}


def notice_for(session: Session, *, task: str, uscc: str, verify_base_url: str) -> Notice:
    """The notice for target ``uscc`` of ``task`` (NOT-1 … NOT-4)."""
    validate_uscc(uscc, field="target")
    parent = tasks.get_task(session, task)
    owner, draw, team, unit = _locate(session, parent, uscc)
    firm = session.scalars(sa.select(reg.Target.name).where(reg.Target.uscc == uscc)).one_or_none()
    names = _names(session, [c for c, _ in team])
    items = []
    for ref in owner.check_items or parent.check_items:
        name = session.scalars(sa.select(reg.CheckItem.name).where(
            reg.CheckItem.department_code == ref["department"], reg.CheckItem.code == ref["code"]
        )).one_or_none()
        items.append(CheckItemLine(ref["department"], ref["code"], name or ""))
    dept = session.scalars(
        sa.select(reg.Department.name).where(reg.Department.code == parent.organiser)).one_or_none()
    return build_notice(
        task=owner.code, title=owner.title, organiser=dept or parent.organiser,
        period=(owner.period_start.isoformat(), owner.period_end.isoformat()),
        firm=(uscc, firm or ""), check_items=tuple(items),
        team=tuple(Member(code, names.get(code, ""), leader) for code, leader in team),
        draw_index=draw.log_index, unit=unit, verify_base_url=verify_base_url,
    )
