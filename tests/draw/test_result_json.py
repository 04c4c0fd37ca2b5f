"""The fast result encoder equals RFC 8785 on every engine result, and falls back on anything else.

``engine.result_bytes`` (drawsvc/draw/result_json.py) must give exactly ``canonical_json`` and,
independently, the ``rfc8785`` package (``canonicalize_reference``), for results of real engine
runs; tampered results must give canonical_json's bytes or raise its exact error.
"""

from __future__ import annotations

import copy
import hashlib
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drawsvc.draw import engine, result_json
from drawsvc.draw.canonical import canonical_json, json_string, json_string_text
from drawsvc.draw.experts import Decline
from drawsvc.draw.pool import (
    USCC_ALPHABET,
    ExpertRecord,
    InspectorRecord,
    TargetRecord,
    freeze_experts,
    freeze_inspectors,
    freeze_targets,
)
from drawsvc.draw.seed import commitment
from drawsvc.draw.stratify import StratifiedRule
from drawsvc.draw.targets import RatioRule
from drawsvc.draw.teams import Avoidance, Designation, Replacement, TeamRule
from drawsvc.errors import DrawsvcError
from ledger.entries import canonicalize_reference

SECRET = hashlib.sha256(b"result-json").digest()

# Inspector/expert ids are any 1..64 characters of Unicode text (DRAW-4): quotes, backslashes,
# C0 controls (escaped by JCS), U+007F and U+2028 (not escaped), CJK and astral characters.
ID_CHARS = st.one_of(
    st.sampled_from('"\\\x00\x01\x08\t\n\x0c\r\x1f\x7f\u2028\u00e9市场\U0001f600\U00010000'),
    st.characters(blacklist_categories=("Cs",)),
)
PERSON_IDS = st.text(ID_CHARS, min_size=1, max_size=8)
STRATA = st.text(ID_CHARS, min_size=0, max_size=4)


def _reveal(task: str = "T-1") -> engine.Reveal:
    return engine.Reveal(task_id=task, round=1, purpose="inspection", commitments=(commitment(SECRET),),
                         secrets=(SECRET,))


def _uscc(k: int) -> str:
    digits = []
    for _ in range(8):
        k, r = divmod(k, len(USCC_ALPHABET))
        digits.append(USCC_ALPHABET[r])
    return "91350100MA" + "".join(digits)


def _check(result: dict) -> None:
    """Byte-identical to canonical_json and to the rfc8785 package, and not by falling back."""
    fast = engine.result_bytes(result)
    assert fast == canonical_json(result)
    assert fast == canonicalize_reference(result)
    assert result_json._spliced(result) == fast  # the templates did the work
    # the service's round: {"inspection": result|None, "experts": result|None} (replay.run_draw)
    for key in ("inspection", "experts"):
        wrapped = {"inspection": None, "experts": None, key: result}
        with mock.patch.object(result_json, "canonical_json", wraps=canonical_json) as rest:
            assert result_json._spliced(wrapped) == canonical_json(wrapped)
        (canonicalized,), _ = rest.call_args
        if result.get("teams"):  # the bulk list went through the templates, not canonical_json
            assert type(canonicalized[key]["teams"]["assignments"]) is str


