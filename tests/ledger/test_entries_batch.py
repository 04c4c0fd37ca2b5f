"""ledger.entries.canonicalize_many: a batch gives exactly ``[canonicalize(o) for o in batch]``.

Same bytes (hence ``rfc8785.dumps``'s), and for a batch with a refused entry the same first
error. The batch path's own checks (breadth-first type pass, one orjson call split at a
separator, the 4-byte UTF-8 test for keys above U+FFFF) are each given inputs that must
make them fall back.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

import ledger.entries as entries
from ledger.entries import MAX_DEPTH, MAX_SAFE_INTEGER, canonicalize, canonicalize_many
from ledger.errors import EntryRejected

sys.path.insert(0, str(Path(__file__).parent))
from test_entries_fast import (
    ALL_INTS,
    BMP_CHAR,
    SAFE_INTS,
    WITH_SURROGATES,
    Colour,
    Level,
    Name,
    Point,
    objects,
)


def batch_outcome(fn, batch):
    try:
        return ("bytes", fn(batch))
    except EntryRejected as e:
        return ("refused", e.rule, str(e))  # type: ignore[attr-defined]


def one_by_one(batch):
    return [canonicalize(o) for o in batch]


@given(batch=st.lists(objects(WITH_SURROGATES, ALL_INTS, floats=True, max_leaves=15), max_size=6))
@settings(max_examples=300, deadline=None)
def test_same_outcome_as_one_by_one_on_any_json(batch: list[dict]) -> None:
    """Any code point (astral, lone surrogates), any int, any float: same bytes or same first error."""
    assert batch_outcome(canonicalize_many, batch) == batch_outcome(one_by_one, batch)


@given(batch=st.lists(objects(BMP_CHAR, SAFE_INTS), min_size=2, max_size=8))
@settings(max_examples=300, deadline=None)
def test_batch_path_alone_equals_rfc8785(batch: list[dict]) -> None:
    """BMP text (controls, U+2028/9, U+FFFF, quotes, newlines …), safe ints: no fallback needed."""
    original = entries.canonicalize

    def no_fallback(obj):  # the batch path must answer without the per-object path
        raise AssertionError("fell back to canonicalize")

    entries.canonicalize = no_fallback
    try:
        got = canonicalize_many(batch)
    finally:
        entries.canonicalize = original
    assert got == [rfc8785.dumps(o) for o in batch]


def test_newlines_and_the_separator_inside_strings_do_not_split() -> None:
    batch = [{"a": "x\n,\n,y", ",\n,": [",\n,"]}, {"b": "\n"}, {"c": ",,"}]
    assert canonicalize_many(batch) == [rfc8785.dumps(o) for o in batch]


@pytest.mark.parametrize(
    "value",
    [
        Colour.RED,
        Level.HIGH,
        Name("x"),
        Point(1),
        (1, "a"),
        float("nan"),
        1.5,
        2.0**53,
        MAX_SAFE_INTEGER + 1,
        -MAX_SAFE_INTEGER - 1,
        2**64,
        "\ud800",
        b"bytes",
        {1, 2},
    ],
    ids=repr,
)
def test_values_the_batch_path_must_not_take(value: object) -> None:
    for bad in ({"v": value}, {"a": [1, {"b": value}]}):
        batch = [{"ok": 1}, bad, {"also": "中"}]
        assert batch_outcome(canonicalize_many, batch) == batch_outcome(one_by_one, batch)


def test_first_refused_entry_is_the_error() -> None:
    batch = [{"a": 1}, {"b": 2**60}, {"c": "\udc00"}]
    with pytest.raises(EntryRejected, match="integer-out-of-range") as info:
        canonicalize_many(batch)
    assert info.value.path == "$.b"  # type: ignore[attr-defined]


def test_keys_that_are_not_exact_str() -> None:
    assert canonicalize_many([{Name("b"): 1, "a": 2}, {"c": 3}]) == [b'{"a":2,"b":1}', b'{"c":3}']
    with pytest.raises(EntryRejected, match="key-not-string"):
        canonicalize_many([{"a": 1}, {"a": {2: 1}}])


def test_astral_keys_sort_by_utf16_and_astral_values_stay() -> None:
    batch = [{"\ue000": 1, "\U0001f600": 2}, {"v": "\U0001f600", "\uffff": 0, "a": 1}, {"x": "中"}]
    got = canonicalize_many(batch)
    assert got == [rfc8785.dumps(o) for o in batch]
    assert got[0] == '{"\U0001f600":2,"\ue000":1}'.encode()


def test_depth_limit_is_the_reference_paths() -> None:
    def nest(n: int, inner: object) -> object:
        for i in range(n):  # dicts and lists alternating: both count as a level
            inner = {"a": inner} if i % 2 else [inner]
        return inner

    for depth in (MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1):
        obj = {"top": nest(depth, {})}  # the innermost {} is at depth ``depth + 1``
        batch = [{"b": 1}, obj]
        assert batch_outcome(canonicalize_many, batch) == batch_outcome(one_by_one, batch)
    with pytest.raises(EntryRejected, match="too-deep"):
        canonicalize_many([{"b": 1}, {"top": nest(MAX_DEPTH, {})}])
    assert len(canonicalize_many([{"b": 1}, {"top": nest(MAX_DEPTH - 1, {})}])) == 2
    # The batch path's own bound is the same one: it takes the deepest allowed, not one more.
    assert entries._plain_tree([{"top": nest(MAX_DEPTH - 1, {})}])
    assert not entries._plain_tree([{"top": nest(MAX_DEPTH, {})}])


def test_shared_and_repeated_objects_and_small_batches() -> None:
    shared = {"k": ["v", 1, None, True]}
    batch = [{"a": shared, "b": shared}, {"c": shared}]
    assert canonicalize_many(batch + batch) == [rfc8785.dumps(o) for o in batch + batch]
    assert canonicalize_many([]) == []
    assert canonicalize_many([{"z": 1, "a": 0}]) == [b'{"a":0,"z":1}']


def test_top_level_must_be_objects() -> None:
    with pytest.raises(EntryRejected, match="not-an-object"):
        canonicalize_many([{"a": 1}, [1, 2]])  # type: ignore[list-item]
