"""Inspection teams and replacements (docs/draw-spec.md §8, §9)."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import date

import pytest
from draw_reference import RefStream, ref_assign_teams, ref_substream_seed, ref_tag
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drawsvc.draw.pool import InspectorRecord, freeze_inspectors
from drawsvc.draw.teams import (
    Avoidance,
    Designation,
    Replacement,
    TeamRule,
    assign_teams,
    avoidance_tag,
    inspector_eligible,
    replace_member,
)
from drawsvc.errors import DrawInfeasible, InvalidInput

SEED = hashlib.sha256(b"teams").digest()
SALT = hashlib.sha256(b"salt").digest()
TARGETS = [f"91350100M{k:09d}" for k in range(40)]


def _pool(n: int, depts=("D1", "D2"), leader_every=2, spec_every=1):
    return freeze_inspectors(
        InspectorRecord(f"ZF{k:04d}", depts[k % len(depts)], k % leader_every == 0,
                        ("food",) if k % spec_every == 0 else ())
        for k in range(n)).records


@st.composite
def team_problems(draw):
    n = draw(st.integers(2, 14))
    depts = draw(st.sampled_from([("D1",), ("D1", "D2"), ("D1", "D2", "D3")]))
    pool = freeze_inspectors(
        InspectorRecord(f"P{k:02d}", depts[draw(st.integers(0, len(depts) - 1))], draw(st.booleans()),
                        ("food",) if draw(st.integers(0, 3)) else ())
        for k in range(n)).records
    targets = TARGETS[: draw(st.integers(1, 12))]
    joint = draw(st.booleans()) and len(depts) > 1
    size = draw(st.integers(max(2, len(depts) if joint else 2), 4))
    specialty = {t: "food" for t in targets if draw(st.integers(0, 4)) == 0}
    pairs = draw(st.sets(st.tuples(st.sampled_from([r.id for r in pool]), st.sampled_from(targets)),
                         max_size=12))
    rule = TeamRule(size=size, departments=depts if joint else (), specialty=specialty)
    seed = draw(st.binary(min_size=32, max_size=32))
    return seed, targets, pool, rule, pairs


def check_team_invariants(teams, targets, pool, rule, pairs):
    by_id = {r.id: r for r in pool}
    assert [a["target"] for a in teams["assignments"]] == list(targets)
    for a in teams["assignments"]:
        t, members = a["target"], a["members"]
        ids = [m["id"] for m in members]
        assert len(ids) == rule.size == len(set(ids)), "DRAW-41 headcount / distinct members"
        leaders = [m for m in members if m["leader"]]
        assert len(leaders) == 1, "DRAW-43 exactly one leader"
        if not leaders[0]["designated"]:
            assert by_id[leaders[0]["id"]].leader, "DRAW-43 leader is leader-eligible"
        for i in ids:
            assert (i, t) not in pairs, "DRAW-46 avoidance"
            if t in rule.specialty:
                assert rule.specialty[t] in by_id[i].specialties, "DRAW-42 specialty"
        for d in rule.departments:
            assert any(by_id[i].dept == d for i in ids), "DRAW-45 department"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(team_problems())
def test_teams_never_break_a_rule_and_match_the_reference(p):
    seed, targets, pool, rule, pairs = p
    avoid = Avoidance.from_pairs(SALT, pairs)
    ref = ref_assign_teams(ref_substream_seed(seed, ["teams"]), targets, pool, rule, pairs)
    try:
        teams = assign_teams(seed, targets, pool, rule, avoid)
    except DrawInfeasible as e:
        assert ref is None, "the fast code refused a draw the reference completed"
        assert e.subject in targets and e.rule in {"DRAW-41", "DRAW-43", "DRAW-45"}
        return
    assert ref is not None
    assert teams["assignments"] == ref[0] and teams["position"] == ref[1]
    check_team_invariants(teams, targets, pool, rule, pairs)
    assert assign_teams(seed, targets, pool, rule, avoid) == teams, "DRAW-2 determinism"


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 40), st.integers(2, 5), st.integers(1, 60), st.binary(min_size=32, max_size=32))
def test_workload_spread_is_at_most_one_without_binding_constraints(n, size, k, seed):
    if size > n:
        size = n
    pool = _pool(n, depts=("D1",), leader_every=1)
    teams = assign_teams(seed, TARGETS[:k] + [f"92350100M{j:09d}" for j in range(max(0, k - 40))],
                         pool, TeamRule(size=max(size, 2)) if n >= 2 else TeamRule(), Avoidance.empty())
    load = Counter({r.id: 0 for r in pool})
    load.update(m["id"] for a in teams["assignments"] for m in a["members"])
    assert max(load.values()) - min(load.values()) <= 1


def test_team_size_below_two_is_refused():
    with pytest.raises(InvalidInput) as e:
        TeamRule(size=1)
    assert e.value.rule == "DRAW-41"


def test_only_one_eligible_inspector_is_infeasible_and_names_the_target():
    pool = _pool(3, leader_every=1)
    t = TARGETS[0]
    pairs = {(pool[1].id, t), (pool[2].id, t)}
    with pytest.raises(DrawInfeasible) as e:
        assign_teams(SEED, [TARGETS[1], t], pool, TeamRule(), Avoidance.from_pairs(SALT, pairs))
    assert e.value.subject == t and e.value.rule == "DRAW-41"


def test_no_leader_eligible_inspector_is_infeasible():
    pool = _pool(4, leader_every=99)[1:]
    with pytest.raises(DrawInfeasible) as e:
        assign_teams(SEED, TARGETS[:1], pool, TeamRule(), Avoidance.empty())
    assert e.value.rule == "DRAW-43"


def test_joint_task_without_a_member_of_a_department_is_infeasible():
    pool = _pool(4, depts=("D1",))
    with pytest.raises(InvalidInput):  # an inspector outside the participating departments
        assign_teams(SEED, TARGETS[:1], pool, TeamRule(departments=("D1", "D2", "D3")), Avoidance.empty())
    pool2 = _pool(6, depts=("D1", "D2"))
    rule = TeamRule(departments=("D1", "D2"))
    pairs = {(r.id, TARGETS[0]) for r in pool2 if r.dept == "D2"}
    with pytest.raises(DrawInfeasible) as e:
        assign_teams(SEED, TARGETS[:1], pool2, rule, Avoidance.from_pairs(SALT, pairs))
    assert e.value.rule == "DRAW-45" and e.value.subject == TARGETS[0]


def test_more_departments_than_members_is_refused():
    with pytest.raises(InvalidInput):
        TeamRule(size=2, departments=("D1", "D2", "D3"))


def test_designated_leader_is_recorded_as_designation():
    pool = _pool(6)
    d = Designation(pool[3].id, "case knowledge", "局长")
    teams = assign_teams(SEED, TARGETS[:2], pool, TeamRule(leaders={TARGETS[1]: d}), Avoidance.empty())
    lead = teams["assignments"][1]["members"][0]
    assert lead == {"id": pool[3].id, "leader": True, "designated": True}
    assert not teams["assignments"][0]["members"][0]["designated"]


@pytest.mark.parametrize("problem", ["not-in-pool", "avoided", "specialty", "not-drawn"])
def test_bad_designation_is_refused(problem):
    pool = _pool(6, spec_every=2)
    t = TARGETS[0]
    who, spec, pairs, target = pool[2].id, {}, set(), t
    if problem == "not-in-pool":
        who = "NOBODY"
    elif problem == "avoided":
        pairs = {(who, t)}
    elif problem == "specialty":
        who, spec = pool[1].id, {t: "food"}
    else:
        target = TARGETS[9]
    rule = TeamRule(leaders={target: Designation(who, "r", "a")}, specialty=spec)
    with pytest.raises((DrawInfeasible, InvalidInput)):
        assign_teams(SEED, [t], pool, rule, Avoidance.from_pairs(SALT, pairs))


def test_avoidance_tag_is_hmac_of_the_jcs_pair():
    assert avoidance_tag(SALT, "ZF0001", TARGETS[0]) == ref_tag(SALT, "ZF0001", TARGETS[0])
    assert avoidance_tag(SALT, "张三\"", "x") == ref_tag(SALT, "张三\"", "x")
    assert avoidance_tag(SALT, "a", "b") != avoidance_tag(SALT[::-1], "a", "b")


@settings(max_examples=80, deadline=None)
@given(st.binary(min_size=16, max_size=150), st.text(min_size=1, max_size=60),
       st.text(min_size=1, max_size=60))
def test_avoids_from_precomputed_hmac_states_equals_the_hmac_tag(salt, person, target):
    """The engine's HMAC from prepared key states (RFC 2104; salts above one 64-byte block are
    hashed first) answers exactly as the reference tag, for the pair and for a near miss."""
    try:
        ref = ref_tag(salt, person, target)
    except UnicodeEncodeError:  # lone surrogates: JCS refuses them
        return
    avoid = Avoidance(salt, [ref])
    assert avoid.avoids(person, target)
    assert not avoid.avoids(person + "x", target) and not avoid.avoids(person, target + "x")
    pool = sorted((InspectorRecord(person + s, "D1", True, ()) for s in ("", "x", "y")),
                  key=lambda r: r.id.encode())
    teams = assign_teams(SEED, [target], pool, TeamRule(), avoid)  # the walk's own HMAC test
    assert sorted(m["id"] for m in teams["assignments"][0]["members"]) == [person + "x", person + "y"]


@settings(max_examples=80, deadline=None)
@given(st.binary(min_size=16, max_size=150),
       st.lists(st.tuples(st.sampled_from(["ZF0001", "张三\"", "P"]), st.text(min_size=1, max_size=30)),
                max_size=12))
def test_batch_tags_from_prepared_hmac_states_equal_the_reference_tags(salt, pairs):
    """``avoidance_tags`` (a commit's declarations) gives each pair's reference tag, in order,
    repeated persons included (their inner state is reused)."""
    from drawsvc.draw.teams import avoidance_tags

    try:
        expected = [ref_tag(salt, p, t) for p, t in pairs]
    except UnicodeEncodeError:  # lone surrogates: JCS refuses them
        return
    assert avoidance_tags(salt, pairs) == expected == [avoidance_tag(salt, p, t) for p, t in pairs]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(team_problems(), st.sets(st.tuples(st.sampled_from(["P00", "P01", "Q9"]), st.sampled_from(TARGETS)),
                                max_size=6))
def test_explained_avoidance_draws_exactly_as_computed_tags(p, unrelated):
    """The service's set lookup (Avoidance.explained_by, given every declared pair and others
    that are not behind any tag) gives the same teams and errors as the verifier's HMACs."""
    seed, targets, pool, rule, pairs = p
    tags = Avoidance.from_pairs(SALT, pairs)
    explained = tags.explained_by([*unrelated, *pairs])
    assert explained is not tags, "every tag is explained, so the lookup is used"
    for person, target in unrelated - pairs:
        assert not explained.avoids(person, target)
    for person, target in pairs:
        assert explained.avoids(person, target)

    def outcome(avoid):
        try:
            return assign_teams(seed, targets, pool, rule, avoid)
        except DrawInfeasible as e:
            return (e.rule, e.subject)

    assert outcome(explained) == outcome(tags)


