"""Expert pools and the expert life cycle (docs/specs/registries.md §4.5).

application (qualification check, RG-21..RG-25) → public notice of at least 5 working days
(RG-27) with named written objections only (RG-28, RG-29), each decided within 30 working
days (RG-30, RG-31) → admission for a term of 3 years (RG-26) → evaluations (RG-32) and
invitation outcomes (RG-33) → exit (RG-34). The system *flags* who must exit
(``Expert.exit_flags``); a person confirms with :func:`confirm_exit`.

Working days come from the calendar (``drawsvc.calendar.service.compute_deadline``); a date
outside its coverage raises ``CalendarUnavailable`` (RG-36), and a provisional estimate is
never stored (RG-39). Every stored deadline keeps the ``calendar_version`` that computed it
(log indices of the arrangements), in its row and in its log entry. Dates are passed in
(``on``), never read from the clock, so every decision is reproducible from the log.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from drawsvc.calendar.arithmetic import Deadline
from drawsvc.calendar.service import compute_deadline
from drawsvc.errors import Conflict, Forbidden, InvalidInput, NotFound, RuleViolation
from drawsvc.journal import Actor, Journal
from drawsvc.privacy import Sealed, new_salt, public_body
from drawsvc.registries import expert_rules as xr
from drawsvc.registries import fields as f
from drawsvc.registries import records, repository, rules
from drawsvc.registries.models import (
    EXIT_REASONS,
    GRADES,
    INVITATION_OUTCOMES,
    OBJECTION_DECISIONS,
    Expert,
    ExpertEvaluation,
    ExpertInvitation,
    ExpertObjection,
    ExpertPool,
)
from drawsvc.registries.service import assign, require_department, require_scope, seal_into

KIND_POOL = "registry.expert_pool.upsert"
KIND_APPLY = "registry.expert.apply"
# .v2: the bodies carry the calendar_version of their deadline (spec §7.2, calendar.md §6.3)
KIND_NOTICE = "registry.expert.notice.v2"
KIND_OBJECTION = "registry.expert.objection.v2"
KIND_OBJECTION_DECISION = "registry.expert.objection_decision.v2"
KIND_ADMIT = "registry.expert.admit"
KIND_EVALUATION = "registry.expert.evaluation"
KIND_INVITATION = "registry.expert.invitation"
KIND_EXIT_FLAG = "registry.expert.exit_flag"
KIND_EXIT = "registry.expert.exit"
KIND_EXPERT_UPDATE = "registry.expert.update"

# Reasons the system detects; they need a flag before a person confirms them.
FLAGGED_REASONS = ("over_age", "second_poor", "no_answer_x3", "credit_blacklist")


# --------------------------------------------------------------------------- pools
def pool_rules(pool: ExpertPool | Any) -> xr.PoolRules:
    """The admission rules of a pool row, or of anything with the same fields (an API body)."""
    return xr.PoolRules(
        age_limit=pool.age_limit,
        exempt_titles=tuple(pool.exempt_titles),
        exempt_age_limit=pool.exempt_age_limit,
        min_years=pool.min_years,
        accepted_titles=tuple(pool.accepted_titles),
        groups=tuple(pool.groups),
        term_years=pool.term_years,
        notice_working_days=pool.notice_working_days,
        objection_working_days=pool.objection_working_days,
    )


def upsert_pool(
    session: Session,
    journal: Journal,
    *,
    code: str,
    name: str,
    department: str | None,
    pool: xr.PoolRules,
    actor: Actor,
) -> ExpertPool:
    """Create or reconfigure a pool (``department`` None: a shared pool)."""
    c = f.Checker()
    code = c(f.code, {"code": code}, "code")
    name = c(f.text, {"name": name}, "name")
    c.raise_first()
    if department is not None:
        require_department(session, department)
    values: dict[str, Any] = {
        "name": name,
        "department_code": department,
        "age_limit": pool.age_limit,
        "exempt_titles": list(pool.exempt_titles),
        "exempt_age_limit": pool.exempt_age_limit,
        "min_years": pool.min_years,
        "accepted_titles": list(pool.accepted_titles),
        "groups": list(pool.groups),
        "term_years": pool.term_years,
        "notice_working_days": pool.notice_working_days,
        "objection_working_days": pool.objection_working_days,
    }
    row = repository.get_pool(session, code)
    if row is None:
        row = ExpertPool(code=code, version=1, **values)
        session.add(row)
    else:
        require_scope(department, row.department_code, subject=code)
        if not assign(row, values):
            return row
        row.version += 1
    session.flush()
    journal.record(session, KIND_POOL, records.pool_body(row), actor=actor)
    return row


def require_pool(session: Session, code: str, *, department: str | None) -> ExpertPool:
    pool = repository.get_pool(session, code)
    if pool is None:
        raise NotFound("expert pool not found", field="pool", rule=rules.UNKNOWN_REFERENCE, subject=code)
    if pool.department_code is not None:
        require_scope(department, pool.department_code, subject=code)
    return pool


def require_expert(
    session: Session, code: str, *, department: str | None = None
) -> tuple[Expert, ExpertPool]:
    expert = repository.get_expert(session, code)
    if expert is None:
        raise NotFound("expert not found", field="expert", rule=rules.UNKNOWN_REFERENCE, subject=code)
    return expert, require_pool(session, expert.pool_code, department=department)


def _require_status(expert: Expert, *allowed: str) -> None:
    if expert.status not in allowed:
        raise RuleViolation(
            f"expert is {expert.status}; this step needs {' or '.join(allowed)}",
            rule=rules.STATUS_TRANSITION,
            subject=expert.code,
        )


def apply_expert_record(row: Expert, rec: records.ExpertRecord) -> bool:
    changed = assign(
        row,
        {
            "pool_code": rec.pool_code,
            "name": rec.name,
            "organisation": rec.organisation,
            "organisation_uscc": rec.organisation_uscc,
            "title": rec.title,
            "groups": list(rec.groups),
            "years_in_field": rec.years_in_field,
        },
    )
    if row.birth_date != rec.birth_date:
        row.birth_date = rec.birth_date
        row.birth_date_salt = new_salt()
        changed = True
    changed = seal_into(row, "id_number", rec.id_number) or changed
    changed = seal_into(row, "home_address", rec.home_address) or changed
    return seal_into(row, "phone", rec.phone) or changed


def new_expert_row(rec: records.ExpertRecord, **state: Any) -> Expert:
    """A new ``Expert`` holding ``rec`` and ``state`` (status, dates, import reference): counters
    at zero, no exit flags, and the private fields empty until ``apply_expert_record`` seals
    ``rec``'s into them (each with a fresh salt, registries.md P-5)."""
    row = Expert(
        code=rec.code,
        version=1,
        consecutive_no_answer=0,
        exit_flags=[],
        phone=None,
        phone_salt=None,
        id_number=None,
        id_number_salt=None,
        home_address=None,
        home_address_salt=None,
        birth_date=None,
        birth_date_salt=None,
        **state,
    )
    apply_expert_record(row, rec)
    return row


