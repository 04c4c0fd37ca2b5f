"""draw/v1 inspection teams (docs/draw-spec.md §8 and §9, rules DRAW-40 .. DRAW-54).

Teams are formed target by target, in the order the targets were drawn, on the ``["teams"]``
sub-stream. Each team has ``size >= 2`` members (DRAW-41), exactly one leader (DRAW-43), at
least one member of each participating department (DRAW-45), only members holding the target's
required specialty (DRAW-42), and nobody who declared an interest in the target (DRAW-46).

Slot filling (DRAW-47): a slot has a filter (leader-eligible / department / specialty). Its
candidates are the pool inspectors passing the filter. Take the lowest load level ``L`` (number
of slots already held in this draw) among them; walk the inspectors at level ``L`` (pool order)
in a random order given by partial Fisher–Yates on the stream, and take the first one who is not
in the team and not avoided for the target; if none, try the next level; if no level is left, the
draw is infeasible (DrawInfeasible naming the target and the rule). The walk draws uniformly among
the eligible inspectors with the minimum load, so with no binding constraint the loads of all
inspectors differ by at most one (DRAW-48).

Avoidance (DRAW-46, §8.4): the service never logs who declared what. It logs, before the reveal,
the avoidance pool of tags ``HMAC-SHA256(salt, JCS({"person": p, "target": t}))`` and reveals the
per-task ``salt`` with the secrets; the engine tests a candidate pair by computing its tag.

Replacement (§9, DRAW-50 .. DRAW-54): see ``replace_member``.

API: ``inspector_eligible(active=, cert_valid_from=, cert_valid_until=, on=)``,
``avoidance_tag(salt, person, target) -> hex``, ``avoidance_tags(salt, pairs)``, ``Avoidance(salt, tags)`` /
``Avoidance.from_pairs(salt, pairs)`` / ``Avoidance.empty()``, ``Designation(id, reason,
approver)``, ``TeamRule(size, departments, specialty, leaders)``, ``assign_teams(seed, targets,
pool, rule, avoid) -> dict`` (the "teams" part), ``Replacement(target, person, reason, approver)``,
``replace_member(seed, teams, pool, rule, avoid, event, removed) -> (teams part, event record)``.
"""

from __future__ import annotations

import bisect
import hashlib
import hmac
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from drawsvc.draw.canonical import json_string
from drawsvc.draw.pool import InspectorRecord
from drawsvc.draw.stream import DrawStream
from drawsvc.errors import DrawInfeasible, InvalidInput

MIN_TEAM_SIZE = 2
MIN_SALT_BYTES = 16
REASON_AVOIDANCE = "avoidance"


def inspector_eligible(*, active: bool, cert_valid_from: date | None, cert_valid_until: date | None,
                       on: date) -> bool:
    """DRAW-40: active, with a certificate valid on the draw date ``on`` (both ends inclusive)."""
    if not active or cert_valid_from is None:
        return False
    return cert_valid_from <= on and (cert_valid_until is None or on <= cert_valid_until)


def avoidance_tag(salt: bytes, person: str, target: str) -> str:
    """DRAW-49: ``hex(HMAC-SHA256(salt, JCS({"person": person, "target": target})))``."""
    return _tag(salt, json_string(person), json_string(target)).hex()


_HEAD = b'{"person":'
_BLOCK = 64  # SHA-256 block size, bytes


def _tail(target: str) -> bytes:
    return b',"target":' + json_string(target) + b"}"


def _hmac_states(key: bytes) -> tuple[Any, Any]:
    """SHA-256 states after ``K' xor ipad`` and ``K' xor opad`` (RFC 2104): ``HMAC(K, m) =
    H(K' xor opad || H(K' xor ipad || m))``, ``K'`` = the key (hashed first if longer than a
    block) zero-padded to 64 bytes. Copying these states per tag is ≈ 3x faster than
    ``hmac.digest``, which redoes the key set-up every call (tests compare both)."""
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_BLOCK, b"\x00")
    return (hashlib.sha256(bytes(b ^ 0x36 for b in key)), hashlib.sha256(bytes(b ^ 0x5C for b in key)))


