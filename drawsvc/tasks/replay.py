"""The one adapter between what the log holds and the draw/v1 engine (docs/draw-spec.md §11).

Pure: logged rows and parameters in, engine requests built, ``drawsvc.draw.engine`` called,
plain JSON out. The service draws through these functions and the verifier recomputes through
the same ones, so there is exactly one mapping between log entries and engine inputs
(docs/specs/entries.md §4). Nothing here re-implements the algorithm.
"""

from __future__ import annotations

import json
import string
import threading
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from itertools import compress, groupby, repeat
from typing import Any

from drawsvc.draw import engine
from drawsvc.draw import pool as dpool
from drawsvc.draw.experts import Decline
from drawsvc.draw.seed import Beacon
from drawsvc.draw.stratify import StratifiedRule
from drawsvc.draw.targets import RatioRule
from drawsvc.draw.teams import Avoidance, Designation, Replacement, TeamRule
from drawsvc.draw.teams import avoidance_tags as avoidance_tags_of
from drawsvc.errors import DrawInfeasible, InvalidInput, RevealMismatch, RuleViolation
from drawsvc.tasks.params import engine_class_caps

# Logged row layout per pool (entries.md §4 ``draw.pool.members``). The leading columns are the
# engine's record fields (bound by the pool root); ``region`` and ``authority`` of targets are
# informative (they drive dispatch only) and not part of the root.
FIELDS: dict[str, list[str]] = {
    "targets": ["id", "stratum", "checks", "risk"],
    "inspectors": ["id", "dept", "leader", "specialties"],
    "experts": ["id"],
}
USCC_LENGTH = dpool.USCC_LENGTH
_ALNUM = (string.ascii_letters + string.digits).encode()  # no JSON escape needed (encoded_size)
TARGET_CHUNK = 2_800  # targets per draw.pool.members chunk (halved while a chunk is too large)
PURPOSE_INSPECTION = "inspection"
PURPOSE_EXPERTS = "experts"
ALL_CAP = 10_001  # a sub-draw takes every target of its share: no cap applies (checks <= 10000)
TEXT_BUDGET = 16_000  # characters of result text per draw.result.part (escaped, well below 64 KiB)


