"""The one adapter between logged pool rows and the draw/v1 engine (docs/draw-spec.md).

Pure: rows in, engine records out, engine called, plain JSON out. The service draws through
these functions and the verifier recomputes through the same ones, so there is exactly one
mapping between what the log holds and what the engine consumes (entries.md §4).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from drawsvc.draw import pool as dpool
from drawsvc.draw import seed as dseed
from drawsvc.errors import InvalidInput, RevealMismatch

# Logged row layout per pool (entries.md §4 ``draw.pool.members``). The first columns are the
# engine's record fields (bound by the pool root); trailing columns are informative
# (``region``, ``authority`` drive dispatch only and are not part of the root).
FIELDS: dict[str, list[str]] = {
    "targets": ["id", "stratum", "checks", "risk", "region", "authority"],
    "inspectors": ["id", "dept", "leader", "specialties"],
    "experts": ["id"],
}
PURPOSE = "task"


def encoded(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


# --- pools -----------------------------------------------------------------------------------


def target_records(rows: Iterable[Sequence[Any]]) -> list[dpool.TargetRecord]:
    return [dpool.TargetRecord(r[0], r[1], r[2], r[3]) for r in rows]


def inspector_records(rows: Iterable[Sequence[Any]]) -> list[dpool.InspectorRecord]:
    return [dpool.InspectorRecord(r[0], r[1], r[2], tuple(r[3])) for r in rows]


def expert_records(rows: Iterable[Sequence[Any]]) -> list[dpool.ExpertRecord]:
    return [dpool.ExpertRecord(r[0]) for r in rows]


def freeze(pool: str, rows: Sequence[Sequence[Any]]) -> dpool.Pool[Any]:
    if pool == "targets":
        return dpool.freeze_targets(target_records(rows))
    if pool == "inspectors":
        return dpool.freeze_inspectors(inspector_records(rows))
    return dpool.freeze_experts(expert_records(rows))


def pool_root(pool: str, rows: Sequence[Sequence[Any]]) -> str:
    return freeze(pool, rows).root.hex()


def avoidance_tags(task: str, pairs: Sequence[Sequence[str]]) -> list[str]:
    """Avoidance pairs (person, USCC) → the engine's tags (draw-spec §8.4), sorted."""
    if not pairs:
        return []
    raise NotImplementedError("avoidance tags: waiting for drawsvc.draw.teams")


def avoidance_root(tags: Sequence[str]) -> str:
    return dpool.freeze_avoidance(tags).root.hex()


# --- commit / reveal / seed ------------------------------------------------------------------


def secret_bytes(value: Any, field: str) -> bytes:
    if not isinstance(value, str):
        raise InvalidInput(f"{field}: a secret is hex", field=field, rule="DRAW-5")
    try:
        return bytes.fromhex(value)
    except ValueError:
        raise InvalidInput(f"{field}: a secret is hex", field=field, rule="DRAW-5") from None


def check_reveals(commitments: Sequence[Mapping[str, Any]], reveals: Sequence[Mapping[str, Any]]
                  ) -> list[dict[str, str]]:
    """Match reveals to commitments by party; raise ``RevealMismatch`` (DRAW-6). Commitment order out."""
    by_party = {}
    for i, r in enumerate(reveals):
        party = r.get("party")
        if party in by_party:
            raise InvalidInput(f"reveals[{i}].party: {party} revealed twice", field=f"reveals[{i}].party",
                               rule="DRAW-6")
        by_party[party] = secret_bytes(r.get("secret"), f"reveals[{i}].secret").hex()
    out = []
    for c in commitments:
        if c["party"] not in by_party:
            raise RevealMismatch(f"the {c['party']} secret is not revealed", rule="DRAW-6", subject=c["party"])
        out.append({"party": c["party"], "secret": by_party.pop(c["party"])})
    if by_party:
        raise RevealMismatch(f"secret revealed for a party without a commitment: {sorted(by_party)[0]}",
                             rule="DRAW-6", subject=str(sorted(by_party)[0]))
    try:
        dseed.verify_reveal([c["commitment"] for c in commitments], [bytes.fromhex(s["secret"]) for s in out])
    except RevealMismatch as exc:
        i = int(str(exc.subject).split("[")[-1].rstrip("]")) if exc.subject and "[" in str(exc.subject) else 0
        raise RevealMismatch(f"the {commitments[i]['party']} secret does not match its commitment",
                             rule=exc.rule, subject=commitments[i]["party"]) from None
    return out


def derive_seed(*, task: str, round_: int, commitments: Sequence[Mapping[str, Any]],
                secrets: Sequence[Mapping[str, str]], beacon: Mapping[str, Any] | None,
                pools: Mapping[str, Mapping[str, Any]]) -> str:
    """draw/v1 seed (DRAW-7, DRAW-8) from the reveals, the beacon, the task and the pool roots."""
    roots = {name: dseed.PoolRoot(root=p["root"], size=p["size"]) for name, p in pools.items()}
    b = dseed.Beacon(round=beacon["round"], randomness=beacon["value"]) if beacon else None
    return dseed.derive_seed(task_id=task, round=round_, purpose=PURPOSE, pools=roots,
                             commitments=[c["commitment"] for c in commitments],
                             secrets=[bytes.fromhex(s["secret"]) for s in secrets], beacon=b).hex()