@st.composite
def inspection_results(draw):
    n_targets = draw(st.integers(1, 40))
    strata = draw(st.lists(STRATA, min_size=1, max_size=3, unique=True))
    targets = [TargetRecord(_uscc(k), strata[k % len(strata)], draw(st.integers(0, 3)), draw(st.booleans()))
               for k in range(n_targets)]
    people = draw(st.lists(PERSON_IDS, min_size=4, max_size=12, unique=True))
    inspectors = [InspectorRecord(p, "D", k % 2 == 0 or draw(st.booleans()), ())
                  for k, p in enumerate(people)]
    size = draw(st.integers(2, 3))
    if draw(st.booleans()):
        rule = StratifiedRule(count=None, ratio_bp=draw(st.integers(1, 10000)), cap=4)
    else:
        rule = RatioRule(ratio_bp=draw(st.integers(1, 10000)), cap=4,
                         class_ratio_bp={strata[0]: 5000} if draw(st.booleans()) else {},
                         risk_ratio_bp=draw(st.sampled_from([None, 10000])))
    req = engine.InspectionRequest(
        reveal=_reveal(draw(PERSON_IDS)), targets=freeze_targets(targets), target_rule=rule,
        inspectors=freeze_inspectors(inspectors), teams=TeamRule(size=size),
        avoidance=Avoidance.from_pairs(SECRET, [(people[0], targets[0].id)]))
    try:
        result = engine.draw_inspection(req)
    except DrawsvcError:
        return None
    drawn = result["targets"]["selected"]
    if drawn and draw(st.booleans()):  # a designated leader (DRAW-44) for a drawn target
        designee = draw(st.sampled_from(people))
        req = engine.InspectionRequest(
            reveal=req.reveal, targets=req.targets, target_rule=rule, inspectors=req.inspectors,
            teams=TeamRule(size=size, leaders={drawn[0]: Designation(designee, "原因\n\"x\"", "局长")}),
            avoidance=req.avoidance)
        try:
            result = engine.draw_inspection(req)
        except DrawsvcError:
            return None
    for _ in range(draw(st.integers(0, 3))):  # replacements (§9), some by avoidance (swaps)
        teams = result["teams"]["assignments"]
        if not teams:
            break
        team = draw(st.sampled_from(teams))
        person = draw(st.sampled_from(team["members"]))["id"]
        reason = draw(st.sampled_from(["avoidance", "sick", "出差\\"]))
        try:
            event = Replacement(team["target"], person, reason, "科长")
            result = engine.replace_inspector(req, result, event)
        except DrawsvcError:
            break
    return result


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inspection_results())
def test_inspection_results_encode_exactly_as_rfc8785(result):
    if result is not None:
        _check(result)


@settings(max_examples=60, deadline=None)
@given(st.lists(PERSON_IDS, min_size=2, max_size=10, unique=True), st.integers(1, 4), st.data())
def test_expert_results_encode_exactly_as_rfc8785(ids, headcount, data):
    req = engine.ExpertRequest(reveal=_reveal(), experts=freeze_experts(ExpertRecord(i) for i in ids),
                               pool_id="池\u0000", group="组", headcount=min(headcount, len(ids)))
    result = engine.draw_experts(req)
    panel = result["experts"]["panel"]
    if len(ids) > len(panel) and data.draw(st.booleans()):
        result = engine.top_up_experts(req, result, Decline(panel[0], "declined"))
    # an expert result has no bulk list: the encoder hands it whole to canonical_json
    assert engine.result_bytes(result) == canonical_json(result) == canonicalize_reference(result)


@given(st.text(st.characters(blacklist_categories=("Cs",))))
def test_json_string_text_is_json_string_before_utf8(s):
    assert json_string_text(s).encode("utf-8") == json_string(s)


def _team_result() -> dict:
    targets = [TargetRecord(_uscc(k), "AB"[k % 2], 0, False) for k in range(30)]
    inspectors = [InspectorRecord(f"ZF{k:02d}", "D", k % 2 == 0, ()) for k in range(8)]
    req = engine.InspectionRequest(reveal=_reveal(), targets=freeze_targets(targets),
                                   target_rule=RatioRule(ratio_bp=3000, class_ratio_bp={"A": 5000}),
                                   inspectors=freeze_inspectors(inspectors), teams=TeamRule(size=2))
    result = engine.draw_inspection(req)
    _check(result)
    return result


def _member(r: dict) -> dict:
    return r["teams"]["assignments"][1]["members"][1]


