"""Creating a task (``task.create``): title, period, departments, check items and draw parameters."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from drawsvc.errors import Conflict, Forbidden, InvalidInput, NotFound, RuleViolation
from drawsvc.tasks import replay
from drawsvc.tasks import repository as repo
from drawsvc.tasks.models import Task
from drawsvc.tasks.params import engine_class_caps, parse_params
from drawsvc.tasks.service.rules import RULE_SCOPE, require_text

if TYPE_CHECKING:
    from drawsvc.journal import Actor, Journal


_CODE = re.compile(r"\A[A-Za-z0-9][A-Za-z0-9_.\-/]{0,79}\Z")


def create_task(
    session: Session,
    journal: Journal,
    *,
    title: str,
    year: int,
    organiser: str,
    params: Mapping[str, Any],
    departments: Sequence[str] = (),
    check_items: Sequence[Mapping[str, str]] = (),
    period_start: date | None = None,
    period_end: date | None = None,
    code: str | None = None,
    actor: Actor,
) -> Task:
    """Create a task (``task.create``). ``departments``: participating departments (joint task);
    the organiser is always one. Check items fill in the annual cap and per-class ratios."""
    title = require_text(title, "title")
    if not 2000 <= year <= 2100:
        raise InvalidInput("year: out of range", field="year", rule="task.year")
    depts = list(dict.fromkeys([organiser, *departments]))
    for i, d in enumerate(depts):
        if not repo.department_exists(session, d):
            raise NotFound(f"departments[{i}]: no department {d}", field="departments", subject=d)
    items = find_check_items(session, check_items)
    parsed = _apply_check_items(parse_params(params), items)
    parsed = apply_specialty(session, parsed, check_items)
    _require_class_caps_applied(parsed)
    start = period_start or date(year, 1, 1)
    end = period_end or date(year, 12, 31)
    if not (start <= end and start.year == year and end.year == year):
        raise InvalidInput(
            "period: must lie within the year, start <= end", field="period", rule="task.period"
        )
    if code is None:
        code = repo.next_task_code(session, year)  # under the log writer lock (API-1)
    if not _CODE.match(code) or "/" in code:
        raise InvalidInput(
            "code: letters, digits, '-', '_', '.' (at most 80)", field="code", rule="task.code"
        )
    if session.scalar(sa.select(sa.func.count()).select_from(Task).where(Task.code == code)):
        raise Conflict(f"task {code}: already exists", subject=code)
    if actor.role == "bureau" and actor.department != organiser:
        raise Forbidden(
            f"task {code}: only the organiser {organiser} may create it", rule=RULE_SCOPE, subject=code
        )
    return insert_task(
        session,
        journal,
        code=code,
        parent=None,
        unit=None,
        title=title,
        year=year,
        start=start,
        end=end,
        organiser=organiser,
        departments=depts,
        items=[{"department": i.department_code, "code": i.code} for i in items],
        params=parsed,
        actor=actor,
    )


def insert_task(
    session: Session,
    journal: Journal,
    *,
    code: str,
    parent: str | None,
    unit: str | None,
    title: str,
    year: int,
    start: date,
    end: date,
    organiser: str,
    departments: list[str],
    items: list[dict[str, str]],
    params: dict[str, Any],
    actor: Actor,
) -> Task:
    body = {
        "task": code,
        "parent": parent,
        "unit": unit,
        "title": title,
        "year": year,
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "organiser": organiser,
        "departments": departments,
        "check_items": items,
        "params": params,
    }
    index = journal.record(session, "task.create", body, actor=actor)
    task = Task(
        code=code,
        parent_code=parent,
        unit=unit,
        title=title,
        year=year,
        period_start=start,
        period_end=end,
        organiser=organiser,
        departments=departments,
        check_items=items,
        params=params,
        status="draft",
        round=0,
        created_at=journal.clock(),
        log_index=index,
    )
    session.add(task)
    session.flush()
    return task


def find_check_items(session: Session, refs: Sequence[Mapping[str, str]]) -> list[Any]:
    from drawsvc.registries.models import CheckItem

    out = []
    for i, ref in enumerate(refs):
        item = session.scalars(
            sa.select(CheckItem).where(
                CheckItem.department_code == ref.get("department"), CheckItem.code == ref.get("code")
            )
        ).one_or_none()
        if item is None:
            raise NotFound(
                f"check_items[{i}]: no such check item",
                field=f"check_items[{i}]",
                subject=f"{ref.get('department')}/{ref.get('code')}",
            )
        out.append(item)
    return out


def _apply_check_items(params: dict[str, Any], items: Sequence[Any]) -> dict[str, Any]:
    """Differentiated supervision: the items' cap, minimum ratio and per-credit-class ratios."""
    t = params.get("targets")
    if not items or t is None or t["mode"] != "sample":
        return params
    t = dict(t)
    t["cap_per_year"] = min([t["cap_per_year"], *[i.cap_per_target_per_year for i in items]])
    minimum = max(i.min_ratio_bp for i in items)
    if t["ratio_bp"] is not None and t["ratio_bp"] < minimum:
        raise InvalidInput(
            f"params.targets.ratio_bp: below the check items' minimum of {minimum} bp",
            field="params.targets.ratio_bp",
            rule="task.ratio-below-minimum",
        )
    t["min_ratio_bp"] = max(t.get("min_ratio_bp") or 0, minimum)
    if t["class_ratios_bp"] is None:
        classes = [i.risk_class_ratios_bp for i in items if i.risk_class_ratios_bp]
        if classes:
            merged = {k: max(c.get(k, 0) for c in classes) for k in ("A", "B", "C", "D")}
            t["class_ratios_bp"] = merged
            t["ratio_bp"] = None
            t["count"] = None
    caps = dict(t.get("class_caps_per_year") or {})
    for i in items:  # per-class frequency (RG-16a): the smallest per class wins, as for the cap
        for k, v in (getattr(i, "risk_class_frequency", None) or {}).items():
            caps[k] = min(caps.get(k, v), v)
    if caps:
        t["class_caps_per_year"] = {k: caps[k] for k in sorted(caps)}
    return {**params, "targets": t}


def _require_class_caps_applied(params: Mapping[str, Any]) -> None:
    """Per-class caps (entries.md §3 P-5) must reach the engine rule the draw and the verifier
    build (``replay.target_rule``); refused before anything is logged otherwise (R-6)."""
    t = params.get("targets")
    caps = engine_class_caps(t)
    if caps and dict(getattr(replay.target_rule(t), "class_caps", None) or {}) != caps:
        raise RuleViolation(
            "params.targets.class_caps_per_year: per-class caps are not applied by the draw yet "
            "(docs/dev/requests.md R-6)",
            rule="task.class-caps-unapplied",
            subject="params.targets.class_caps_per_year",
        )


def apply_specialty(
    session: Session, params: dict[str, Any], refs: Sequence[Mapping[str, str]]
) -> dict[str, Any]:
    """DRAW-42: a check item's required specialty applies to every team of the task."""
    m = params.get("teams")
    if m is None or m.get("specialty") is not None:
        return params
    specs = sorted({i.required_specialty for i in find_check_items(session, refs) if i.required_specialty})
    if len(specs) > 1:
        raise InvalidInput(
            "check_items: more than one required specialty; set params.teams.specialty",
            field="params.teams.specialty",
            rule="task.specialty",
        )
    return {**params, "teams": {**m, "specialty": specs[0]}} if specs else params


def get_task(session: Session, code: str) -> Task:
    return repo.get_task(session, code)
