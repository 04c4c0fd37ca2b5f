"""Disclosure of sealed draws (``draw.disclose``, ``draw.disclose.part``; docs/specs/sealed-draws.md).

A sealed round's plaintext and salt, kept private since ``draw.sealed`` (SEAL-5), are published
so that anyone can check them against the commitment and recompute the draw (SEAL-7). What the
service publishes is checked against the commitment first, exactly as a verifier will; a salt or
plaintext given by the caller (the discipline office holding its own copy) must open it too, or
nothing is written (SEAL-4).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from drawsvc.errors import Conflict, InvalidInput, RuleViolation
from drawsvc.tasks import replay, seal
from drawsvc.tasks import repository as repo
from drawsvc.tasks.models import Commitment, Draw, Task
from drawsvc.tasks.service.bulk import record_text_parts
from drawsvc.tasks.service.draw import response_deadline
from drawsvc.tasks.service.rules import own_task, owner_of, require_text
from drawsvc.tasks.service.sealing import seal_of, store_seal

if TYPE_CHECKING:
    from drawsvc.journal import Actor, Journal


def plaintext_of(session: Session, c: Commitment) -> dict[str, Any]:
    """SEAL-2: the plaintext of a drawn sealed round, rebuilt from its private rows."""
    d = session.scalars(
        sa.select(Draw).where(Draw.task_code == c.task_code, Draw.round == c.round)
    ).one()
    return seal.plaintext(
        task=c.task_code,
        round=c.round,
        commit=c.log_index,
        reveals=list(d.reveals),
        beacon=d.beacon,
        avoidance_salt=c.avoidance_salt,
        seed=d.seed,
        result=d.result,
    )


def current_seal(session: Session, task: str) -> dict[str, Any] | None:
    """The current round's seal state with its round number (None: not sealed); holds the salt,
    so callers show it only to those who may open it (SEAL-8)."""
    t = repo.get_task(session, task)
    return seal_of_round(session, task, t.round) if t.round else None


def seal_of_round(session: Session, task: str, round_: int) -> dict[str, Any] | None:
    """``current_seal`` for a round the caller knows is current (the draw it has just made,
    whose commitment the draw kept in the session: ``repo.loaded_commitment``)."""
    state = seal_of(repo.loaded_commitment(session, task, round_))
    return {**state, "round": round_} if state is not None else None


def opened_state(session: Session, task: str, round_: int) -> dict[str, Any]:
    """The discipline office's view of a sealed round (SEAL-8): commitment, salt, plaintext, and
    the proof that they open the commitment (``open_seal`` raised otherwise)."""
    c = repo.commitment(session, task, round_)
    state = seal_of(c)
    if c is None or state is None:
        raise RuleViolation(
            f"task {task}: round {round_} is not sealed", rule=seal.RULE_NOT_SEALED, subject=task
        )
    value = seal.open_seal(state["commitment"], state["salt"], plaintext_of(session, c))
    return {
        "task": task,
        "round": round_,
        "sealed_index": state["draw"],
        "disclosed_index": state.get("disclosed"),
        "opens": state["opens"],
        "commitment": state["commitment"],
        "salt": state["salt"],
        "plaintext": value,
        "verified": True,
    }


def _pending(session: Session, t: Task) -> list[tuple[Commitment, dict[str, Any]]]:
    out = []
    for r in range(1, t.round + 1):
        c = repo.commitment(session, t.code, r)
        state = seal_of(c)
        if c is not None and c.drawn and state is not None and state.get("disclosed") is None:
            out.append((c, state))
    return out


def _given_opening(
    state: Mapping[str, Any], stored: dict[str, Any], salt: str | None, plaintext: Any
) -> dict[str, Any]:
    """SEAL-4: what the caller brought must open the commitment; the field that differs is named."""
    salt_hex = salt.lower() if isinstance(salt, str) else salt
    if salt is None and plaintext is None:
        return stored
    value = stored if plaintext is None else plaintext
    try:
        return seal.open_seal(state["commitment"], state["salt"] if salt is None else salt_hex, value)
    except seal.SealMismatch as exc:
        field = exc.what
        if exc.rule == seal.RULE_MISMATCH:
            field = "salt" if salt is not None and salt_hex != state["salt"] else "plaintext"
        raise InvalidInput(
            f"{field}: does not open the sealed commitment {state['commitment'][:16]}… ({exc.rule})",
            field=field,
            rule=exc.rule,
        ) from None


def disclose_draw(
    session: Session,
    journal: Journal,
    *,
    task: str,
    reason: str | None = None,
    salt: str | None = None,
    plaintext: Any = None,
    on: date | None = None,
    actor: Actor,
) -> list[int]:
    """Disclose every drawn, undisclosed sealed round of ``task`` (``draw.disclose``, SEAL-7).

    A date seal opens on its date; before it, a written ``reason`` is required (logged). An
    event seal opens when someone who may act on the task says the event happened. ``salt`` and
    ``plaintext``, when given, are checked against the current round's commitment. Invited
    experts get their answer deadline from the day of disclosure (SEAL-6). Returns the log
    indices of the ``draw.disclose`` entries.
    """
    t = own_task(session, task, actor)
    if t.params.get("seal") is None:
        raise RuleViolation(f"task {task}: is not sealed", rule=seal.RULE_NOT_SEALED, subject=task)
    pending = _pending(session, t)
    if not pending:
        raise Conflict(
            f"task {task}: nothing sealed to disclose (not drawn yet, or already disclosed)",
            rule=seal.RULE_DISCLOSED,
            subject=task,
        )
    on = on or journal.today()
    why = require_text(reason) if (reason or "").strip() else None
    # everything is checked and computed before anything is written
    plans = []
    for c, state in pending:
        opens = seal.opens_on(state)
        if opens is not None and on < opens and why is None:
            raise RuleViolation(
                f"task {task}: sealed until {opens.isoformat()}; disclosing earlier needs a written reason",
                rule=seal.RULE_EARLY,
                subject=task,
            )
        stored = seal.open_seal(state["commitment"], state["salt"], plaintext_of(session, c))
        current = c.round == t.round
        value = _given_opening(state, stored, salt, plaintext) if current else stored
        plans.append((c, state, value))
    slots = [
        s
        for s in repo.expert_slots(session, task, t.round)
        if s.status == "invited" and s.deadline is None
    ]
    deadline = response_deadline(session, t, on) if slots else None
    indices = []
    for c, state, value in plans:
        opens = seal.opens_on(state)
        how = "event" if opens is None else ("date" if on >= opens else "early")
        indices.append(_record_disclosure(session, journal, c, state, value, on, how, why, actor))
    for s in slots:
        assert deadline is not None
        s.deadline = deadline.due
        s.deadline_calendar_version = list(deadline.calendar_version)
    session.flush()
    return indices


def _record_disclosure(
    session: Session,
    journal: Journal,
    c: Commitment,
    state: dict[str, Any],
    value: dict[str, Any],
    on: date,
    how: str,
    why: str | None,
    actor: Actor,
) -> int:
    body: dict[str, Any] = {
        "task": c.task_code,
        "round": c.round,
        "sealed": state["draw"],
        "commitment": state["commitment"],
        "salt": state["salt"],
        "plaintext": value,
        "parts": None,
        "opened": {"on": on.isoformat(), "by": how, "opens": state["opens"], "reason": why},
    }
    text, n = seal.plaintext_bytes(value).decode("utf-8"), replay.TEXT_BUDGET
    texts = [text[i : i + n] for i in range(0, len(text), n)]
    parts = record_text_parts(
        session, journal, "draw.disclose.part", texts, task=c.task_code, round_=c.round, actor=actor
    )
    if parts is not None:
        body["plaintext"], body["parts"] = None, parts
    index = journal.record(session, "draw.disclose", body, actor=actor)
    store_seal(c, {**state, "disclosed": index})
    return index


def disclose_due(session: Session, journal: Journal, *, today: date, actor: Actor) -> list[str]:
    """Disclose every date-sealed draw whose date has come (``today`` ≥ opens.date). A bureau
    discloses only its own tasks. Returns the tasks disclosed."""
    done: list[str] = []
    rows = session.scalars(sa.select(Commitment).where(Commitment.drawn.is_(True)).order_by(Commitment.id))
    due = sorted(
        {
            c.task_code
            for c in rows
            if (s := seal_of(c)) is not None
            and s.get("disclosed") is None
            and (d := seal.opens_on(s)) is not None
            and d <= today
        }
    )
    for code in due:
        t = repo.get_task(session, code)
        if actor.role == "bureau" and actor.department != owner_of(t):
            continue
        disclose_draw(session, journal, task=code, on=today, actor=actor)
        done.append(code)
    return done

