"""Annual plans (年度抽查计划): create or edit a draft, publish, revise (docs/specs/plans.md).

Services take a session inside a transaction and never commit. Every input is validated
before anything is written (PL-2 … PL-7), so a refused call writes and logs nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from drawsvc.errors import Forbidden, InvalidInput, NotFound, RuleViolation
from drawsvc.journal import Actor, Journal
from drawsvc.plans import repository as repo
from drawsvc.plans.models import AnnualPlan
from drawsvc.registries import repository as registries

KIND_UPSERT = "plan.upsert"
KIND_PUBLISH = "plan.publish"
MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_ITEMS = 500
MAX_FREQUENCY = 365
MAX_JOINT = 50
MAX_REASON = 1000
BP_MAX = 10_000


def _check_scope(department: str, actor: Actor) -> None:
    """PL-1: a bureau acts for its own department only (checked before anything is read)."""
    if actor.role == "bureau" and actor.department != department:
        raise Forbidden(f"plan of {department}: a bureau acts for its own department only",
                        rule="PL-1", subject=department)
    if actor.role not in ("bureau", "system"):
        raise Forbidden(f"plan of {department}: only the department's bureau writes its plan",
                        rule="PL-1", subject=department)


def _require_department(session: Session, code: str, field: str) -> None:
    if registries.get_department(session, code) is None:
        raise NotFound(f"{field}: department {code} is not registered", field=field, rule="PL-1")


def _int(value: Any, field: str, lo: int, hi: int, rule: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise InvalidInput(f"{field}: an integer {lo}..{hi}", field=field, rule=rule)
    return value


def _date(value: Any, field: str) -> date:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidInput(f"{field}: a date YYYY-MM-DD", field=field, rule="PL-6")


def _reason(value: str | None) -> str:
    text = (value or "").strip()
    if not text or len(text) > MAX_REASON:
        raise InvalidInput(f"reason: a revision of a published plan needs one (1..{MAX_REASON} characters)",
                           field="reason", rule="PL-8")
    return text


def parse_items(
    session: Session, department: str, year: int, raw: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """The plan's items in their logged shape (spec §2), or ``InvalidInput`` naming the field."""
    if not isinstance(raw, Sequence) or isinstance(raw, str | bytes) or not 1 <= len(raw) <= MAX_ITEMS:
        raise InvalidInput(f"items: 1..{MAX_ITEMS} check items", field="items", rule="PL-2")
    items: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, entry in enumerate(raw):
        at = f"items[{i}]"
        if not isinstance(entry, Mapping):
            raise InvalidInput(f"{at}: an object", field=at, rule="PL-2")
        code = entry.get("check_item")
        if not isinstance(code, str) or not code.strip():
            raise InvalidInput(f"{at}.check_item: a check item code", field=f"{at}.check_item", rule="PL-3")
        code = code.strip()
        if code in seen:
            raise InvalidInput(f"{at}.check_item: {code} is listed twice", field=f"{at}.check_item",
                               rule="PL-2")
        seen.add(code)
        ci = registries.get_check_item(session, department, code)
        if ci is None or not ci.active:
            raise InvalidInput(f"{at}.check_item: {code} is not an active check item of {department}",
                               field=f"{at}.check_item", rule="PL-3")
        ratio = _int(entry.get("ratio_bp"), f"{at}.ratio_bp", 1, BP_MAX, "PL-4")
        if ratio < ci.min_ratio_bp:
            raise InvalidInput(f"{at}.ratio_bp: below the check item's minimum ratio {ci.min_ratio_bp} bp",
                               field=f"{at}.ratio_bp", rule="PL-4")
        frequency = _int(entry.get("frequency"), f"{at}.frequency", 1, MAX_FREQUENCY, "PL-5")
        start = _date(entry.get("period_start"), f"{at}.period_start")
        end = _date(entry.get("period_end"), f"{at}.period_end")
        for field, day in (("period_start", start), ("period_end", end)):
            if day.year != year:
                raise InvalidInput(f"{at}.{field}: outside the plan's year {year}", field=f"{at}.{field}",
                                   rule="PL-6")
        if end < start:
            raise InvalidInput(f"{at}.period_end: before period_start", field=f"{at}.period_end", rule="PL-6")
        joint_raw = entry.get("joint_departments") or []
        if not isinstance(joint_raw, Sequence) or isinstance(joint_raw, str) or len(joint_raw) > MAX_JOINT:
            raise InvalidInput(f"{at}.joint_departments: a list of at most {MAX_JOINT} department codes",
                               field=f"{at}.joint_departments", rule="PL-7")
        joint: list[str] = []
        for j, d in enumerate(joint_raw):
            jf = f"{at}.joint_departments[{j}]"
            if not isinstance(d, str) or d == department or d in joint:
                raise InvalidInput(f"{jf}: another department, listed once", field=jf, rule="PL-7")
            _require_department(session, d, jf)
            joint.append(d)
        items.append({"check_item": code, "ratio_bp": ratio, "frequency": frequency,
                      "period": {"start": start.isoformat(), "end": end.isoformat()},
                      "joint_departments": joint})
    return items


