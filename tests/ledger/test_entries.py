"""ledger.entries: RFC 8785 canonical JSON (fast path == rfc8785 package) and entry acceptance."""

from __future__ import annotations

import enum
import json
import math
from pathlib import Path
from types import MappingProxyType

import pytest
import rfc8785
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import ledger.entries as entries
from ledger.entries import (
    MAX_DEPTH,
    MAX_SAFE_INTEGER,
    canonicalize,
    canonicalize_reference,
    check_entry_bytes,
)
from ledger.errors import EntryRejected
from ledger.hashing import leaf_hash

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "entries"
DATA = json.loads((VECTORS / "cases.json").read_text(encoding="utf-8"))

# --- generators ---------------------------------------------------------------------------------

TRICKY = [
    "\x00", "\x08", "\x1f", "\x7f", "\x80", "\u2028", "\u2029", "\ud7ff", "\ue000", "\uffff",
    "\U00010000", "\U0001f600", "\U0010ffff", '"', "\\", "/", "é", "中", "a", "Z", "0",
]  # fmt: skip
ANY_CHAR = st.one_of(st.characters(blacklist_categories=("Cs",)), st.sampled_from(TRICKY))
BMP_CHAR = st.one_of(
    st.characters(max_codepoint=0xFFFF, blacklist_categories=("Cs",)),
    st.sampled_from([c for c in TRICKY if ord(c) <= 0xFFFF]),
)
INTS = st.one_of(
    st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER),
    st.sampled_from([0, -1, 1, MAX_SAFE_INTEGER, -MAX_SAFE_INTEGER, 2**31, 2**32, 10**15, 2**53 - 2]),
)
FLOATS = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0.0, -0.0, 1e21, 1e-7, 5e-324, 1.7976931348623157e308, 0.1, 1.0, 2.0**53]),
)


def json_objects(chars, floats: bool):
    text = st.text(alphabet=chars, max_size=10)
    scalars = [st.none(), st.booleans(), INTS, text] + ([FLOATS] if floats else [])
    values = st.recursive(
        st.one_of(*scalars),
        lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(text, inner, max_size=4)),
        max_leaves=25,
    )
    return st.dictionaries(text, values, max_size=6)


# --- equivalence with the rfc8785 package ------------------------------------------------------


@given(json_objects(ANY_CHAR, floats=True))
@settings(max_examples=250, deadline=None)
def test_canonicalize_equals_rfc8785_on_any_json(obj: dict) -> None:
    try:
        ours = canonicalize(obj)
    except EntryRejected as e:
        # Our one restriction beyond RFC 8785: no float that prints as an unsafe integer.
        assert e.rule == "integer-out-of-range"  # type: ignore[attr-defined]
        assert any(_prints_as_unsafe_int(f) for f in _floats_in(obj))
        return
    assert ours == rfc8785.dumps(obj)


def _floats_in(value: object):
    if isinstance(value, float):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _floats_in(v)
    elif isinstance(value, list):
        for v in value:
            yield from _floats_in(v)


def _prints_as_unsafe_int(f: float) -> bool:
    text = rfc8785.dumps({"f": f})[5:-1]
    return b"." not in text and b"e" not in text and abs(int(text)) > MAX_SAFE_INTEGER


def test_float_printing_as_unsafe_integer_is_refused() -> None:
    for f in (2.0**53, -(2.0**53), 1e20, 123456789012345680000.0):
        with pytest.raises(EntryRejected, match="integer-out-of-range"):
            canonicalize({"f": f})
    for f in (2.0**53 - 1, 1e21, 1e300, 0.5):
        check_entry_bytes(canonicalize({"f": f}), 100)


@given(json_objects(BMP_CHAR, floats=False))
@settings(max_examples=250, deadline=None)
def test_fast_path_alone_equals_rfc8785(obj: dict) -> None:
    """Without floats and astral keys the fast path must answer alone, byte-identical."""
    expected = rfc8785.dumps(obj)
    original = entries._reference
    entries._reference = _fail_reference  # type: ignore[assignment]
    try:
        assert canonicalize(obj) == expected
    finally:
        entries._reference = original


