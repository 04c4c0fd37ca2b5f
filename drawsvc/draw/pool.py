"""draw/v1 candidate pools: records -> canonical leaves -> RFC 9162 root (docs/draw-spec.md §5).

A pool is frozen before the reveal: its records are sorted by ``id`` in byte-wise order of the
UTF-8 encoding (DRAW-16; equal to Python's code-point order of ``str``), duplicates are refused
(DRAW-17), each record becomes the RFC 8785 bytes of its draw-relevant fields (DRAW-18), and the
pool root is the RFC 9162 Merkle Tree Hash over those leaves in pool order (DRAW-19).

Record shapes (JSON keys in JCS order):

- target     ``{"checks": int, "id": USCC, "risk": bool, "stratum": str}``
- inspector  ``{"dept": str, "id": str, "leader": bool, "specialties": [str, ...]}``
- expert     ``{"id": str}``
- avoidance  ``{"tag": hex}``  (``teams.avoidance_tag``; the record ``id`` is the tag)

Records are ``NamedTuple``s so that a 1,000,000-target pool costs little more than its tuples;
leaves are built by hand with a fixed key order (checked against JCS in tests/draw/test_draw_pool.py).

API: ``freeze_targets``, ``freeze_inspectors``, ``freeze_experts``, ``freeze_avoidance`` ->
``Pool`` (``records`` sorted, ``root``, ``size``, ``ids``, ``pool_root()``); ``target_leaf``,
``inspector_leaf``, ``expert_leaf``, ``avoidance_leaf`` (one record's leaf bytes);
``assume_frozen`` (service only: rebuild a pool it froze itself, without re-hashing).
"""

from __future__ import annotations

import hashlib
import operator
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, NamedTuple, TypeVar

from drawsvc.draw.canonical import json_string
from drawsvc.draw.seed import PoolRoot
from drawsvc.errors import InvalidInput
from ledger.hashing import LEAF_PREFIX, leaf_hash, root_from_leaf_hashes

USCC_LENGTH = 18
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_RUN = re.compile(f"[{USCC_ALPHABET}]*")
_USCC_LIST = re.compile(f"(?:[{USCC_ALPHABET}]{{18}}\\|)*[{USCC_ALPHABET}]{{18}}")
_HEX64 = re.compile(r"[0-9a-f]{64}")
MAX_ID_LENGTH = 64
MAX_CHECKS = 10_000


class TargetRecord(NamedTuple):
    """An inspection target (DRAW-18). ``checks``: inspections already this year; ``risk``: flagged."""

    id: str  # 18-character unified social credit code
    stratum: str = ""  # credit/risk class or stratum key ("" when unused)
    checks: int = 0
    risk: bool = False


class InspectorRecord(NamedTuple):
    """An active inspector with a valid certificate on the draw date (DRAW-18)."""

    id: str  # registry code
    dept: str = ""
    leader: bool = False  # may lead a team
    specialties: tuple[str, ...] = ()


class ExpertRecord(NamedTuple):
    """An eligible expert of one pool and group (DRAW-18)."""

    id: str


class AvoidanceRecord(NamedTuple):
    """One avoidance tag (hex of HMAC-SHA256, see teams.avoidance_tag) (DRAW-18)."""

    id: str


R = TypeVar("R", TargetRecord, InspectorRecord, ExpertRecord, AvoidanceRecord)


@dataclass(frozen=True)
class Pool(Generic[R]):
    """A frozen, sorted pool and its RFC 9162 root. Build with ``freeze_*``."""

    kind: str
    records: tuple[R, ...]
    root: bytes

    @property
    def size(self) -> int:
        return len(self.records)

    @property
    def ids(self) -> list[str]:
        return [r.id for r in self.records]

    def pool_root(self) -> PoolRoot:
        return PoolRoot(root=self.root.hex(), size=len(self.records))


def _sorted_unique(kind: str, records: Iterable[R]) -> list[R]:
    """Records in strictly increasing id order (DRAW-16), refusing duplicates (DRAW-17)."""
    return _sorted_unique_ids(kind, records)[0]