# --- results ---------------------------------------------------------------------------------


def split_result(result: Mapping[str, Any], budget: int) -> list[dict[str, Any]]:
    """Split a result's lists into parts of at most ``budget`` bytes each (E-5)."""
    parts: list[dict[str, Any]] = []
    current: dict[str, Any] = {}
    size = 0
    for key in ("targets", "teams", "experts"):
        for item in result.get(key, []):
            n = len(encoded(item)) + 1
            if size + n > budget and size:
                parts.append(current)
                current, size = {}, 0
            current.setdefault(key, []).append(item)
            size += n
    scalars = {k: v for k, v in result.items() if not isinstance(v, list)}
    current.update(scalars)
    parts.append(current)
    return parts


# --- the draw --------------------------------------------------------------------------------


class Outcome:
    """The result object of a draw (entries.md §4) and the engine's detail."""

    __slots__ = ("result",)

    def __init__(self, result: dict[str, Any]) -> None:
        self.result = result


def target_rule(t: Mapping[str, Any]) -> Any:
    """Map logged target parameters (entries.md §3) to the engine's rule (draw-spec §6, §7)."""
    from drawsvc.draw.stratify import StratifiedRule
    from drawsvc.draw.targets import RatioRule

    common = {"min_ratio_bp": t.get("min_ratio_bp") or 0, "cap": t["cap_per_year"],
              "uninspected_first": t["prefer_uninspected"]}
    if t["strata"] or t["count"] is not None:
        return StratifiedRule(count=t["count"], ratio_bp=t["ratio_bp"], **common)
    return RatioRule(ratio_bp=t["ratio_bp"] or 0, class_ratio_bp=dict(t["class_ratios_bp"] or {}), **common)


def stratum_of(t: Mapping[str, Any] | None, attrs: Mapping[str, str]) -> str:
    """The stratum key of a target at freeze time: its credit class for per-class ratios, else the
    chosen strata attributes ``"region=330102|scale=小型"``, else ``""``."""
    if t is None or t["mode"] != "sample":
        return ""
    if t["class_ratios_bp"]:
        return attrs["credit"]
    return "|".join(f"{a}={attrs[a]}" for a in t["strata"])


def _strip_selected(out: Mapping[str, Any]) -> dict[str, Any]:
    detail = {k: v for k, v in out.items() if k != "selected"}
    for key in ("groups", "strata"):
        if key in detail:
            detail[key] = [{k: v for k, v in g.items() if k != "selected"} for g in detail[key]]
    return detail


def draw_targets(inputs: Any, seed: bytes) -> tuple[list[str], dict[str, Any] | None]:
    from drawsvc.draw.stratify import StratifiedRule, draw_stratified
    from drawsvc.draw.targets import draw_ratio

    t = inputs.params.get("targets")
    rows = inputs.pools.get("targets", [])
    if t is None or t["mode"] == "all":
        return [r[0] for r in rows], None
    records = target_records(rows)
    rule = target_rule(t)
    out = draw_stratified(seed, records, rule) if isinstance(rule, StratifiedRule) else \
        draw_ratio(seed, records, rule)
    return list(out["selected"]), _strip_selected(out)


def run_draw(inputs: Any, seed_hex: str) -> Outcome:
    """Run the engine on the logged inputs (pure). Raises ``DrawInfeasible`` naming task and rule."""
    from drawsvc.errors import DrawInfeasible

    seed = bytes.fromhex(seed_hex)
    try:
        targets, target_detail = draw_targets(inputs, seed)
        teams, team_detail = draw_teams(inputs, seed, targets)
        experts, expert_detail = draw_experts(inputs, seed)
    except DrawInfeasible as exc:
        raise DrawInfeasible(f"task {inputs.task}: {exc.message}", rule=exc.rule, subject=exc.subject,
                             task=inputs.task) from None
    result: dict[str, Any] = {"targets": targets, "teams": teams, "experts": experts,
                              "position": expert_detail.get("position", 0) if expert_detail else 0}
    if target_detail is not None:
        result["target_draw"] = target_detail
    if team_detail is not None:
        result["team_draw"] = team_detail
    return Outcome(result)


def draw_teams(inputs: Any, seed: bytes, targets: list[str]) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    if inputs.params.get("teams") is None:
        return [], None
    raise NotImplementedError("teams: waiting for drawsvc.draw.teams")


def draw_experts(inputs: Any, seed: bytes) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    if inputs.params.get("experts") is None:
        return [], None
    raise NotImplementedError("experts: waiting for drawsvc.draw.experts")
