"""Objections (异议) by a firm against a published result (docs/specs/results.md §7).

The firm's authorised channel (RES-O1): the firm files in writing, at the counter or online
with the department that published the result; that department's bureau records the filing
(its API key, or the CLI as that department), naming the firm by its USCC, which must be the
result's firm, with the date the objection was received. Nobody else can file: another
department, the discipline office, the public, or a filing for another firm are refused.
Who signed the filing for the firm is private (``objector``: a commitment in the log).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from drawsvc.calendar.service import load_calendar
from drawsvc.errors import Conflict, Forbidden, InvalidInput, RuleViolation
from drawsvc.journal import Actor, Journal
from drawsvc.privacy import public_body, seal
from drawsvc.results import deadlines as dl
from drawsvc.results import repository as repo
from drawsvc.results.models import OBJECTION_CHANNELS, InspectionResult, Objection, new_objection_code
from drawsvc.results.service import (
    MAX_NAME,
    check_scope,
    day,
    deadline_body,
    settings_for,
    text,
    vocabulary_of,
)

KIND_FILE = "result.objection.file"
KIND_DECIDE = "result.objection.decide"
OUTCOMES = ("更正", "维持")


def file_objection(
    session: Session,
    journal: Journal,
    *,
    result: str,
    firm: str,
    channel: str,
    received_on: date | str,
    grounds: str,
    objector: str | None = None,
    actor: Actor,
) -> Objection:
    """Record a firm's objection (``result.objection.file``, RES-O1 … O3); review due in 20 working days."""
    row = repo.latest_result(session, result)
    if actor.role != "bureau" or actor.department != row.department:
        raise Forbidden(
            f"result {result}: an objection is recorded only by {row.department}, which "
            "published the result (the firm's authorised channel)",
            rule="objection.channel",
            subject=result,
        )
    if firm != row.target_uscc:
        raise Forbidden(
            "firm: only the firm the result is about may object to it",
            field="firm",
            rule="objection.channel",
            subject=result,
        )
    if channel not in OBJECTION_CHANNELS:
        raise InvalidInput(
            f"channel: one of {'、'.join(OBJECTION_CHANNELS)}", field="channel", rule="objection.channel"
        )
    published = [v for v in repo.result_versions(session, result) if v.status == "published"]
    if not published:
        raise RuleViolation(
            f"result {result}: not published; only a published result can be objected to",
            rule="objection.published",
            subject=result,
        )
    current = published[-1]
    received = day(received_on, "received_on")
    assert current.published_on is not None
    if received < current.published_on or received > journal.today():
        raise InvalidInput(
            "received_on: between the publication and today",
            field="received_on",
            rule="objection.received-on",
        )
    calendar = load_calendar(session)
    window = settings_for(session, row.department).objection_window_working_days
    closes = calendar.deadline(current.published_on, window).require_binding()
    if received > closes.due:
        raise RuleViolation(
            f"received_on: after the objection window ({window} working days from the "
            f"publication, to {closes.due.isoformat()})",
            rule="objection.window",
            subject=result,
            field="received_on",
        )
    if any(o.status == "filed" for o in repo.objections_of(session, result)):
        raise Conflict(
            f"result {result}: an objection is under review", field="result", rule="objection.open"
        )
    if row.status != "published":  # a correction decided but not yet published
        raise Conflict(
            f"result {result}: its correction awaits publication",
            field="result",
            rule="objection.correction-pending",
        )
    why = text(grounds, "grounds", rule="objection.grounds")
    who = seal(text(objector, "objector", rule="objection.grounds", required=False, limit=MAX_NAME))
    review = calendar.deadline(received, dl.OBJECTION_REVIEW_WORKING_DAYS).require_binding()
    obj = Objection(
        code=new_objection_code(),
        result_code=result,
        result_version=current.version,
        department=row.department,
        firm_uscc=firm,
        channel=channel,
        received_on=received,
        grounds=why or "",
        objector=who.value if who else None,
        objector_salt=who.salt if who else None,
        review_due=review.due,
        review_due_calendar_version=list(review.calendar_version),
        status="filed",
        log_index=0,
    )
    body = public_body(
        {
            "objection": obj.code,
            "result": result,
            "version": current.version,
            "firm": firm,
            "channel": channel,
            "received_on": received.isoformat(),
            "grounds": why,
            "window": deadline_body(closes),
            "review_due": deadline_body(review),
        },
        {"objector": who},
    )
    obj.log_index = journal.record(session, KIND_FILE, body, actor=actor)
    session.add(obj)
    session.flush()
    return obj


