"""draw/v1 candidate pools: records -> canonical bytes -> pages -> RFC 9162 root (docs/draw-spec.md §5).

A pool is frozen before the reveal: its records are sorted by ``id`` in byte-wise order of the
UTF-8 encoding (DRAW-16; equal to Python's code-point order of ``str``), duplicates are refused
(DRAW-17), each record becomes the RFC 8785 bytes of its draw-relevant fields (DRAW-18), the
records are cut into pages of ``PAGE_SIZE`` (each page the JCS array of its records) and the pool
root is the RFC 9162 Merkle Tree Hash over the pages in pool order (DRAW-19).

Record shapes (JSON keys in JCS order):

- target     ``{"checks": int, "id": USCC, "risk": bool, "stratum": str}``
- inspector  ``{"dept": str, "id": str, "leader": bool, "specialties": [str, ...]}``
- expert     ``{"id": str}``
- avoidance  ``{"tag": hex}``  (``teams.avoidance_tag``; the record ``id`` is the tag)

Records are ``NamedTuple``s so that a 1,000,000-target pool costs little more than its tuples;
record bytes are built by hand with a fixed key order (checked against JCS in
tests/draw/test_draw_pool.py). A targets pool may also be given as columns (``TargetColumns``:
ids, strata, checks, risk), the service's form: validated, ordered and turned into pages by
whole-column C-level passes.

API: ``freeze_targets``, ``freeze_target_columns``, ``freeze_inspectors``, ``freeze_experts``,
``freeze_avoidance`` -> ``Pool`` (``records`` sorted, ``root``, ``size``, ``ids``, ``pool_root()``;
a targets pool also ``columns``);
``TargetColumns`` (``of_records``, ``records()``), ``order_target_columns``,
``target_columns_root`` (the root alone); ``target_json``,
``inspector_json``, ``expert_json``, ``avoidance_json`` (one record's bytes); ``page_root`` (the
root over records' bytes); ``assume_frozen``, ``assume_frozen_columns`` (service only: rebuild a
pool it froze itself, without re-hashing); ``FixedWidthIds`` (ids as one string).
"""

from __future__ import annotations

import hashlib
import operator
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import chain, compress, islice, repeat
from typing import Any, Generic, NamedTuple, TypeVar

from drawsvc.draw.canonical import json_string, json_string_text
from drawsvc.draw.seed import PoolRoot
from drawsvc.errors import InvalidInput
from ledger.hashing import LEAF_PREFIX, root_from_leaf_hashes

USCC_LENGTH = 18
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_RUN = re.compile(f"[{USCC_ALPHABET}]*")
_USCC_BYTES = USCC_ALPHABET.encode()
_SEP = b"|"
_HEX64 = re.compile(r"[0-9a-f]{64}")
MAX_ID_LENGTH = 64
MAX_CHECKS = 10_000
PAGE_SIZE = 256  # records per page (DRAW-19)
_PAGE_OPEN = LEAF_PREFIX + b"["  # RFC 9162 leaf input of a page: 0x00 || JCS(array)


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


class Pool(Generic[R]):
    """A frozen, sorted pool and its RFC 9162 root. Build with ``freeze_*``.

    A targets pool frozen from columns (``freeze_target_columns``, ``assume_frozen_columns``)
    keeps them and builds its ``records`` only when asked: the engine samples from ``columns``
    (``targets.draw_ratio``), so a million-target draw makes no record object per target.
    Immutable: ``records`` and ``columns`` are two views of the same rows, each built once.
    """

    __slots__ = ("_columns", "_records", "kind", "root")

    def __init__(self, kind: str, records: tuple[R, ...] | None, root: bytes,
                 columns: TargetColumns | None = None) -> None:
        if records is None and columns is None:
            raise ValueError("a pool needs its records or its columns")
        self.kind, self.root = kind, root
        self._records, self._columns = records, columns

    @property
    def records(self) -> tuple[R, ...]:
        if self._records is None:
            assert self._columns is not None
            self._records = tuple(self._columns.records())  # type: ignore[arg-type]
        return self._records

    @property
    def columns(self) -> TargetColumns:
        """A targets pool's rows as columns (pool order); built from the records when frozen
        from records."""
        if self._columns is None:
            self._columns = TargetColumns.of_records(self.records)  # type: ignore[arg-type]
        return self._columns

    @property
    def size(self) -> int:
        return len(self._records) if self._records is not None else len(self.columns.ids)

    @property
    def ids(self) -> list[str]:
        if self._records is None:
            return list(self.columns.ids)
        return [r.id for r in self._records]

    def pool_root(self) -> PoolRoot:
        return PoolRoot(root=self.root.hex(), size=self.size)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Pool):
            return NotImplemented
        return (self.kind, self.root, self.records) == (other.kind, other.root, other.records)

    def __hash__(self) -> int:
        return hash((self.kind, self.root, self.size))

    def __repr__(self) -> str:
        return f"Pool(kind={self.kind!r}, size={self.size}, root={self.root.hex()!r})"


