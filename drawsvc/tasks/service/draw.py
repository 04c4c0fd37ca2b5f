"""The draw (``draw.result``, ``draw.result.part``; ``draw.sealed`` for a sealed task): reveals
checked, the engine run through :mod:`drawsvc.tasks.replay`, the result logged (or, sealed, only
its commitment) and its rows stored."""

from __future__ import annotations

import hashlib
import re
import secrets as pysecrets
from collections.abc import Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from drawsvc.audit.beacon import BeaconInvalid, verify_logged_beacon
from drawsvc.errors import BeaconRejected, DrawInfeasible, InvalidInput, NotFound, RuleViolation
from drawsvc.tasks import logread, replay, seal
from drawsvc.tasks import repository as repo
from drawsvc.tasks.models import Commitment, Draw, ExpertSlot, Task
from drawsvc.tasks.service.bulk import gc_paused, record_text_parts
from drawsvc.tasks.service.rules import RULE_BEACON, RULE_STATUS, own_task, owner_of
from drawsvc.tasks.service.sealing import store_seal

if TYPE_CHECKING:
    from drawsvc.calendar.arithmetic import Deadline
    from drawsvc.journal import Actor, Journal
    from drawsvc.tasks.logread import EntryReader


@gc_paused
def draw_task(
    session: Session,
    journal: Journal,
    *,
    task: str,
    reveals: Sequence[Mapping[str, Any]],
    beacon_value: str | None = None,
    beacon_signature: str | None = None,
    on: date | None = None,
    actor: Actor,
) -> Draw:
    """Reveal the secrets and draw (``draw.result``, preceded by ``draw.result.part`` when large).

    A reveal that does not match its commitment raises ``RevealMismatch`` and nothing is logged;
    rules that cannot be met raise ``DrawInfeasible`` naming the task, target and rule (the
    transaction rolls back, nothing is logged). A redraw supersedes the earlier draw, which
    stays in the log.

    A committed beacon round needs its drand signature (``beacon_signature``; ``beacon_value``,
    the randomness, is SHA-256 of it and may be omitted): the beacon is verified against the
    chain's public key before anything is logged (docs/specs/beacon.md), and a beacon that does
    not verify raises ``BeaconRejected`` naming the BEACON-n rule. The logged beacon carries the
    signature beside the value; only ``round`` and ``value`` enter the seed (draw/v1, DRAW-7).
    """
    t = own_task(session, task, actor)
    if t.status != "committed":
        raise RuleViolation(
            f"task {task}: nothing to draw (status {t.status}); commit first", rule=RULE_STATUS, subject=task
        )
    c = repo.commitment(session, task, t.round)
    assert c is not None
    secrets = replay.check_reveals(c.commitments, [dict(r) for r in reveals])
    beacon = _verified_beacon(task, c.beacon, beacon_signature, beacon_value)
    held = replay.cached_pools(c.pools["pools"])  # the pools themselves: see cached_pools
    # the pools the commit froze, read back from the log (the targets as columns) and taken
    # under the committed roots without re-hashing (replay.frozen_for, own_log), in this
    # process or another
    inputs = logread.inputs_from_entries(_commit_reader(journal, session, c, held), c.log_index,
                                         cached=frozenset(held), target_columns=True)
    # the declarations behind the logged tags, when they still explain them all: avoidance
    # becomes a set lookup (Avoidance.explained_by); otherwise the engine computes tags. No
    # logged tag: nothing to explain (Avoidance.avoids is False for every pair), no query.
    declared = (
        repo.pool_inspector_declarations(session, task, in_force_on=None)
        if c.avoidance_salt and inputs.avoidance
        else None
    )
    try:
        result = replay.run_draw(
            inputs, secrets, beacon, c.avoidance_salt, trust_cache=True, declared=declared, held=held,
            own_log=True,
        )
    except DrawInfeasible as exc:
        raise _with_department(exc, t) from None
    del inputs
    seed = (result["inspection"] or result["experts"])["seed"]
    # the views the service acts on (not replay.summary: no per-team dicts for 50,000 teams)
    drawn, panel = replay.drawn_targets(result), replay.panel_of(result)
    body: dict[str, Any] = {
        "task": task,
        "round": t.round,
        "commit": c.log_index,
        "spec": t.params["spec"],
        "reveals": secrets,
        "beacon": beacon,
        "avoidance_salt": c.avoidance_salt,
        "seed": seed,
        "result": result,
        "parts": None,
        "counts": {
            "targets": len(drawn),
            "teams": len(replay.teams_of(result)),
            "experts": len(panel),
        },
    }
    sealing = t.params.get("seal")
    on = on or journal.today()
    # sealed: the answer deadline runs from the disclosure, when answers may be logged (SEAL-6)
    experts = result["experts"] is not None
    deadline = response_deadline(session, t, on) if experts and sealing is None else None

    # What does not carry the draw's log index is written before its append: the append takes
    # the log's writer lock, held until the transaction commits, so every statement after it
    # is serialised with all other appenders (docs/performance.md, "Committed draws").
    # a current draw is one of an earlier round (a draw leaves its task "drawn"; only a commit,
    # which starts the next round, makes it drawable again): none before round 2, no query
    previous = repo.current_draw(session, task) if t.round > 1 else None
    if previous is not None:
        previous.status = "superseded"
        repo.supersede_inspections(session, task, previous.round)
        session.execute(
            sa.update(ExpertSlot)
            .where(
                ExpertSlot.task_code == task,
                ExpertSlot.round == previous.round,
                ExpertSlot.status == "invited",
            )
            .values(status="superseded")
        )
    c.drawn = True
    t.status = "drawn"
    session.flush()

    if sealing is not None:
        index = _record_sealed(session, journal, c, body, sealing, actor)
    else:
        index = _record_result(session, journal, body, result, actor)
    draw = Draw(
        task_code=task,
        round=t.round,
        seed=seed,
        result=result,
        reveals=secrets,
        beacon=beacon,
        status="current",
        locked=False,
        log_index=index,
        drawn_at=journal.clock(),
    )
    session.add(draw)
    if t.parent_code is None and drawn:
        day = on if on.year == t.year and t.period_start <= on <= t.period_end else t.period_start
        repo.insert_inspections(
            session,
            drawn,
            {
                "year": t.year,
                "on": day,
                "kind": "random",
                "department": t.organiser,
                "task_code": task,
                "round": t.round,
                "check_items": t.check_items,
                "reason": None,
                "superseded": False,
                "log_index": index,
            },
        )
    if experts:
        designated = {d["id"] for d in result["experts"]["experts"]["designated"]}
        for code in panel:
            if code not in designated:
                session.add(
                    ExpertSlot(
                        task_code=task,
                        round=t.round,
                        expert_code=code,
                        status="invited",
                        deadline=deadline.due if deadline else None,
                        deadline_calendar_version=list(deadline.calendar_version) if deadline else None,
                        log_index=index,
                    )
                )
    session.flush()
    repo.keep_commitment(session, c)  # the route's seal state (seal_of_round) without a reload
    return draw