def _log(session: Session, journal: Journal, kind: str, expert: Expert, actor: Actor, **extra: Any) -> int:
    body = (
        records.expert_body(expert)
        if kind in (KIND_APPLY, KIND_ADMIT, KIND_EXPERT_UPDATE)
        else {"code": expert.code, "pool": expert.pool_code, "status": expert.status}
    )
    body.update(extra)
    session.flush()
    return journal.record(session, kind, body, actor=actor)


def binding_deadline(session: Session, start: date, working_days: int) -> Deadline:
    """``working_days`` working days after ``start``, binding (RG-36, RG-39; calendar.md §5 A6).

    Raises ``CalendarUnavailable`` naming the year when the count leaves the loaded years, and
    ``RuleViolation`` (``calendar.provisional-not-binding``) for a provisional estimate.
    Called before anything is written, so a refusal leaves nothing behind.
    """
    return compute_deadline(session, start, working_days).require_binding()


# --------------------------------------------------------------------------- application and notice
def apply(
    session: Session,
    journal: Journal,
    raw: Mapping[str, Any],
    *,
    pool_code: str,
    department: str | None,
    on: date,
    actor: Actor,
) -> Expert:
    """An application, checked against the pool's rules on ``on``; refused (nothing stored) if it fails."""
    pool = require_pool(session, pool_code, department=department)
    rec, errors = records.parse_expert(raw, pool=pool_rules(pool), pool_code=pool.code, on=on)
    if errors:
        raise errors[0]
    assert rec is not None
    if repository.get_expert(session, rec.code) is not None:
        raise Conflict("expert code already used", field="code", rule=rules.DUPLICATE, subject=rec.code)
    row = new_expert_row(rec, status="applied", applied_on=on)
    session.add(row)
    _log(session, journal, KIND_APPLY, row, actor, applied_on=on.isoformat())
    return row