def _increasing(ids: Sequence[Any]) -> bool:
    """Whether ``ids`` are in strictly increasing order: one C-level pass, no copy (``ids[1:]``
    was 80 MB at 10,000,000 ids). Values that do not compare raise ``TypeError``."""
    return all(map(operator.lt, ids, islice(ids, 1, None)))


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
        if _increasing(ids):
            return out, ids
        out.sort(key=operator.itemgetter(0))
    except TypeError:
        raise InvalidInput(f"{kind} ids are strings", field=f"{kind}.id", rule="DRAW-16") from None
    ids = [r[0] for r in out]
    if not _increasing(ids):
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


class FixedWidthIds(Sequence[str]):
    """Ids of one width held as one string: id ``k`` is ``text[width*k : width*(k+1)]``.

    A targets pool read back from its logged chunks (18-character USCCs concatenated,
    entries.md §4) keeps its ids this way: a draw needs the ids of the drawn positions only, and
    a million ``str`` objects cost more than reading the chunks (≈ 0.2 s). Iterating, or
    slicing with a step, makes the strings (one C-level pass); a plain slice is another view.
    Compares equal to any sequence of the same strings.
    """

    __slots__ = ("text", "width")

    def __init__(self, text: str, width: int) -> None:
        if width < 1 or len(text) % width:
            raise ValueError("the text is not a whole number of ids")
        self.text, self.width = text, width

    def __len__(self) -> int:
        return len(self.text) // self.width

    def __getitem__(self, k: Any) -> Any:
        w = self.width
        if isinstance(k, slice):
            start, stop, step = k.indices(len(self))
            if step == 1:
                return FixedWidthIds(self.text[w * start : w * max(start, stop)], w)
            return list(self)[k]
        n = len(self.text) // w
        if k < 0:
            k += n
        if not 0 <= k < n:
            raise IndexError("id index out of range")
        return self.text[w * k : w * k + w]

    def __iter__(self) -> Iterator[str]:
        return iter(re.findall(f".{{{self.width}}}", self.text, re.DOTALL))

    def at(self, positions: Iterable[int]) -> list[str]:
        """The ids at ``positions`` (each ``0 <= k < len``, as the engine's sampled positions)."""
        text, w = self.text, self.width
        return [text[w * k : w * k + w] for k in positions]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FixedWidthIds):
            return len(self) == len(other) and (self.text == other.text or list(self) == list(other))
        if isinstance(other, Sequence) and not isinstance(other, str | bytes):
            return len(self) == len(other) and list(self) == list(other)
        return NotImplemented

    def __repr__(self) -> str:
        return f"FixedWidthIds({len(self)} ids of {self.width})"


def ids_at(ids: Sequence[str], positions: Iterable[int]) -> list[str]:
    """``[ids[k] for k in positions]``, one slice per id when ``ids`` is ``FixedWidthIds``."""
    if isinstance(ids, FixedWidthIds):
        return ids.at(positions)
    return list(map(ids.__getitem__, positions))


