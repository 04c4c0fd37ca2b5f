"""后续处置: the follow-up of a result with a problem, its own logged record (docs/specs/results.md §8).

Steps (RES-F2): ``rectification.ordered`` (责令整改), ``rectification.confirmed`` (整改到位, after
an order), ``case.opened`` (立案), ``penalty.decided`` (行政处罚决定, with its decision number,
after a case), ``transferred`` (移送, to another authority or to the judiciary, naming it).
Each has a date and the responsible unit. The result's published form carries the current
state: the last step.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from drawsvc.errors import InvalidInput, RuleViolation
from drawsvc.journal import Actor, Journal
from drawsvc.privacy import public_body, seal
from drawsvc.results import repository as repo
from drawsvc.results.models import FOLLOW_UP_STEPS, TRANSFER_KINDS, FollowUpStep, InspectionResult
from drawsvc.results.service import MAX_NAME, check_scope, day, text

KIND_FOLLOW_UP = "result.followup"
PREREQUISITES = {"rectification.confirmed": "rectification.ordered", "penalty.decided": "case.opened"}


def record_follow_up(
    session: Session,
    journal: Journal,
    *,
    result: str,
    step: str,
    on: date | str,
    unit: str,
    decision_no: str | None = None,
    transfer_kind: str | None = None,
    transferred_to: str | None = None,
    note: str | None = None,
    actor: Actor,
) -> FollowUpStep:
    """Record one follow-up step (``result.followup``, RES-F1 … F4)."""
    row = repo.latest_result(session, result)
    check_scope(row.department, actor, f"result {result}")
    if not row.problem:
        raise RuleViolation(
            f"result {result}: found no problem; follow-ups are for results with one",
            rule="followup.needs-problem",
            subject=result,
        )
    if row.status in ("submitted",):
        raise RuleViolation(f"result {result}: not formed yet", rule="followup.needs-formed", subject=result)
    if step not in FOLLOW_UP_STEPS:
        raise InvalidInput(f"step: one of {', '.join(FOLLOW_UP_STEPS)}", field="step", rule="followup.step")
    when = day(on, "on")
    if when < row.inspected_on or when > journal.today():
        raise InvalidInput("on: between the inspection and today", field="on", rule="followup.date")
    who = text(unit, "unit", rule="followup.unit", limit=MAX_NAME)
    earlier = repo.follow_ups(session, result)
    need = PREREQUISITES.get(step)
    if need is not None and need not in {f.step for f in earlier}:
        raise RuleViolation(
            f"step: {step} follows {need}", rule="followup.order", subject=result, field="step"
        )
    number = text(
        decision_no,
        "decision_no",
        rule="followup.decision-no",
        required=step == "penalty.decided",
        limit=MAX_NAME,
    )
    if step != "penalty.decided" and number is not None:
        raise InvalidInput(
            "decision_no: only for penalty.decided", field="decision_no", rule="followup.decision-no"
        )
    if step == "transferred":
        if transfer_kind not in TRANSFER_KINDS:
            raise InvalidInput(
                "transfer_kind: authority or judiciary", field="transfer_kind", rule="followup.transfer"
            )
        to = text(transferred_to, "transferred_to", rule="followup.transfer", limit=MAX_NAME)
    elif transfer_kind is not None or transferred_to is not None:
        raise InvalidInput(
            "transfer_kind: only for transferred", field="transfer_kind", rule="followup.transfer"
        )
    else:
        to = None
    # a free note may name people: the log binds it by a commitment only (ENV, privacy)
    remark = seal(text(note, "note", rule="followup.note", required=False))
    body = public_body(
        {
            "result": result,
            "step": step,
            "on": when.isoformat(),
            "unit": who,
            "decision_no": number,
            "transfer": None if step != "transferred" else {"kind": transfer_kind, "to": to},
        },
        {"note": remark},
    )
    index = journal.record(session, KIND_FOLLOW_UP, body, actor=actor)
    fu = FollowUpStep(
        result_code=result,
        step=step,
        on=when,
        unit=who or "",
        decision_no=number,
        transfer_kind=transfer_kind if step == "transferred" else None,
        transferred_to=to,
        note=remark.value if remark else None,
        note_salt=remark.salt if remark else None,
        log_index=index,
    )
    session.add(fu)
    session.execute(sa.update(InspectionResult).where(InspectionResult.code == result).values(follow_up=step))
    session.flush()
    session.expire(row)
    return fu
