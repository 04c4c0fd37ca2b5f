"""Slow, obviously-correct transcriptions of docs/draw-spec.md, to cross-check the fast code.

Nothing here is optimised: lists are materialised, candidates are rescanned for every slot,
the Merkle root is the recursive definition of RFC 9162 §2.1.1 over rfc8785 pages, and the
allocation is computed with ``fractions.Fraction`` as a water-filling problem.
"""

from __future__ import annotations

import hashlib
import hmac
from fractions import Fraction

import rfc8785


def ref_stream_bytes(seed: bytes, n: int) -> bytes:
    """DRAW-10: concatenated blocks."""
    out = b""
    i = 0
    while len(out) < n:
        out += hashlib.sha256(seed + i.to_bytes(8, "big")).digest()
        i += 1
    return out[:n]


class RefStream:
    def __init__(self, seed: bytes, position: int = 0) -> None:
        self.seed, self.pos = seed, position

    def read(self, n: int) -> bytes:
        data = ref_stream_bytes(self.seed, self.pos + n)[self.pos:]
        self.pos += n
        return data

    def uniform(self, n: int) -> int:
        """DRAW-12."""
        if n == 1:
            return 0
        limit = 2**64 - (2**64 % n)
        while True:
            x = int.from_bytes(self.read(8), "big")
            if x < limit:
                return x % n

    def sample(self, n: int, k: int) -> list[int]:
        """DRAW-13 with a materialised array."""
        a = list(range(n))
        out = []
        for i in range(k):
            j = i + self.uniform(n - i)
            a[i], a[j] = a[j], a[i]
            out.append(a[i])
        return out


def ref_substream_seed(seed: bytes, label: list[str]) -> bytes:
    """DRAW-14 with the rfc8785 package."""
    return hashlib.sha256(rfc8785.dumps({"spec": "draw/v1", "seed": seed.hex(), "label": label})).digest()


def ref_mth(leaves: list[bytes]) -> bytes:
    """RFC 9162 §2.1.1, recursive."""
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(b"\x01" + ref_mth(leaves[:k]) + ref_mth(leaves[k:])).digest()


def ref_pool_root(records: list[dict], page_size: int = 256) -> bytes:
    """DRAW-19: the RFC 9162 root over pages, each page the rfc8785 array of its records."""
    pages = [rfc8785.dumps(records[a : a + page_size]) for a in range(0, len(records), page_size)]
    return ref_mth(pages)


def ref_allocation_quota(sizes: dict[str, int], total: int, minimums: dict[str, int]) -> dict[str, Fraction]:
    """Water-filling: quota_s = max(m_s, lam * N_s) with sum = total (lam found by bisection on
    the breakpoints, exactly). Used to check DRAW-33's integer loop against its intent."""
    strata = sorted(sizes)

    def f(lam: Fraction) -> Fraction:
        return sum((max(Fraction(minimums.get(s, 0)), lam * sizes[s]) for s in strata), Fraction(0))

    points = sorted({Fraction(minimums.get(s, 0), sizes[s]) for s in strata} | {Fraction(0), Fraction(1)})
    lo = points[0]
    for p in points:
        if f(p) <= total:
            lo = p
    # on [lo, next breakpoint] f is linear: solve exactly
    fixed = [s for s in strata if Fraction(minimums.get(s, 0), sizes[s]) > lo]
    free = [s for s in strata if s not in fixed]
    rest = total - sum(minimums.get(s, 0) for s in fixed)
    lam = Fraction(rest, sum(sizes[s] for s in free)) if free else Fraction(0)
    return {s: (Fraction(minimums.get(s, 0)) if s in fixed else lam * sizes[s]) for s in strata}


def ref_tag(salt: bytes, person: str, target: str) -> str:
    return hmac.new(salt, rfc8785.dumps({"person": person, "target": target}), "sha256").hexdigest()