def test_avoidance_not_explained_by_the_candidates_keeps_computing_tags():
    pairs = [("ZF0001", TARGETS[0]), ("ZF0002", TARGETS[1])]
    avoid = Avoidance.from_pairs(SALT, pairs)
    assert avoid.explained_by(pairs[:1]) is avoid  # a declaration missing (withdrawn, deleted)
    assert avoid.explained_by([("ZF0003", TARGETS[0])]) is avoid
    other_salt = Avoidance.from_pairs(hashlib.sha256(b"other").digest(), pairs)
    assert other_salt.explained_by(pairs) is not other_salt
    assert avoid.explained_by([*pairs, *pairs]).avoids("ZF0002", TARGETS[1])


def test_a_late_avoidance_pair_is_kept_by_an_explained_set():
    avoid = Avoidance.from_pairs(SALT, [("ZF0001", TARGETS[0])]).explained_by([("ZF0001", TARGETS[0])])
    later = avoid.with_pair("ZF0004", TARGETS[3])
    assert later.avoids("ZF0004", TARGETS[3]) and later.avoids("ZF0001", TARGETS[0])
    assert not later.avoids("ZF0001", TARGETS[3])


def test_short_salt_is_refused():
    with pytest.raises(InvalidInput):
        Avoidance(b"short", [])


