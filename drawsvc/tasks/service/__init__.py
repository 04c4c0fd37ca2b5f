"""Inspection tasks and their draws: the service the API, the CLI and the demo call.

Every function takes a ``Session`` already inside a transaction and the ``Journal``; it never
commits. Everything is validated before anything is written; any exception rolls the whole
operation back, log entries included (ENV-8). Entry bodies: docs/specs/entries.md; workflow:
docs/tasks.md; the algorithm itself is the draw engine (draw/v1, docs/draw-spec.md), called
only through :mod:`drawsvc.tasks.replay`, which the verifier shares.

One module per stage, data flowing one way (docs/tasks.md §1):

- ``create``      ``task.create``: a task, its check items and draw parameters
- ``pools``       candidate pools before the commitment (build, add, remove)
- ``commitment``  pools frozen, seed committed (``draw.pool.members``, ``draw.avoidance``, ``draw.commit``)
- ``draw``        reveals checked, the draw run and logged (``draw.result``)
- ``followups``   after the draw: expert answers and top-ups, designations, replacements
- ``dispatch``    lock, dispatch to implementing units, sub-draws
- ``disclosure``  sealed draws opened: ``draw.disclose`` (docs/specs/sealed-draws.md)
- ``inspections`` non-random inspections and the merge report
- ``rules``       rule ids, the written-text rule, the department scope (shared)
- ``bulk``        chunking under the entry limit, the GC pause for large pools (shared)
- ``sealing``     a sealed round's private state and the rule guarding it (shared)

This package re-exports every operation, so callers write ``service.draw_task(...)``.
"""

from drawsvc.tasks import repository as repo
from drawsvc.tasks.service.bulk import CHUNK_BYTES, ENVELOPE_ALLOWANCE
from drawsvc.tasks.service.commitment import AVOIDANCE_SALT_BYTES, PARTIES, commit_task
from drawsvc.tasks.service.create import _apply_check_items, create_task, get_task
from drawsvc.tasks.service.disclosure import (
    current_seal,
    disclose_draw,
    disclose_due,
    opened_state,
    seal_of_round,
)
from drawsvc.tasks.service.dispatch import create_subdraw, dispatch_draw, lock_draw
from drawsvc.tasks.service.draw import current_draw, draw_task
from drawsvc.tasks.service.followups import (
    AVOIDANCE_REASON,
    designate,
    designate_leader,
    expire_invitations,
    replace_inspector,
    respond_expert,
)
from drawsvc.tasks.service.inspections import MergeCandidate, merge_report, record_inspection
from drawsvc.tasks.service.pools import add_pool_member, build_pool, remove_pool_member
from drawsvc.tasks.service.rules import (
    MAX_REASON,
    RULE_BEACON,
    RULE_FROZEN,
    RULE_LOCKED,
    RULE_POOL_EMPTY,
    RULE_REASON,
    RULE_REDRAW,
    RULE_SCOPE,
    RULE_STATUS,
    RULE_UNIT,
    RULE_UNLOCKED,
)

__all__ = [
    "AVOIDANCE_REASON",
    "AVOIDANCE_SALT_BYTES",
    "CHUNK_BYTES",
    "ENVELOPE_ALLOWANCE",
    "MAX_REASON",
    "PARTIES",
    "RULE_BEACON",
    "RULE_FROZEN",
    "RULE_LOCKED",
    "RULE_POOL_EMPTY",
    "RULE_REASON",
    "RULE_REDRAW",
    "RULE_SCOPE",
    "RULE_STATUS",
    "RULE_UNIT",
    "RULE_UNLOCKED",
    "MergeCandidate",
    "_apply_check_items",
    "add_pool_member",
    "build_pool",
    "commit_task",
    "create_subdraw",
    "create_task",
    "current_draw",
    "current_seal",
    "designate",
    "designate_leader",
    "disclose_draw",
    "disclose_due",
    "dispatch_draw",
    "draw_task",
    "expire_invitations",
    "get_task",
    "lock_draw",
    "merge_report",
    "opened_state",
    "record_inspection",
    "remove_pool_member",
    "replace_inspector",
    "repo",
    "respond_expert",
    "seal_of_round",
]
