"""draw/v1 pure orchestration (docs/draw-spec.md §11, rules DRAW-70 .. DRAW-73).

Requests in, plain JSON-able results out (ints, strings, booleans, lists, objects; no floats).
The service builds a request from its database, calls one function, logs the result; a verifier
rebuilds the request from the log, calls the same function (or ``replay_*`` with the logged
events) and compares ``result_bytes`` byte for byte (``verify_result``).

Entry points:

- ``draw_inspection(req)``                 targets (+ teams) -> result (DRAW-70)
- ``replace_inspector(req, result, ev)``   one replacement event applied (§9, DRAW-72)
- ``replay_inspection(req, events)``       draw, then every event in log order
- ``draw_experts(req)`` / ``top_up_experts(req, result, ev)`` / ``replay_experts(req, events)``
- ``result_bytes(result)``                 RFC 8785 bytes of a result
- ``verify_result(expected, recomputed)``  raises RuleViolation(DRAW-73) naming the first difference
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import wraps
from typing import Any, TypeVar

from drawsvc.draw import experts as experts_mod
from drawsvc.draw import teams as teams_mod
from drawsvc.draw.canonical import SPEC, canonical_json
from drawsvc.draw.experts import Decline
from drawsvc.draw.pool import (
    ExpertRecord,
    InspectorRecord,
    Pool,
    TargetRecord,
    freeze_avoidance,
    freeze_experts,
    freeze_inspectors,
    freeze_targets,
)
from drawsvc.draw.result_json import encode_result
from drawsvc.draw.seed import Beacon, PoolRoot, derive_seed
from drawsvc.draw.stratify import StratifiedRule, draw_stratified
from drawsvc.draw.targets import RatioRule, draw_ratio
from drawsvc.draw.teams import Avoidance, Designation, Replacement, TeamRule
from drawsvc.errors import InvalidInput, RuleViolation

TargetRule = RatioRule | StratifiedRule
F = TypeVar("F", bound=Callable[..., Any])


def _parsing(what: str) -> Callable[[F], F]:
    """Turn a malformed JSON request into InvalidInput (never a KeyError/ValueError traceback)."""

    def deco(fn: F) -> F:
        @wraps(fn)
        def inner(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                raise InvalidInput(f"malformed {what}: {type(exc).__name__}", field=what,
                                   rule="DRAW-73") from None

        return inner  # type: ignore[return-value]

    return deco


@dataclass(frozen=True)
class Reveal:
    """Who the seed comes from: task, round, purpose, commitments, revealed secrets, beacon (§3)."""

    task_id: str
    round: int
    purpose: str
    commitments: tuple[str, ...]
    secrets: tuple[bytes, ...]
    beacon: Beacon | None = None

    def as_json(self) -> dict[str, Any]:
        return {"task": self.task_id, "round": self.round, "purpose": self.purpose,
                "commitments": list(self.commitments), "secrets": [s.hex() for s in self.secrets],
                "beacon": self.beacon.as_json() if self.beacon else None}

    @classmethod
    @_parsing("reveal")
    def from_json(cls, obj: Mapping[str, Any]) -> Reveal:
        b = obj.get("beacon")
        return cls(task_id=obj["task"], round=obj["round"], purpose=obj["purpose"],
                   commitments=tuple(obj["commitments"]),
                   secrets=tuple(bytes.fromhex(s) for s in obj["secrets"]),
                   beacon=Beacon(round=b["round"], randomness=b["randomness"]) if b else None)

    def seed(self, pools: Mapping[str, PoolRoot]) -> bytes:
        return derive_seed(task_id=self.task_id, round=self.round, purpose=self.purpose, pools=pools,
                           commitments=self.commitments, secrets=self.secrets, beacon=self.beacon)


@dataclass(frozen=True)
class InspectionRequest:
    """Everything a target draw (+ team assignment) depends on (§11.1).

    ``teams`` None: targets only. ``avoidance`` is the task's salt and tags (§8.4).
    """

    reveal: Reveal
    targets: Pool[TargetRecord]
    target_rule: TargetRule
    inspectors: Pool[InspectorRecord] | None = None
    teams: TeamRule | None = None
    avoidance: Avoidance = field(default_factory=Avoidance.empty)

    def pools(self) -> dict[str, PoolRoot]:
        """The pools hashed into the seed (DRAW-7): targets; with teams also inspectors, avoidance."""
        out = {"targets": self.targets.pool_root()}
        if self.teams is not None:
            if self.inspectors is None:
                raise InvalidInput("a team draw needs an inspector pool", field="inspectors", rule="DRAW-70")
            out["inspectors"] = self.inspectors.pool_root()
            out["avoidance"] = freeze_avoidance(self.avoidance.hex_tags()).pool_root()
        return out

    @classmethod
    @_parsing("request")
    def from_json(cls, obj: Mapping[str, Any]) -> InspectionRequest:
        """The vector/verifier form: records inline (see tests/vectors/draw/README.md)."""
        rule_obj = obj["target_rule"]
        rule: TargetRule = (StratifiedRule.from_json(rule_obj) if rule_obj["mode"] == "stratified"
                            else RatioRule.from_json(rule_obj))
        targets = freeze_targets(TargetRecord(t["id"], t.get("stratum", ""), t.get("checks", 0),
                                              t.get("risk", False)) for t in obj["targets"])
        inspectors = None
        if obj.get("inspectors") is not None:
            inspectors = freeze_inspectors(
                InspectorRecord(r["id"], r.get("dept", ""), r.get("leader", False),
                                tuple(r.get("specialties", ()))) for r in obj["inspectors"])
        team_rule = TeamRule.from_json(obj["teams"]) if obj.get("teams") is not None else None
        av = obj.get("avoidance")
        avoidance = (Avoidance(bytes.fromhex(av["salt"]), av["tags"]) if av is not None
                     else Avoidance.empty())
        return cls(reveal=Reveal.from_json(obj["reveal"]), targets=targets, target_rule=rule,
                   inspectors=inspectors, teams=team_rule, avoidance=avoidance)


def _header(kind: str, reveal: Reveal, seed: bytes, pools: Mapping[str, PoolRoot]) -> dict[str, Any]:
    return {"spec": SPEC, "kind": kind, "task": reveal.task_id, "round": reveal.round,
            "purpose": reveal.purpose, "seed": seed.hex(),
            "pools": {k: v.as_json() for k, v in pools.items()}}


def draw_inspection(req: InspectionRequest) -> dict[str, Any]:
    """DRAW-70: seed (§3) -> targets (§6/§7) -> teams (§8). All or nothing."""
    pools = req.pools()
    seed = req.reveal.seed(pools)
    return _draw_inspection(req, seed, pools)


def _draw_inspection(req: InspectionRequest, seed: bytes, pools: Mapping[str, PoolRoot]) -> dict[str, Any]:
    rule = req.target_rule
    targets = req.targets.columns  # sampled by pool position: no record object per target
    part = (draw_stratified(seed, targets, rule) if isinstance(rule, StratifiedRule)
            else draw_ratio(seed, targets, rule))
    out = _header("inspection", req.reveal, seed, pools)
    out["rules"] = {"targets": rule.as_json(), "teams": req.teams.as_json() if req.teams else None}
    out["targets"] = part
    out["teams"] = None
    if req.teams is not None:
        assert req.inspectors is not None
        out["teams"] = teams_mod.assign_teams(seed, part["selected"], req.inspectors.records, req.teams,
                                              req.avoidance)
    out["events"] = []
    return out


@_parsing("result")
def replace_inspector(
    req: InspectionRequest, result: Mapping[str, Any], event: Replacement
) -> dict[str, Any]:
    """DRAW-72: apply one replacement to ``result`` (which holds all earlier events)."""
    if req.teams is None or req.inspectors is None or result.get("teams") is None:
        raise InvalidInput("this draw has no teams", field="teams", rule="DRAW-72")
    seed = bytes.fromhex(result["seed"])
    avoid = req.avoidance
    removed: dict[str, list[str]] = {}
    for ev in result["events"]:
        if ev["kind"] != "replace":
            continue
        if ev["reason"] == teams_mod.REASON_AVOIDANCE:
            avoid = avoid.with_pair(ev["person"], ev["target"])
        removed.setdefault(ev["target"], []).append(ev["person"])
    removed.setdefault(event.target, []).append(event.person)
    new_teams, record = teams_mod.replace_member(seed, result["teams"], req.inspectors.records, req.teams,
                                                 avoid, event, removed)
    return {**result, "teams": new_teams, "events": [*result["events"], record]}


def replay_inspection(req: InspectionRequest, events: Sequence[Replacement]) -> dict[str, Any]:
    """Draw, then apply ``events`` in log order (DRAW-72): the verifier's recomputation."""
    result = draw_inspection(req)
    for ev in events:
        result = replace_inspector(req, result, ev)
    return result