def test_inspector_eligibility_on_the_draw_date():
    on = date(2026, 11, 26)
    assert inspector_eligible(active=True, cert_valid_from=date(2020, 1, 1), cert_valid_until=on, on=on)
    assert inspector_eligible(active=True, cert_valid_from=on, cert_valid_until=None, on=on)
    assert not inspector_eligible(active=False, cert_valid_from=date(2020, 1, 1), cert_valid_until=None,
                                  on=on)
    assert not inspector_eligible(active=True, cert_valid_from=date(2020, 1, 1),
                                  cert_valid_until=date(2026, 11, 25), on=on)
    assert not inspector_eligible(active=True, cert_valid_from=date(2026, 11, 27), cert_valid_until=None,
                                  on=on)
    assert not inspector_eligible(active=True, cert_valid_from=None, cert_valid_until=None, on=on)


# --- replacement (§9) -------------------------------------------------------------------------


def _apply(seed, teams, pool, rule, avoid, events):
    removed: dict[str, list[str]] = {}
    records = []
    for ev in events:
        if ev.reason == "avoidance":
            avoid = avoid.with_pair(ev.person, ev.target)
        removed.setdefault(ev.target, []).append(ev.person)
        teams, rec = replace_member(seed, teams, pool, rule, avoid, ev, removed)
        records.append(rec)
    return teams, records, removed


