"""draw/v1 stream (docs/draw-spec.md §4): fast DrawStream against the slow reference."""

from __future__ import annotations

import hashlib

import pytest
from draw_reference import RefStream, ref_stream_bytes, ref_substream_seed
from hypothesis import given, settings
from hypothesis import strategies as st

from drawsvc.draw.stream import DrawStream, derive_stream_seed
from drawsvc.errors import InvalidInput

SEED = hashlib.sha256(b"draw/v1 test seed").digest()


def test_first_block_is_sha256_of_seed_and_counter_zero():
    s = DrawStream(SEED)
    assert s.read(32) == hashlib.sha256(SEED + b"\x00" * 8).digest()
    assert s.read(32) == hashlib.sha256(SEED + (1).to_bytes(8, "big")).digest()
    assert s.position == 64


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 70), max_size=12))
def test_reads_of_any_sizes_concatenate_to_the_reference_stream(sizes):
    s = DrawStream(SEED)
    got = b"".join(s.read(n) for n in sizes)
    assert got == ref_stream_bytes(SEED, sum(sizes))
    assert s.position == sum(sizes)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 200), st.lists(st.integers(1, 2**64), min_size=1, max_size=8))
def test_resuming_at_a_recorded_position_continues_identically(prefix, ns):
    a = DrawStream(SEED)
    a.read(prefix)
    pos = a.position
    first = [a.uniform(n) for n in ns]
    b = DrawStream(SEED, pos)
    assert [b.uniform(n) for n in ns] == first
    assert b.position == a.position


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 100), st.lists(st.integers(1, 2**64), min_size=1, max_size=10))
def test_uniform_matches_the_reference(start, ns):
    fast, ref = DrawStream(SEED, start), RefStream(SEED, start)
    for n in ns:
        v = fast.uniform(n)
        assert v == ref.uniform(n)
        assert 0 <= v < n
    assert fast.position == ref.pos


def test_uniform_of_one_consumes_nothing():
    s = DrawStream(SEED, 5)
    assert s.uniform(1) == 0
    assert s.position == 5


def test_uniform_rejects_values_at_or_above_the_limit():
    # n = 2^63 + 1: limit = 2^63 + 1, so about half of all 8-byte values are rejected.
    n = 2**63 + 1
    s = DrawStream(SEED)
    positions = []
    for _ in range(40):
        before = s.position
        s.uniform(n)
        positions.append(s.position - before)
    assert set(positions) <= {8 * k for k in range(1, 40)}
    assert any(p > 8 for p in positions), "no rejection happened in 40 draws at ~1/2 rejection rate"


@pytest.mark.parametrize("n", [0, -1, 2**64 + 1])
def test_uniform_refuses_out_of_range_n(n):
    with pytest.raises(ValueError):
        DrawStream(SEED).uniform(n)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 300).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n))))
def test_sample_is_partial_fisher_yates_and_distinct(nk):
    n, k = nk
    got = DrawStream(SEED).sample(n, k)
    assert got == RefStream(SEED).sample(n, k)
    assert len(set(got)) == k and all(0 <= x < n for x in got)


def test_sample_of_everything_is_a_permutation():
    assert sorted(DrawStream(SEED).sample(50, 50)) == list(range(50))


@pytest.mark.parametrize("seed", [b"", b"\x00" * 31, b"\x00" * 33])
def test_seed_must_be_32_bytes(seed):
    with pytest.raises(InvalidInput) as e:
        DrawStream(seed)
    assert e.value.rule == "DRAW-10"


def test_negative_position_is_refused():
    with pytest.raises(InvalidInput):
        DrawStream(SEED, -1)


@pytest.mark.parametrize("label", [["targets", "default"], ["stratum", "区域:3201"], ["teams"], []])
def test_substream_seed_matches_the_reference_jcs(label):
    assert derive_stream_seed(SEED, label) == ref_substream_seed(SEED, label)


def test_substreams_with_different_labels_differ():
    a = DrawStream.derived(SEED, ["stratum", "A"]).read(32)
    b = DrawStream.derived(SEED, ["stratum", "B"]).read(32)
    c = DrawStream.derived(SEED, ["stratumA"]).read(32)
    assert len({a, b, c}) == 3


def _sample_by_uniform(stream: DrawStream, n: int, k: int) -> list[int]:
    """DRAW-13 spelled out with ``uniform`` (what ``sample`` takes in line)."""
    swapped: dict[int, int] = {}
    out = []
    for i in range(k):
        j = i + stream.uniform(n - i)
        out.append(swapped.get(j, j))
        swapped[j] = swapped.get(i, i)
    return out


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 200), st.sampled_from([1, 2, 7, 300, 2**32 + 5, 2**63 + 1, 2**64]),
       st.integers(0, 60))
def test_sample_from_any_position_equals_uniform_steps_and_ends_at_the_same_position(start, n, k):
    k = min(k, n)
    fast, slow = DrawStream(SEED, start), DrawStream(SEED, start)
    assert fast.sample(n, k) == _sample_by_uniform(slow, n, k)
    assert fast.position == slow.position
    assert fast.read(5) == slow.read(5)  # the state handed back is the stream's, not a copy's
    if n <= 300:
        assert DrawStream(SEED, start).sample(n, k) == RefStream(SEED, start).sample(n, k)


@pytest.mark.parametrize(("n", "k"), [(2**64 + 1, 1), (2.0, 1), (3, 4), (3, -1)])
def test_sample_refuses_what_uniform_refuses(n, k):
    with pytest.raises(ValueError):
        DrawStream(SEED).sample(n, k)
    assert DrawStream(SEED).sample(2**64 + 1, 0) == []  # no step, no uniform call (as before)