def _commit_reader(journal: Journal, session: Session, c: Commitment, held: Mapping[str, Any]) -> EntryReader:
    """A reader of the log for the draw of ``c``: the commitment and the entries it cites that
    the draw reads (avoidance tags, pools not held) in one read when they lie within
    ``PREFETCH_MAX`` entries before it (a first round: one batch, ``commit_task``)."""
    read = logread.reader_for(journal.log, session.connection())
    refs = [ref for name, ref in c.pools["pools"].items() if name not in held]
    if c.pools.get("avoidance"):
        refs.append(c.pools["avoidance"])
    start = min([c.log_index, *(int(ref["entries"][0]) for ref in refs)])
    if c.log_index + 1 - start > logread.PREFETCH_MAX:
        return read
    return logread.prefetching(read, start, c.log_index + 1)


def _record_result(
    session: Session, journal: Journal, body: dict[str, Any], result: Mapping[str, Any], actor: Actor
) -> int:
    """``draw.result``, its result split into ``draw.result.part`` entries when large (E-5)."""
    parts = record_text_parts(
        session, journal, "draw.result.part", replay.split_text(result),
        task=body["task"], round_=body["round"], actor=actor,
    )
    if parts is not None:
        body["result"], body["parts"] = None, parts
    return journal.record(session, "draw.result", body, actor=actor)