def test_refill_keeps_the_slot_flags_and_never_brings_back_a_removed_member():
    pool = _pool(8)
    rule = TeamRule(size=3)
    teams = assign_teams(SEED, TARGETS[:3], pool, rule, Avoidance.empty())
    t = TARGETS[1]
    leader = teams["assignments"][1]["members"][0]["id"]
    ev1 = Replacement(t, leader, "ill", "科长")
    new, recs, _ = _apply(SEED, teams, pool, rule, Avoidance.empty(), [ev1])
    members = new["assignments"][1]["members"]
    assert recs[0]["mode"] == "refill" and recs[0]["position_before"] == teams["position"]
    assert leader not in [m["id"] for m in members]
    assert members[0]["leader"] and {r.id: r for r in pool}[members[0]["id"]].leader
    ev2 = Replacement(t, members[0]["id"], "leave", "科长")
    new2, _, _ = _apply(SEED, teams, pool, rule, Avoidance.empty(), [ev1, ev2])
    ids = [m["id"] for m in new2["assignments"][1]["members"]]
    assert leader not in ids and members[0]["id"] not in ids
    assert new2["assignments"][0] == teams["assignments"][0]


def test_refill_resumes_the_teams_stream_at_the_recorded_position():
    pool = _pool(10)
    rule = TeamRule()
    teams = assign_teams(SEED, TARGETS[:4], pool, rule, Avoidance.empty())
    ev = Replacement(TARGETS[2], teams["assignments"][2]["members"][1]["id"], "ill", "a")
    a, _, _ = _apply(SEED, teams, pool, rule, Avoidance.empty(), [ev])
    moved = {**teams, "position": teams["position"] + 8}
    b, _, _ = _apply(SEED, moved, pool, rule, Avoidance.empty(), [ev])
    assert a["position"] > teams["position"]
    assert a["assignments"] != b["assignments"] or a["position"] != b["position"]