def plan_body(row: AnnualPlan) -> dict[str, Any]:
    """The logged body of ``plan.upsert`` / ``plan.publish`` (spec §3): public fields only."""
    return {"department": row.department_code, "year": row.year, "version": row.version,
            "status": row.status, "items": row.items, "reason": row.reason,
            "supersedes": row.version - 1 if row.version > 1 else None}


def upsert_plan(
    session: Session,
    journal: Journal,
    *,
    department: str,
    year: int,
    items: Sequence[Mapping[str, Any]],
    reason: str | None = None,
    actor: Actor,
) -> AnnualPlan:
    """Create or edit the draft of ``department``'s plan for ``year`` (PL-8).

    No plan yet: version 1. A draft: edited in place (unchanged: nothing logged). A published
    plan: a revision, the next version, which needs ``reason``; the published one stays.
    """
    _check_scope(department, actor)
    _require_department(session, department, "department")
    _int(year, "year", MIN_YEAR, MAX_YEAR, "PL-2")
    parsed = parse_items(session, department, year, items)
    current = repo.latest(session, department, year)
    if current is None or current.status != "draft":
        version = 1 if current is None else current.version + 1
        if current is None and reason is not None:
            raise InvalidInput("reason: only a revision of a published plan carries a reason",
                               field="reason", rule="PL-8")
        why = _reason(reason) if current is not None else None
        row = AnnualPlan(department_code=department, year=year, version=version, status="draft", items=parsed,
                         reason=why, updated_at=journal.clock(), log_index=0)
        session.add(row)
    else:
        row = current
        why = row.reason
        if reason is not None:
            if row.version == 1:
                raise InvalidInput("reason: only a revision of a published plan carries a reason",
                                   field="reason", rule="PL-8")
            why = _reason(reason)
        if row.items == parsed and row.reason == why:
            return row
        row.items, row.reason, row.updated_at = parsed, why, journal.clock()
    session.flush()
    row.log_index = journal.record(session, KIND_UPSERT, plan_body(row), actor=actor)
    session.flush()
    return row


def publish_plan(
    session: Session, journal: Journal, *, department: str, year: int, actor: Actor
) -> AnnualPlan:
    """Publish the draft (PL-8); a previously published version becomes ``superseded``."""
    _check_scope(department, actor)
    row = repo.latest(session, department, year)
    if row is None:
        raise NotFound(f"plan of {department} for {year}: no such plan", subject=f"{department}/{year}")
    if row.status != "draft":
        raise RuleViolation(f"plan of {department} for {year}: version {row.version} is already published; "
                            "revise it first", rule="PL-8", subject=f"{department}/{year}")
    previous = repo.published(session, department, year)
    if previous is not None:
        previous.status = "superseded"
    row.status, row.published_at = "published", journal.clock()
    session.flush()
    row.log_index = journal.record(session, KIND_PUBLISH, plan_body(row), actor=actor)
    session.flush()
    return row


def get_plan(session: Session, *, department: str, year: int, version: int | None = None) -> AnnualPlan:
    """The latest version (or ``version``) of a plan; visibility is the caller's business."""
    rows = repo.versions(session, department, year)
    chosen = rows[-1] if rows and version is None else next((r for r in rows if r.version == version), None)
    if chosen is None:
        raise NotFound(f"plan of {department} for {year}: no such plan or version",
                       subject=f"{department}/{year}")
    return chosen