def decide_objection(
    session: Session,
    journal: Journal,
    *,
    objection: str,
    outcome: str,
    reasons: str,
    categories: list[str] | None = None,
    subcategories: list[str] | None = None,
    actor: Actor,
) -> Objection:
    """Decide an objection (``result.objection.decide``, RES-O4, O5).

    ``更正``: the corrected categories make version n + 1 of the result, audited by this review
    and published by the ordinary publish step beside the original (which stays published,
    marked superseded). ``维持``: the result stands, with ``reasons``. Late decisions are
    accepted and logged as late (the deadline view shows them missed).
    """
    obj = repo.objection(session, objection)
    check_scope(obj.department, actor, f"objection {objection}")
    if obj.status != "filed":
        raise Conflict(
            f"objection {objection}: already decided ({obj.status})",
            field="objection",
            rule="objection.decided",
        )
    if outcome not in OUTCOMES:
        raise InvalidInput(
            "outcome: 更正 (with the corrected result) or 维持 (with reasons)",
            field="outcome",
            rule="objection.outcome",
        )
    why = text(reasons, "reasons", rule="objection.reasons")
    original = repo.latest_result(session, obj.result_code)
    today = journal.today()
    corrected: InspectionResult | None = None
    if outcome == "更正":
        vocab, vocab_index = vocabulary_of(session, journal, obj.department, actor=actor)
        cats, subs = vocab.check(categories or [], subcategories or [])
        if cats == original.categories and subs == original.subcategories:
            raise InvalidInput(
                "categories: a correction changes the result",
                field="categories",
                rule="objection.correction-changes",
            )
        corrected = _correction(
            original,
            cats,
            subs,
            vocab_index=vocab_index,
            problem=vocab.has_problem(cats),
            objection=obj.code,
            reviewer=actor.name,
            today=today,
            submitted_at=journal.clock(),
        )
    elif categories or subcategories:
        raise InvalidInput(
            "categories: only a correction (更正) carries categories",
            field="categories",
            rule="objection.outcome",
        )
    body: dict[str, Any] = {
        "objection": obj.code,
        "result": obj.result_code,
        "outcome": outcome,
        "reasons": why,
        "decided_on": today.isoformat(),
        "review_due": {
            "due": obj.review_due.isoformat(),
            "calendar_version": list(obj.review_due_calendar_version),
        },
        "on_time": today <= obj.review_due,
        "corrected": None
        if corrected is None
        else {
            "version": corrected.version,
            "categories": corrected.categories,
            "subcategories": corrected.subcategories,
        },
    }
    index = journal.record(session, KIND_DECIDE, body, actor=actor)
    if corrected is not None:
        corrected.log_index = index
        session.add(corrected)
        obj.corrected_version = corrected.version
    obj.status, obj.reasons, obj.decided_on, obj.decision_index = outcome, why, today, index
    session.flush()
    return obj


def _correction(
    original: InspectionResult,
    categories: list[str],
    subcategories: list[str],
    *,
    vocab_index: int,
    problem: bool,
    objection: str,
    reviewer: str,
    today: date,
    submitted_at: Any,
) -> InspectionResult:
    """Version n + 1: the original's inspection record with the corrected categories, audited."""
    copied = {
        c: getattr(original, c)
        for c in (
            "code",
            "task_code",
            "round",
            "department",
            "target_uscc",
            "item_department",
            "item_code",
            "leader",
            "team",
            "inspected_on",
            "completed_on",
            "method",
            "firm_signed",
            "refusal_note",
            "refusal_note_salt",
            "witness",
            "witness_salt",
            "due",
            "due_calendar_version",
            "formed_on",
            "publish_due",
            "publish_due_calendar_version",
            "follow_up",
        )
    }
    return InspectionResult(
        **copied,
        version=original.version + 1,
        categories=categories,
        subcategories=subcategories,
        vocabulary_index=vocab_index,
        problem=problem,
        status="audited",
        source="correction",
        auditor=reviewer,
        audited_on=today,
        objection_code=objection,
        submitted_at=submitted_at,
        log_index=0,
    )
