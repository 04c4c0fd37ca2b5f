"""Lock, dispatch and sub-draws (``task.lock``, ``task.dispatch``): the locked draw handed to
the implementing units, each drawing its own teams."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from drawsvc.errors import Conflict, Forbidden, InvalidInput, RuleViolation
from drawsvc.tasks import replay
from drawsvc.tasks import repository as repo
from drawsvc.tasks.models import Draw, Task
from drawsvc.tasks.params import parse_params
from drawsvc.tasks.service.bulk import split_chunks
from drawsvc.tasks.service.create import apply_specialty, insert_task
from drawsvc.tasks.service.draw import current_draw
from drawsvc.tasks.service.pools import build_pool
from drawsvc.tasks.service.rules import RULE_SCOPE, RULE_UNIT, RULE_UNLOCKED, own_task, require_text
from drawsvc.tasks.service.sealing import require_disclosed

if TYPE_CHECKING:
    from drawsvc.journal import Actor, Journal


def lock_draw(session: Session, journal: Journal, *, task: str, actor: Actor) -> Draw:
    """Lock the current draw (``task.lock``): no more responses, replacements or redraws."""
    t = own_task(session, task, actor)
    draw = current_draw(session, task)
    if draw.locked:
        raise Conflict(f"task {task}: already locked", subject=task)
    journal.record(
        session, "task.lock", {"task": task, "round": draw.round, "draw": draw.log_index}, actor=actor
    )
    draw.locked = True
    t.status = "locked"
    session.flush()
    return draw


def dispatch_draw(
    session: Session, journal: Journal, *, task: str, by: str = "region", actor: Actor
) -> dict[str, list[str]]:
    """Dispatch the locked draw's targets to implementing units by region or registration
    authority (``task.dispatch``). An unlocked draw is refused."""
    if by not in ("region", "authority"):
        raise InvalidInput("by: region or authority", field="by", rule="task.dispatch-by")
    t = own_task(session, task, actor)
    draw = repo.current_draw(session, task)
    if draw is None or not draw.locked:
        raise RuleViolation(f"task {task}: dispatching needs a locked draw", rule=RULE_UNLOCKED, subject=task)
    if draw.dispatch is not None:
        raise Conflict(f"task {task}: already dispatched", subject=task)
    require_disclosed(session, task, draw.round, "dispatching")
    drawn = replay.drawn_targets(draw.result)
    attrs = repo.target_attributes(session, drawn)
    units: dict[str, list[str]] = {}
    for u in drawn:
        units.setdefault(attrs[u][by], []).append(u)
    items = sorted(units.items())
    bodies = [
        {"task": task, "round": draw.round, "by": by, "units": dict(chunk), "chunk": i, "chunks": n}
        for i, n, chunk in split_chunks(items)
    ]
    journal.record_many(session, "task.dispatch", bodies, actor=actor)
    draw.dispatch = units
    t.status = "dispatched"
    session.flush()
    return units


def create_subdraw(
    session: Session,
    journal: Journal,
    *,
    parent: str,
    unit: str,
    params: Mapping[str, Any],
    title: str | None = None,
    actor: Actor,
) -> Task:
    """A sub-draw of a locked parent for ``unit`` (a participating department or a dispatch unit).

    Its targets pool is the unit's share of the parent's draw (the dispatched share, or every
    drawn target for a participating department of a joint task); it forms its own teams with its
    own commitment (``params``: ``teams``, optionally ``experts``). Only ``unit`` acts on it
    (``actor.department``), so its entries are attributable to it.
    """
    if actor.role == "bureau" and actor.department != unit:  # before any state is disclosed
        raise Forbidden(f"task {parent}: only {unit} draws its own part", rule=RULE_SCOPE, subject=unit)
    p = repo.get_task(session, parent)
    if p.parent_code is not None:
        raise RuleViolation(f"task {parent}: a sub-draw has no sub-draws", rule=RULE_UNIT, subject=parent)
    draw = repo.current_draw(session, parent)
    if draw is None or not draw.locked:
        raise RuleViolation(
            f"task {parent}: sub-draws need the parent's locked draw", rule=RULE_UNLOCKED, subject=parent
        )
    require_disclosed(session, parent, draw.round, "a sub-draw")
    dispatch = draw.dispatch or {}
    if unit in dispatch:
        share = sorted(dispatch[unit])
    elif unit in p.departments:
        share = sorted(replay.drawn_targets(draw.result))
    else:
        raise RuleViolation(
            f"task {parent}: {unit} is not a department or implementing unit of the task",
            rule=RULE_UNIT,
            subject=unit,
            task=parent,
        )
    raw = dict(params)
    raw["targets"] = {"mode": "all"}
    parsed = parse_params(raw)
    code = f"{parent}/{unit}"
    if session.scalar(sa.select(sa.func.count()).select_from(Task).where(Task.code == code)):
        raise Conflict(f"task {code}: already exists", subject=code)
    items = [i for i in p.check_items if i["department"] == unit] or list(p.check_items)
    parsed = apply_specialty(session, parsed, items)
    sub = insert_task(
        session,
        journal,
        code=code,
        parent=parent,
        unit=unit,
        title=require_text(title or f"{p.title}（{unit}）", "title"),
        year=p.year,
        start=p.period_start,
        end=p.period_end,
        organiser=p.organiser,
        departments=[unit],
        items=items,
        params=parsed,
        actor=actor,
    )
    repo.insert_pool_members(session, code, "targets", share, "filter")
    journal.record(
        session,
        "task.pool.build",
        {
            "task": code,
            "pool": "targets",
            "source": "parent",
            "filters": {"parent_draw": draw.log_index},
            "file_sha256": None,
            "count": len(share),
        },
        actor=actor,
    )
    if parsed["teams"] is not None and repo.department_exists(session, unit):
        build_pool(
            session, journal, task=code, pool="inspectors", filters={"departments": [unit]}, actor=actor
        )
    return sub