def test_avoidance_replacement_swaps_when_a_partner_exists():
    pool = _pool(4, depts=("D1",), leader_every=1)
    rule = TeamRule()
    teams = assign_teams(SEED, TARGETS[:2], pool, rule, Avoidance.empty())
    t = TARGETS[0]
    p = teams["assignments"][0]["members"][1]["id"]
    new, recs, _ = _apply(SEED, teams, pool, rule, Avoidance.empty(), [Replacement(t, p, "avoidance", "a")])
    assert recs[0]["mode"] == "swap" and recs[0]["swap_target"] == TARGETS[1]
    assert p in [m["id"] for m in new["assignments"][1]["members"]]
    assert p not in [m["id"] for m in new["assignments"][0]["members"]]
    before = Counter(m["id"] for a in teams["assignments"] for m in a["members"])
    after = Counter(m["id"] for a in new["assignments"] for m in a["members"])
    assert before == after, "a swap changes nobody's load"


def test_avoidance_replacement_refills_when_no_partner_exists():
    pool = _pool(5, depts=("D1",), leader_every=1)
    rule = TeamRule()
    teams = assign_teams(SEED, TARGETS[:1], pool, rule, Avoidance.empty())
    p = teams["assignments"][0]["members"][1]["id"]
    _, recs, _ = _apply(SEED, teams, pool, rule, Avoidance.empty(),
                        [Replacement(TARGETS[0], p, "avoidance", "a")])
    assert recs[0]["mode"] == "refill" and recs[0]["swap_target"] is None


@settings(max_examples=40, deadline=None)
@given(st.binary(min_size=32, max_size=32))
def test_a_swap_never_brings_back_someone_removed_from_the_team(seed):
    """R-1 (DRAW-51/52): y leaves t0 (ill), is refilled into t1 where y becomes the only possible
    swap partner of t0's later avoidance replacement; y must not come back: refill instead."""
    pool = _pool(5, depts=("D1",), leader_every=1)
    rule = TeamRule(size=2)
    t0, t1 = TARGETS[0], TARGETS[1]
    teams = assign_teams(seed, [t0, t1], pool, rule, Avoidance.empty())
    y = teams["assignments"][0]["members"][1]["id"]
    z = teams["assignments"][1]["members"][1]["id"]
    unused = ({r.id for r in pool} - {m["id"] for a in teams["assignments"] for m in a["members"]}).pop()
    after_two, recs, _ = _apply(seed, teams, pool, rule, Avoidance.empty(),
                                [Replacement(t0, y, "ill", "a"), Replacement(t1, z, "ill", "a")])
    assert [r["replacement"] for r in recs] == [unused, y]  # the lowest loads, deterministic
    assert after_two["assignments"][1]["members"][1] == {"id": y, "leader": False, "designated": False}
    events = [Replacement(t0, y, "ill", "a"), Replacement(t1, z, "ill", "a"),
              Replacement(t0, unused, "avoidance", "a")]
    final, recs, removed = _apply(seed, teams, pool, rule, Avoidance.empty(), events)
    assert recs[2]["mode"] == "refill" and recs[2]["swap_target"] is None
    team_t0 = {m["id"] for m in final["assignments"][0]["members"]}
    assert y not in team_t0 and unused not in team_t0 and removed[t0] == [y, unused]


def test_replacement_with_nobody_left_is_infeasible():
    pool = _pool(2, leader_every=1)
    rule = TeamRule()
    teams = assign_teams(SEED, TARGETS[:1], pool, rule, Avoidance.empty())
    with pytest.raises(DrawInfeasible) as e:
        _apply(SEED, teams, pool, rule, Avoidance.empty(),
               [Replacement(TARGETS[0], teams["assignments"][0]["members"][1]["id"], "ill", "a")])
    assert e.value.subject == TARGETS[0] and e.value.rule == "DRAW-51"