@given(
    st.one_of(
        st.integers().filter(lambda n: abs(n) > MAX_SAFE_INTEGER),
        st.text(min_size=1, max_size=5).map(lambda t: t + "\ud800"),
        st.sampled_from([math.nan, math.inf, -math.inf]),
    ),
    st.lists(st.sampled_from(["a", "é", "\U0001f600", "0"]), max_size=3),
)
@settings(max_examples=150, deadline=None)
def test_values_rfc8785_refuses_are_refused_too(bad: object, keys: list[str]) -> None:
    obj: object = bad
    for k in keys:
        obj = {k: [obj]}
    obj = {"x": obj}
    with pytest.raises(rfc8785.CanonicalizationError):
        rfc8785.dumps(obj)
    with pytest.raises(EntryRejected):
        canonicalize(obj)  # type: ignore[arg-type]


def _fail_reference(obj: object) -> bytes:
    raise AssertionError("the fast path should have handled this input")


@given(
    st.lists(
        st.text(
            alphabet=st.sampled_from(["\ue000", "\uffff", "\U00010000", "\U0001f600", "a", "\ud7ff"]),
            min_size=1,
            max_size=3,
        ),
        min_size=2,
        max_size=8,
        unique=True,
    )
)
@settings(max_examples=200, deadline=None)
def test_keys_sort_by_utf16_code_units(keys: list[str]) -> None:
    obj = {k: i for i, k in enumerate(keys)}
    out = json.loads(canonicalize(obj))
    assert list(out) == sorted(keys, key=lambda k: k.encode("utf-16-be"))
    assert canonicalize(obj) == rfc8785.dumps(obj)


def test_astral_key_sorts_before_private_use_unlike_code_point_order() -> None:
    obj = {"\ue000": 1, "\U0001f600": 2}
    assert sorted(obj) == ["\ue000", "\U0001f600"]  # Python's order
    assert canonicalize(obj) == '{"\U0001f600":2,"\ue000":1}'.encode()  # JCS order


def test_string_escapes_are_exactly_jcs() -> None:
    s = "".join(chr(i) for i in range(0x20)) + '"\\/\x7f\u2028\u2029é中\U0001f600'
    out = canonicalize({"s": s}).decode()
    assert out == (
        '{"s":"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000b\\f\\r'
        "\\u000e\\u000f\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018\\u0019"
        '\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f\\"\\\\/\x7f\u2028\u2029é中\U0001f600"}'
    )
    assert out.encode() == rfc8785.dumps({"s": s})


# --- published vectors (cyberphone/json-canonicalization) and ours -------------------------------


@pytest.mark.parametrize("name", ["french", "structures", "unicode", "values", "weird"])
def test_jcs_reference_vectors(name: str) -> None:
    value = json.loads((VECTORS / "jcs" / f"{name}.input.json").read_text(encoding="utf-8"))
    expected = (VECTORS / "jcs" / f"{name}.output.json").read_bytes()
    assert canonicalize(value) == expected
    assert canonicalize_reference(value) == expected


def test_jcs_array_vector_is_refused_at_top_level_but_reference_agrees() -> None:
    value = json.loads((VECTORS / "jcs" / "arrays.input.json").read_text(encoding="utf-8"))
    assert rfc8785.dumps(value) == (VECTORS / "jcs" / "arrays.output.json").read_bytes()
    with pytest.raises(EntryRejected, match="not-an-object"):
        canonicalize(value)


@pytest.mark.parametrize("case", DATA["canonical"], ids=lambda c: c["name"])
def test_canonical_vector(case: dict) -> None:
    out = canonicalize(json.loads(case["input"]))
    assert out == case["canonical"].encode("utf-8")
    assert leaf_hash(out).hex() == case["leaf_hash"]
    check_entry_bytes(out, 1 << 20)


