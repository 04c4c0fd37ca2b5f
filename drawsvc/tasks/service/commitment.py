"""The commitment (``draw.pool.members``, ``draw.avoidance``, ``draw.commit``): the pools frozen and
the seed committed to before anything is drawn (draw-spec §3)."""

from __future__ import annotations

import hashlib
import re
import secrets as pysecrets
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from datetime import date
from itertools import repeat
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from drawsvc.audit.beacon import CHAINS
from drawsvc.draw.pool import TargetColumns, order_target_columns, target_columns_root
from drawsvc.errors import InvalidInput, RuleViolation
from drawsvc.tasks import replay
from drawsvc.tasks import repository as repo
from drawsvc.tasks.models import Commitment, Task
from drawsvc.tasks.service.bulk import CHUNK_BYTES, gc_paused, split_chunks
from drawsvc.tasks.service.rules import (
    RULE_BEACON,
    RULE_LOCKED,
    RULE_POOL_EMPTY,
    RULE_REDRAW,
    own_task,
    require_text,
)
from drawsvc.tasks.service.sealing import undisclosed

if TYPE_CHECKING:
    from drawsvc.journal import Actor, Batch, Journal


PARTIES = ("operator", "discipline")
_HEX64 = re.compile(r"\A[0-9a-f]{64}\Z")
AVOIDANCE_SALT_BYTES = 32


@gc_paused
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
    t = own_task(session, task, actor)
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
            "reason": require_text(reason),
            "approver": require_text(approver, "approver"),
        }
    parsed = _parse_commitments(commitments)
    bcn = _parse_beacon(beacon)
    on = on or journal.today()
    # one append for the pool chunks, avoidance tags and the commitment (which cites their
    # indices): one writer-lock turn and one checkpoint instead of four; the chunks are queued
    # and the lock taken only once everything but the indices is known (a shorter serialised
    # section for concurrent requests)
    batch = journal.batch(session)
    salt = pysecrets.token_bytes(AVOIDANCE_SALT_BYTES) if t.params.get("teams") is not None else None

    edits = repo.pool_edits(session, task)
    if round_ == 1:
        pools, avoidance = _freeze(session, batch, t, on, salt, edits, actor)
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
    if round_ == 1:  # the offsets of the queued chunks become indices under the writer lock
        base = batch.first_index()
        for ref in [*pools.values(), *([avoidance] if avoidance is not None else [])]:
            ref["entries"][0] += base
    index = batch.record("draw.commit", body, actor=actor)
    batch.append()
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
    if source not in CHAINS:  # BEACON-1: only a beacon the service and the audit can verify
        raise InvalidInput(
            f"beacon: source {source!r} is not a known beacon chain ({', '.join(sorted(CHAINS))})",
            field="beacon.source",
            rule="BEACON-1",
        )
    if rnd < 1:
        raise InvalidInput("beacon: drand rounds start at 1", field="beacon.round", rule="BEACON-3")
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
            if undisclosed(session, d.task_code, d.round):
                continue  # SEAL-6: a sealed panel enters rotation once disclosed; citing it would publish it
            out.append({"draw": d.log_index, "panel": list(exp["experts"]["panel"])})
            if len(out) == 2:
                break
    return out


def _freeze(
    session: Session,
    batch: Batch,
    t: Task,
    on: date,
    salt: bytes | None,
    edits: Sequence[repo.PoolEdit],
    actor: Actor,
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Queue the frozen pools and avoidance tags as chunk entries; return what the commit cites,
    with the chunks' offsets in ``batch`` for indices (commit_task turns them into indices)."""
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
            rows = rows_by_pool[pool] = order_target_columns(rows)  # chunks in pool order (DRAW-16)
            root = target_columns_root(rows, ordered=True).hex()  # never cached: see replay.pool_root
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
            root = replay.pool_root(pool, rows, remember=True)
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
                for i, n, chunk in split_chunks(rows)
            ]
        first = batch.queue_many("draw.pool.members", bodies, actor=actor)  # an offset (commit_task)
        pools[pool] = {
            "root": root,
            "size": size,
            "entries": [first, len(bodies)],
        }
    if salt is None:
        return pools, None
    targets = rows_by_pool["targets"]  # teams are formed for drawn targets
    assert isinstance(targets, TargetColumns)
    declared = repo.pool_inspector_declarations(session, t.code, in_force_on=on)
    in_pool = _in_sorted({u for _, u in declared}, targets.ids)
    tags = replay.avoidance_tags(salt, [(p, u) for p, u in declared if u in in_pool])
    bodies = [{"task": t.code, "chunk": i, "chunks": n, "tags": chunk} for i, n, chunk in split_chunks(tags)]
    first = batch.queue_many("draw.avoidance", bodies, actor=actor)
    return pools, {
        "root": replay.avoidance_root(tags),
        "size": len(tags),
        "entries": [first, len(bodies)],
        "salt_commitment": hashlib.sha256(salt).hexdigest(),
    }


def _in_sorted(wanted: set[str], ids: Sequence[str]) -> set[str]:
    """The ``wanted`` ids found in ``ids`` (strictly ordered, ``order_target_columns``): one
    binary search per wanted id (10,000 declarations) instead of a pass over a million ids."""
    n = len(ids)
    found = set()
    for u in wanted:
        k = bisect_left(ids, u)
        if k < n and ids[k] == u:
            found.add(u)
    return found


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