def start_notice(
    session: Session, journal: Journal, *, expert_code: str, start: date, department: str | None, actor: Actor
) -> Expert:
    """Publish the public notice (公示) on ``start``; it ends on the n-th working day after (RG-27)."""
    expert, pool = require_expert(session, expert_code, department=department)
    _require_status(expert, "applied")
    deadline = binding_deadline(session, start, pool.notice_working_days)
    end = deadline.due
    expert.status, expert.notice_start, expert.notice_end = "in_notice", start, end
    expert.notice_end_calendar_version = list(deadline.calendar_version)
    expert.version += 1
    _log(
        session,
        journal,
        KIND_NOTICE,
        expert,
        actor,
        notice_start=start.isoformat(),
        notice_end=end.isoformat(),
        working_days=pool.notice_working_days,
        calendar_version=list(deadline.calendar_version),
    )
    return expert


def file_objection(
    session: Session,
    journal: Journal,
    *,
    expert_code: str,
    objector: str | None,
    written: bool,
    filed_on: date,
    department: str | None,
    actor: Actor,
) -> ExpertObjection:
    """A named, written objection during the notice (RG-28, RG-29); due in 30 working days (RG-30)."""
    if not written:
        raise InvalidInput(
            "objections must be filed in writing", field="written", rule=rules.ANONYMOUS_OBJECTION
        )
    if objector is None or not objector.strip():
        raise InvalidInput(
            "anonymous objections are refused: the objector must be named",
            field="objector",
            rule=rules.ANONYMOUS_OBJECTION,
        )
    expert, pool = require_expert(session, expert_code, department=department)
    _require_status(expert, "in_notice")
    assert expert.notice_start is not None and expert.notice_end is not None
    if not expert.notice_start <= filed_on <= expert.notice_end:
        raise RuleViolation(
            "objections are accepted only during the public notice",
            rule=rules.OBJECTION_WINDOW,
            subject=expert.code,
        )
    deadline = binding_deadline(session, filed_on, pool.objection_working_days)
    due = deadline.due
    salt = new_salt()
    row = ExpertObjection(
        expert_code=expert.code,
        filed_on=filed_on,
        due_on=due,
        due_calendar_version=list(deadline.calendar_version),
        objector=objector.strip(),
        objector_salt=salt,
    )
    session.add(row)
    session.flush()
    body = public_body(
        {
            "code": expert.code,
            "objection": row.id,
            "filed_on": filed_on.isoformat(),
            "due_on": due.isoformat(),
            "calendar_version": list(deadline.calendar_version),
        },
        {"objector": Sealed(row.objector, salt)},
    )
    journal.record(session, KIND_OBJECTION, body, actor=actor)
    return row


def decide_objection(
    session: Session,
    journal: Journal,
    *,
    objection_id: int,
    decision: str,
    decided_on: date,
    department: str | None,
    actor: Actor,
) -> ExpertObjection:
    """Decide an objection. An upheld objection rejects the applicant (RG-31).

    A decision after ``due_on`` is still recorded but marked ``overdue`` in the log (RG-30).
    """
    if decision not in OBJECTION_DECISIONS:
        raise InvalidInput("decision must be upheld or dismissed", field="decision", rule=rules.ENUM)
    row = session.get(ExpertObjection, objection_id)
    if row is None:
        raise NotFound("objection not found", field="objection", rule=rules.UNKNOWN_REFERENCE)
    if row.decision is not None:
        raise Conflict("objection already decided", field="objection", rule=rules.STATUS_TRANSITION)
    if decided_on < row.filed_on:
        raise InvalidInput("decided before it was filed", field="decided_on", rule=rules.DATE)
    expert, _ = require_expert(session, row.expert_code, department=department)
    row.decision, row.decided_on = decision, decided_on
    if decision == "upheld" and expert.status in ("applied", "in_notice"):
        expert.status = "rejected"
        expert.version += 1
    _log(
        session,
        journal,
        KIND_OBJECTION_DECISION,
        expert,
        actor,
        objection=row.id,
        decision=decision,
        decided_on=decided_on.isoformat(),
        due_on=row.due_on.isoformat(),
        calendar_version=list(row.due_calendar_version),
        overdue=decided_on > row.due_on,
    )
    return row


