"""Rule ids, the written-text rule and the department scope every task operation checks."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from drawsvc.errors import Forbidden, InvalidInput, RuleViolation
from drawsvc.tasks import repository as repo
from drawsvc.tasks.models import POOLS, Task

if TYPE_CHECKING:
    from drawsvc.journal import Actor


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
MAX_REASON = 1000


def require_text(value: str | None, field: str = "reason") -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(f"{field}: a written reason is required", field=field, rule=RULE_REASON)
    if len(text) > MAX_REASON or any(ord(c) < 0x20 and c not in "\n\t" for c in text):
        raise InvalidInput(
            f"{field}: at most {MAX_REASON} characters, no control characters", field=field, rule="task.text"
        )
    return text


def owner_of(task: Task) -> str:
    return task.unit if task.parent_code is not None and task.unit else task.organiser


def own_task(session: Session, code: str, actor: Actor) -> Task:
    """The task ``code``, when ``actor`` may act on it. 谁检查、谁录入: a bureau acts only on its
    own task or sub-draw. Locks the task's row for the transaction (``repo.get_task``)."""
    t = repo.get_task(session, code, for_update=True)
    if actor.role == "bureau" and actor.department != owner_of(t):
        raise Forbidden(
            f"task {t.code}: department {actor.department} may not act on it (owned by {owner_of(t)})",
            rule=RULE_SCOPE,
            subject=t.code,
        )
    return t


def check_draft(task: Task, what: str) -> None:
    if task.status != "draft":
        raise RuleViolation(
            f"task {task.code}: {what} refused, the pool is frozen by the commitment (status {task.status})",
            rule=RULE_FROZEN,
            subject=task.code,
        )


def check_pool(pool: str) -> str:
    if pool not in POOLS:
        raise InvalidInput(f"pool: must be one of {', '.join(POOLS)}", field="pool", rule="task.pool")
    return pool
