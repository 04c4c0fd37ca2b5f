"""Candidate pools before the commitment: built from the registries or imported, edited by hand
(``task.pool.build``, ``task.pool.add``, ``task.pool.remove``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from drawsvc.errors import Conflict, NotFound
from drawsvc.tasks import repository as repo
from drawsvc.tasks.models import PoolMember
from drawsvc.tasks.service.rules import check_draft, check_pool, own_task, require_text

if TYPE_CHECKING:
    from drawsvc.journal import Actor, Journal


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
    t = own_task(session, task, actor)
    check_draft(t, f"building the {pool} pool")
    check_pool(pool)
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
    # what is left are the hand edits: read through their partial index, without ORM objects
    manual = {e.member for e in repo.pool_edits(session, task) if e.pool == pool}
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
    t = own_task(session, task, actor)
    check_draft(t, f"adding {member} to the {pool} pool")
    why = require_text(reason)
    check_pool(pool)
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
    t = own_task(session, task, actor)
    check_draft(t, f"removing {member} from the {pool} pool")
    why = require_text(reason)
    check_pool(pool)
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


