"""Inspection tasks and their draws: the service the API, the CLI and the demo call.

Every function takes a ``Session`` already inside a transaction and the ``Journal``; it never
commits. Everything is validated before anything is written; any exception rolls the whole
operation back, log entries included (ENV-8). Entry bodies: docs/specs/entries.md; workflow:
docs/tasks.md; the algorithm itself is the draw engine (draw/v1, docs/draw-spec.md), called
only through :mod:`drawsvc.tasks.replay`, which the verifier shares.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import json
import re
import secrets as pysecrets
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from itertools import repeat
from operator import itemgetter
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from drawsvc.draw.pool import TargetColumns, order_target_columns
from drawsvc.errors import (
    Conflict,
    DeadlineMissed,
    DrawInfeasible,
    Forbidden,
    InvalidInput,
    NotFound,
    RuleViolation,
)
from drawsvc.tasks import logread, replay
from drawsvc.tasks import repository as repo
from drawsvc.tasks.models import (
    INSPECTION_KINDS,
    POOLS,
    Commitment,
    Draw,
    ExpertSlot,
    Inspection,
    PoolMember,
    Task,
)
from drawsvc.tasks.params import engine_class_caps, parse_params

if TYPE_CHECKING:
    from drawsvc.calendar.arithmetic import Deadline
    from drawsvc.journal import Actor, Journal

P = ParamSpec("P")
R = TypeVar("R")
MAX_REASON = 1000
CHUNK_BYTES = 56 * 1024  # payload budget per chunk entry, below the 64 KiB entry limit (ENV-7)
ENVELOPE_ALLOWANCE = 8 * 1024  # room for the rest of a draw.result body beside an inline result
PARTIES = ("operator", "discipline")
_HEX64 = re.compile(r"\A[0-9a-f]{64}\Z")
_CODE = re.compile(r"\A[A-Za-z0-9][A-Za-z0-9_.\-/]{0,79}\Z")

# Stable rule ids (docs/tasks.md §6).
RULE_FROZEN = "task.pool-frozen"
RULE_STATUS = "task.status"
RULE_REDRAW = "task.redraw-needs-approval"
RULE_UNIT = "task.subdraw-unit"
RULE_SCOPE = "task.department-scope"
RULE_UNLOCKED = "task.dispatch-needs-lock"
RULE_LOCKED = "task.locked"
RULE_REASON = "task.reason-required"
RULE_POOL_EMPTY = "task.pool-empty"
RULE_BEACON = "draw.beacon-value"
AVOIDANCE_SALT_BYTES = 32
AVOIDANCE_REASON = "avoidance"  # draw-spec §9: the engine's reason for a post-draw declaration


def _gc_paused(fn: Callable[P, R]) -> Callable[P, R]:
    """Run ``fn`` with the cyclic GC paused (see ``_bulk``): a draw over a million-record pool
    allocates millions of acyclic objects while millions more (the frozen pool) stay alive, and
    every full collection would rescan them all."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with _bulk():
            return fn(*args, **kwargs)

    return wrapper


@contextmanager
def _bulk() -> Iterator[None]:
    """Pause the cyclic garbage collector while millions of small objects are built (a frozen
    pool: rows, records, pages). They hold no reference cycles; without the pause each young
    collection rescans the growing heap (docs/performance.md, tasks)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# --- small validators -------------------------------------------------------------------------


def _reason(value: str | None, field: str = "reason") -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(f"{field}: a written reason is required", field=field, rule=RULE_REASON)
    if len(text) > MAX_REASON or any(ord(c) < 0x20 and c not in "\n\t" for c in text):
        raise InvalidInput(
            f"{field}: at most {MAX_REASON} characters, no control characters", field=field, rule="task.text"
        )
    return text


def _owner(task: Task) -> str:
    return task.unit if task.parent_code is not None and task.unit else task.organiser


def _own_task(session: Session, code: str, actor: Actor) -> Task:
    """The task ``code``, when ``actor`` may act on it. 谁检查、谁录入: a bureau acts only on its
    own task or sub-draw. Locks the task's row for the transaction (``repo.get_task``)."""
    t = repo.get_task(session, code, for_update=True)
    if actor.role == "bureau" and actor.department != _owner(t):
        raise Forbidden(
            f"task {t.code}: department {actor.department} may not act on it (owned by {_owner(t)})",
            rule=RULE_SCOPE,
            subject=t.code,
        )
    return t


