"""The pure engine end to end: requests -> JSON results, replay, verification (docs/draw-spec.md §11)."""

from __future__ import annotations

import copy
import hashlib
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drawsvc.draw import engine
from drawsvc.draw.experts import Decline
from drawsvc.draw.pool import (
    ExpertRecord,
    InspectorRecord,
    TargetRecord,
    freeze_experts,
    freeze_inspectors,
    freeze_targets,
)
from drawsvc.draw.seed import Beacon, commitment
from drawsvc.draw.stratify import StratifiedRule
from drawsvc.draw.targets import RatioRule
from drawsvc.draw.teams import Avoidance, Designation, Replacement, TeamRule
from drawsvc.errors import DrawInfeasible, RevealMismatch, RuleViolation

SECRETS = (hashlib.sha256(b"bureau").digest(), hashlib.sha256(b"notary").digest() * 2)
SALT = hashlib.sha256(b"task salt").digest()
TARGETS = [TargetRecord(f"91350100M{k:09d}", "ABCD"[k % 4], k % 3, k % 13 == 0) for k in range(400)]
DEPTS = ("市场监管", "卫健")
INSPECTORS = [InspectorRecord(f"ZF{k:04d}", DEPTS[k % 2], k % 3 == 0, ("食品",) if k % 4 else ())
              for k in range(24)]


def _reveal(**kw):
    args = {"task_id": "T-2026-0001", "round": 1, "purpose": "inspection",
            "commitments": tuple(commitment(s) for s in SECRETS), "secrets": SECRETS, "beacon": None}
    args.update(kw)
    return engine.Reveal(**args)


def _request(**kw):
    args = {"reveal": _reveal(), "targets": freeze_targets(TARGETS),
            "target_rule": RatioRule(ratio_bp=500, class_ratio_bp={"D": 1500}),
            "inspectors": freeze_inspectors(INSPECTORS), "teams": TeamRule(size=2, departments=DEPTS),
            "avoidance": Avoidance.from_pairs(SALT, [("ZF0000", TARGETS[0].id), ("ZF0003", TARGETS[1].id)])}
    args.update(kw)
    return engine.InspectionRequest(**args)


def _no_floats(x) -> None:
    assert not isinstance(x, float)
    if isinstance(x, dict):
        for k, v in x.items():
            assert isinstance(k, str)
            _no_floats(v)
    elif isinstance(x, list):
        for v in x:
            _no_floats(v)
    else:
        assert x is None or isinstance(x, (str, int, bool))


def test_inspection_result_is_plain_json_with_the_spec_marker():
    result = engine.draw_inspection(_request())
    _no_floats(result)
    assert result["spec"] == "draw/v1" and result["kind"] == "inspection"
    assert set(result["pools"]) == {"targets", "inspectors", "avoidance"}
    assert json.loads(engine.result_bytes(result)) == result
    assert [a["target"] for a in result["teams"]["assignments"]] == result["targets"]["selected"]


def test_same_request_same_bytes_and_any_secret_bit_changes_the_draw():
    a = engine.result_bytes(engine.draw_inspection(_request()))
    assert a == engine.result_bytes(engine.draw_inspection(_request()))
    flipped = bytes([SECRETS[0][0] ^ 1]) + SECRETS[0][1:]
    other = _request(reveal=_reveal(secrets=(flipped, SECRETS[1]),
                                    commitments=(commitment(flipped), commitment(SECRETS[1]))))
    assert engine.draw_inspection(other)["targets"]["selected"] != json.loads(a)["targets"]["selected"]


def test_beacon_changes_the_seed():
    a = engine.draw_inspection(_request())
    b = engine.draw_inspection(_request(reveal=_reveal(beacon=Beacon(round=5_000_000, randomness="ab" * 32))))
    assert a["seed"] != b["seed"]


def test_wrong_reveal_produces_no_result():
    with pytest.raises(RevealMismatch):
        engine.draw_inspection(_request(reveal=_reveal(secrets=(SECRETS[1], SECRETS[0]))))


def test_changing_the_avoidance_set_changes_the_seed():
    a = engine.draw_inspection(_request())
    b = engine.draw_inspection(_request(avoidance=Avoidance.from_pairs(SALT, [("ZF0000", TARGETS[0].id)])))
    assert a["pools"]["avoidance"] != b["pools"]["avoidance"] and a["seed"] != b["seed"]


def test_infeasible_team_draw_produces_no_result():
    no_leader = freeze_inspectors(INSPECTORS[1:3])
    with pytest.raises(DrawInfeasible) as e:
        engine.draw_inspection(_request(inspectors=no_leader))
    assert e.value.rule == "DRAW-43"


def test_stratified_request_and_targets_only_request():
    r = engine.draw_inspection(_request(target_rule=StratifiedRule(ratio_bp=300, minimums={"A": 5}),
                                        teams=None, inspectors=None))
    assert r["teams"] is None and set(r["pools"]) == {"targets"}
    assert r["targets"]["mode"] == "stratified" and r["rules"]["teams"] is None