TAMPERED = {
    "leader-int-1": lambda r: _member(r).update(leader=1),
    "designated-int-0": lambda r: _member(r).update(designated=0),
    "designated-string": lambda r: _member(r).update(designated="false"),
    "id-int": lambda r: _member(r).update(id=7),
    "id-float": lambda r: _member(r).update(id=7.5),
    "id-huge-int": lambda r: _member(r).update(id=2**60),
    "id-lone-surrogate": lambda r: _member(r).update(id="ZF\ud800"),
    "member-extra-key": lambda r: _member(r).update(note="x"),
    "member-missing-key": lambda r: _member(r).pop("designated"),
    "member-tuple-key": lambda r: _member(r).update({(1,): True}),
    "member-not-dict": lambda r: r["teams"]["assignments"][1]["members"].__setitem__(1, ["ZF00", True]),
    "members-tuple": lambda r: r["teams"]["assignments"][1].update(
        members=tuple(r["teams"]["assignments"][1]["members"])),
    "members-empty": lambda r: r["teams"]["assignments"][1].update(members=[]),
    "team-extra-key": lambda r: r["teams"]["assignments"][0].update(extra=None),
    "team-target-none": lambda r: r["teams"]["assignments"][0].update(target=None),
    "assignments-not-list": lambda r: r["teams"].update(assignments={"a": 1}),
    "selected-int": lambda r: r["targets"]["selected"].append(5),
    "selected-bool": lambda r: r["targets"]["selected"].append(True),
    "selected-escapes": lambda r: r["targets"]["selected"].append('a"b\\c\x00\u2028'),
    "selected-surrogate": lambda r: r["targets"]["selected"].append("\udfff"),
    "group-selected-tuple": lambda r: r["targets"]["groups"][0].update(
        selected=tuple(r["targets"]["groups"][0]["selected"])),
    "group-not-dict": lambda r: r["targets"]["groups"].append(["selected"]),
    "targets-not-dict": lambda r: r.update(targets=[1, 2]),
    "teams-null": lambda r: r.update(teams=None),
    "rest-float": lambda r: r.update(round=1.5),
    "rest-astral-key": lambda r: r["rules"].update({"\U0001f600": 1}),
    "hole-spelled-by-task": lambda r: r.update(task=result_json._HOLE.format(0)),
    "hole-spelled-as-key": lambda r: r.update({result_json._HOLE.format(2): 0}),
    "hole-suffix-in-task": lambda r: r.update(task="x" + result_json._HOLE.format(1)),
    "non-str-top-key": lambda r: r.update({1: 2}),
}


@pytest.mark.parametrize("mutation", sorted(TAMPERED))
def test_tampered_result_gives_exactly_what_canonical_json_gives(mutation):
    result = copy.deepcopy(_team_result())
    TAMPERED[mutation](result)
    snapshot = copy.deepcopy(result)
    try:
        expected = canonical_json(result)
    except Exception as exc:  # the same error type and message, from the fallback
        with pytest.raises(type(exc)) as got:
            engine.result_bytes(result)
        assert str(got.value) == str(exc)
    else:
        assert engine.result_bytes(result) == expected
    assert result == snapshot  # the encoder never changes its input


@pytest.mark.parametrize("mutation", ["leader-int-1", "designated-int-0", "member-extra-key", "id-int",
                                      "selected-bool", "members-tuple", "hole-spelled-by-task",
                                      "hole-spelled-as-key", "id-lone-surrogate"])
def test_tampered_result_is_not_taken_by_the_templates(mutation):
    result = copy.deepcopy(_team_result())
    TAMPERED[mutation](result)
    with pytest.raises((result_json._Unrecognised, UnicodeEncodeError)):
        result_json._spliced(result)


def test_int_where_a_bool_belongs_is_encoded_as_the_int():
    result = copy.deepcopy(_team_result())
    _member(result)["leader"] = 1
    assert b'"leader":1}' in engine.result_bytes(result)


def test_escaped_ids_in_selected_lists_are_quoted_one_by_one():
    result = copy.deepcopy(_team_result())
    result["targets"]["groups"][0]["selected"].insert(0, 'q"\\\n\x7f')
    assert b'["q\\"\\\\\\n\x7f",' in result_json._spliced(result)
    assert result_json._spliced(result) == canonical_json(result)


def test_mapping_and_non_mapping_results_go_to_canonical_json():
    from types import MappingProxyType

    result = _team_result()
    assert engine.result_bytes(MappingProxyType(result)) == canonical_json(result)
    with pytest.raises(type(_error(lambda: canonical_json([1])))):
        engine.result_bytes([1])  # type: ignore[arg-type]


def _error(fn):
    try:
        fn()
    except Exception as exc:
        return exc
    raise AssertionError("no error")