def _sorted_unique_ids(kind: str, records: Iterable[R]) -> tuple[list[R], list[str]]:
    """Sorted records and their ids. Already-sorted input (the service may read the pool in id
    order) costs one C-level comparison pass and no sort."""
    out = list(records)
    try:
        ids = [r[0] for r in out]
    except (TypeError, IndexError, KeyError):
        raise InvalidInput(f"{kind} records are tuples with an id first", field=kind,
                           rule="DRAW-18") from None
    try:  # ids of other types fail here (mixed types) or in the kind's id check (all non-str)
        if all(map(operator.lt, ids, ids[1:])):
            return out, ids
        out.sort(key=operator.itemgetter(0))
    except TypeError:
        raise InvalidInput(f"{kind} ids are strings", field=f"{kind}.id", rule="DRAW-16") from None
    ids = [r[0] for r in out]
    if not all(map(operator.lt, ids, ids[1:])):
        for i in range(1, len(ids)):
            if ids[i] == ids[i - 1]:
                raise InvalidInput(f"{kind} id appears twice in the pool", field=f"{kind}.id",
                                   rule="DRAW-17", id=ids[i])
    return out, ids


def _check_ids(kind: str, ids: Sequence[str]) -> None:
    for i, x in enumerate(ids):
        if type(x) is not str or not 0 < len(x) <= MAX_ID_LENGTH:
            raise InvalidInput(f"{kind} id at position {i} is not a 1..64 character string",
                               field=f"{kind}.id", rule="DRAW-16")
        try:
            x.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidInput(f"{kind} id at position {i} is not valid Unicode", field=f"{kind}.id",
                               rule="DRAW-16") from None


def _encoder() -> Callable[[str], bytes]:
    cache: dict[str, bytes] = {}

    def enc(s: str) -> bytes:
        b = cache.get(s)
        if b is None:
            if type(s) is not str:
                raise InvalidInput("expected a string", field="record", rule="DRAW-18")
            b = cache[s] = json_string(s)
        return b

    return enc


def target_leaf(r: TargetRecord) -> bytes:
    """RFC 8785 bytes of a target record (DRAW-18)."""
    _check_targets([r])
    return b'{"checks":%d,"id":"%s","risk":%s,"stratum":%s}' % (
        r.checks, r.id.encode(), b"true" if r.risk else b"false", json_string(r.stratum))


def _check_targets(records: Sequence[TargetRecord], ids: Sequence[str] | None = None) -> None:
    """DRAW-16/DRAW-18 field checks with C-level passes (no per-record Python branches)."""
    if ids is None:
        ids = [r[0] for r in records]
    if not ids:
        return
    # One C-level pass validates type, length and alphabet of every id: "|".join refuses
    # non-strings, and the regex needs exactly 18 alphabet characters between separators.
    try:
        ok = _USCC_LIST.fullmatch("|".join(ids)) is not None
    except TypeError:
        ok = False
    if not ok:
        for i, x in enumerate(ids):
            if type(x) is not str or len(x) != USCC_LENGTH or not _USCC_RUN.fullmatch(x):
                raise InvalidInput(f"target at position {i} has no valid 18-character USCC",
                                   field="targets.id", rule="DRAW-16")
    # type sets over whole columns (a set of values would merge 1 with True and 0 with False)
    checks = [r[2] for r in records]
    if set(map(type, checks)) != {int} or min(checks) < 0 or max(checks) > MAX_CHECKS:
        raise InvalidInput("target checks is an integer 0..10000", field="targets.checks", rule="DRAW-18")
    if set(map(type, [r[3] for r in records])) != {bool}:
        raise InvalidInput("target risk is a boolean", field="targets.risk", rule="DRAW-18")
    if set(map(type, [r[1] for r in records])) != {str}:
        raise InvalidInput("target stratum is a string", field="targets.stratum", rule="DRAW-18")


def _target_leaf_hashes(records: Sequence[TargetRecord], ids: Sequence[str] | None = None) -> list[bytes]:
    """``leaf_hash(target_leaf(r))`` for every record, in one tight hashlib loop.

    A leaf is ``prefix(checks) || id || suffix(stratum)[risk]``; the few distinct prefixes and
    suffixes are encoded once. tests/draw/test_draw_pool.py checks this against ``leaf_hash``
    and JCS.
    """
    _check_targets(records, ids)
    prefix = {c: LEAF_PREFIX + b'{"checks":%d,"id":"' % c for c in {r[2] for r in records}}
    suffix = {
        st: (b'","risk":false,"stratum":%s}' % json_string(st),
             b'","risk":true,"stratum":%s}' % json_string(st))
        for st in {r[1] for r in records}
    }
    sha = hashlib.sha256
    return [sha(prefix[c] + i.encode() + suffix[st][f]).digest() for i, st, c, f in records]