def avoidance_tags(salt: bytes, pairs: Iterable[tuple[str, str]]) -> list[str]:
    """``avoidance_tag`` of every pair, from the salt's HMAC states prepared once (RFC 2104, as
    ``Avoidance`` tests pairs; ≈ 3x faster than ``hmac.digest`` per pair: a commit tags every
    declaration of its pool's inspectors). tests/draw/test_draw_teams.py compares both."""
    inner, outer = _hmac_states(salt)
    heads: dict[str, Any] = {}
    out = []
    for person, target in pairs:
        head = heads.get(person)
        if head is None:
            head = heads[person] = inner.copy()
            head.update(_HEAD + json_string(person))
        h = head.copy()
        h.update(_tail(target))
        o = outer.copy()
        o.update(h.digest())
        out.append(o.hexdigest())
    return out


def _tag(salt: bytes, person_json: bytes, target_json: bytes) -> bytes:
    return hmac.digest(salt, _HEAD + person_json + b',"target":' + target_json + b"}", "sha256")


def _tag_bytes(tag: str) -> bytes:
    if not isinstance(tag, str) or len(tag) != 64 or tag != tag.lower():
        raise ValueError("bad tag")
    return bytes.fromhex(tag)


class Avoidance:
    """The avoidance set of one task: a salt and tags (§8.4). Pairs never leave the service.

    A pair is tested by computing its tag (DRAW-46) from SHA-256 states prepared once: the
    salt's (``_hmac_states``), each person's inner state with the message head ``{"person":<p>``
    absorbed, each target's encoded tail — the same way for the service and for verifiers —
    unless the service shows, with ``explained_by``, which declared pairs the tags stand for:
    then a test is a set lookup (same answers; see there).
    """

    __slots__ = ("_extra", "_heads", "_inner", "_known", "_outer", "_tails", "salt", "tags")

    def __init__(self, salt: bytes, tags: Iterable[str]) -> None:
        if not isinstance(salt, bytes) or len(salt) < MIN_SALT_BYTES:
            raise InvalidInput("the avoidance salt is at least 16 bytes", field="avoidance.salt",
                               rule="DRAW-46")
        self.salt = salt
        try:
            self.tags: frozenset[bytes] = frozenset(_tag_bytes(t) for t in tags)
        except (TypeError, ValueError):
            raise InvalidInput("an avoidance tag is 64 lowercase hex digits", field="avoidance.tags",
                               rule="DRAW-49") from None
        self._heads: dict[str, Any] = {}  # person -> inner state with head(person) absorbed
        self._tails: dict[str, bytes] = {}  # target -> tail(target)
        self._extra: set[tuple[str, str]] = set()
        self._known: frozenset[tuple[str, str]] | None = None
        self._inner, self._outer = _hmac_states(salt)

    def _tag(self, person: str, target: str) -> bytes:
        """``tag(person, target)`` (DRAW-49): HMAC-SHA256(salt, head(person) || tail(target)) from
        the prepared states (RFC 2104), each head and tail encoded once."""
        head = self._heads.get(person)
        if head is None:
            head = self._heads[person] = self._inner.copy()
            head.update(_HEAD + json_string(person))
        tail = self._tails.get(target)
        if tail is None:
            tail = self._tails[target] = _tail(target)
        inner = head.copy()
        inner.update(tail)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.digest()

    @classmethod
    def from_pairs(cls, salt: bytes, pairs: Iterable[tuple[str, str]]) -> Avoidance:
        """Service side: (person id, target id) declarations -> tags."""
        return cls(salt, (avoidance_tag(salt, p, t) for p, t in pairs))

    @classmethod
    def empty(cls) -> Avoidance:
        return cls(b"\x00" * MIN_SALT_BYTES, ())

    def hex_tags(self) -> list[str]:
        return sorted(t.hex() for t in self.tags)

    def _copy(self) -> Avoidance:
        new = Avoidance.__new__(Avoidance)
        new.salt, new.tags, new._heads, new._tails = self.salt, self.tags, self._heads, self._tails
        new._inner, new._outer = self._inner, self._outer
        new._extra, new._known = self._extra, self._known
        return new

    def with_pair(self, person: str, target: str) -> Avoidance:
        """A copy that also avoids (person, target): a declaration made after the draw (§9)."""
        new = self._copy()
        new._extra = {*self._extra, (person, target)}
        return new

    def explained_by(self, candidates: Iterable[tuple[str, str]]) -> Avoidance:
        """Service side: a copy that tests pairs by set lookup instead of one HMAC each, when
        ``candidates`` (declared (person, target) pairs, any superset of those behind the tags)
        explain every tag; otherwise ``self`` unchanged.

        The pairs whose tag is in ``tags`` are kept (one HMAC per candidate, once). If they
        cover every tag, then for any pair: ``tag(p, t) in tags`` ⇔ ``(p, t)`` kept — except for
        an HMAC-SHA256 collision —, so every DRAW-46 answer, and hence the draw, is the same as
        by computing tags; verifiers, who hold only tags, compute them. A team walk tests about
        two candidates per slot: 100,000 HMACs for the benchmark's 50,000 teams, against the
        10,000 declarations checked here.
        """
        kept = {(p, t) for p, t in candidates if self._tag(p, t) in self.tags}
        if len(kept) != len(self.tags):  # a tag no candidate explains (or a collision): compute tags
            return self
        new = self._copy()
        new._known = frozenset(kept)
        return new

    def avoids(self, person: str, target: str) -> bool:
        if self._extra and (person, target) in self._extra:
            return True
        if self._known is not None:
            return (person, target) in self._known
        return bool(self.tags) and self._tag(person, target) in self.tags