def test_replay_of_logged_events_reproduces_the_result_byte_for_byte():
    req = _request()
    result = engine.draw_inspection(req)
    events = []
    for k in (0, 3, 3):
        a = result["teams"]["assignments"][k]
        ev = Replacement(a["target"], a["members"][1]["id"], "avoidance" if k == 3 else "ill", "科长")
        events.append(ev)
        result = engine.replace_inspector(req, result, ev)
    assert [e["target"] for e in result["events"]] == [e.target for e in events]
    engine.verify_result(result, engine.replay_inspection(req, events))


def test_verify_result_names_the_first_tampered_path():
    req = _request()
    result = engine.draw_inspection(req)
    tampered = copy.deepcopy(result)
    tampered["teams"]["assignments"][2]["members"][0]["id"] = "ZF9999"
    with pytest.raises(RuleViolation) as e:
        engine.verify_result(tampered, engine.draw_inspection(req))
    assert e.value.rule == "DRAW-73" and e.value.subject == "$.teams.assignments[2].members[0].id"
    shorter = copy.deepcopy(result)
    shorter["targets"]["selected"].pop()
    with pytest.raises(RuleViolation):
        engine.verify_result(shorter, result)


def test_expert_request_round_trip_with_top_up():
    req = engine.ExpertRequest(reveal=_reveal(purpose="experts"),
                               experts=freeze_experts(ExpertRecord(f"E{k:03d}") for k in range(12)),
                               pool_id="评审专家库", group="食品", headcount=3,
                               previous=(("E001", "E002", "E003"), ("E002", "E003", "E004")),
                               designated=(Designation("E011", "唯一资质", "处长"),))
    r = engine.draw_experts(req)
    _no_floats(r)
    assert r["experts"]["sat_out"] == ["E002", "E003"] and r["experts"]["panel"][0] == "E011"
    ev = Decline(r["experts"]["panel"][1], "no-answer")
    r2 = engine.top_up_experts(req, r, ev)
    engine.verify_result(r2, engine.replay_experts(req, [ev]))


def test_request_from_json_matches_the_typed_request():
    req = _request()
    obj = {"reveal": req.reveal.as_json(), "targets": [r._asdict() for r in TARGETS],
           "target_rule": req.target_rule.as_json(),
           "inspectors": [{**r._asdict(), "specialties": list(r.specialties)} for r in INSPECTORS],
           "teams": req.teams.as_json(), "avoidance": {"salt": SALT.hex(), "tags": req.avoidance.hex_tags()}}
    assert engine.draw_inspection(engine.InspectionRequest.from_json(obj)) == engine.draw_inspection(req)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(min_size=32, max_size=32), st.integers(0, 3000))
def test_same_inputs_always_same_output(secret, bp):
    req = _request(reveal=_reveal(commitments=(commitment(secret),), secrets=(secret,)),
                   target_rule=RatioRule(ratio_bp=bp))
    try:
        a = engine.draw_inspection(req)
    except DrawInfeasible:
        return
    assert engine.result_bytes(a) == engine.result_bytes(engine.draw_inspection(req))


def _vector_input(name: str) -> dict:
    from pathlib import Path

    path = Path(__file__).parents[1] / "vectors" / "draw" / f"{name}.json"
    return json.loads(path.read_text(encoding="utf-8"))["input"]


def _paths(obj, prefix=()):
    yield prefix
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(obj, list) and obj:
        yield from _paths(obj[0], (*prefix, 0))


def _mutated(obj, path, value):
    obj = copy.deepcopy(obj)
    if not path:
        return value
    cur = obj
    for p in path[:-1]:
        cur = cur[p]
    if value is KeyError:
        del cur[path[-1]]
    else:
        cur[path[-1]] = value
    return obj


@pytest.mark.parametrize("name,kind", [("replacement-refill", "inspection"),
                                       ("experts-rotation-topups", "experts")])
def test_malformed_requests_raise_domain_errors_only(name, kind):
    """Every field deleted or replaced by a wrong type: a DrawsvcError, never another exception."""
    from drawsvc.errors import DrawsvcError

    inp = _vector_input(name)
    parse = engine.InspectionRequest.from_json if kind == "inspection" else engine.ExpertRequest.from_json
    run = engine.draw_inspection if kind == "inspection" else engine.draw_experts
    tried = 0
    for path in _paths(inp):
        if path and path[0] == "events":
            continue
        for value in (KeyError, None, 1.5, "x", -1, [], {}, True):
            if value is KeyError and (not path or isinstance(path[-1], int)):
                continue
            bad = _mutated(inp, path, value)
            tried += 1
            try:
                run(parse(bad))
            except DrawsvcError:
                pass
    assert tried > 50


def test_tampered_result_given_back_for_a_replacement_is_refused():
    from drawsvc.errors import InvalidInput

    req = _request()
    result = engine.draw_inspection(req)
    a = result["teams"]["assignments"][0]
    ev = Replacement(a["target"], a["members"][1]["id"], "ill", "a")
    for mutate in (lambda r: r["teams"].pop("position"),
                   lambda r: r["teams"]["assignments"][1]["members"][0].update(id="NOBODY"),
                   lambda r: r["teams"]["assignments"][1]["members"].pop(),
                   lambda r: r.pop("seed")):
        bad = copy.deepcopy(result)
        mutate(bad)
        with pytest.raises(InvalidInput):
            engine.replace_inspector(req, bad, ev)