def admit(
    session: Session, journal: Journal, *, expert_code: str, on: date, department: str | None, actor: Actor
) -> Expert:
    """Admit after the notice ended with no pending or upheld objection; the term starts ``on``."""
    expert, pool = require_expert(session, expert_code, department=department)
    _require_status(expert, "in_notice")
    assert expert.notice_end is not None
    if on <= expert.notice_end:
        raise RuleViolation("the public notice has not ended", rule=rules.NOTICE_PERIOD, subject=expert.code)
    objections = repository.objections_of(session, expert.code)
    if any(o.decision is None for o in objections):
        raise RuleViolation(
            "an objection is still undecided", rule=rules.OBJECTION_PENDING, subject=expert.code
        )
    if any(o.decision == "upheld" for o in objections):
        raise RuleViolation("an objection was upheld", rule=rules.OBJECTION_UPHELD, subject=expert.code)
    failures = xr.qualification_failures(
        pool_rules(pool),
        birth_date=expert.birth_date,
        title=expert.title,
        years_in_field=expert.years_in_field,
        groups=expert.groups,
        on=on,
    )
    if failures:
        raise failures[0]
    expert.status = "admitted"
    expert.term_start, expert.term_end = on, xr.term_end_for(on, pool.term_years)
    expert.consecutive_no_answer, expert.exit_flags = 0, []
    expert.version += 1
    _log(session, journal, KIND_ADMIT, expert, actor)
    return expert


# --------------------------------------------------------------------------- in the pool
def _flag(
    session: Session, journal: Journal, expert: Expert, reason: str, actor: Actor, **extra: Any
) -> bool:
    if reason in expert.exit_flags:
        return False
    expert.exit_flags = [*expert.exit_flags, reason]
    _log(
        session,
        journal,
        KIND_EXIT_FLAG,
        expert,
        actor,
        reason=reason,
        exit_flags=list(expert.exit_flags),
        **extra,
    )
    return True


def evaluate(
    session: Session,
    journal: Journal,
    *,
    expert_code: str,
    grade: str,
    on: date,
    department: str | None,
    actor: Actor,
    task_ref: str | None = None,
) -> ExpertEvaluation:
    """Record an evaluation (优秀/良好/一般/差); a second 差 in one term flags exit (RG-32)."""
    if grade not in GRADES:
        raise InvalidInput(
            "grade must be excellent, good, fair or poor", field="grade", rule=rules.EVALUATION
        )
    expert, _ = require_expert(session, expert_code, department=department)
    _require_status(expert, "admitted")
    row = ExpertEvaluation(
        expert_code=expert.code, grade=grade, evaluated_on=on, term_start=expert.term_start, task_ref=task_ref
    )
    session.add(row)
    _log(
        session,
        journal,
        KIND_EVALUATION,
        expert,
        actor,
        grade=grade,
        on=on.isoformat(),
        term_start=expert.term_start.isoformat() if expert.term_start else None,
        task_ref=task_ref,
    )
    if xr.poor_in_term(repository.grades_in_term(session, expert.code, expert.term_start)):
        _flag(session, journal, expert, "second_poor", actor)
    return row


def record_invitation_outcome(
    session: Session, journal: Journal, expert_code: str, outcome: str, *, actor: Actor, task_ref: str
) -> Expert:
    """Called by the draw service per invitation; three consecutive ``no_answer`` flag exit (RG-33)."""
    if outcome not in INVITATION_OUTCOMES:
        raise InvalidInput(
            "outcome must be accepted, declined or no_answer", field="outcome", rule=rules.INVITATIONS
        )
    expert, _ = require_expert(session, expert_code)
    # Recorded whatever the status (an expert may exit between invitation and answer);
    # only a member still admitted is flagged.
    expert.consecutive_no_answer = xr.next_no_answer_count(expert.consecutive_no_answer, outcome)
    session.add(
        ExpertInvitation(
            expert_code=expert.code, task_ref=task_ref, outcome=outcome, recorded_at=journal.clock()
        )
    )
    _log(
        session,
        journal,
        KIND_INVITATION,
        expert,
        actor,
        task_ref=task_ref,
        outcome=outcome,
        consecutive_no_answer=expert.consecutive_no_answer,
    )
    if expert.status == "admitted" and expert.consecutive_no_answer >= xr.NO_ANSWER_LIMIT:
        _flag(session, journal, expert, "no_answer_x3", actor)
    return expert