@dataclass(frozen=True)
class ExpertRequest:
    """An expert draw from one pool and group (§10, §11.2)."""

    reveal: Reveal
    experts: Pool[ExpertRecord]
    pool_id: str
    group: str
    headcount: int
    previous: tuple[tuple[str, ...], ...] = ()
    designated: tuple[Designation, ...] = ()

    def __post_init__(self) -> None:
        for name in ("pool_id", "group"):
            if not isinstance(getattr(self, name), str) or not getattr(self, name):
                raise InvalidInput(f"the expert request names its {name}", field=name, rule="DRAW-71")

    @property
    def subject(self) -> str:
        return f"{self.pool_id}/{self.group}"

    def pools(self) -> dict[str, PoolRoot]:
        return {"experts": self.experts.pool_root()}

    @classmethod
    @_parsing("request")
    def from_json(cls, obj: Mapping[str, Any]) -> ExpertRequest:
        return cls(reveal=Reveal.from_json(obj["reveal"]),
                   experts=freeze_experts(ExpertRecord(e["id"]) for e in obj["experts"]),
                   pool_id=obj["pool"], group=obj["group"], headcount=obj["headcount"],
                   previous=tuple(tuple(p) for p in obj.get("previous", ())),
                   designated=tuple(Designation.from_json(d) for d in obj.get("designated", ())))