def encoded(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


# --- pools -----------------------------------------------------------------------------------


def target_records(rows: Sequence[Sequence[Any]]) -> Sequence[dpool.TargetRecord]:
    """Engine records of logged rows (rows built by the service already are records)."""
    record = dpool.TargetRecord
    if all(type(r) is record for r in rows):
        return rows  # type: ignore[return-value]
    return [dpool.TargetRecord(r[0], r[1], r[2], r[3]) for r in rows]


def inspector_records(rows: Iterable[Sequence[Any]]) -> list[dpool.InspectorRecord]:
    return [dpool.InspectorRecord(r[0], r[1], r[2], tuple(r[3])) for r in rows]


def records_of(pool: str, rows: Sequence[Sequence[Any]]) -> Sequence[Any]:
    """The engine records of a pool's logged rows (layout ``FIELDS[pool]``)."""
    if pool == "targets":
        return target_records(rows)
    if pool == "inspectors":
        return inspector_records(rows)
    return [dpool.ExpertRecord(r[0]) for r in rows]


_FREEZERS: dict[str, Any] = {
    "targets": dpool.freeze_targets,
    "inspectors": dpool.freeze_inspectors,
    "experts": dpool.freeze_experts,
}


def freeze(pool: str, rows: Sequence[Sequence[Any]] | dpool.TargetColumns) -> dpool.Pool[Any]:
    if isinstance(rows, dpool.TargetColumns):
        return dpool.freeze_target_columns(rows)
    return _FREEZERS.get(pool, dpool.freeze_experts)(records_of(pool, rows))


_FROZEN: dict[tuple[str, str, int], dpool.Pool[Any]] = {}
_FROZEN_MAX = 3  # one task's pools: targets, inspectors, experts (a million-record pool is ~150 MB)
_FROZEN_LOCK = threading.Lock()  # API workers run requests in threads


def freeze_cached(pool: str, rows: Sequence[Sequence[Any]] | dpool.TargetColumns) -> dpool.Pool[Any]:
    """``freeze`` remembering the result by (pool, root, size) for the service's own next step."""
    frozen = freeze(pool, rows)
    with _FROZEN_LOCK:
        if len(_FROZEN) >= _FROZEN_MAX:
            _FROZEN.pop(next(iter(_FROZEN)))
        _FROZEN[(pool, frozen.root.hex(), frozen.size)] = frozen
    return frozen


def forget_frozen() -> None:
    """Drop the remembered frozen pools (a long-running verifier between draws: bounded memory)."""
    with _FROZEN_LOCK:
        _FROZEN.clear()


def cached_pools(pools: Mapping[str, Mapping[str, Any]]) -> dict[str, dpool.Pool[Any]]:
    """The committed pools whose frozen form this process still holds (root and size), by name.

    The pools themselves, not their names: an API worker runs requests in threads, and another
    request's commit may evict a pool between this look-up and the draw (``_FROZEN_MAX``); a
    draw that had skipped reading that pool from the log then saw an empty pool
    (``DrawInfeasible`` DRAW-43 under concurrent load). Pass the result to ``run_draw(held=…)``.
    """
    with _FROZEN_LOCK:
        found = {name: _FROZEN.get((name, ref["root"], ref["size"])) for name, ref in pools.items()}
    return {name: frozen for name, frozen in found.items() if frozen is not None}


def frozen_for(
    pool: str,
    rows: Sequence[Sequence[Any]] | dpool.TargetColumns,
    committed: Mapping[str, Any] | None,
    *,
    trust_cache: bool,
    own_log: bool = False,
) -> dpool.Pool[Any]:
    """The frozen pool for ``rows``. With ``trust_cache`` a pool frozen earlier in this process
    under the committed root and size is reused: equal roots mean equal records (SHA-256). The
    verifiers freeze the logged rows themselves first (V-2) and pass ``trust_cache`` to reuse
    them; with ``trust_cache=False`` the pool is always rebuilt.

    ``own_log``: the service's own draw, reading back the pools its commit logged
    (``logread.inputs_from_log``; targets as columns). Rows of the committed size are taken
    under the committed root without re-hashing (``pool.assume_frozen_columns``,
    ``pool.assume_frozen``), as the commit's own frozen pool would be: 50,000 inspectors cost
    ≈ 0.5 s to re-hash. The draw then cites the committed root in its seed; if the logged rows
    were not those the root commits to, every verifier, which rebuilds the root from the
    logged rows, refuses the draw (V-2). Verifiers MUST NOT pass it."""
    if committed is None:
        return freeze(pool, rows)
    if trust_cache or own_log:
        with _FROZEN_LOCK:
            hit = _FROZEN.get((pool, committed["root"], committed["size"]))
        if hit is not None:
            return hit
    if own_log:
        if isinstance(rows, dpool.TargetColumns):
            if len(rows.ids) == committed["size"]:
                return dpool.assume_frozen_columns(rows, committed["root"])
        elif len(rows) == committed["size"]:
            return dpool.assume_frozen(pool, records_of(pool, rows), committed["root"])
    return freeze(pool, rows)


# --- target chunk encoding (entries.md §4, columns) ------------------------------------------


def encode_target_chunk(rows: Sequence[Sequence[Any]]) -> dict[str, Any]:
    """Columns of a chunk of target rows: concatenated 18-character ids, run-length strata, the
    non-zero checks as ``[offset, n]`` and the offsets of risk-flagged targets."""
    strata: list[list[Any]] = []
    checks: list[list[int]] = []
    risk: list[int] = []
    for k, r in enumerate(rows):
        if strata and strata[-1][0] == r[1]:
            strata[-1][1] += 1
        else:
            strata.append([r[1], 1])
        if r[2]:
            checks.append([k, r[2]])
        if r[3]:
            risk.append(k)
    return {"ids": "".join(r[0] for r in rows), "strata": strata, "checks": checks, "risk": risk}


def encode_target_columns(
    cols: dpool.TargetColumns, lo: int, hi: int, nonzero: Sequence[int], flagged: Sequence[int]
) -> dict[str, Any]:
    """``encode_target_chunk`` of rows ``lo:hi`` of a pool given as columns; ``nonzero`` and
    ``flagged`` are the sorted positions of non-zero checks and of risk flags in the whole pool."""
    checks = cols.checks
    return {
        "ids": "".join(cols.ids[lo:hi]),
        "strata": [[s, len(list(run))] for s, run in groupby(cols.strata[lo:hi])],
        "checks": [[k - lo, checks[k]] for k in nonzero[bisect_left(nonzero, lo) : bisect_left(nonzero, hi)]],
        "risk": [k - lo for k in flagged[bisect_left(flagged, lo) : bisect_left(flagged, hi)]],
    }


def target_column_chunks(cols: dpool.TargetColumns, budget: int) -> list[dict[str, Any]]:
    """``target_chunks`` of a pool given as columns: the same chunks, without a record per row."""
    n = len(cols.ids)
    # any() stops at the first truthy value and is ≈ 5x cheaper than compress over an empty result
    nonzero = list(compress(range(n), cols.checks)) if any(cols.checks) else []
    flagged = list(compress(range(n), cols.risk)) if any(cols.risk) else []
    out: list[dict[str, Any]] = []
    stack = [(lo, min(n, lo + TARGET_CHUNK)) for lo in range(0, n, TARGET_CHUNK)][::-1]
    while stack:
        lo, hi = stack.pop()
        body = encode_target_columns(cols, lo, hi, nonzero, flagged)
        if hi - lo > 1 and encoded_size(body) > budget:
            mid = (lo + hi) // 2
            stack.extend([(mid, hi), (lo, mid)])
            continue
        out.append(body)
    return out or [encode_target_columns(cols, 0, 0, [], [])]


def encoded_size(body: Mapping[str, Any]) -> int:
    """``len(encoded(body))`` of a targets chunk. Ids of ASCII letters and digits (USCCs) need no
    JSON escape, so their ≈ 50 KB per chunk are counted instead of encoded (a million ids: 18 MB
    of JSON string encoding saved); any other ids are encoded."""
    ids = body.get("ids")
    if isinstance(ids, str) and ids.isascii() and not ids.encode("ascii").translate(None, _ALNUM):
        return len(encoded({**body, "ids": ""})) + len(ids)  # C-level: ≈ 5x less than encoding
    return len(encoded(body))


def decode_target_chunk(body: Mapping[str, Any]) -> list[dpool.TargetRecord]:
    """Inverse of ``encode_target_chunk``; raises ``InvalidInput`` on a malformed chunk."""
    return decode_target_columns(body).records()


def decode_target_columns(body: Mapping[str, Any]) -> dpool.TargetColumns:
    """``decode_target_chunk`` as columns (no record per row): the same checks, the ids sliced in
    one C-level pass, the strata expanded run by run, the sparse checks and flags placed."""
    cols = decode_target_text(body)
    return cols._replace(ids=list(cols.ids))  # FixedWidthIds: the slices in one C-level pass


def decode_target_text(body: Mapping[str, Any]) -> dpool.TargetColumns:
    """``decode_target_columns`` with the ids kept as the chunk's text (``pool.FixedWidthIds``):
    the same checks, no string per id (the service's own draw, ``logread.read_target_columns``)."""
    ids_text, strata, checks, risk = body.get("ids"), body.get("strata"), body.get("checks"), body.get("risk")
    if (
        not isinstance(ids_text, str)
        or len(ids_text) % USCC_LENGTH
        or not isinstance(strata, list)
        or not isinstance(checks, list)
        or not isinstance(risk, list)
    ):
        raise InvalidInput(
            "a targets chunk needs ids, strata, checks and risk", field="ids", rule="entries.pool-chunk"
        )
    n = len(ids_text) // USCC_LENGTH
    column: list[str] = []
    for run in strata:
        if not (
            isinstance(run, list)
            and len(run) == 2
            and isinstance(run[0], str)
            and type(run[1]) is int
            and run[1] > 0
        ):
            raise InvalidInput(
                "a strata run is [stratum, count > 0]", field="strata", rule="entries.pool-chunk"
            )
        column.extend(repeat(run[0], run[1]))
    if len(column) != n:
        raise InvalidInput("strata runs do not cover the ids", field="strata", rule="entries.pool-chunk")
    counts = [0] * n
    for item in checks:
        if not (
            isinstance(item, list)
            and len(item) == 2
            and type(item[0]) is int
            and 0 <= item[0] < n
            and type(item[1]) is int
            and item[1] > 0
        ):
            raise InvalidInput(
                "checks are [offset, n > 0] within the chunk", field="checks", rule="entries.pool-chunk"
            )
        counts[item[0]] = item[1]
    flags = [False] * n
    for k in risk:
        if type(k) is not int or not 0 <= k < n:
            raise InvalidInput("risk offsets lie within the chunk", field="risk", rule="entries.pool-chunk")
        flags[k] = True
    return dpool.TargetColumns(dpool.FixedWidthIds(ids_text, USCC_LENGTH), column, counts, flags)


def target_chunks(rows: Sequence[Sequence[Any]], budget: int) -> list[dict[str, Any]]:
    """Encoded chunks of at most ``budget`` bytes of JSON each, in row order (E-5)."""
    out: list[dict[str, Any]] = []
    stack = [(lo, min(len(rows), lo + TARGET_CHUNK)) for lo in range(0, len(rows), TARGET_CHUNK)][::-1]
    while stack:
        lo, hi = stack.pop()
        body = encode_target_chunk(rows[lo:hi])
        if hi - lo > 1 and len(encoded(body)) > budget:
            mid = (lo + hi) // 2
            stack.extend([(mid, hi), (lo, mid)])
            continue
        out.append(body)
    return out or [encode_target_chunk([])]


def pool_root(
    pool: str, rows: Sequence[Sequence[Any]] | dpool.TargetColumns, *, remember: bool = False
) -> str:
    """The pool root; ``remember`` keeps the frozen pool for this process's next step. A targets
    pool given as columns (the commit) is never remembered: the root is computed without records
    and the draw reads the pool back from the log, in this process or another."""
    if isinstance(rows, dpool.TargetColumns):
        return dpool.target_columns_root(rows).hex()
    return (freeze_cached(pool, rows) if remember else freeze(pool, rows)).root.hex()


def avoidance_tags(salt: bytes, pairs: Iterable[Sequence[str]]) -> list[str]:
    """Declared (person, USCC) pairs → sorted tags (draw-spec §8.4); the pairs are never logged."""
    return sorted(set(avoidance_tags_of(salt, pairs)))


def avoidance_root(tags: Sequence[str]) -> str:
    return dpool.freeze_avoidance(tags).root.hex()


def stratum_needs_attributes(t: Mapping[str, Any] | None) -> bool:
    return t is not None and t["mode"] == "sample" and bool(t["class_ratios_bp"] or t["strata"])


def stratum_of(t: Mapping[str, Any] | None, attrs: Mapping[str, str]) -> str:
    """A target's stratum at freeze time: its credit class under per-class ratios, else the chosen
    strata attributes joined (``"region=330102|scale=小型"``), else ``""`` (entries.md §4)."""
    if t is None or t["mode"] != "sample":
        return ""
    if t["class_ratios_bp"]:
        return attrs["credit"]
    return "|".join(f"{a}={attrs[a]}" for a in t["strata"])


# --- reveal ----------------------------------------------------------------------------------


def _secret_hex(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"{field}: a secret is hex", field=field, rule="DRAW-5")
    try:
        return bytes.fromhex(value).hex()
    except ValueError:
        raise InvalidInput(f"{field}: a secret is hex", field=field, rule="DRAW-5") from None


def check_reveals(
    commitments: Sequence[Mapping[str, Any]], reveals: Sequence[Mapping[str, Any]]
) -> list[dict[str, str]]:
    """Match reveals to commitments by party; ``RevealMismatch`` naming the party (DRAW-6).

    Returns ``[{"party", "secret"}]`` in commitment order.
    """
    from drawsvc.draw.seed import verify_reveal

    by_party: dict[Any, str] = {}
    for i, r in enumerate(reveals):
        party = r.get("party")
        if party in by_party:
            raise InvalidInput(
                f"reveals[{i}].party: revealed twice", field=f"reveals[{i}].party", rule="DRAW-6"
            )
        by_party[party] = _secret_hex(r.get("secret"), f"reveals[{i}].secret")
    out = []
    for c in commitments:
        if c["party"] not in by_party:
            raise RevealMismatch(
                f"the {c['party']} secret is not revealed", rule="DRAW-6", subject=c["party"]
            )
        out.append({"party": c["party"], "secret": by_party.pop(c["party"])})
    if by_party:
        extra = sorted(str(p) for p in by_party)[0]
        raise RevealMismatch(
            f"a secret is revealed for {extra}, who made no commitment", rule="DRAW-6", subject=extra
        )
    for c, s in zip(commitments, out, strict=True):
        try:
            verify_reveal([c["commitment"]], [bytes.fromhex(s["secret"])])
        except RevealMismatch as exc:
            raise RevealMismatch(
                f"the {c['party']} secret does not match its commitment", rule=exc.rule, subject=c["party"]
            ) from None
    return out


def _reveal(
    inputs: Any, purpose: str, secrets: Sequence[Mapping[str, str]], beacon: Mapping[str, Any] | None
) -> engine.Reveal:
    commitments = inputs.commit["commitments"]
    return engine.Reveal(
        task_id=inputs.task,
        round=inputs.round,
        purpose=purpose,
        commitments=tuple(c["commitment"] for c in commitments),
        secrets=tuple(bytes.fromhex(s["secret"]) for s in secrets),
        beacon=Beacon(round=beacon["round"], randomness=beacon["value"]) if beacon else None,
    )


# --- requests --------------------------------------------------------------------------------


def target_rule(t: Mapping[str, Any]) -> RatioRule | StratifiedRule:
    """Logged target parameters (entries.md §3) → the engine's rule (draw-spec §6, §7)."""
    if t["mode"] == "all":
        return RatioRule(ratio_bp=10_000, cap=ALL_CAP)
    common = {
        "min_ratio_bp": t.get("min_ratio_bp") or 0,
        "cap": t["cap_per_year"],
        "uninspected_first": t["prefer_uninspected"],
        "class_caps": engine_class_caps(t),
    }
    if t["strata"] or t["count"] is not None:
        return StratifiedRule(count=t["count"], ratio_bp=t["ratio_bp"], **common)
    return RatioRule(ratio_bp=t["ratio_bp"] or 0, class_ratio_bp=dict(t["class_ratios_bp"] or {}), **common)


def _frozen(
    inputs: Any,
    pool: str,
    trust_cache: bool,
    held: Mapping[str, dpool.Pool[Any]] | None = None,
    own_log: bool = False,
) -> dpool.Pool[Any]:
    if held is not None and pool in held:
        return held[pool]  # frozen by this process's commit under the committed root (cached_pools)
    return frozen_for(
        pool,
        inputs.pools.get(pool, []),
        inputs.commit["pools"].get(pool),
        trust_cache=trust_cache,
        own_log=own_log,
    )


def inspection_request(
    inputs: Any,
    secrets: Sequence[Mapping[str, str]],
    beacon: Mapping[str, Any] | None,
    salt: str | None,
    *,
    trust_cache: bool = False,
    declared: Iterable[tuple[str, str]] | None = None,
    held: Mapping[str, dpool.Pool[Any]] | None = None,
    own_log: bool = False,
) -> engine.InspectionRequest | None:
    """The engine request of an inspection draw. ``declared``: the service's own draw passes the
    declared (inspector, target) pairs it holds, so that avoidance is a set lookup when they
    explain every logged tag (``Avoidance.explained_by``); verifiers pass nothing. ``own_log``:
    see ``frozen_for`` (the service's own draw only)."""
    p = inputs.params
    if p.get("targets") is None:
        return None
    targets = _frozen(inputs, "targets", trust_cache, held, own_log)
    teams = p.get("teams")
    rule = None
    if teams is not None:
        spec = teams.get("specialty")
        rule = TeamRule(
            size=teams["size"],
            departments=tuple(teams["departments"]),
            specialty=dict.fromkeys(targets.ids, spec) if spec else {},
        )
    avoidance = Avoidance.empty()
    if teams is not None and salt:
        avoidance = Avoidance(bytes.fromhex(salt), inputs.avoidance)
        if declared is not None:
            avoidance = avoidance.explained_by(declared)
    return engine.InspectionRequest(
        reveal=_reveal(inputs, PURPOSE_INSPECTION, secrets, beacon),
        targets=targets,
        target_rule=target_rule(p["targets"]),
        inspectors=_frozen(inputs, "inspectors", trust_cache, held, own_log) if teams is not None else None,
        teams=rule,
        avoidance=avoidance,
    )


def expert_request(
    inputs: Any,
    secrets: Sequence[Mapping[str, str]],
    beacon: Mapping[str, Any] | None,
    *,
    trust_cache: bool = False,
    held: Mapping[str, dpool.Pool[Any]] | None = None,
    own_log: bool = False,
) -> engine.ExpertRequest | None:
    e = inputs.params.get("experts")
    if e is None:
        return None
    rotation = inputs.commit.get("rotation") or []
    return engine.ExpertRequest(
        reveal=_reveal(inputs, PURPOSE_EXPERTS, secrets, beacon),
        experts=_frozen(inputs, "experts", trust_cache, held, own_log),
        pool_id=e["pool"],
        group=e["group"],
        headcount=e["headcount"],
        previous=tuple(tuple(r["panel"]) for r in rotation),
        designated=tuple(Designation.from_json(d) for d in inputs.commit.get("designated") or []),
    )


def _named(inputs: Any, fn: Any, *args: Any) -> Any:
    """Run an engine step; add the task to a ``DrawInfeasible`` (it already names target and rule)."""
    try:
        return fn(*args)
    except DrawInfeasible as exc:
        raise DrawInfeasible(
            f"task {inputs.task}: {exc.message}",
            rule=exc.rule,
            subject=exc.subject,
            task=inputs.task,
            **{k: v for k, v in exc.detail.items() if k not in ("rule", "subject")},
        ) from None


def run_draw(
    inputs: Any,
    secrets: Sequence[Mapping[str, str]],
    beacon: Mapping[str, Any] | None,
    salt: str | None,
    *,
    trust_cache: bool = False,
    declared: Iterable[tuple[str, str]] | None = None,
    held: Mapping[str, dpool.Pool[Any]] | None = None,
    own_log: bool = False,
) -> dict[str, Any]:
    """The draw of one commitment round: ``{"inspection": engine result|None, "experts": ...|None}``.
    ``held``: pools not read from the log because this process holds them (``cached_pools``);
    ``own_log``: the service drawing from the pools its own commit logged (``frozen_for``)."""
    ins = inspection_request(inputs, secrets, beacon, salt, trust_cache=trust_cache, declared=declared,
                             held=held, own_log=own_log)
    exp = expert_request(inputs, secrets, beacon, trust_cache=trust_cache, held=held, own_log=own_log)
    return {
        "inspection": _named(inputs, engine.draw_inspection, ins) if ins is not None else None,
        "experts": _named(inputs, engine.draw_experts, exp) if exp is not None else None,
    }


def replace(
    inputs: Any,
    secrets: Sequence[Mapping[str, str]],
    beacon: Mapping[str, Any] | None,
    salt: str | None,
    result: Mapping[str, Any],
    *,
    target: str,
    person: str,
    reason: str,
    approver: str,
    trust_cache: bool = False,
) -> dict[str, Any]:
    """One replacement (draw-spec §9) applied to the current inspection result."""
    req = inspection_request(inputs, secrets, beacon, salt, trust_cache=trust_cache)
    if req is None or result.get("inspection") is None:
        raise InvalidInput("this draw has no teams", field="teams", rule="DRAW-72")
    event = Replacement(target=target, person=person, reason=reason, approver=approver)
    return {
        **result,
        "inspection": _named(inputs, engine.replace_inspector, req, result["inspection"], event),
    }


def top_up(
    inputs: Any,
    secrets: Sequence[Mapping[str, str]],
    beacon: Mapping[str, Any] | None,
    result: Mapping[str, Any],
    *,
    expert: str,
    reason: str,
    trust_cache: bool = False,
) -> dict[str, Any]:
    """A decline / no-answer (DRAW-63): the resumed experts stream fills the seat."""
    req = expert_request(inputs, secrets, beacon, trust_cache=trust_cache)
    if req is None or result.get("experts") is None:
        raise InvalidInput("this draw has no experts", field="experts", rule="DRAW-63")
    return {
        **result,
        "experts": _named(
            inputs, engine.top_up_experts, req, result["experts"], Decline(expert=expert, reason=reason)
        ),
    }


RULE_DESIGNATE_LEADER = "DRAW-44a"


def designate_leader(
    result: Mapping[str, Any],
    inspectors: Sequence[Sequence[Any]],
    *,
    target: Any,
    person: Any,
    reason: str,
    approver: str,
) -> dict[str, Any]:
    """A team leader designated after the draw (draw-spec DRAW-44a): not random, no stream read.

    ``person`` must be a current member of ``target``'s team (``InvalidInput`` otherwise); they
    become its leader (``"leader": true, "designated": true``) and the previous leader a plain
    member; nobody changes team and the ``["teams"]`` position stays. ``inspectors`` are the
    logged inspector pool rows (``id, dept, leader, specialties``): the event record says whether
    the designee is leader-eligible. Appends ``{"kind": "designate", "role": "leader", "target",
    "person", "reason", "approver", "previous", "leader_eligible"}`` to the inspection events;
    later replacements see the new flags (a designated leader is not swapped, DRAW-52).
    """
    ins = result.get("inspection")
    if ins is None or ins.get("teams") is None:
        raise InvalidInput("this draw has no teams", field="teams", rule=RULE_DESIGNATE_LEADER)
    teams = ins["teams"]
    assignments = [{**a, "members": [dict(m) for m in a["members"]]} for a in teams["assignments"]]
    team = next((a for a in assignments if a["target"] == target), None)
    if team is None:
        raise InvalidInput(
            f"target {target}: no team in this draw", field="target", rule=RULE_DESIGNATE_LEADER
        )
    if not any(m["id"] == person for m in team["members"]):
        raise InvalidInput(
            f"person {person}: not a member of the team of {target}",
            field="person",
            rule=RULE_DESIGNATE_LEADER,
        )
    previous = _leader(team["members"])
    for m in team["members"]:
        if m["id"] == person:
            m.update(leader=True, designated=True)
        elif m["leader"]:
            m.update(leader=False, designated=False)
    record = {
        "kind": "designate",
        "role": "leader",
        "target": target,
        "person": person,
        "reason": reason,
        "approver": approver,
        "previous": previous,
        "leader_eligible": any(r[0] == person and bool(r[2]) for r in inspectors),
    }
    part = {**ins, "teams": {**teams, "assignments": assignments}, "events": [*ins["events"], record]}
    return {**result, "inspection": part}


def compare(logged: Mapping[str, Any], recomputed: Mapping[str, Any]) -> str | None:
    """The first differing path (DRAW-73), or None when the canonical bytes are equal."""
    try:
        engine.verify_result(logged, recomputed)
    except RuleViolation as exc:
        return str(exc.subject)
    return None


# --- result views ----------------------------------------------------------------------------


def drawn_targets(result: Mapping[str, Any]) -> list[str]:
    ins = result.get("inspection")
    return list(ins["targets"]["selected"]) if ins else []


def teams_of(result: Mapping[str, Any]) -> list[dict[str, Any]]:
    ins = result.get("inspection")
    return list(ins["teams"]["assignments"]) if ins and ins.get("teams") else []


def panel_of(result: Mapping[str, Any]) -> list[str]:
    exp = result.get("experts")
    return list(exp["experts"]["panel"]) if exp else []


def _leader(members: Sequence[Mapping[str, Any]]) -> str | None:
    for m in members:
        if m["leader"]:
            return str(m["id"])
    return None


def summary(result: Mapping[str, Any]) -> dict[str, Any]:
    """A flat view for records and screens: targets, teams (target → members), expert panel."""
    return {
        "targets": drawn_targets(result),
        "teams": [
            {
                "target": a["target"],
                "members": [m["id"] for m in a["members"]],
                "leader": _leader(a["members"]),
            }
            for a in teams_of(result)
        ],
        "experts": panel_of(result),
    }


def split_text(result: Mapping[str, Any]) -> list[str]:
    """The result's canonical JSON text cut into slices for ``draw.result.part`` (E-5)."""
    text = engine.result_bytes(result).decode("utf-8")
    return [text[i : i + TEXT_BUDGET] for i in range(0, len(text), TEXT_BUDGET)] or [""]