class TargetColumns(NamedTuple):
    """A targets pool as four columns (DRAW-18 fields), the form the service reads and logs.

    Row ``k`` is ``TargetRecord(ids[k], strata[k], checks[k], risk[k])``. A million-target pool is
    validated, ordered and hashed column by column (C-level passes) instead of record by record.
    """

    ids: Sequence[str]
    strata: Sequence[str]
    checks: Sequence[int]
    risk: Sequence[bool]

    @classmethod
    def of_records(cls, records: Sequence[Sequence[Any]], ids: Sequence[str] | None = None) -> TargetColumns:
        try:
            return cls([r[0] for r in records] if ids is None else ids, [r[1] for r in records],
                       [r[2] for r in records], [r[3] for r in records])
        except (TypeError, IndexError, KeyError):
            raise InvalidInput("targets records are tuples (id, stratum, checks, risk)", field="targets",
                               rule="DRAW-18") from None

    def records(self) -> list[TargetRecord]:
        rows = zip(self.ids, self.strata, self.checks, self.risk, strict=True)
        return list(map(tuple.__new__, repeat(TargetRecord), rows))  # TargetRecord._make, C-level


def _ordered_columns(cols: TargetColumns) -> tuple[TargetColumns, list[int] | None]:
    """The columns in strictly increasing id order (DRAW-16), duplicates refused (DRAW-17), and
    the permutation applied (None when the input was already in order: one C-level pass)."""
    ids = cols.ids
    n = len(ids)
    if not len(cols.strata) == len(cols.checks) == len(cols.risk) == n:
        raise InvalidInput("target columns differ in length", field="targets", rule="DRAW-18")
    try:
        if _increasing(ids):
            return cols, None
        order = sorted(range(n), key=ids.__getitem__)
    except TypeError:
        raise InvalidInput("targets ids are strings", field="targets.id", rule="DRAW-16") from None
    out = TargetColumns(*([col[k] for k in order] for col in cols))
    ids = out.ids
    if not _increasing(ids):
        for i in range(1, n):
            if ids[i] == ids[i - 1]:
                raise InvalidInput("targets id appears twice in the pool", field="targets.id",
                                   rule="DRAW-17", id=ids[i])
    return out, order


def order_target_columns(cols: TargetColumns) -> TargetColumns:
    """The columns in pool order (DRAW-16; duplicates refused, DRAW-17); as given when already in it."""
    return _ordered_columns(cols)[0]


def _joined_usccs(ids: Sequence[str]) -> bytearray:
    """``"|".join(ids)`` as ASCII bytes (a ``bytearray``: ``_target_pages`` marks it in place),
    after checking that every id is an 18-character USCC (DRAW-16) with whole-column C-level
    passes: the join refuses non-strings, the encoding non-ASCII, every 19th byte must be the
    separator, and deleting the alphabet must leave only the ``n - 1`` separators."""
    n = len(ids)
    try:
        joined = bytearray("|".join(ids), "ascii")
        ok = (len(joined) == (USCC_LENGTH + 1) * n - 1
              and joined[USCC_LENGTH :: USCC_LENGTH + 1] == _SEP * (n - 1)
              and len(joined.translate(None, _USCC_BYTES)) == n - 1)
    except (TypeError, UnicodeEncodeError):
        joined, ok = bytearray(), False
    if not ok:
        for i, x in enumerate(ids):
            if type(x) is not str or len(x) != USCC_LENGTH or not _USCC_RUN.fullmatch(x):
                raise InvalidInput(f"target at position {i} has no valid 18-character USCC",
                                   field="targets.id", rule="DRAW-16")
    return joined


def _check_target_fields(cols: TargetColumns) -> None:
    """DRAW-18 field types, one C-level pass per column (a set of values would merge 1 with
    True and 0 with False, so the sets are of types)."""
    checks = cols.checks
    # once every value is an int, the range is checked on the distinct values (a few, not a million)
    if checks and (set(map(type, checks)) != {int} or not 0 <= min(values := set(checks)) <= max(values)
                   <= MAX_CHECKS):
        raise InvalidInput("target checks is an integer 0..10000", field="targets.checks", rule="DRAW-18")
    if cols.risk and set(map(type, cols.risk)) != {bool}:
        raise InvalidInput("target risk is a boolean", field="targets.risk", rule="DRAW-18")
    if cols.strata and set(map(type, cols.strata)) != {str}:
        raise InvalidInput("target stratum is a string", field="targets.stratum", rule="DRAW-18")


def _json_prefix(checks: int) -> bytes:
    return b'{"checks":%d,"id":"' % checks