def _record_sealed(
    session: Session,
    journal: Journal,
    c: Commitment,
    body: dict[str, Any],
    sealing: Mapping[str, Any],
    actor: Actor,
) -> int:
    """``draw.sealed`` (SEAL-2, SEAL-3): the commitment to what ``draw.result`` would have
    published; the salt and commitment wait in the round's private seal state (SEAL-5)."""
    salt = pysecrets.token_bytes(seal.SALT_BYTES)
    value = seal.plaintext(
        task=body["task"],
        round=body["round"],
        commit=body["commit"],
        reveals=body["reveals"],
        beacon=body["beacon"],
        avoidance_salt=body["avoidance_salt"],
        seed=body["seed"],
        result=body["result"],
    )
    sealed = {
        "spec": seal.SEAL_SPEC,
        "commitment": seal.commitment(salt, value),
        "opens": dict(sealing["opens"]),
    }
    index = journal.record(
        session,
        "draw.sealed",
        {
            "task": body["task"],
            "round": body["round"],
            "commit": body["commit"],
            "spec": body["spec"],
            "sealed": sealed,
            "counts": body["counts"],
        },
        actor=actor,
    )
    store_seal(
        c,
        {
            "salt": salt.hex(),
            "commitment": sealed["commitment"],
            "opens": sealed["opens"],
            "draw": index,
            "disclosed": None,
        },
    )
    return index


def _verified_beacon(
    task: str, committed: Mapping[str, Any] | None, signature: str | None, value: str | None
) -> dict[str, Any] | None:
    """The beacon to log, ``{source, round, signature, value}``, verified (BEACON-1 … BEACON-4)."""
    if committed is None:
        if signature is not None or value is not None:
            raise InvalidInput(
                f"task {task}: no beacon round was committed; a beacon cannot be added at the draw",
                field="beacon_signature" if signature is not None else "beacon_value",
                rule=RULE_BEACON,
            )
        return None
    if not signature:
        raise InvalidInput(
            f"task {task}: the committed beacon round {committed['round']} needs its signature",
            field="beacon_signature",
            rule=RULE_BEACON,
        )
    if value is None and re.fullmatch(r"[0-9a-f]{96}", signature):
        value = hashlib.sha256(bytes.fromhex(signature)).hexdigest()
    beacon = {
        "source": committed["source"], "round": committed["round"], "signature": signature, "value": value
    }
    try:
        verify_logged_beacon(beacon, committed)
    except BeaconInvalid as exc:
        raise BeaconRejected(
            f"task {task}: {exc}", rule=exc.rule, subject=f"beacon round {committed['round']}"
        ) from None
    return beacon


def _with_department(exc: DrawInfeasible, t: Task) -> DrawInfeasible:
    """Name the department drawing (the organiser, or a sub-draw's unit) beside task, subject, rule."""
    detail = {k: v for k, v in exc.detail.items() if k not in ("rule", "subject")}
    detail.setdefault("department", owner_of(t))
    return DrawInfeasible(
        f"{exc.message} (department {detail['department']})", rule=exc.rule, subject=exc.subject, **detail
    )


def response_deadline(session: Session, t: Task, on: date) -> Deadline:
    """The experts' answer deadline, binding, with its ``calendar_version`` (calendar.md §6.3).

    Raises ``CalendarUnavailable`` when the count needs a year without a loaded arrangement and
    ``RuleViolation`` (``calendar.provisional-not-binding``) for a provisional estimate; callers
    compute it before writing anything.
    """
    from drawsvc.calendar.service import compute_deadline

    days = t.params["experts"]["response_working_days"]
    return compute_deadline(session, on, days).require_binding()


def current_draw(session: Session, task: str) -> Draw:
    d = repo.current_draw(session, task)
    if d is None:
        raise NotFound(f"task {task}: not drawn yet", subject=task)
    return d


def draw_inputs(session: Session, journal: Journal, draw: Draw) -> tuple[logread.DrawInputs, Commitment]:
    c = repo.commitment(session, draw.task_code, draw.round)
    assert c is not None
    return logread.inputs_from_log(journal.log, session.connection(), c.log_index), c