@pytest.mark.parametrize("case", DATA["rejected_values"], ids=lambda c: c["name"])
def test_rejected_value_vector(case: dict) -> None:
    with pytest.raises(EntryRejected) as info:
        canonicalize(json.loads(case["input"]))
    assert (info.value.rule, info.value.path) == (case["rule"], case["path"])  # type: ignore[attr-defined]
    assert case["path"] in str(info.value)


@pytest.mark.parametrize("case", DATA["entry_bytes"], ids=lambda c: c["name"])
def test_entry_bytes_vector(case: dict) -> None:
    data = bytes.fromhex(case["entry_hex"])
    if case["expect"] == "ok":
        check_entry_bytes(data, DATA["max_size"])
        return
    with pytest.raises(EntryRejected) as info:
        check_entry_bytes(data, DATA["max_size"])
    assert info.value.rule == case["expect"]  # type: ignore[attr-defined]


def test_entries_vectors_are_up_to_date() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("entries_vectors", VECTORS / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.render(module.build()) == (VECTORS / "cases.json").read_text(encoding="utf-8")


# --- the cases the merkle-json package gets wrong (docs/decisions/0001) --------------------------

FORGED_MERKLE_HASH = "f5d494199cd9954af93ff7585cfaeb49"  # merkle-json's hash of {"winners": ["company-a"]}


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ({"winners": [1, 2]}, {"winners": [2, 1]}),  # merkle-json sorts list items before hashing
        ({"seed": 1}, {"seed": "1"}),  # merkle-json hashes str(value)
        ({"ok": True}, {"ok": "True"}),
        ({"a": None}, {"a": "None"}),
        ({"a": {"b": "c"}}, {"a": "b:4a8a08f09d37b73795649038408b5f33,"}),  # object vs its digest text
        # merkle-json returns a "merkleHash" found in the input instead of hashing the object
        (
            {"winners": ["company-a"]},
            {"winners": ["someone-else"], "merkleHash": "f5d494199cd9954af93ff7585cfaeb49"},
        ),
    ],
    ids=[
        "list-order",
        "number-vs-string",
        "bool-vs-string",
        "null-vs-string",
        "object-vs-digest",
        "merkleHash",
    ],
)
def test_cases_merkle_json_confuses_have_distinct_bytes_and_leaf_hashes(a: dict, b: dict) -> None:
    assert canonicalize(a) != canonicalize(b)
    assert leaf_hash(canonicalize(a)) != leaf_hash(canonicalize(b))


@pytest.mark.parametrize("case", DATA["distinct"], ids=lambda c: c["name"])
def test_distinct_vector(case: dict) -> None:
    ha = leaf_hash(canonicalize(json.loads(case["a"]))).hex()
    hb = leaf_hash(canonicalize(json.loads(case["b"]))).hex()
    assert (ha, hb) == (case["a_leaf_hash"], case["b_leaf_hash"])
    assert ha != hb


def test_merkle_hash_key_is_ordinary_data() -> None:
    out = canonicalize({"merkleHash": "0" * 32, "x": 1})
    assert out == b'{"merkleHash":"00000000000000000000000000000000","x":1}'


# --- rules, with the rule name and the JSON path in the error -----------------------------------


@pytest.mark.parametrize(
    ("obj", "rule", "path"),
    [
        ({"body": {"ratio": math.nan}}, "number-not-finite", "$.body.ratio"),
        ({"body": {"ratio": math.inf}}, "number-not-finite", "$.body.ratio"),
        ({"body": {"ratio": -math.inf}}, "number-not-finite", "$.body.ratio"),
        ({"n": MAX_SAFE_INTEGER + 1}, "integer-out-of-range", "$.n"),
        ({"n": -MAX_SAFE_INTEGER - 1}, "integer-out-of-range", "$.n"),
        ({"a": [0, [1, 2**64]]}, "integer-out-of-range", "$.a[1][1]"),
        ({"s": "ok\ud800"}, "lone-surrogate", "$.s"),
        ({"\udfff": 1}, "lone-surrogate", '$["\\udfff"]'),
        ({"a": {1: "x"}}, "key-not-string", "$.a"),
        ({"a": {None: "x"}}, "key-not-string", "$.a"),
        ({"a b": {"c": b"bytes"}}, "unsupported-type", '$["a b"].c'),
        ({"s": {1, 2}}, "unsupported-type", "$.s"),
        ({"d": object()}, "unsupported-type", "$.d"),
    ],
)
def test_rule_violations_name_rule_and_path(obj: dict, rule: str, path: str) -> None:
    with pytest.raises(EntryRejected) as info:
        canonicalize(obj)
    err = info.value
    assert (err.rule, err.path) == (rule, path)  # type: ignore[attr-defined]
    assert rule in str(err) and path in str(err)
    assert err.code == "entry-rejected"