@dataclass(frozen=True)
class Designation:
    """A person chosen without a draw (designated leader or expert); never random (DRAW-44, DRAW-64)."""

    id: str
    reason: str
    approver: str

    def __post_init__(self) -> None:
        for name in ("id", "reason", "approver"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value:
                raise InvalidInput(f"a designation has a non-empty {name}", field=f"designation.{name}",
                                   rule="DRAW-44")

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "reason": self.reason, "approver": self.approver}

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> Designation:
        return cls(id=obj["id"], reason=obj["reason"], approver=obj["approver"])


@dataclass(frozen=True)
class TeamRule:
    """Team rules (spec §8). ``specialty``/``leaders`` are keyed by target id."""

    size: int = MIN_TEAM_SIZE
    departments: tuple[str, ...] = ()
    specialty: Mapping[str, str] = field(default_factory=dict)
    leaders: Mapping[str, Designation] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if type(self.size) is not int or self.size < MIN_TEAM_SIZE:
            raise InvalidInput("a team has at least 2 members", field="teams.size", rule="DRAW-41")
        if len(set(self.departments)) != len(self.departments):
            raise InvalidInput("participating departments are listed once", field="teams.departments",
                               rule="DRAW-45")
        if len(self.departments) > self.size:
            raise InvalidInput("more participating departments than team members",
                               field="teams.departments", rule="DRAW-45")
        if not all(isinstance(d, str) for d in self.departments):
            raise InvalidInput("departments are strings", field="teams.departments", rule="DRAW-45")
        if not isinstance(self.specialty, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in self.specialty.items()
        ):
            raise InvalidInput("specialty maps target ids to strings", field="teams.specialty",
                               rule="DRAW-42")
        if not isinstance(self.leaders, Mapping) or not all(
            isinstance(k, str) and isinstance(v, Designation) for k, v in self.leaders.items()
        ):
            raise InvalidInput("leaders maps target ids to designations", field="teams.leaders",
                               rule="DRAW-44")

    def as_json(self) -> dict[str, Any]:
        return {"size": self.size, "departments": sorted(self.departments),
                "specialty": dict(sorted(self.specialty.items())),
                "leaders": {t: d.as_json() for t, d in sorted(self.leaders.items())}}

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> TeamRule:
        return cls(size=obj.get("size", MIN_TEAM_SIZE), departments=tuple(obj.get("departments", ())),
                   specialty=dict(obj.get("specialty", {})),
                   leaders={t: Designation.from_json(d) for t, d in obj.get("leaders", {}).items()})


_Key = tuple[bool, str | None, str | None]  # (leader only, department, specialty)


