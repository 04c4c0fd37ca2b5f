"""Log entries: RFC 8785 (JCS) canonical JSON and the rules an entry must meet to be appended.

An entry is the JCS encoding of a JSON object; its leaf hash is ``SHA-256(0x00 || entry)``
(RFC 9162 §2.1.1, ``ledger.hashing``). See docs/decisions/0001-hashing-and-canonical-json.md.

``canonicalize`` has two paths that produce the same bytes:

- the fast path, for objects made only of ``dict``/``list``/``str``/``int``/``bool``/``None`` whose
  keys are all in the Basic Multilingual Plane and whose ints are within ±(2^53-1): a
  validating walk (keys joined once per object; containers of strings, bools and nulls passed
  by one C-level pass over their value types), then ``orjson.dumps`` with sorted keys
  (subclasses, dataclasses and datetimes passed through to an absent ``default``, i.e.
  refused). For these inputs orjson's output equals JCS: keys sort by UTF-8 bytes, i.e.
  by code point, which equals UTF-16 code-unit order when no key has a character above U+FFFF
  (RFC 8785 §3.2.3); it escapes exactly ``"`` ``\\`` ``\\b \\f \\n \\r \\t`` and other C0 controls
  as lowercase ``\\u00xx``, leaves everything else (U+007F, U+2028, U+2029, non-ASCII) as UTF-8
  (§3.2.2.2), refuses lone surrogates; integers within ±(2^53-1) print as JavaScript prints the
  equal double (§3.2.2.3). Without orjson (not installed) the C encoder of the standard library
  encodes after the same walk (its output is JCS for the same inputs; ≈ 8× slower than orjson).
- the reference path, for anything else (floats, keys above U+FFFF, tuples, other mappings,
  ``str``/``int`` subclasses): a checking copy into plain types, then the ``rfc8785`` package.

``canonicalize_many`` gives the same bytes for a whole batch (``Log.append``), checked breadth-first
and encoded by one orjson call (see "batch path" below).

tests/ledger/test_entries.py checks the equivalence with hypothesis against ``rfc8785.dumps``;
tests/ledger/test_entries_batch.py the batch against one call per object.
"""

from __future__ import annotations

import gc
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NoReturn

import rfc8785

from ledger.errors import EntryRejected

try:
    import orjson
except ImportError:  # pragma: no cover - orjson is a dependency; the stdlib path is the fallback
    orjson = None  # type: ignore[assignment]

MAX_SAFE_INTEGER = 2**53 - 1
MAX_DEPTH = 64
_EXPONENT_FORM_FROM = 1e21  # ECMAScript Number::toString uses exponent form from here on

_ENCODER = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), sort_keys=True, allow_nan=False, check_circular=False
)
_DECODER = json.JSONDecoder()


def _no_default(o: object) -> NoReturn:
    raise TypeError(type(o).__name__)


def _make_encode() -> Callable[[dict], str]:
    """``_ENCODER.encode`` without its per-call set-up: the C encoder built once, if it works here.

    ``json.encoder.c_make_encoder`` is what ``JSONEncoder.iterencode`` uses internally; if it is
    missing or behaves differently on this Python, fall back to the public ``encode``.
    """
    make = getattr(json.encoder, "c_make_encoder", None)
    basestring = getattr(json.encoder, "c_encode_basestring", None)
    if make is None or basestring is None:
        return _ENCODER.encode
    try:
        c_encode = make(None, _no_default, basestring, None, ":", ",", True, False, False)
        probe = {"b": [1, None, True, "\u2028\x00\u00e9"], "a": {"": -5}}
        if "".join(c_encode(probe, 0)) != _ENCODER.encode(probe):
            return _ENCODER.encode
    except Exception:
        return _ENCODER.encode
    join = "".join
    return lambda obj: join(c_encode(obj, 0))


_encode = _make_encode()
_SURROGATE = re.compile("[\ud800-\udfff]")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,39}")


class _NotFast(Exception):
    """The fast walk met something it does not handle; the reference path decides."""