@pytest.mark.parametrize("top", [[1], "x", 1, None, b"{}", (("a", 1),)])
def test_top_level_must_be_an_object(top: object) -> None:
    with pytest.raises(EntryRejected, match="not-an-object"):
        canonicalize(top)  # type: ignore[arg-type]


def test_error_message_does_not_contain_values() -> None:
    with pytest.raises(EntryRejected) as info:
        canonicalize({"phone": "13800138000", "n": 2**60})
    assert "13800138000" not in str(info.value) and str(2**60) not in str(info.value)


def test_depth_limit_and_cycles_are_refused_cleanly() -> None:
    ok: dict = {}
    node = ok
    for _ in range(MAX_DEPTH - 1):
        node["a"] = {}
        node = node["a"]
    canonicalize(ok)
    deep: dict = {"a": ok}
    node = deep
    for _ in range(10):
        node = node["a"]
    with pytest.raises(EntryRejected, match="too-deep"):
        canonicalize({"x": [deep, deep]} | {"y": ok, "z": {"w": ok}})
    cyclic: dict = {}
    cyclic["self"] = cyclic
    with pytest.raises(EntryRejected, match="too-deep"):
        canonicalize(cyclic)


def test_other_mappings_tuples_and_enums_match_their_plain_values() -> None:
    class Kind(enum.StrEnum):
        UPSERT = "registry.target.upsert"

    class Level(enum.IntEnum):
        HIGH = 3

    obj = MappingProxyType(
        {"kind": Kind.UPSERT, "level": Level.HIGH, "t": (1, "a"), "m": MappingProxyType({"z": 1})}
    )
    plain = {"kind": "registry.target.upsert", "level": 3, "t": [1, "a"], "m": {"z": 1}}
    assert canonicalize(obj) == canonicalize(plain) == rfc8785.dumps(plain)


def test_bool_is_not_an_integer() -> None:
    assert canonicalize({"a": True, "b": False, "c": 1, "d": 0}) == b'{"a":true,"b":false,"c":1,"d":0}'


# --- check_entry_bytes ---------------------------------------------------------------------------


@given(json_objects(ANY_CHAR, floats=True))
@settings(max_examples=100, deadline=None)
def test_canonical_bytes_are_accepted(obj: dict) -> None:
    try:
        data = canonicalize(obj)
    except EntryRejected:
        assume(False)
    check_entry_bytes(data, len(data))


@given(json_objects(ANY_CHAR, floats=False))
@settings(max_examples=100, deadline=None)
def test_any_other_serialization_is_refused(obj: dict) -> None:
    canonical = canonicalize(obj)
    other = json.dumps(obj, ensure_ascii=True, indent=None).encode()
    assume(other != canonical)
    with pytest.raises(EntryRejected):
        check_entry_bytes(other, 1 << 20)


def test_size_limit_is_inclusive() -> None:
    data = canonicalize({"a": "x" * 100})
    check_entry_bytes(data, len(data))
    with pytest.raises(EntryRejected, match="too-large"):
        check_entry_bytes(data, len(data) - 1)


def test_entry_bytes_must_be_bytes() -> None:
    with pytest.raises(TypeError):
        check_entry_bytes('{"a":1}', 100)  # type: ignore[arg-type]


def test_deeply_nested_bytes_are_refused_without_recursion_error() -> None:
    data = b'{"a":' * 100_000 + b"1" + b"}" * 100_000
    with pytest.raises(EntryRejected):
        check_entry_bytes(data, len(data))