class _Class:
    """The candidates passing one slot filter (DRAW-47): their pool positions by load level, each
    level in pool order, and ``low``, the lowest level present (``None`` while nobody passes)."""

    __slots__ = ("levels", "low")

    def __init__(self) -> None:
        self.levels: dict[int, list[int]] = {}
        self.low: int | None = None


class _Assigner:
    """Load-levelled slot filling over the pool (DRAW-47). Indices are pool positions.

    Hot path (one ``take`` per slot, docs/performance.md): the walk's first step is done in line
    and is almost always accepted — the swap map of the partial Fisher–Yates is made only when the
    first candidate is refused (``_walk``); each class tracks its lowest level (loads move by one,
    so no sorting per slot); an inspector's move to the next load level is two bisect moves per
    filter class it belongs to. Avoidance is ``Avoidance.avoids`` (HMAC states prepared once),
    except that explained pairs are looked up in line.
    """

    def __init__(self, pool: Sequence[InspectorRecord], avoid: Avoidance, stream: DrawStream,
                 load: list[int] | None = None):
        self.pool = pool
        self.ids = [r.id for r in pool]
        self.uniform = stream.uniform
        self.avoid = avoid
        self.load = load if load is not None else [0] * len(pool)
        self.classes: dict[_Key, _Class] = {}
        self.member_of: list[list[_Class]] = [[] for _ in pool]
        # DRAW-46: the hot path looks explained pairs (Avoidance.explained_by) up itself and
        # asks ``avoid`` only when it has tags to compute or pairs declared after the draw
        self._known = avoid._known
        self._slow_test = (self._known is None and bool(avoid.tags)) or bool(avoid._extra)

    def _klass(self, key: _Key) -> _Class:
        c = self.classes.get(key)
        if c is None:
            c = self.classes[key] = _Class()
            leader_only, dept, spec = key
            levels = c.levels
            for i, r in enumerate(self.pool):
                if (leader_only and not r.leader) or (dept is not None and r.dept != dept) or (
                    spec is not None and spec not in r.specialties
                ):
                    continue
                levels.setdefault(self.load[i], []).append(i)
                self.member_of[i].append(c)
            c.low = min(levels) if levels else None
        return c

    def _avoided(self, cand: int, target: str) -> bool:
        """DRAW-46: whether the pair (pool position ``cand``, ``target``) is avoided."""
        return self.avoid.avoids(self.ids[cand], target)

    def taker(self) -> Callable[[_Class, str, list[int]], int | None]:
        """``take(c, target, team)``: fill the next slot of ``team`` from class ``c`` by the DRAW-47
        walk (``team`` is also the walk's exclusions): append the pick, count it (``add``) and
        return it; ``None`` if no candidate is left. The walk's first step is done here, as in
        ``pick``. A closure, so that the hot path reads locals rather than attributes."""
        uniform, ids, known, walk = self.uniform, self.ids, self._known, self._walk
        load, member_of, bisect_left, insort = self.load, self.member_of, bisect.bisect_left, bisect.insort
        avoided = self._avoided if self._slow_test else None

        def take(c: _Class, target: str, team: list[int]) -> int | None:
            low = c.low
            if low is None:
                return None
            members = c.levels[low]
            first = uniform(len(members))
            got: int | None = members[first]
            if got in team or (known is not None and (ids[got], target) in known) or (
                avoided is not None and avoided(got, target)
            ):
                got = walk(c, target, team, first)
                if got is None:
                    return None
            # add(got), in line: its load goes up by one in each class it belongs to; in ``c`` it
            # left position ``first`` of the lowest level unless the walk went on
            old = load[got]
            new = load[got] = old + 1
            for k in member_of[got]:
                levels = k.levels
                lst = levels[old]
                if len(lst) == 1:
                    del levels[old]
                    if k.low == old:
                        k.low = new
                elif lst is members and lst[first] == got:
                    del lst[first]
                else:
                    del lst[bisect_left(lst, got)]
                dest = levels.get(new)
                if dest is None:
                    levels[new] = [got]
                else:
                    insort(dest, got)
            team.append(got)
            return got

        return take

    def pick(self, key: _Key, target: str, excluded: Container[int]) -> int | None:
        """The DRAW-47 walk over the class ``key``, excluding ``excluded``; loads are unchanged."""
        c = self._klass(key)
        if c.low is None:
            return None
        members = c.levels[c.low]
        first = self.uniform(len(members))
        if members[first] in excluded or self._avoided(members[first], target):
            return self._walk(c, target, excluded, first)
        return members[first]

    def _walk(self, c: _Class, target: str, excluded: Container[int], first: int) -> int | None:
        """The rest of the DRAW-47 walk of class ``c``, whose first step drew position ``first`` of
        the lowest level and refused it: the remaining steps of that level's partial Fisher–Yates
        (``swapped`` holds the positions moved so far), then the higher levels in order."""
        levels, uniform = c.levels, self.uniform
        for level in sorted(levels):
            members = levels[level]
            n = len(members)
            if level == c.low:
                swapped, start = {first: 0}, 1  # step 0 drew j = first and swapped positions 0, first
            else:
                swapped, start = {}, 0
            get = swapped.get
            for i in range(start, n):
                j = i + uniform(n - i)
                v = get(j, j)
                swapped[j] = get(i, i)
                cand = members[v]
                if cand in excluded or self._avoided(cand, target):
                    continue
                return cand
        return None

    def add(self, i: int) -> None:
        """``i`` takes a slot: its load goes up by one in every class it belongs to."""
        self._move(i, +1)

    def remove(self, i: int) -> None:
        """``i`` leaves a slot: its load goes down by one in every class it belongs to."""
        self._move(i, -1)

    def _move(self, i: int, delta: int) -> None:
        old = self.load[i]
        new = self.load[i] = old + delta
        for c in self.member_of[i]:
            levels = c.levels
            lst = levels[old]
            if len(lst) == 1:
                del levels[old]
                if c.low == old and delta > 0:  # every other level is above old: new is the lowest
                    c.low = new
            else:
                del lst[bisect.bisect_left(lst, i)]
            dest = levels.get(new)
            if dest is None:
                levels[new] = [i]
            else:
                bisect.insort(dest, i)
            if delta < 0 and (c.low is None or new < c.low):
                c.low = new


