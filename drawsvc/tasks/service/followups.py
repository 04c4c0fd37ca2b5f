"""After the draw, before the lock: expert answers and top-ups, designations and replacements
(``draw.expert.response``, ``draw.expert.topup``, ``draw.designate``, ``draw.replace``)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from drawsvc.errors import Conflict, DeadlineMissed, InvalidInput, NotFound, RuleViolation
from drawsvc.tasks import logread, replay
from drawsvc.tasks import repository as repo
from drawsvc.tasks.models import ExpertSlot
from drawsvc.tasks.service.draw import current_draw, draw_inputs, response_deadline
from drawsvc.tasks.service.rules import RULE_LOCKED, check_draft, own_task, require_text
from drawsvc.tasks.service.sealing import require_disclosed

if TYPE_CHECKING:
    from drawsvc.journal import Actor, Journal


AVOIDANCE_REASON = "avoidance"  # draw-spec §9: the engine's reason for a post-draw declaration


def respond_expert(
    session: Session,
    journal: Journal,
    *,
    task: str,
    expert: str,
    response: str,
    reason: str | None = None,
    on: date | None = None,
    actor: Actor,
) -> list[ExpertSlot]:
    """Record an invited expert's answer (``draw.expert.response``); a decline or no answer is
    fed to the registries' three-strikes rule and topped up from the same stream
    (``draw.expert.topup``, DRAW-63) so the headcount stays met.

    ``reason`` is required for ``declined`` and refused otherwise (entries.md §5). ``no_answer``
    is accepted only after the deadline (working days, the calendar); an answer after it raises
    ``DeadlineMissed``. The top-up's deadline is computed before anything is written, so a
    calendar that does not cover it (``CalendarUnavailable``) leaves nothing behind. Returns the
    new invitations.
    """
    if response not in ("accepted", "declined", "no_answer"):
        raise InvalidInput(
            "response: accepted, declined or no_answer", field="response", rule="expert.response"
        )
    if response == "declined":
        why: str | None = require_text(reason)
    elif (reason or "").strip():
        raise InvalidInput(
            "reason: given only with a decline", field="reason", rule="expert.response-reason"
        )
    else:
        why = None
    t = own_task(session, task, actor)
    draw = current_draw(session, task)
    require_disclosed(session, task, draw.round, f"the answer of expert {expert}")
    if draw.locked:
        raise RuleViolation(f"task {task}: the draw is locked", rule=RULE_LOCKED, subject=task)
    slot = next(
        (
            s
            for s in repo.expert_slots(session, task, draw.round)
            if s.expert_code == expert and s.status == "invited"
        ),
        None,
    )
    if slot is None:
        raise NotFound(f"task {task}: expert {expert} has no open invitation", subject=expert)
    on = on or journal.today()
    if slot.deadline is not None:
        if response == "no_answer" and on <= slot.deadline:
            raise RuleViolation(
                f"task {task}: expert {expert} may still answer until {slot.deadline}",
                rule="expert.deadline-not-passed",
                subject=expert,
            )
        if response != "no_answer" and on > slot.deadline:
            raise DeadlineMissed(
                f"task {task}: expert {expert} answered after the deadline {slot.deadline}",
                rule="expert.deadline",
                subject=expert,
            )
    next_deadline = None if response == "accepted" else response_deadline(session, t, on)
    journal.record(
        session,
        "draw.expert.response",
        {
            "task": task,
            "round": draw.round,
            "expert": expert,
            "response": response,
            "reason": why,
            "deadline": slot.deadline.isoformat() if slot.deadline else None,
            "calendar_version": slot.deadline_calendar_version,
        },
        actor=actor,
    )
    slot.status = response
    _record_outcome(session, journal, expert=expert, task=task, outcome=response, actor=actor)
    if response == "accepted":
        session.flush()
        return []
    inputs, _c = draw_inputs(session, journal, draw)
    reason = "declined" if response == "declined" else "no-answer"
    result = replay.top_up(
        inputs, draw.reveals, draw.beacon, draw.result, expert=expert, reason=reason, trust_cache=True
    )
    record = result["experts"]["events"][-1]
    assert next_deadline is not None
    journal.record(
        session,
        "draw.expert.topup",
        {
            "task": task,
            "round": draw.round,
            "event": record,
            "deadline": next_deadline.due.isoformat(),
            "calendar_version": list(next_deadline.calendar_version),
        },
        actor=actor,
    )
    draw.result = result
    new = ExpertSlot(
        task_code=task,
        round=draw.round,
        expert_code=record["replacement"],
        status="invited",
        deadline=next_deadline.due,
        deadline_calendar_version=list(next_deadline.calendar_version),
        log_index=0,
    )
    session.add(new)
    session.flush()
    return [new]


def expire_invitations(
    session: Session, journal: Journal, *, task: str, today: date, actor: Actor
) -> list[ExpertSlot]:
    """Record no answer for every invitation past its deadline, topping up each. Returns new invitations."""
    own_task(session, task, actor)  # refused even when nothing is due: only the owner may ask
    draw = current_draw(session, task)
    new: list[ExpertSlot] = []
    for s in repo.expert_slots(session, task, draw.round):
        if s.status == "invited" and s.deadline is not None and today > s.deadline:
            new.extend(
                respond_expert(
                    session,
                    journal,
                    task=task,
                    expert=s.expert_code,
                    response="no_answer",
                    on=today,
                    actor=actor,
                )
            )
    return new


def _record_outcome(
    session: Session, journal: Journal, *, expert: str, task: str, outcome: str, actor: Actor
) -> None:
    """Feed the registries' three-strikes rule (``registries.experts.record_invitation_outcome``)."""
    from drawsvc.registries.experts import record_invitation_outcome

    record_invitation_outcome(session, journal, expert, outcome, actor=actor, task_ref=task)