def _reject(rule: str, path: str, detail: str) -> NoReturn:
    err = EntryRejected(f"{rule} at {path}: {detail}")
    err.rule = rule  # type: ignore[attr-defined]
    err.path = path  # type: ignore[attr-defined]
    raise err


def _key_path(path: str, key: str) -> str:
    if _IDENT.fullmatch(key):
        return f"{path}.{key}"
    shown = key if len(key) <= 40 else key[:40] + "\u2026"
    return f"{path}[{json.dumps(shown)}]"


# --- fast path ---------------------------------------------------------------------------------
# Value types that need no look inside (ints do: their range).
_PLAIN_LEAVES = frozenset((str, bool, type(None)))
# Per dict the keys are joined once (all str, none above U+FFFF); a container of strings, bools
# and nulls only is passed by one C-level pass over the value types; otherwise values are
# checked one by one, inline on purpose (a per-value helper costs a Python call per value).


def _scan_dict(obj: dict, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise _NotFast
    keys = "".join(obj)  # TypeError if a key is not a str: the reference path names it
    if not keys.isascii() and _ASTRAL.search(keys):
        raise _NotFast
    values = obj.values()
    if _PLAIN_LEAVES.issuperset(map(type, values)):  # one C-level pass: nothing to look into
        return
    for v in values:
        t = type(v)
        if t is str or v is None or t is bool:
            continue
        if t is int:
            if -MAX_SAFE_INTEGER <= v <= MAX_SAFE_INTEGER:
                continue
            raise _NotFast
        if t is dict:
            _scan_dict(v, depth + 1)
        elif t is list:
            _scan_list(v, depth + 1)
        else:
            raise _NotFast


def _scan_list(items: list, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise _NotFast
    if _PLAIN_LEAVES.issuperset(map(type, items)):
        return
    for v in items:
        t = type(v)
        if t is str or v is None or t is bool:
            continue
        if t is int:
            if -MAX_SAFE_INTEGER <= v <= MAX_SAFE_INTEGER:
                continue
            raise _NotFast
        if t is dict:
            _scan_dict(v, depth + 1)
        elif t is list:
            _scan_list(v, depth + 1)
        else:
            raise _NotFast


def _fast_stdlib(obj: dict) -> bytes | None:
    """The walk, then the standard library's C encoder (used when orjson is not installed)."""
    try:
        _scan_dict(obj, 0)
        return _encode(obj).encode("utf-8")
    except (_NotFast, TypeError, UnicodeEncodeError):
        return None


if orjson is not None:
    _dumps = orjson.dumps
    # Subclasses of str/int/dict/list, dataclasses and datetimes go to ``default`` (absent: an
    # error), never serialized their own way; the walk has refused every other non-JSON type.
    _ORJSON_OPTIONS = (
        orjson.OPT_SORT_KEYS
        | orjson.OPT_PASSTHROUGH_SUBCLASS
        | orjson.OPT_PASSTHROUGH_DATACLASS
        | orjson.OPT_PASSTHROUGH_DATETIME
    )

    def _fast_orjson(obj: dict) -> bytes | None:
        """The walk, then orjson; None: the reference path decides."""
        try:
            _scan_dict(obj, 0)
            return _dumps(obj, option=_ORJSON_OPTIONS)
        except (_NotFast, TypeError):  # orjson.JSONEncodeError is a TypeError
            return None

    _fast = _fast_orjson
    _BATCH_OPTIONS = _ORJSON_OPTIONS | orjson.OPT_STRICT_INTEGER
else:  # pragma: no cover - orjson is a dependency
    _dumps = None  # type: ignore[assignment]
    _fast = _fast_stdlib


# --- reference path ----------------------------------------------------------------------------


def _plain(value: Any, path: str, depth: int) -> Any:
    """Check ``value`` against every rule and copy it into plain JSON types (RFC 8785 §3.2.2)."""
    if value is None or value is True or value is False:
        return value
    if isinstance(value, str):
        if _SURROGATE.search(value):
            _reject("lone-surrogate", path, "string has a lone UTF-16 surrogate (not Unicode text)")
        return str.__str__(value)
    if isinstance(value, int):
        if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            _reject("integer-out-of-range", path, "integer outside ±(2^53-1) is not exact as an IEEE double")
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            _reject("number-not-finite", path, "NaN and infinities have no JSON form")
        if value.is_integer() and MAX_SAFE_INTEGER < abs(value) < _EXPONENT_FORM_FROM:
            # JCS prints it as digits that read back as an integer this module refuses.
            _reject("integer-out-of-range", path, "float prints as an integer outside ±(2^53-1)")
        return float(value)
    if depth > MAX_DEPTH:
        _reject("too-deep", path, f"nesting deeper than {MAX_DEPTH}")
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                _reject("key-not-string", path, f"object key of type {type(k).__name__}")
            kp = _key_path(path, k)
            if _SURROGATE.search(k):
                _reject("lone-surrogate", kp, "object key has a lone UTF-16 surrogate")
            out[str.__str__(k)] = _plain(v, kp, depth + 1)
        return out
    if isinstance(value, list | tuple):
        return [_plain(v, f"{path}[{i}]", depth + 1) for i, v in enumerate(value)]
    _reject("unsupported-type", path, f"{type(value).__name__} is not a JSON value")


def _reference(obj: Mapping[str, Any]) -> bytes:
    plain = _plain(obj, "$", 0)
    try:
        return rfc8785.dumps(plain)
    except rfc8785.CanonicalizationError as e:  # pragma: no cover - _plain checks every rule first
        _reject("not-canonicalizable", "$", str(e))


def canonicalize(obj: Mapping[str, Any]) -> bytes:
    """RFC 8785 canonical bytes of a JSON object (the top level must be an object).

    Raises ``EntryRejected`` naming the rule and the JSON path (``$.body.ratio``) for: a top
    level that is not an object, a key that is not a str, NaN or an infinity, an int outside
    ±(2^53-1), a lone surrogate, nesting deeper than ``MAX_DEPTH``, or any other type.
    """
    if type(obj) is dict:
        data = _fast(obj)
        if data is not None:
            return data
        # else the reference path gives the exact answer or the exact error
    elif not isinstance(obj, Mapping):
        _reject("not-an-object", "$", f"top level is {type(obj).__name__}, not a JSON object")
    return _reference(obj)


# --- batch path ---------------------------------------------------------------------------------
# Two costs dominate ``canonicalize`` on a batch of fresh objects: the per-object walk (a Python
# call per dict) and, more surprisingly, orjson's output buffers: an output kept alive costs
# ≈ one minor page fault per call (measured: 3–4 µs per 360-byte entry retained in a list,
# 0.5 µs when each output is dropped at once). So the batch path checks the whole batch
# breadth-first in C-level passes and encodes it with ONE ``orjson.dumps`` call:
# - ``gc.get_referents`` of every object of one nesting level at once gives the next level
#   (for a dict its values, and its keys too unless they are all exact str, which CPython's
#   dict traversal skips; scalars have no referents), then one pass over their types: only
#   exact dict/list/str/int/bool/None pass, nested at most MAX_DEPTH;
# - the entries are encoded as one JSON array, separated by an ``orjson.Fragment`` of a raw
#   newline (a byte orjson never writes: no whitespace, and controls in strings are escaped),
#   and the array's bytes are split at ``,\n,``: an element's bytes are the bytes orjson gives
#   that object alone;
# - integers beyond ±(2^53-1) (``OPT_STRICT_INTEGER``) and keys that are not exact str make
#   orjson refuse the batch (TypeError);
# - keys above U+FFFF (RFC 8785 §3.2.3 sorts by UTF-16 code units, orjson by code point): an
#   entry whose bytes hold any 4-byte UTF-8 sequence (lead byte F0-F4) is redone by
#   ``canonicalize``, which looks at its keys.
# Anything refused (a float, a tuple, a subclass, any other type, too deep, an unsafe integer)
# sends the whole batch to ``canonicalize``, entry by entry, so that errors are the same.
_JSON_TYPES = frozenset((dict, list, str, int, bool, type(None)))
_CONTAINER_TYPES = frozenset((dict, list))
_ASTRAL_LEADS = (b"\xf0", b"\xf1", b"\xf2", b"\xf3", b"\xf4")
_SEPARATOR = b"\n"
_SEPARATOR_FRAGMENT = None if orjson is None else orjson.Fragment(_SEPARATOR)


def _plain_tree(objs: list[Any]) -> bool:
    """True if every value under ``objs`` (dicts) has an exact JSON type, nested at most MAX_DEPTH."""
    level = objs
    for _ in range(MAX_DEPTH + 1):
        refs = gc.get_referents(*level)
        types = set(map(type, refs))
        if not types <= _JSON_TYPES:
            return False
        if types.isdisjoint(_CONTAINER_TYPES):
            return True
        level = refs  # its scalars have no referents
    return False  # containers at depth MAX_DEPTH + 1: the reference path names the rule


def canonicalize_many(objs: Sequence[Mapping[str, Any]]) -> list[bytes]:
    """``[canonicalize(o) for o in objs]``: the same bytes and the same first error, faster."""
    batch = list(objs)
    n = len(batch)
    if _dumps is None or n < 2 or not {dict}.issuperset(map(type, batch)) or not _plain_tree(batch):
        return [canonicalize(o) for o in batch]
    items: list[Any] = [_SEPARATOR_FRAGMENT] * (2 * n - 1)
    items[::2] = batch
    try:
        data = _dumps(items, option=_BATCH_OPTIONS)
    except TypeError:  # orjson.JSONEncodeError: an unsafe integer or a non-str key somewhere
        return [canonicalize(o) for o in batch]
    out = data[1:-1].split(b"," + _SEPARATOR + b",")
    if len(out) != n:  # pragma: no cover - orjson wrote a raw newline: never, but do not guess
        return [canonicalize(o) for o in batch]
    if any(lead in data for lead in _ASTRAL_LEADS):
        return [
            canonicalize(o) if any(lead in b for lead in _ASTRAL_LEADS) else b
            for o, b in zip(batch, out, strict=True)
        ]
    return out


def canonicalize_reference(obj: Mapping[str, Any]) -> bytes:
    """``canonicalize`` without the fast path (for tests and benchmarks)."""
    if not isinstance(obj, Mapping):
        _reject("not-an-object", "$", f"top level is {type(obj).__name__}, not a JSON object")
    return _reference(obj)


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for k, _ in pairs:
            if k in seen:
                shown = k if len(k) <= 40 else k[:40] + "\u2026"
                _reject("duplicate-key", "$", f"an object has the key {json.dumps(shown)} twice")
            seen.add(k)
    return out


def check_entry_bytes(data: bytes, max_size: int) -> None:
    """Accept only a non-empty UTF-8 JSON object of at most ``max_size`` bytes already in JCS form.

    That is: ``canonicalize(json.loads(data)) == data``. Raises ``EntryRejected`` otherwise.
    """
    if not isinstance(data, bytes):
        raise TypeError("entry must be bytes")
    if not data:
        _reject("empty", "$", "entry is empty")
    if len(data) > max_size:
        _reject("too-large", "$", f"entry is {len(data)} bytes, more than the limit {max_size}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        _reject("not-utf8", "$", f"invalid UTF-8 at byte {e.start}")
    try:
        # The scanner behind json.loads, without its per-call set-up; it allows no surrounding
        # whitespace (which canonical bytes never have) and accepts NaN/Infinity, refused below.
        obj, end = _DECODER.scan_once(text, 0)
    except StopIteration as e:
        _reject("not-json", "$", f"not JSON at char {e.value}")
    except (ValueError, RecursionError) as e:
        _reject("not-json", "$", f"not JSON ({type(e).__name__} at char {getattr(e, 'pos', '?')})")
    if end != len(text):
        _reject("not-canonical", "$", f"data after the JSON object at char {end}")
    if type(obj) is not dict:
        _reject("not-an-object", "$", f"top level is {type(obj).__name__}, not a JSON object")
    if canonicalize(obj) != data:
        json.loads(text, object_pairs_hook=_no_duplicates)  # a better message if that is the cause
        _reject("not-canonical", "$", "bytes are not the RFC 8785 canonical form of their JSON value")