def _spec_of(rule: TeamRule, target: str) -> str | None:
    return rule.specialty.get(target)


def _check_pool(pool: Sequence[InspectorRecord], rule: TeamRule) -> None:
    if rule.departments:
        allowed = set(rule.departments)
        for r in pool:
            if r.dept not in allowed:
                raise InvalidInput("in a joint task every pool inspector belongs to a participating "
                                   "department", field="inspectors.dept", rule="DRAW-45", id=r.id)


def assign_teams(
    seed: bytes,
    targets: Sequence[str],
    pool: Sequence[InspectorRecord],
    rule: TeamRule,
    avoid: Avoidance,
) -> dict[str, Any]:
    """Form one team per target, in target order (DRAW-41 .. DRAW-48). All or nothing."""
    if len(set(targets)) != len(targets):
        raise InvalidInput("a target appears twice", field="targets", rule="DRAW-41")
    unknown = set(rule.leaders) - set(targets)
    if unknown:
        raise InvalidInput("a designated leader names a target that was not drawn", field="teams.leaders",
                           rule="DRAW-44", target=sorted(unknown)[0])
    _check_pool(pool, rule)
    stream = DrawStream.derived(seed, ["teams"])
    a = _Assigner(pool, avoid, stream)
    take, klass, ids = a.taker(), a._klass, a.ids
    index = {r.id: i for i, r in enumerate(pool)}
    assignments = []
    departments = sorted(rule.departments)
    specialty, leaders, size = rule.specialty, rule.leaders, rule.size
    # the classes of the leader and plain slots per specialty, found once (made when first used)
    leader_class: dict[str | None, _Class] = {}
    plain_class: dict[str | None, _Class] = {}
    for t in targets:
        spec = specialty.get(t)
        team: list[int] = []  # pool positions in slot order; also the walk's exclusions
        designated = leaders.get(t) if leaders else None
        if designated is not None:
            i = index.get(designated.id)
            if i is None:
                raise DrawInfeasible(f"the designated leader of target {t} is not in the inspector pool",
                                     rule="DRAW-44", subject=t)
            if spec is not None and spec not in pool[i].specialties:
                raise DrawInfeasible(f"the designated leader of target {t} lacks the required specialty",
                                     rule="DRAW-42", subject=t)
            if avoid.avoids(designated.id, t):
                raise DrawInfeasible(f"the designated leader of target {t} declared an interest in it",
                                     rule="DRAW-46", subject=t)
            a.add(i)
            team.append(i)
        else:
            c = leader_class.get(spec)
            if c is None:
                c = leader_class[spec] = klass((True, None, spec))
            if take(c, t, team) is None:
                raise DrawInfeasible(f"no eligible leader for target {t}", rule="DRAW-43", subject=t)
        members = [{"id": ids[team[0]], "leader": True, "designated": designated is not None}]
        for dept in departments:
            if any(pool[m].dept == dept for m in team):
                continue
            if take(klass((False, dept, spec)), t, team) is None:
                raise DrawInfeasible(f"no eligible inspector of department {dept} for target {t}",
                                     rule="DRAW-45", subject=t, department=dept)
            members.append({"id": ids[team[-1]], "leader": False, "designated": False})
        if len(team) < size:
            c = plain_class.get(spec)
            if c is None:
                c = plain_class[spec] = klass((False, None, spec))
            while len(team) < size:
                if take(c, t, team) is None:
                    raise DrawInfeasible(f"fewer than {size} eligible inspectors for target {t}",
                                         rule="DRAW-41", subject=t)
                members.append({"id": ids[team[-1]], "leader": False, "designated": False})
        assignments.append({"target": t, "members": members})
    return {"size": rule.size, "assignments": assignments, "position": stream.position}


