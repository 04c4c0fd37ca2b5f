"""ledger.entries fast paths (orjson, and the standard-library fallback) against rfc8785.

Every input either gives exactly ``rfc8785.dumps``'s bytes or is refused with the rule that
the reference path gives; the fast paths never accept what the reference refuses.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import uuid

import orjson
import pytest
import rfc8785
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ledger.entries as entries
from ledger.entries import MAX_DEPTH, MAX_SAFE_INTEGER, canonicalize, canonicalize_reference
from ledger.errors import EntryRejected

FAST_PATHS = {"orjson": entries._fast_orjson, "stdlib": entries._fast_stdlib}

TRICKY = [
    "\x00", "\x01", "\x08", "\x09", "\x0a", "\x0b", "\x0c", "\x0d", "\x1f", "\x7f", "\x80",
    "\u00e9", "\u2028", "\u2029", "\ud7ff", "\ue000", "\uffff", "\U00010000", "\U0001f600",
    "\U0010ffff", '"', "\\", "/", "中", "杭", "a", "Z", "0", " ",
]  # fmt: skip
SURROGATES = ["\ud800", "\udbff", "\udc00", "\udfff"]
ANY_TEXT_CHAR = st.one_of(st.characters(blacklist_categories=("Cs",)), st.sampled_from(TRICKY))
WITH_SURROGATES = st.one_of(ANY_TEXT_CHAR, st.sampled_from(SURROGATES))
BMP_CHAR = st.one_of(
    st.characters(max_codepoint=0xFFFF, blacklist_categories=("Cs",)),
    st.sampled_from([c for c in TRICKY if ord(c) <= 0xFFFF]),
)
EDGE_INTS = [
    0, -1, 1, MAX_SAFE_INTEGER, -MAX_SAFE_INTEGER, MAX_SAFE_INTEGER + 1, -MAX_SAFE_INTEGER - 1,
    2**63 - 1, -(2**63), 2**63, 2**64, -(2**64) - 1, 10**15, 10**16, 10**30,
]  # fmt: skip
ALL_INTS = st.one_of(st.integers(), st.sampled_from(EDGE_INTS))
SAFE_INTS = st.one_of(
    st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER),
    st.sampled_from([i for i in EDGE_INTS if abs(i) <= MAX_SAFE_INTEGER]),
)
FLOATS = st.one_of(st.floats(), st.sampled_from([0.0, -0.0, 1.0, 1e16, 1e21, 5e-324, 2.0**53, float("nan")]))


def objects(chars, ints, floats: bool = False, max_leaves: int = 30):
    text = st.text(alphabet=chars, max_size=8)
    scalars = [st.none(), st.booleans(), ints, text] + ([FLOATS] if floats else [])
    values = st.recursive(
        st.one_of(*scalars),
        lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(text, inner, max_size=5)),
        max_leaves=max_leaves,
    )
    return st.dictionaries(text, values, max_size=6)


def outcome(fn, obj):
    try:
        return ("bytes", fn(obj))
    except EntryRejected as e:
        return ("refused", e.rule)  # type: ignore[attr-defined]


def rfc8785_or_refused(obj):
    try:
        return rfc8785.dumps(obj)
    except (rfc8785.CanonicalizationError, rfc8785.IntegerDomainError, rfc8785.FloatDomainError):
        return None


@pytest.fixture(params=sorted(FAST_PATHS))
def fast(request, monkeypatch):
    """canonicalize with the one fast path under test (the same for every generated input)."""
    monkeypatch.setattr(entries, "_fast", FAST_PATHS[request.param])
    return request.param


@given(obj=objects(WITH_SURROGATES, ALL_INTS, floats=True))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_same_outcome_as_the_reference_path_on_any_json(fast: str, obj: dict) -> None:
    """Arbitrary JSON with any code point (astral, lone surrogates), any int, any float."""
    assert outcome(canonicalize, obj) == outcome(canonicalize_reference, obj)


@given(obj=objects(ANY_TEXT_CHAR, ALL_INTS))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_bytes_equal_rfc8785_and_unsafe_ints_are_refused(fast: str, obj: dict) -> None:
    expected = rfc8785_or_refused(obj)
    got = outcome(canonicalize, obj)
    if _has_unsafe_int(obj):
        assert got == ("refused", "integer-out-of-range")
    else:
        assert expected is not None
        assert got == ("bytes", expected)


@given(obj=objects(BMP_CHAR, SAFE_INTS))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_fast_path_alone_equals_rfc8785(fast: str, obj: dict) -> None:
    """Non-ASCII, controls, U+2028/9, U+FFFF … in keys and values: the fast path answers alone."""
    data = entries._fast(obj)
    assert data is not None
    assert data == rfc8785.dumps(obj)


@given(
    keys=st.lists(
        st.text(
            alphabet=st.sampled_from(["a", "\ue000", "\uffff", "\U00010000", "\U0010ffff", "é"]),
            min_size=1,
            max_size=3,
        ),
        min_size=2,
        max_size=6,
        unique=True,
    )
)
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_keys_sort_by_utf16_code_units(fast: str, keys: list[str]) -> None:
    obj = {k: i for i, k in enumerate(keys)}
    assert canonicalize(obj) == rfc8785.dumps(obj)
    order = sorted(keys, key=lambda k: k.encode("utf-16-be"))
    assert list(orjson.loads(canonicalize(obj))) == order


@pytest.mark.parametrize("bad", ["\ud800", "a\udfffb", "\udbff\udbff"])
def test_lone_surrogates_are_refused_in_keys_and_values(fast: str, bad: str) -> None:
    for obj in ({"k": bad}, {bad: 1}, {"a": [{"b": bad}]}):
        with pytest.raises(EntryRejected, match="lone-surrogate"):
            canonicalize(obj)


class Colour(enum.Enum):
    RED = "red"


class Level(enum.IntEnum):
    HIGH = 3


class Name(str):
    pass


@dataclasses.dataclass
class Point:
    x: int


@pytest.mark.parametrize(
    "value",
    [
        Colour.RED,
        Level.HIGH,
        Name("x"),
        uuid.UUID(int=5),
        dt.date(2026, 1, 1),
        dt.datetime(2026, 1, 1, 8, 0),
        Point(1),
        orjson.Fragment(b"1"),
        b"bytes",
        {1, 2},
        (1, "a"),
        float("nan"),
        float("inf"),
        1.5,
        1e16,
        2.0**53,
        10**20,
        -(2**63),
        2**64,
    ],
    ids=lambda v: type(v).__name__ if "object at 0x" in repr(v) else repr(v),  # stable across xdist workers
)
def test_types_orjson_knows_take_the_reference_path(fast: str, value: object) -> None:
    """orjson serializes enums, UUIDs, dates, fragments, NaN (as null) … its own way: never here."""
    for obj in ({"v": value}, {"a": [1, {"b": value}]}):
        assert outcome(canonicalize, obj) == outcome(canonicalize_reference, obj)


def test_non_string_keys_and_str_subclass_keys(fast: str) -> None:
    for obj in ({1: "a"}, {None: 1}, {True: 1}, {"a": {2.5: 1}}):
        with pytest.raises(EntryRejected, match="key-not-string"):
            canonicalize(obj)
    assert canonicalize({Name("b"): 1, "a": 2}) == b'{"a":2,"b":1}'


def test_depth_limit_is_the_reference_paths(fast: str) -> None:
    def nest(n: int) -> dict:
        obj: dict = {}
        for _ in range(n):
            obj = {"a": obj}
        return obj

    canonicalize(nest(MAX_DEPTH))
    with pytest.raises(EntryRejected, match="too-deep"):
        canonicalize(nest(MAX_DEPTH + 1))
    with pytest.raises(EntryRejected, match="too-deep"):
        canonicalize({"l": [[[[nest(MAX_DEPTH)]]]]})


def _has_unsafe_int(value: object) -> bool:
    if type(value) is int:
        return abs(value) > MAX_SAFE_INTEGER
    if isinstance(value, dict):
        return any(_has_unsafe_int(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_unsafe_int(v) for v in value)
    return False