def ref_assign_teams(seed_teams: bytes, targets, pool, rule, avoided_pairs: set[tuple[str, str]]):
    """DRAW-47 transcribed: rescan the whole pool for every slot."""
    st = RefStream(seed_teams)
    load = {r.id: 0 for r in pool}
    out = []

    def fill(t, team, flt):
        spec = rule.specialty.get(t)
        cands = [r for r in pool if flt(r) and (spec is None or spec in r.specialties)]
        for level in sorted({load[r.id] for r in cands}):
            m = [r for r in cands if load[r.id] == level]
            for i in range(len(m)):
                j = i + st.uniform(len(m) - i)
                m[i], m[j] = m[j], m[i]
                if m[i].id in team or (m[i].id, t) in avoided_pairs:
                    continue
                return m[i]
        return None

    for t in targets:
        team: list[str] = []
        members = []
        d = rule.leaders.get(t)
        if d is not None:
            lead = next(r for r in pool if r.id == d.id)
        else:
            lead = fill(t, team, lambda r: r.leader)
        if lead is None:
            return None
        load[lead.id] += 1
        team.append(lead.id)
        members.append({"id": lead.id, "leader": True, "designated": d is not None})
        depts = {lead.dept}
        for dept in sorted(rule.departments):
            if dept in depts:
                continue
            got = fill(t, team, lambda r, dept=dept: r.dept == dept)
            if got is None:
                return None
            load[got.id] += 1
            team.append(got.id)
            depts.add(got.dept)
            members.append({"id": got.id, "leader": False, "designated": False})
        while len(team) < rule.size:
            got = fill(t, team, lambda r: True)
            if got is None:
                return None
            load[got.id] += 1
            team.append(got.id)
            members.append({"id": got.id, "leader": False, "designated": False})
        out.append({"target": t, "members": members})
    return out, st.pos


# --- target draws, record by record (draw-spec §6, §7) -------------------------------------------
# The engine samples pools as columns (pool positions, drawsvc/draw/targets.py); these are the
# record-by-record transcriptions it replaced, kept to cross-check it. They reuse the engine's
# pure helpers that do not touch the pool (counts, allocation, streams).


def ref_eligible_records(records, cap, class_caps):
    """DRAW-20: risk-flagged, or checked fewer times than the class's cap (else the cap)."""
    return [r for r in records if r.risk or r.checks < class_caps.get(r.stratum, cap)]


def ref_sample_records(stream, records, count, *, uninspected_first):
    """DRAW-23, DRAW-24: partial Fisher–Yates over the group, tier 1 (``checks == 0``) first."""
    if not uninspected_first:
        return [records[i].id for i in stream.sample(len(records), count)]
    tier1 = [r for r in records if r.checks == 0]
    tier2 = [r for r in records if r.checks != 0]
    k1 = min(count, len(tier1))
    out = [tier1[i].id for i in stream.sample(len(tier1), k1)]
    return out + [tier2[i].id for i in stream.sample(len(tier2), count - k1)]


def ref_draw_ratio(seed, records, rule):
    """Ratio mode (§6): groups (DRAW-22), counts (DRAW-21), one sub-stream per group."""
    from drawsvc.draw.stream import DrawStream
    from drawsvc.draw.targets import group_of, group_ratio, target_count

    eligible = ref_eligible_records(records, rule.cap, rule.class_caps)
    groups: dict[str, list] = {}
    for r in eligible:
        groups.setdefault(group_of(r, rule), []).append(r)
    out_groups, selected = [], []
    for key in sorted(groups):
        members = groups[key]
        ratio = group_ratio(key, rule)
        count = target_count(len(members), ratio, rule.min_ratio_bp)
        stream = DrawStream.derived(seed, ["targets", key])
        ids = ref_sample_records(stream, members, count, uninspected_first=rule.uninspected_first)
        selected += ids
        out_groups.append({"group": key, "eligible": len(members), "ratio_bp": max(ratio, rule.min_ratio_bp),
                           "count": count, "selected": ids, "position": stream.position})
    return {"mode": "ratio", "pool": len(records), "eligible": len(eligible), "groups": out_groups,
            "selected": selected}


def ref_draw_stratified(seed, records, rule):
    """Stratified mode (§7): allocation (DRAW-33), one sub-stream per stratum (DRAW-35)."""
    from drawsvc.draw.stratify import allocate
    from drawsvc.draw.stream import DrawStream
    from drawsvc.draw.targets import target_count

    eligible = ref_eligible_records(records, rule.cap, rule.class_caps)
    by_stratum: dict[str, list] = {}
    for r in eligible:
        by_stratum.setdefault(r.stratum, []).append(r)
    total = rule.count if rule.count is not None else target_count(len(eligible), rule.ratio_bp,
                                                                   rule.min_ratio_bp)
    alloc_stream = DrawStream.derived(seed, ["allocation"])
    alloc = allocate({s: len(v) for s, v in by_stratum.items()}, total, rule.minimums, alloc_stream)
    strata, selected = [], []
    for s, k in alloc.counts.items():
        stream = DrawStream.derived(seed, ["stratum", s])
        ids = ref_sample_records(stream, by_stratum[s], k, uninspected_first=rule.uninspected_first)
        selected += ids
        strata.append({"stratum": s, "size": len(by_stratum[s]), "minimum": rule.minimums.get(s, 0),
                       "allocated": k, "selected": ids, "position": stream.position})
    return {"mode": "stratified", "pool": len(records), "eligible": len(eligible), "total": total,
            "tie_winners": alloc.tie_winners, "allocation_position": alloc.position,
            "strata": strata, "selected": selected}