def designate(
    session: Session,
    journal: Journal,
    *,
    task: str,
    person: str,
    reason: str,
    approver: str,
    role: str = "expert",
    target: str | None = None,
    actor: Actor,
) -> dict[str, Any] | None:
    """Designate without a draw, with written reason and approver (``draw.designate``).

    ``role="expert"`` (DRAW-64): only before the commitment: the designation is part of what the
    commitment freezes, so the draw seats the designated expert first and draws the other seats.
    ``role="leader"`` (DRAW-44a): after the draw and before the lock, ``person`` (a member of
    ``target``'s drawn team) becomes its leader; see :func:`designate_leader`.
    """
    if role == "leader":
        if target is None:
            raise InvalidInput(
                "target: a leader is designated for a drawn target",
                field="target",
                rule="draw.designate-target",
            )
        return designate_leader(
            session,
            journal,
            task=task,
            target=target,
            person=person,
            reason=reason,
            approver=approver,
            actor=actor,
        )
    if role != "expert":
        raise InvalidInput("role: expert or leader", field="role", rule="draw.designate-role")
    if target is not None:
        raise InvalidInput(
            "target: only a leader designation names a target",
            field="target",
            rule="draw.designate-target",
        )
    t = own_task(session, task, actor)
    check_draft(t, f"designating {person}")
    if t.params.get("experts") is None:
        raise RuleViolation(f"task {task}: draws no experts", rule="draw.designate-role", subject=task)
    why, who = require_text(reason), require_text(approver, "approver")
    if person not in repo.existing(session, "experts", [person]):
        raise NotFound(f"expert {person}: not in the registry", field="person", subject=person)
    if any(s.expert_code == person for s in repo.expert_slots(session, task, 0)):
        raise Conflict(f"task {task}: {person} is already designated", subject=person)
    journal.record(
        session,
        "draw.designate",
        {"task": task, "role": "expert", "person": person, "reason": why, "approver": who},
        actor=actor,
    )
    session.add(
        ExpertSlot(
            task_code=task,
            round=0,
            expert_code=person,
            status="designated",
            deadline=None,
            reason=why,
            approver=who,
            log_index=0,
        )
    )
    session.flush()