@dataclass(frozen=True)
class Replacement:
    """A replacement request (spec §9): who leaves which team, why, approved by whom.

    ``reason == "avoidance"`` means the person declared an interest in the target after the
    draw; any other reason (illness, leave, ...) is recorded as given.
    """

    target: str
    person: str
    reason: str
    approver: str

    def __post_init__(self) -> None:
        for name in ("target", "person", "reason", "approver"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value:
                raise InvalidInput(f"a replacement has a non-empty {name}", field=f"event.{name}",
                                   rule="DRAW-50")

    def as_json(self) -> dict[str, Any]:
        return {"target": self.target, "person": self.person, "reason": self.reason,
                "approver": self.approver}

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> Replacement:
        return cls(target=obj["target"], person=obj["person"], reason=obj["reason"],
                   approver=obj["approver"])


def replace_member(
    seed: bytes,
    teams: Mapping[str, Any],
    pool: Sequence[InspectorRecord],
    rule: TeamRule,
    avoid: Avoidance,
    event: Replacement,
    removed: Mapping[str, Sequence[str]],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Replace one member (DRAW-50 .. DRAW-54); returns (new teams part, event record).

    ``teams`` is the current "teams" result part (its ``position`` is where the ``["teams"]``
    stream resumes), ``avoid`` already includes every earlier avoidance replacement, and
    ``removed`` maps a target to everyone removed from its team so far (they never return).

    - DRAW-52 swap: if the reason is "avoidance" and a swap partner exists, draw one partner
      uniformly (``uniform(len(partners))``) among the partners listed in assignment order; the
      two exchange teams and keep their flags, so no load changes. A partner ``q`` sits in the
      team of another target ``u``, is not a designated leader, has the same leader flag as the
      person ``p`` (and the same department in a joint task), holds ``t``'s required specialty
      while ``p`` holds ``u``'s, ``q`` is not in (or removed from) ``t``'s team nor ``p`` in (or
      removed from) ``u``'s, and neither ``(q, t)`` nor ``(p, u)`` is avoided.
    - DRAW-51 refill otherwise: ``p`` leaves (its load drops by one); the slot is refilled by the
      DRAW-47 walk with the filter: leader-eligible if ``p`` led, and department ``dept(p)`` if
      the team would lose its only member of it (both may apply), plus the specialty; excluding
      current members and everyone in ``removed[t]``; the newcomer takes ``p``'s place and leader
      flag (not designated).
    """
    index = {r.id: i for i, r in enumerate(pool)}
    assignments = _checked_assignments(teams, index, rule)
    by_target = {a["target"]: a for a in assignments}
    t, p = event.target, event.person
    team = by_target.get(t)
    if team is None:
        raise InvalidInput("the replacement names a target without a team", field="event.target",
                           rule="DRAW-50")
    slot = next((k for k, m in enumerate(team["members"]) if m["id"] == p), None)
    if slot is None or p not in index:
        raise InvalidInput("the replacement names a person who is not in the team", field="event.person",
                           rule="DRAW-50")
    stream = DrawStream.derived(seed, ["teams"], teams["position"])
    me = team["members"][slot]
    spec_t = _spec_of(rule, t)
    pr = pool[index[p]]
    record: dict[str, Any] = {"kind": "replace", **event.as_json(), "position_before": stream.position}
    if event.reason == REASON_AVOIDANCE:
        avoid = avoid.with_pair(p, t)
        partners: list[tuple[dict[str, Any], int]] = []
        if not me["designated"]:
            team_t = {m["id"] for m in team["members"]}
            for other in assignments:
                u = other["target"]
                if u == t:
                    continue
                spec_u = _spec_of(rule, u)
                team_u = {m["id"] for m in other["members"]}
                if (p in team_u or p in removed.get(u, ()) or avoid.avoids(p, u)
                        or (spec_u is not None and spec_u not in pr.specialties)):
                    continue
                for k, q in enumerate(other["members"]):
                    qr = pool[index[q["id"]]]
                    if (q["designated"] or q["leader"] != me["leader"] or q["id"] in team_t
                            or q["id"] in removed.get(t, ())
                            or (rule.departments and qr.dept != pr.dept)
                            or (spec_t is not None and spec_t not in qr.specialties)
                            or avoid.avoids(q["id"], t)):
                        continue
                    partners.append((other, k))
        if partners:
            other, k = partners[stream.uniform(len(partners))]
            q = other["members"][k]
            team["members"][slot] = {**me, "id": q["id"]}
            other["members"][k] = {**q, "id": p}
            record.update(mode="swap", replacement=q["id"], swap_target=other["target"],
                          position=stream.position)
            return {**teams, "assignments": assignments, "position": stream.position}, record
    # DRAW-51 refill
    load = [0] * len(pool)
    for a in assignments:
        for m in a["members"]:
            load[index[m["id"]]] += 1
    load[index[p]] -= 1
    del team["members"][slot]
    assigner = _Assigner(pool, avoid, stream, load)
    remaining = [index[m["id"]] for m in team["members"]]
    loses_dept = bool(rule.departments) and not any(pool[i].dept == pr.dept for i in remaining)
    key: _Key = (bool(me["leader"]), pr.dept if loses_dept else None, spec_t)
    excluded = set(remaining) | {index[x] for x in removed.get(t, ()) if x in index} | {index[p]}
    got = assigner.pick(key, t, excluded)
    if got is None:
        raise DrawInfeasible(f"no eligible replacement for target {t}", rule="DRAW-51", subject=t)
    team["members"].insert(slot, {"id": pool[got].id, "leader": me["leader"], "designated": False})
    record.update(mode="refill", replacement=pool[got].id, swap_target=None, position=stream.position)
    return {**teams, "assignments": assignments, "position": stream.position}, record


def _checked_assignments(teams: Mapping[str, Any], index: Mapping[str, int], rule: TeamRule
                         ) -> list[dict[str, Any]]:
    """A copy of a logged "teams" part, refusing shapes the engine never produces (DRAW-50)."""
    try:
        position = teams["position"]
        out = [{"target": a["target"], "members": [dict(m) for m in a["members"]]}
               for a in teams["assignments"]]
        ok = type(position) is int and position >= 0 and all(
            isinstance(a["target"], str) and len(a["members"]) == rule.size
            and all(m.get("id") in index and type(m.get("leader")) is bool
                    and type(m.get("designated")) is bool for m in a["members"])
            for a in out)
    except (KeyError, TypeError, AttributeError):
        ok = False
    if not ok:
        raise InvalidInput("the teams part is not a draw/v1 teams result for this pool", field="teams",
                           rule="DRAW-50")
    return out