def _json_suffix(stratum: str, risk: bool) -> bytes:
    return b'","risk":%s,"stratum":%s}' % (b"true" if risk else b"false", json_string(stratum))


def _page_inputs(items: Sequence[bytes]) -> list[bytes]:
    """RFC 9162 leaf inputs ``0x00 || JCS(page)`` of records' bytes in pool order (DRAW-19)."""
    return [_PAGE_OPEN + b",".join(items[a : a + PAGE_SIZE]) + b"]" for a in range(0, len(items), PAGE_SIZE)]


def page_root(items: Sequence[bytes]) -> bytes:
    """The pool root over records' JCS bytes in pool order: RFC 9162 §2.1.1 Merkle Tree Hash over
    the pages of ``PAGE_SIZE`` records (DRAW-19)."""
    return _root_of_pages(_page_inputs(items))


def _root_of_pages(pages: Iterable[bytes]) -> bytes:
    sha = hashlib.sha256
    return root_from_leaf_hashes([sha(p).digest() for p in pages])


def _target_pages(cols: TargetColumns, joined: bytearray) -> list[bytes]:
    """``0x00 || JCS(page)`` of every page of targets, in pool order (DRAW-18, DRAW-19).

    A record is ``prefix(checks) || id || suffix(stratum, risk)``, so the bytes between two ids
    are ``suffix(k) || "," || prefix(k + 1)``. ``joined`` is the ids joined by ``|`` (checked
    USCCs: ASCII letters and digits, 18 characters; ``_joined_usccs``, overwritten here: a copy
    would be 190 MB at 10,000,000). When every record has one stratum and the checks take at
    most ``_MARKED_CHECKS`` values, each separator is first overwritten in place
    by a one-byte marker of its (risk, next checks) pair, then a page is a slice of ``joined``
    with each marker replaced by the bytes it stands for: a few C-level passes per page, whatever
    the share of flagged records (10,000,000 targets, 10 % flagged: 5.4 → ≈ 0.5 s). Otherwise
    the pages are joined from the three columns' pieces at C level (``_pieced_pages``). Checked
    against ``target_json`` and RFC 8785 in tests/draw/test_draw_pool.py.
    """
    ids, strata, checks, risk = cols
    n = len(ids)
    if n == 0:
        return []
    stratum = strata[0]
    values = set(checks) if strata.count(stratum) == n else ()
    if not 0 < len(values) <= _MARKED_CHECKS:
        return _pieced_pages(cols, joined)
    pre = {c: _json_prefix(c) for c in values}
    suf = {f: _json_suffix(stratum, f) for f in (False, True)}
    c0 = max(values, key=checks.count) if len(values) > 1 else checks[0]
    # the separator after record k (k < n - 1) stands for (risk[k], checks[k + 1]); "|" for the
    # commonest pair, a control byte (never in an id, nor in JSON-escaped bytes) for the others
    pairs = [(f, c) for f in (False, True) for c in sorted(values) if (f, c) != (False, c0)]
    marker = {pair: bytes([1 + m]) for m, pair in enumerate(pairs)}
    odd = set(compress(range(n - 1), risk))
    if len(values) > 1:
        odd.update(compress(range(n - 1), map(c0.__ne__, islice(checks, 1, None))))
    width, used = USCC_LENGTH + 1, set()
    for k in odd:
        m = marker[(risk[k], checks[k + 1])]
        joined[width * k + USCC_LENGTH] = m[0]
        used.add(m)
    plain = suf[False] + b"," + pre[c0]
    swaps = [(m, suf[f] + b"," + pre[c]) for (f, c), m in marker.items() if m in used]
    pages = []
    for a in range(0, n, PAGE_SIZE):
        b = min(n, a + PAGE_SIZE)
        body = joined[width * a : width * b - 1].replace(_SEP, plain)  # bytes once joined below
        for m, piece in swaps:
            body = body.replace(m, piece)
        pages.append(_PAGE_OPEN + pre[checks[a]] + body + suf[risk[b - 1]] + b"]")
    return pages


_MARKED_CHECKS = 8  # distinct checks values of the marked path: at most 15 markers a page