def inspector_leaf(r: InspectorRecord) -> bytes:
    """RFC 8785 bytes of an inspector record (DRAW-18); specialties sorted, unique."""
    enc = _encoder()
    if type(r.leader) is not bool or len(set(r.specialties)) != len(r.specialties):
        raise InvalidInput("inspector leader is a boolean and specialties are unique",
                           field="inspectors", rule="DRAW-18", id=r.id)
    specs = b",".join(enc(s) for s in sorted(r.specialties))
    return b'{"dept":%s,"id":%s,"leader":%s,"specialties":[%s]}' % (
        enc(r.dept), enc(r.id), b"true" if r.leader else b"false", specs)


def expert_leaf(r: ExpertRecord) -> bytes:
    return b'{"id":%s}' % json_string(r.id)


def avoidance_leaf(r: AvoidanceRecord) -> bytes:
    return b'{"tag":"%s"}' % r.id.encode()


def freeze_targets(records: Iterable[TargetRecord]) -> Pool[TargetRecord]:
    """Sort, refuse duplicates, hash leaves, root (DRAW-16 .. DRAW-19)."""
    recs, ids = _sorted_unique_ids("targets", records)
    return Pool("targets", tuple(recs), root_from_leaf_hashes(_target_leaf_hashes(recs, ids)))


def freeze_inspectors(records: Iterable[InspectorRecord]) -> Pool[InspectorRecord]:
    recs = [r._replace(specialties=tuple(sorted(r.specialties))) for r in records]
    recs = _sorted_unique("inspectors", recs)
    _check_ids("inspectors", [r.id for r in recs])
    return Pool("inspectors", tuple(recs),
                root_from_leaf_hashes([leaf_hash(inspector_leaf(r)) for r in recs]))


def freeze_experts(records: Iterable[ExpertRecord]) -> Pool[ExpertRecord]:
    recs = _sorted_unique("experts", records)
    _check_ids("experts", [r.id for r in recs])
    return Pool("experts", tuple(recs), root_from_leaf_hashes([leaf_hash(expert_leaf(r)) for r in recs]))


def freeze_avoidance(tags: Iterable[str]) -> Pool[AvoidanceRecord]:
    """The avoidance pool: tags (lowercase hex, 64 digits) sorted, unique (DRAW-18, §8.4)."""
    recs = _sorted_unique("avoidance", (AvoidanceRecord(t) for t in tags))
    for r in recs:
        if type(r.id) is not str or not _HEX64.fullmatch(r.id):
            raise InvalidInput("an avoidance tag is 64 lowercase hex digits", field="avoidance.tag",
                               rule="DRAW-18")
    return Pool("avoidance", tuple(recs),
                root_from_leaf_hashes([leaf_hash(avoidance_leaf(r)) for r in recs]))


def assume_frozen(kind: str, records: Sequence[R], root_hex: str) -> Pool[R]:
    """A pool the service froze itself earlier (at commit), rebuilt without re-hashing.

    For the service's own draw only: ``records`` must already be in strict id order (checked,
    one C-level pass) and ``root_hex`` is the root it logged when it froze the same rows. If the
    rows changed since, the draw still uses the logged root in its seed and a verifier, which
    always recomputes the root from the logged rows with ``freeze_*``, sees the mismatch
    (DRAW-73). Verifiers MUST NOT use this.
    """
    recs = list(records)
    ids = [r[0] for r in recs]
    try:
        ordered = all(map(operator.lt, ids, ids[1:]))
    except TypeError:
        ordered = False
    if not ordered:
        raise InvalidInput(f"{kind} records are not in strict id order", field=f"{kind}.id", rule="DRAW-16")
    if not isinstance(root_hex, str) or not _HEX64.fullmatch(root_hex):
        raise InvalidInput("a pool root is 64 lowercase hex digits", field=f"{kind}.root", rule="DRAW-19")
    return Pool(kind, tuple(recs), bytes.fromhex(root_hex))