def test_replacement_of_a_non_member_is_refused():
    pool = _pool(5)
    teams = assign_teams(SEED, TARGETS[:1], pool, TeamRule(), Avoidance.empty())
    outsider = next(r.id for r in pool if r.id not in
                    {m["id"] for m in teams["assignments"][0]["members"]})
    for target in (TARGETS[0], TARGETS[5]):
        with pytest.raises(InvalidInput):
            _apply(SEED, teams, pool, TeamRule(), Avoidance.empty(),
                   [Replacement(target, outsider, "x", "a")])


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(team_problems(), st.lists(st.tuples(st.integers(0, 11), st.integers(0, 3), st.booleans()),
                                 max_size=4))
def test_replacements_never_break_a_rule(p, choices):
    seed, targets, pool, rule, pairs = p
    avoid = Avoidance.from_pairs(SALT, pairs)
    try:
        teams = assign_teams(seed, targets, pool, rule, avoid)
    except DrawInfeasible:
        return
    removed: dict[str, list[str]] = {}
    pairs = set(pairs)
    for ti, mi, is_avoid in choices:
        a = teams["assignments"][ti % len(targets)]
        person = a["members"][mi % rule.size]["id"]
        ev = Replacement(a["target"], person, "avoidance" if is_avoid else "ill", "a")
        if is_avoid:
            avoid = avoid.with_pair(person, a["target"])
        removed.setdefault(a["target"], []).append(person)
        try:
            teams, _ = replace_member(seed, teams, pool, rule, avoid, ev, removed)
        except DrawInfeasible:
            return
        if is_avoid:
            pairs.add((person, a["target"]))
        check_team_invariants(teams, targets, pool, rule, pairs)
        for t, gone in removed.items():
            ids = {m["id"] for m in next(x for x in teams["assignments"] if x["target"] == t)["members"]}
            assert not ids & set(gone), "a removed member came back to the same team"


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(team_problems(), st.integers(0, 11), st.integers(0, 3))
def test_refill_is_the_reference_walk_on_recounted_loads(p, ti, mi):
    """DRAW-51 transcribed (rescan the pool, recount loads, DRAW-47 walk from the recorded position)
    against replace_member, whose walk shares the fast assign_teams code path."""
    seed, targets, pool, rule, pairs = p
    avoid = Avoidance.from_pairs(SALT, pairs)
    try:
        teams = assign_teams(seed, targets, pool, rule, avoid)
    except DrawInfeasible:
        return
    a = teams["assignments"][ti % len(targets)]
    t, slot = a["target"], mi % rule.size
    me = a["members"][slot]
    by_id = {r.id: r for r in pool}
    load = Counter(m["id"] for x in teams["assignments"] for m in x["members"])
    load[me["id"]] -= 1
    rest = [m["id"] for m in a["members"] if m is not me]
    loses = bool(rule.departments) and all(by_id[i].dept != by_id[me["id"]].dept for i in rest)
    spec = rule.specialty.get(t)
    cands = [r for r in pool if (not me["leader"] or r.leader)
             and (not loses or r.dept == by_id[me["id"]].dept) and (spec is None or spec in r.specialties)]
    st_ref = RefStream(ref_substream_seed(seed, ["teams"]), teams["position"])
    expected = None
    for level in sorted({load[r.id] for r in cands}):
        m = [r.id for r in cands if load[r.id] == level]
        for i in range(len(m)):
            j = i + st_ref.uniform(len(m) - i)
            m[i], m[j] = m[j], m[i]
            if m[i] not in (*rest, me["id"]) and (m[i], t) not in pairs:
                expected = m[i]
                break
        if expected is not None:
            break
    ev = Replacement(t, me["id"], "ill", "a")
    if expected is None:
        with pytest.raises(DrawInfeasible):
            replace_member(seed, teams, pool, rule, avoid, ev, {t: [me["id"]]})
        return
    _, rec = replace_member(seed, teams, pool, rule, avoid, ev, {t: [me["id"]]})
    assert (rec["replacement"], rec["position"]) == (expected, st_ref.pos)