def _pieced_pages(cols: TargetColumns, joined: bytearray) -> list[bytes]:
    """``_target_pages`` of any columns: each page one ``bytes.join`` of its records' prefixes,
    ids (``joined`` split) and suffixes, taken from C-level maps over the columns."""
    ids, strata, checks, risk = cols
    n = len(ids)
    prefixes = {c: _json_prefix(c) for c in set(checks)}
    suffixes = {(s, f): _json_suffix(s, f) + b"," for s, f in set(zip(strata, risk, strict=True))}
    pieces = chain.from_iterable(zip(map(prefixes.__getitem__, checks), joined.split(_SEP),
                                     map(suffixes.__getitem__, zip(strata, risk, strict=True)), strict=True))
    join, per_page = b"".join, 3 * PAGE_SIZE
    return [_PAGE_OPEN + join(islice(pieces, per_page))[:-1] + b"]" for _ in range(0, n, PAGE_SIZE)]


def target_json(r: TargetRecord) -> bytes:
    """RFC 8785 bytes of a target record (DRAW-18)."""
    cols = TargetColumns.of_records([r])
    _joined_usccs(cols.ids)
    _check_target_fields(cols)
    return _json_prefix(r.checks) + r.id.encode() + _json_suffix(r.stratum, r.risk)


def inspector_json(r: InspectorRecord) -> bytes:
    """RFC 8785 bytes of an inspector record (DRAW-18); specialties sorted, unique. The bytes
    of ``_inspector_leaves``, the pool's own loop."""
    if type(r.id) is not str:
        raise InvalidInput("expected a string", field="record", rule="DRAW-18")
    return _inspector_leaves([_sorted_specialties(r)])[0]


def expert_json(r: ExpertRecord) -> bytes:
    return b'{"id":%s}' % json_string(r.id)


def avoidance_json(r: AvoidanceRecord) -> bytes:
    return b'{"tag":"%s"}' % r.id.encode()


def freeze_targets(records: Iterable[TargetRecord]) -> Pool[TargetRecord]:
    """Sort, refuse duplicates, check, page, root (DRAW-16 .. DRAW-19)."""
    recs, ids = _sorted_unique_ids("targets", records)  # sorts the records themselves if needed
    cols = TargetColumns.of_records(recs, ids)
    return Pool("targets", tuple(recs), _target_root(cols), cols)


def freeze_target_columns(cols: TargetColumns) -> Pool[TargetRecord]:
    """``freeze_targets`` of the pool given as columns (the service's form; same root and
    records, built only if asked for: ``Pool.records``)."""
    cols, _ = _ordered_columns(cols)
    root = _target_root(cols)
    return Pool("targets", None, root, cols)


def target_columns_root(cols: TargetColumns, *, ordered: bool = False) -> bytes:
    """The root of ``freeze_target_columns(cols)`` without building its records: the commit logs
    the root and the chunks, and a million ``TargetRecord``s would only be thrown away.
    ``ordered``: ``cols`` is what ``order_target_columns`` returned (order and duplicates checked
    there; the fields are checked here either way)."""
    if not ordered:
        cols, _ = _ordered_columns(cols)
    return _target_root(cols)


def _target_root(cols: TargetColumns) -> bytes:
    """RFC 9162 root over the pages of ordered columns (DRAW-18, DRAW-19), fields checked."""
    joined = _joined_usccs(cols.ids)
    _check_target_fields(cols)
    return _root_of_pages(_target_pages(cols, joined))


def freeze_inspectors(records: Iterable[InspectorRecord]) -> Pool[InspectorRecord]:
    recs = [_sorted_specialties(r) for r in records]
    recs = _sorted_unique("inspectors", recs)
    _check_ids("inspectors", [r.id for r in recs])
    return Pool("inspectors", tuple(recs), page_root(_inspector_leaves(recs)))


def _sorted_specialties(r: InspectorRecord) -> InspectorRecord:
    """``r`` with its specialties as a sorted tuple; ``r`` itself when they already are one
    (records the service built or read back: no ``_replace``, ≈ 3 µs a record)."""
    sp = r.specialties
    if type(sp) is tuple and (len(sp) < 2 or all(map(operator.le, sp, sp[1:]))):
        return r
    return r._replace(specialties=tuple(sorted(sp)))