def draw_experts(req: ExpertRequest) -> dict[str, Any]:
    """DRAW-71: seed (§3) -> rotation, designation, ordered draw (§10)."""
    pools = req.pools()
    seed = req.reveal.seed(pools)
    out = _header("experts", req.reveal, seed, pools)
    out["pool"] = req.pool_id
    out["group"] = req.group
    out["experts"] = experts_mod.draw_experts(seed, req.experts.ids, subject=req.subject,
                                              headcount=req.headcount,
                                              previous=[list(p) for p in req.previous],
                                              designated=req.designated)
    out["events"] = []
    return out


@_parsing("result")
def top_up_experts(req: ExpertRequest, result: Mapping[str, Any], event: Decline) -> dict[str, Any]:
    """DRAW-63: a decline or no-answer; the resumed ``["experts"]`` stream fills the seat."""
    seed = bytes.fromhex(result["seed"])
    part, record = experts_mod.top_up(seed, result["experts"], req.experts.ids, event, subject=req.subject)
    return {**result, "experts": part, "events": [*result["events"], record]}


def replay_experts(req: ExpertRequest, events: Sequence[Decline]) -> dict[str, Any]:
    result = draw_experts(req)
    for ev in events:
        result = top_up_experts(req, result, ev)
    return result


def result_bytes(result: Mapping[str, Any]) -> bytes:
    """RFC 8785 bytes of a result: what is logged and compared (DRAW-73).

    Exactly ``canonical_json(result)``, with the bulk lists (selected ids, team assignments)
    encoded from templates (drawsvc/draw/result_json.py); anything else falls back to it.
    """
    return encode_result(result)


def verify_result(expected: Mapping[str, Any], recomputed: Mapping[str, Any]) -> None:
    """DRAW-73: raise RuleViolation naming the first differing path unless the bytes are equal."""
    if result_bytes(expected) == result_bytes(recomputed):
        return
    path = _first_difference(expected, recomputed, "$")
    raise RuleViolation(f"the logged draw result differs from the recomputation at {path}",
                        rule="DRAW-73", subject=path)


def _first_difference(a: Any, b: Any, path: str) -> str:
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                return f"{path}.{k}"
            if canonical_json({"v": a[k]}) != canonical_json({"v": b[k]}):
                return _first_difference(a[k], b[k], f"{path}.{k}")
        return path
    if isinstance(a, list) and isinstance(b, list):
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            if canonical_json({"v": x}) != canonical_json({"v": y}):
                return _first_difference(x, y, f"{path}[{i}]")
        return f"{path}[{min(len(a), len(b))}]"
    return path