def designate_leader(
    session: Session,
    journal: Journal,
    *,
    task: str,
    target: str,
    person: str,
    reason: str,
    approver: str,
    actor: Actor,
) -> dict[str, Any]:
    """The responsible head designates ``person`` leader of ``target``'s team after the draw
    (draw-spec DRAW-44a; ``draw.designate`` with role ``leader``, entries.md §5).

    A designation before the commitment cannot know which targets will be drawn (DRAW-44), so
    leaders are designated on the drawn result: ``person`` must already be a member of the team
    (any member: the record says whether they are leader-eligible), the draw must not be locked.
    Not random: no stream is read, nobody changes team; the verifier replays it (V-5). Returns
    the event record.
    """
    t = own_task(session, task, actor)
    why, who = require_text(reason), require_text(approver, "approver")
    if t.params.get("teams") is None:
        raise RuleViolation(f"task {task}: forms no teams", rule="draw.designate-role", subject=task)
    if t.status in ("locked", "dispatched"):
        raise RuleViolation(f"task {task}: the draw is locked", rule=RULE_LOCKED, subject=task)
    if t.status != "drawn":
        raise RuleViolation(
            f"task {task}: a leader is designated on the drawn teams (status {t.status})",
            rule="draw.designate-after-draw",
            subject=task,
        )
    draw = current_draw(session, task)
    require_disclosed(session, task, draw.round, "designating a leader")
    if draw.locked:
        raise RuleViolation(f"task {task}: the draw is locked", rule=RULE_LOCKED, subject=task)
    c = repo.commitment(session, task, draw.round)
    assert c is not None
    inputs = logread.inputs_from_log(
        journal.log, session.connection(), c.log_index, cached=frozenset({"targets", "experts"})
    )
    result = replay.designate_leader(
        draw.result,
        inputs.pools.get("inspectors", []),
        target=target,
        person=person,
        reason=why,
        approver=who,
    )
    record = result["inspection"]["events"][-1]
    journal.record(
        session,
        "draw.designate",
        {
            "task": task,
            "round": draw.round,
            "role": "leader",
            "target": target,
            "person": person,
            "reason": why,
            "approver": who,
            "leader_eligible": record["leader_eligible"],
        },
        actor=actor,
    )
    draw.result = result
    session.flush()
    return dict(record)


def replace_inspector(
    session: Session,
    journal: Journal,
    *,
    task: str,
    target: str,
    inspector: str,
    reason: str,
    approver: str,
    avoidance: bool = False,
    actor: Actor,
) -> dict[str, Any]:
    """Replace a drawn inspector of ``target``'s team (draw-spec §9; ``draw.replace``).

    ``avoidance=True``: the inspector declared an interest in the target after the draw; the
    engine first tries a swap with a member of another team that resolves it (DRAW-52), else
    refills from the continued stream (DRAW-51). Returns the engine's event record.
    """
    own_task(session, task, actor)
    why, who = require_text(reason), require_text(approver, "approver")
    draw = current_draw(session, task)
    require_disclosed(session, task, draw.round, f"replacing {inspector}")
    if draw.locked:
        raise RuleViolation(f"task {task}: the draw is locked", rule=RULE_LOCKED, subject=task)
    inputs, c = draw_inputs(session, journal, draw)
    engine_reason = AVOIDANCE_REASON if avoidance else why
    result = replay.replace(
        inputs,
        draw.reveals,
        draw.beacon,
        c.avoidance_salt,
        draw.result,
        target=target,
        person=inspector,
        reason=engine_reason,
        approver=who,
        trust_cache=True,
    )
    record = result["inspection"]["events"][-1]
    journal.record(
        session,
        "draw.replace",
        {"task": task, "round": draw.round, "reason": why, "avoidance": avoidance, "event": record},
        actor=actor,
    )
    draw.result = result
    session.flush()
    return dict(record)