def _inspector_leaves(recs: Sequence[InspectorRecord]) -> list[bytes]:
    """The RFC 8785 bytes of every inspector record of a pool (specialties already sorted
    tuples, ids strings), checked and built in one loop: one string cache for departments and
    specialties, the ids escaped by the C encoder directly (50,000 inspectors: 0.46 → 0.14 s for
    the whole freeze, against a call to a per-record encoder each)."""
    enc = _encoder()  # departments and specialties repeat across the pool
    esc = json_string_text
    out = []
    for r in recs:
        rid, dept, leader, sp = r
        if type(leader) is not bool or (len(sp) > 1 and len(set(sp)) != len(sp)):
            raise InvalidInput("inspector leader is a boolean and specialties are unique",
                               field="inspectors", rule="DRAW-18", id=rid)
        out.append(b'{"dept":%s,"id":%s,"leader":%s,"specialties":[%s]}' % (
            enc(dept), esc(rid).encode(), b"true" if leader else b"false", b",".join(map(enc, sp))))
    return out


def freeze_experts(records: Iterable[ExpertRecord]) -> Pool[ExpertRecord]:
    recs = _sorted_unique("experts", records)
    _check_ids("experts", [r.id for r in recs])
    return Pool("experts", tuple(recs), page_root([expert_json(r) for r in recs]))


def freeze_avoidance(tags: Iterable[str]) -> Pool[AvoidanceRecord]:
    """The avoidance pool: tags (lowercase hex, 64 digits) sorted, unique (DRAW-18, §8.4)."""
    recs = _sorted_unique("avoidance", (AvoidanceRecord(t) for t in tags))
    for r in recs:
        if type(r.id) is not str or not _HEX64.fullmatch(r.id):
            raise InvalidInput("an avoidance tag is 64 lowercase hex digits", field="avoidance.tag",
                               rule="DRAW-18")
    return Pool("avoidance", tuple(recs),
                page_root([avoidance_json(r) for r in recs]))


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
        ordered = _increasing(ids)
    except TypeError:
        ordered = False
    if not ordered:
        raise InvalidInput(f"{kind} records are not in strict id order", field=f"{kind}.id", rule="DRAW-16")
    if not isinstance(root_hex, str) or not _HEX64.fullmatch(root_hex):
        raise InvalidInput("a pool root is 64 lowercase hex digits", field=f"{kind}.root", rule="DRAW-19")
    return Pool(kind, tuple(recs), bytes.fromhex(root_hex))


def assume_frozen_columns(cols: TargetColumns, root_hex: str) -> Pool[TargetRecord]:
    """``assume_frozen`` of a targets pool given as columns (the service reading its own log back).

    The four columns must be of one length; no page is built and nothing is hashed. Ids given as
    a list must be in strict order (one C-level pass; DRAW-16). Ids given as ``FixedWidthIds``
    (the logged chunks' text, ``logread.read_target_columns``) must be 18-character ids of the
    USCC alphabet (C-level passes over the text); their order is not re-checked, which would
    take a string per target: the commit ordered the pool before logging it and logged the root
    of that order, and if the rows read back were not those, every verifier, which rebuilds the
    root from the logged rows, refuses the draw (V-2). Verifiers MUST NOT use this.
    """
    ids = cols.ids
    if not len(cols.strata) == len(cols.checks) == len(cols.risk) == len(ids):
        raise InvalidInput("target columns differ in length", field="targets", rule="DRAW-18")
    if isinstance(ids, FixedWidthIds):
        try:
            text = ids.text.encode("ascii")
        except UnicodeEncodeError:
            text = b"?"
        if ids.width != USCC_LENGTH or text.translate(None, _USCC_BYTES):
            raise InvalidInput("targets ids are not 18-character USCCs", field="targets.id", rule="DRAW-16")
    else:
        try:
            ordered = _increasing(ids)
        except TypeError:
            ordered = False
        if not ordered:
            raise InvalidInput("targets records are not in strict id order", field="targets.id",
                               rule="DRAW-16")
    if not isinstance(root_hex, str) or not _HEX64.fullmatch(root_hex):
        raise InvalidInput("a pool root is 64 lowercase hex digits", field="targets.root", rule="DRAW-19")
    return Pool("targets", None, bytes.fromhex(root_hex), cols)