def _check_draft(task: Task, what: str) -> None:
    if task.status != "draft":
        raise RuleViolation(
            f"task {task.code}: {what} refused, the pool is frozen by the commitment (status {task.status})",
            rule=RULE_FROZEN,
            subject=task.code,
        )


def _pool(pool: str) -> str:
    if pool not in POOLS:
        raise InvalidInput(f"pool: must be one of {', '.join(POOLS)}", field="pool", rule="task.pool")
    return pool


# --- tasks ------------------------------------------------------------------------------------


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
    title = _reason(title, "title")
    if not 2000 <= year <= 2100:
        raise InvalidInput("year: out of range", field="year", rule="task.year")
    depts = list(dict.fromkeys([organiser, *departments]))
    for i, d in enumerate(depts):
        if not repo.department_exists(session, d):
            raise NotFound(f"departments[{i}]: no department {d}", field="departments", subject=d)
    items = _check_items(session, check_items)
    parsed = _apply_check_items(parse_params(params), items)
    parsed = _apply_specialty(session, parsed, check_items)
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
    return _insert_task(
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


def _insert_task(
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


def _check_items(session: Session, refs: Sequence[Mapping[str, str]]) -> list[Any]:
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


def _apply_specialty(
    session: Session, params: dict[str, Any], refs: Sequence[Mapping[str, str]]
) -> dict[str, Any]:
    """DRAW-42: a check item's required specialty applies to every team of the task."""
    m = params.get("teams")
    if m is None or m.get("specialty") is not None:
        return params
    specs = sorted({i.required_specialty for i in _check_items(session, refs) if i.required_specialty})
    if len(specs) > 1:
        raise InvalidInput(
            "check_items: more than one required specialty; set params.teams.specialty",
            field="params.teams.specialty",
            rule="task.specialty",
        )
    return {**params, "teams": {**m, "specialty": specs[0]}} if specs else params


def get_task(session: Session, code: str) -> Task:
    return repo.get_task(session, code)


# --- pools ------------------------------------------------------------------------------------


def build_pool(
    session: Session,
    journal: Journal,
    *,
    task: str,
    pool: str,
    filters: Mapping[str, Any] | None = None,
    members: Sequence[str] | None = None,
    file_sha256: str | None = None,
    actor: Actor,
) -> int:
    """Build (or rebuild) a pool from the registries by ``filters``, or import ``members``.

    Manual additions and removals made before stay. Logs ``task.pool.build``; returns the count.
    """
    t = _own_task(session, task, actor)
    _check_draft(t, f"building the {pool} pool")
    _pool(pool)
    on = t.period_start
    if members is not None:
        ids = sorted(set(members))
        found = repo.existing(session, pool, ids)
        missing = [m for m in ids if m not in found]
        if missing:
            from drawsvc.errors import ImportRejected, RowError

            rows = [
                RowError(
                    row=ids.index(m) + 1,
                    column="id",
                    rule="task.unknown-member",
                    message=f"{m}: not in the registry",
                )
                for m in missing[:100]
            ]
            raise ImportRejected(f"task {task}: {len(missing)} unknown {pool}", rows=rows)
        source, flt = "import", None
    else:
        flt = dict(filters or {})
        if pool == "targets" and not flt.get("risk_flags"):
            repo.delete_built_members(session, task, pool)
            matching, n = repo.insert_filtered_targets(session, task, flt)
            _log_build(session, journal, task, pool, "filter", flt, None, matching, actor)
            return n
        if pool == "targets":
            ids = repo.target_rows(session, flt)
        elif pool == "inspectors":
            flt.setdefault("departments", list(t.departments))  # default: the task's own departments
            ids = repo.inspector_rows(session, flt, on)
        else:
            e = t.params.get("experts") or {}
            flt = flt or {"pools": [e["pool"]], "groups": [e["group"]]} if e else flt
            ids = repo.expert_rows(session, flt, on)
        source = "filter"
    repo.delete_built_members(session, task, pool)
    manual = {m.member for m in repo.pool_members(session, task, pool, include_removed=True)}
    n = repo.insert_pool_members(session, task, pool, (m for m in ids if m not in manual), source)
    _log_build(session, journal, task, pool, source, flt, file_sha256, len(ids), actor)
    return n


def _log_build(
    session: Session,
    journal: Journal,
    task: str,
    pool: str,
    source: str,
    flt: dict[str, Any] | None,
    file_sha256: str | None,
    count: int,
    actor: Actor,
) -> None:
    body = {
        "task": task,
        "pool": pool,
        "source": source,
        "filters": flt,
        "file_sha256": file_sha256,
        "count": count,
    }
    journal.record(session, "task.pool.build", body, actor=actor)


def add_pool_member(
    session: Session, journal: Journal, *, task: str, pool: str, member: str, reason: str, actor: Actor
) -> None:
    """A clerk adds one candidate by hand, with a reason (``task.pool.add``)."""
    t = _own_task(session, task, actor)
    _check_draft(t, f"adding {member} to the {pool} pool")
    why = _reason(reason)
    _pool(pool)
    if member not in repo.existing(session, pool, [member]):
        raise NotFound(f"{pool}: {member} is not in the registry", field="member", subject=member)
    row = repo.find_pool_member(session, task, pool, member)
    if row is not None and not row.removed:
        raise Conflict(f"task {task}: {member} is already in the {pool} pool", subject=member)
    if row is None:
        session.add(PoolMember(task_code=task, pool=pool, member=member, origin="manual", reason=why))
    else:
        row.removed, row.reason = False, why
    journal.record(
        session, "task.pool.add", {"task": task, "pool": pool, "member": member, "reason": why}, actor=actor
    )


def remove_pool_member(
    session: Session, journal: Journal, *, task: str, pool: str, member: str, reason: str, actor: Actor
) -> None:
    """A clerk removes one candidate by hand, with a reason (``task.pool.remove``)."""
    t = _own_task(session, task, actor)
    _check_draft(t, f"removing {member} from the {pool} pool")
    why = _reason(reason)
    _pool(pool)
    row = repo.find_pool_member(session, task, pool, member)
    if row is None or row.removed:
        raise NotFound(f"task {task}: {member} is not in the {pool} pool", field="member", subject=member)
    if row.origin == "manual":
        session.delete(row)
    else:
        row.removed, row.reason = True, why
    journal.record(
        session,
        "task.pool.remove",
        {"task": task, "pool": pool, "member": member, "reason": why},
        actor=actor,
    )


# --- commitment -------------------------------------------------------------------------------


@_gc_paused
def commit_task(
    session: Session,
    journal: Journal,
    *,
    task: str,
    commitments: Sequence[Mapping[str, Any]],
    beacon: Mapping[str, Any] | None = None,
    reason: str | None = None,
    approver: str | None = None,
    on: date | None = None,
    actor: Actor,
) -> Commitment:
    """Freeze the pools and commit to the seed (``draw.pool.members``, ``draw.avoidance``, ``draw.commit``).

    ``commitments``: ``[{"party": "operator"|"discipline", "commitment": hex, "department"?}]``,
    each ``hex(SHA-256(secret))`` (draw-spec §3, DRAW-5). ``beacon``: ``{"source", "round"}`` of a
    future public randomness round. A later round (a redraw) needs ``reason`` and ``approver``,
    keeps the pools frozen by round 1 and leaves the earlier draw in the log.
    """
    t = _own_task(session, task, actor)
    if t.status in ("locked", "dispatched"):
        raise RuleViolation(
            f"task {task}: the draw is locked; no new commitment", rule=RULE_LOCKED, subject=task
        )
    round_ = t.round + 1
    redraw = None
    if round_ > 1:
        if not (reason or "").strip() or not (approver or "").strip():
            raise RuleViolation(
                f"task {task}: a redraw needs an approved reason (approver and reason)",
                rule=RULE_REDRAW,
                subject=task,
            )
        previous = repo.current_draw(session, task)
        redraw = {
            "replaces": previous.log_index if previous else None,
            "reason": _reason(reason),
            "approver": _reason(approver, "approver"),
        }
    parsed = _parse_commitments(commitments)
    bcn = _parse_beacon(beacon)
    on = on or journal.today()
    salt = pysecrets.token_bytes(AVOIDANCE_SALT_BYTES) if t.params.get("teams") is not None else None

    edits = repo.pool_edits(session, task)
    if round_ == 1:
        pools, avoidance = _freeze(session, journal, t, on, salt, edits, actor)
    else:
        first = repo.first_commitment(session, task)
        assert first is not None
        pools, avoidance = first.pools["pools"], first.pools["avoidance"]
        salt = bytes.fromhex(first.avoidance_salt) if first.avoidance_salt else None
    parent_draw = None
    if t.parent_code is not None:
        pd = repo.current_draw(session, t.parent_code)
        parent_draw = pd.log_index if pd else None
    designated = [
        {"id": s.expert_code, "reason": s.reason or "", "approver": s.approver or ""}
        for s in repo.expert_slots(session, task, 0)
        if s.status == "designated"
    ]
    body = {
        "task": task,
        "round": round_,
        "spec": t.params["spec"],
        "params": t.params,
        "pools": pools,
        "avoidance": avoidance,
        "commitments": parsed,
        "beacon": bcn,
        "manual": repo.manual_counts(session, task, edits=edits),
        "redraw": redraw,
        "parent_draw": parent_draw,
        "rotation": _rotation(session, t),
        "designated": designated,
    }
    index = journal.record(session, "draw.commit", body, actor=actor)
    row = Commitment(
        task_code=task,
        round=round_,
        commitments=parsed,
        beacon=bcn,
        pools={"pools": pools, "avoidance": avoidance},
        reason=redraw["reason"] if redraw else None,
        approver=redraw["approver"] if redraw else None,
        avoidance_salt=salt.hex() if salt else None,
        log_index=index,
    )
    session.add(row)
    t.round, t.status = round_, "committed"
    session.flush()
    return row


def _parse_commitments(raw: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i, c in enumerate(raw):
        party, value = c.get("party"), str(c.get("commitment", "")).lower()
        if party not in PARTIES:
            raise InvalidInput(
                f"commitments[{i}].party: must be operator or discipline",
                field=f"commitments[{i}].party",
                rule="draw.commitment-party",
            )
        if not _HEX64.match(value):
            raise InvalidInput(
                f"commitments[{i}].commitment: must be 64 hex digits (SHA-256)",
                field=f"commitments[{i}].commitment",
                rule="draw.commitment-format",
            )
        out.append({"party": party, "department": c.get("department"), "commitment": value})
    parties = [c["party"] for c in out]
    if "operator" not in parties or len(set(parties)) != len(parties):
        raise InvalidInput(
            "commitments: exactly one operator commitment, at most one per party",
            field="commitments",
            rule="draw.commitment-party",
        )
    return out


def _parse_beacon(beacon: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if beacon is None:
        return None
    source, rnd = beacon.get("source"), beacon.get("round")
    if (
        not isinstance(source, str)
        or not source
        or isinstance(rnd, bool)
        or not isinstance(rnd, int)
        or rnd < 0
    ):
        raise InvalidInput("beacon: needs a source name and a round number", field="beacon", rule=RULE_BEACON)
    return {"source": source, "round": rnd}


def _rotation(session: Session, t: Task) -> list[dict[str, Any]]:
    """DRAW-61: panels of the two previous expert draws of the same pool and group (other tasks)."""
    e = t.params.get("experts")
    if e is None:
        return []
    out: list[dict[str, Any]] = []
    for d in repo.recent_draws(session, exclude_task=t.code):
        exp = d.result.get("experts")
        if exp and exp.get("pool") == e["pool"] and exp.get("group") == e["group"]:
            out.append({"draw": d.log_index, "panel": list(exp["experts"]["panel"])})
            if len(out) == 2:
                break
    return out


def _freeze(
    session: Session,
    journal: Journal,
    t: Task,
    on: date,
    salt: bytes | None,
    edits: Sequence[repo.PoolEdit],
    actor: Actor,
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Log the frozen pools and avoidance tags as chunk entries; return what the commit cites."""
    p = t.params
    needed = [
        name
        for name, key in (("targets", "targets"), ("inspectors", "teams"), ("experts", "experts"))
        if p.get(key) is not None
    ]
    rows_by_pool: dict[str, TargetColumns | list[list[Any]]] = {}
    for pool in needed:
        rows = _pool_rows(session, t, pool, edits)
        if not (rows.ids if isinstance(rows, TargetColumns) else rows):
            raise RuleViolation(
                f"task {t.code}: the {pool} pool is empty", rule=RULE_POOL_EMPTY, subject=t.code, pool=pool
            )
        rows_by_pool[pool] = rows
    pools: dict[str, Any] = {}
    for pool, rows in rows_by_pool.items():
        if isinstance(rows, TargetColumns):
            rows = order_target_columns(rows)  # chunks in pool order (DRAW-16), as frozen below
            columns = replay.target_column_chunks(rows, CHUNK_BYTES)
            size = len(rows.ids)
            bodies = [
                {
                    "task": t.code,
                    "pool": pool,
                    "chunk": i,
                    "chunks": len(columns),
                    "fields": replay.FIELDS[pool],
                    **c,
                }
                for i, c in enumerate(columns)
            ]
        else:
            size = len(rows)
            bodies = [
                {
                    "task": t.code,
                    "pool": pool,
                    "chunk": i,
                    "chunks": n,
                    "fields": replay.FIELDS[pool],
                    "rows": chunk,
                }
                for i, n, chunk in _chunks(rows)
            ]
        res = journal.record_many(session, "draw.pool.members", bodies, actor=actor)
        pools[pool] = {
            "root": replay.pool_root(pool, rows, remember=True),
            "size": size,
            "entries": [res.first_index, len(bodies)],
        }
    if salt is None:
        return pools, None
    targets = rows_by_pool["targets"]  # teams are formed for drawn targets
    assert isinstance(targets, TargetColumns)
    declared = repo.pool_inspector_declarations(session, t.code, in_force_on=on)
    in_pool = {u for _, u in declared}.intersection(targets.ids)
    tags = replay.avoidance_tags(salt, [(p, u) for p, u in declared if u in in_pool])
    bodies = [{"task": t.code, "chunk": i, "chunks": n, "tags": chunk} for i, n, chunk in _chunks(tags)]
    res = journal.record_many(session, "draw.avoidance", bodies, actor=actor)
    return pools, {
        "root": replay.avoidance_root(tags),
        "size": len(tags),
        "entries": [res.first_index, len(bodies)],
        "salt_commitment": hashlib.sha256(salt).hexdigest(),
    }


def _pool_rows(
    session: Session, t: Task, pool: str, edits: Sequence[repo.PoolEdit]
) -> TargetColumns | list[list[Any]]:
    """The current pool sorted by id (DRAW-16): targets as columns (``TargetColumns``), the other
    pools as rows in the logged layout ``replay.FIELDS[pool]``."""
    ids = repo.pool_member_ids(session, t.code, pool, edits=edits)
    if pool == "targets":
        spec = t.params.get("targets")
        counts = repo.inspections_per_target(session, t.year, exclude_task=t.code)
        if replay.stratum_needs_attributes(spec):
            found = repo.target_pool_rows(session, ids, with_strata=True)
            found.sort(key=itemgetter(0))
            ids = [r[0] for r in found]
            stratum = replay.stratum_of
            keys = ("region", "authority", "scale", "credit")
            strata = [stratum(spec, dict(zip(keys, r[2:], strict=True))) for r in found]
            checks = [counts.get(u, 0) for u in ids]
            return TargetColumns(ids, strata, checks, [bool(r[1]) for r in found])
        n = len(ids)
        checks = list(map(counts.get, ids, repeat(0))) if counts else [0] * n
        # no strata: only the members and the (few) risk-flagged targets are read
        flagged = repo.flagged_targets(session)
        risk = list(map(flagged.__contains__, ids)) if flagged else [False] * n
        return TargetColumns(ids, [""] * n, checks, risk)
    if pool == "inspectors":
        ia = repo.inspector_attributes(session, ids)
        return [[c, ia[c][0], ia[c][1], ia[c][2]] for c in ids]
    return [[c] for c in ids]


def _chunks(items: Sequence[Any]) -> list[tuple[int, int, list[Any]]]:
    """Split ``items`` into chunks whose JSON stays under ``CHUNK_BYTES`` (E-5); at least one chunk."""
    groups: list[list[Any]] = []
    current: list[Any] = []
    size = 0
    dumps = json.dumps
    for item in items:
        n = len(dumps(item, ensure_ascii=False, separators=(",", ":")).encode()) + 1
        if current and size + n > CHUNK_BYTES:
            groups.append(current)
            current, size = [], 0
        current.append(item)
        size += n
    groups.append(current)
    return [(i, len(groups), g) for i, g in enumerate(groups)]


# --- draw -------------------------------------------------------------------------------------


@_gc_paused
def draw_task(
    session: Session,
    journal: Journal,
    *,
    task: str,
    reveals: Sequence[Mapping[str, Any]],
    beacon_value: str | None = None,
    on: date | None = None,
    actor: Actor,
) -> Draw:
    """Reveal the secrets and draw (``draw.result``, preceded by ``draw.result.part`` when large).

    A reveal that does not match its commitment raises ``RevealMismatch`` and nothing is logged;
    rules that cannot be met raise ``DrawInfeasible`` naming the task, target and rule (the
    transaction rolls back, nothing is logged). A redraw supersedes the earlier draw, which
    stays in the log.
    """
    t = _own_task(session, task, actor)
    if t.status != "committed":
        raise RuleViolation(
            f"task {task}: nothing to draw (status {t.status}); commit first", rule=RULE_STATUS, subject=task
        )
    c = repo.commitment(session, task, t.round)
    assert c is not None
    secrets = replay.check_reveals(c.commitments, [dict(r) for r in reveals])
    beacon = None
    if c.beacon is not None:
        if not beacon_value or not re.fullmatch(r"(?:[0-9a-f]{2}){1,128}", beacon_value.lower()):
            raise InvalidInput(
                f"task {task}: the committed beacon round {c.beacon['round']} needs its value",
                field="beacon_value",
                rule=RULE_BEACON,
            )
        beacon = {**c.beacon, "value": beacon_value.lower()}
    inputs = logread.inputs_from_log(
        journal.log, session.connection(), c.log_index, cached=replay.cached_pools(c.pools["pools"])
    )
    # the declarations behind the logged tags, when they still explain them all: avoidance
    # becomes a set lookup (Avoidance.explained_by); otherwise the engine computes tags
    declared = repo.pool_inspector_declarations(session, task, in_force_on=None) if c.avoidance_salt else None
    try:
        result = replay.run_draw(
            inputs, secrets, beacon, c.avoidance_salt, trust_cache=True, declared=declared
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
    texts = replay.split_text(result)
    if len(texts) > 1 or len(texts[0].encode()) > CHUNK_BYTES - ENVELOPE_ALLOWANCE:
        res = journal.record_many(
            session,
            "draw.result.part",
            [
                {"task": task, "round": t.round, "chunk": i, "chunks": len(texts), "text": text}
                for i, text in enumerate(texts)
            ],
            actor=actor,
        )
        body["result"], body["parts"] = None, [res.first_index, len(texts)]
    index = journal.record(session, "draw.result", body, actor=actor)

    previous = repo.current_draw(session, task)
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
    on = on or journal.today()
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
    c.drawn = True
    t.status = "drawn"
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
    if result["experts"] is not None:
        deadline = _response_deadline(session, t, on)
        designated = {d["id"] for d in result["experts"]["experts"]["designated"]}
        for code in panel:
            if code not in designated:
                session.add(
                    ExpertSlot(
                        task_code=task,
                        round=t.round,
                        expert_code=code,
                        status="invited",
                        deadline=deadline.due,
                        deadline_calendar_version=list(deadline.calendar_version),
                        log_index=index,
                    )
                )
    session.flush()
    return draw


def _with_department(exc: DrawInfeasible, t: Task) -> DrawInfeasible:
    """Name the department drawing (the organiser, or a sub-draw's unit) beside task, subject, rule."""
    detail = {k: v for k, v in exc.detail.items() if k not in ("rule", "subject")}
    detail.setdefault("department", _owner(t))
    return DrawInfeasible(
        f"{exc.message} (department {detail['department']})", rule=exc.rule, subject=exc.subject, **detail
    )


def _response_deadline(session: Session, t: Task, on: date) -> Deadline:
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


def _draw_inputs(session: Session, journal: Journal, draw: Draw) -> tuple[logread.DrawInputs, Commitment]:
    c = repo.commitment(session, draw.task_code, draw.round)
    assert c is not None
    return logread.inputs_from_log(journal.log, session.connection(), c.log_index), c


# --- experts ----------------------------------------------------------------------------------


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
        why: str | None = _reason(reason)
    elif (reason or "").strip():
        raise InvalidInput(
            "reason: given only with a decline", field="reason", rule="expert.response-reason"
        )
    else:
        why = None
    t = _own_task(session, task, actor)
    draw = current_draw(session, task)
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
    next_deadline = None if response == "accepted" else _response_deadline(session, t, on)
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
    inputs, _c = _draw_inputs(session, journal, draw)
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
    _own_task(session, task, actor)  # refused even when nothing is due: only the owner may ask
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
    t = _own_task(session, task, actor)
    _check_draft(t, f"designating {person}")
    if t.params.get("experts") is None:
        raise RuleViolation(f"task {task}: draws no experts", rule="draw.designate-role", subject=task)
    why, who = _reason(reason), _reason(approver, "approver")
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
    t = _own_task(session, task, actor)
    why, who = _reason(reason), _reason(approver, "approver")
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


# --- replacement ------------------------------------------------------------------------------


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
    _own_task(session, task, actor)
    why, who = _reason(reason), _reason(approver, "approver")
    draw = current_draw(session, task)
    if draw.locked:
        raise RuleViolation(f"task {task}: the draw is locked", rule=RULE_LOCKED, subject=task)
    inputs, c = _draw_inputs(session, journal, draw)
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


# --- lock, dispatch, sub-draws ----------------------------------------------------------------


def lock_draw(session: Session, journal: Journal, *, task: str, actor: Actor) -> Draw:
    """Lock the current draw (``task.lock``): no more responses, replacements or redraws."""
    t = _own_task(session, task, actor)
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
    t = _own_task(session, task, actor)
    draw = repo.current_draw(session, task)
    if draw is None or not draw.locked:
        raise RuleViolation(f"task {task}: dispatching needs a locked draw", rule=RULE_UNLOCKED, subject=task)
    if draw.dispatch is not None:
        raise Conflict(f"task {task}: already dispatched", subject=task)
    drawn = replay.drawn_targets(draw.result)
    attrs = repo.target_attributes(session, drawn)
    units: dict[str, list[str]] = {}
    for u in drawn:
        units.setdefault(attrs[u][by], []).append(u)
    items = sorted(units.items())
    bodies = [
        {"task": task, "round": draw.round, "by": by, "units": dict(chunk), "chunk": i, "chunks": n}
        for i, n, chunk in _chunks(items)
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
    parsed = _apply_specialty(session, parsed, items)
    sub = _insert_task(
        session,
        journal,
        code=code,
        parent=parent,
        unit=unit,
        title=_reason(title or f"{p.title}（{unit}）", "title"),
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


# --- non-random inspections and the merge report ---------------------------------------------


def record_inspection(
    session: Session,
    journal: Journal,
    *,
    target: str,
    kind: str,
    on: date,
    department: str,
    reason: str,
    check_items: Sequence[Mapping[str, str]] = (),
    task: str | None = None,
    actor: Actor,
) -> Inspection:
    """Record a non-random inspection (complaint, assigned by a superior, patrol) of a target."""
    if kind not in INSPECTION_KINDS or kind == "random":
        raise InvalidInput("kind: complaint, assigned or patrol", field="kind", rule="inspection.kind")
    why = _reason(reason)
    if target not in repo.existing(session, "targets", [target]):
        raise NotFound(f"target {target}: not in the directory", field="target", subject=target)
    if not repo.department_exists(session, department):
        raise NotFound(f"department {department}: unknown", field="department", subject=department)
    if actor.role == "bureau" and actor.department != department:
        raise Forbidden(
            f"department {actor.department} may not record for {department}",
            rule=RULE_SCOPE,
            subject=department,
        )
    items = [{"department": i["department"], "code": i["code"]} for i in check_items]
    _check_items(session, items)
    if task is not None:
        repo.get_task(session, task)
    index = journal.record(
        session,
        "inspection.record",
        {
            "target": target,
            "kind": kind,
            "on": on.isoformat(),
            "department": department,
            "check_items": items,
            "task": task,
            "reason": why,
        },
        actor=actor,
    )
    row = Inspection(
        target_uscc=target,
        year=on.year,
        on=on,
        kind=kind,
        department=department,
        task_code=task,
        round=None,
        check_items=items,
        reason=why,
        superseded=False,
        log_index=index,
    )
    session.add(row)
    session.flush()
    return row


@dataclass(frozen=True)
class MergeCandidate:
    """A target inspected by several tasks/departments in the period (进一次门、查多项事)."""

    target: str
    inspections: list[dict[str, Any]]


def merge_report(
    session: Session, *, year: int, start: date | None = None, end: date | None = None
) -> list[MergeCandidate]:
    """Targets with inspections from more than one task or department in the period (every kind)."""
    by_target: dict[str, list[Inspection]] = {}
    for row in repo.inspections_in(session, year, start, end):
        by_target.setdefault(row.target_uscc, []).append(row)
    out = []
    for uscc, rows in by_target.items():
        sources = {(r.task_code or f"{r.kind}#{r.id}", r.department) for r in rows}
        if len(sources) > 1:
            out.append(
                MergeCandidate(
                    uscc,
                    [
                        {
                            "task": r.task_code,
                            "department": r.department,
                            "kind": r.kind,
                            "on": r.on.isoformat(),
                        }
                        for r in rows
                    ],
                )
            )
    return out