def flag_over_age(
    session: Session, journal: Journal, *, on: date, actor: Actor, pool_code: str | None = None
) -> list[str]:
    """Flag every admitted expert over their pool's age limit on ``on``; return their codes."""
    flagged: list[str] = []
    pools = {p.code: pool_rules(p) for p in repository.list_pools(session)}
    for expert in repository.list_experts(session, pool_code=pool_code, status="admitted"):
        if xr.is_over_age(
            pools[expert.pool_code], birth_date=expert.birth_date, title=expert.title, on=on
        ) and _flag(session, journal, expert, "over_age", actor, on=on.isoformat()):
            flagged.append(expert.code)
    return flagged


def flag_credit_blacklist(
    session: Session, journal: Journal, *, expert_code: str, reference: str, actor: Actor
) -> Expert:
    """A credit blacklist (失信名单) entry found for the expert: flag exit. ``reference`` is public."""
    expert, _ = require_expert(session, expert_code)
    _require_status(expert, "admitted")
    _flag(session, journal, expert, "credit_blacklist", actor, reference=reference[:200])
    return expert


def confirm_exit(
    session: Session,
    journal: Journal,
    *,
    expert_code: str,
    reason: str,
    on: date,
    department: str | None,
    actor: Actor,
) -> Expert:
    """A person removes an expert (RG-34). System-detected reasons need a flag first; the
    system itself never confirms."""
    if reason not in EXIT_REASONS:
        raise InvalidInput("unknown exit reason", field="reason", rule=rules.EXIT_REASON)
    if actor.role == "system":
        raise Forbidden(
            "an exit is confirmed by a person, not by the system", rule=rules.EXIT_REASON, subject=expert_code
        )
    expert, _ = require_expert(session, expert_code, department=department)
    _require_status(expert, "admitted", "in_notice", "applied")
    if reason in FLAGGED_REASONS and reason not in expert.exit_flags:
        raise RuleViolation(
            "this reason needs a system flag first", rule=rules.EXIT_REASON, subject=expert.code
        )
    expert.status, expert.exit_reason, expert.exited_on = "exited", reason, on
    expert.version += 1
    _log(session, journal, KIND_EXIT, expert, actor, reason=reason, on=on.isoformat())
    return expert


def clear_exit_flag(
    session: Session, journal: Journal, *, expert_code: str, reason: str, department: str | None, actor: Actor
) -> Expert:
    """A person decides a flag was wrong (e.g. a blacklist entry revoked); logged like any change."""
    if actor.role == "system":
        raise Forbidden("a flag is cleared by a person", rule=rules.EXIT_REASON, subject=expert_code)
    expert, _ = require_expert(session, expert_code, department=department)
    if reason not in expert.exit_flags:
        raise NotFound("no such flag", field="reason", rule=rules.EXIT_REASON)
    expert.exit_flags = [r for r in expert.exit_flags if r != reason]
    if reason == "no_answer_x3":
        expert.consecutive_no_answer = 0
    _log(
        session,
        journal,
        KIND_EXIT_FLAG,
        expert,
        actor,
        reason=reason,
        cleared=True,
        exit_flags=list(expert.exit_flags),
    )
    return expert


def update_expert(
    session: Session,
    journal: Journal,
    raw: Mapping[str, Any],
    *,
    department: str | None,
    on: date,
    actor: Actor,
) -> Expert:
    """Correct an expert's details (same validation as an application)."""
    expert, pool = require_expert(session, str(raw.get("code", "")), department=department)
    rec, errors = records.parse_expert(raw, pool=pool_rules(pool), pool_code=pool.code, on=on)
    if errors:
        raise errors[0]
    assert rec is not None
    if not apply_expert_record(expert, rec):
        return expert
    expert.version += 1
    _log(session, journal, KIND_EXPERT_UPDATE, expert, actor)
    return expert


def pending_exits(session: Session, *, pool_codes: Sequence[str] | None = None) -> list[Expert]:
    """Experts flagged for exit, waiting for a person (the bureau's to-do list)."""
    out = repository.flagged_experts(session)
    return [e for e in out if pool_codes is None or e.pool_code in pool_codes]
