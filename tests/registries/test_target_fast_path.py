"""The import fast path for targets agrees with the reference validator (records.parse_target)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drawsvc.registries import records, rules
from drawsvc.sample import generate_targets

SAMPLES = list(generate_targets(200, seed=21))
FIELDS = [
    "uscc",
    "name",
    "target_type",
    "scale",
    "region_code",
    "registration_authority",
    "industry",
    "credit_class",
    "risk_flags",
    "status",
]
CELLS = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "",
            " ",
            "a",
            "c",
            "A",
            "E",
            "在营",
            "注销",
            "active",
            "吊销",
            "失信",
            "失信；失信",
            "投诉举报多、严重违法违规",
            "偷税",
            "330106",
            " 330106 ",
            "3301067",
            "x" * 301,
            "91330100799655058b",
            "91330100799655058C",
            "01330100799655058L",  # right check character, unallocated authority
            "B13301007996550589",
            "000000000000000000",
            "名\x07称",
            None,
        ]
    ),
    st.integers(-5, 10**6),
)


def agree(raw: dict[str, Any]) -> None:
    fast = records.parse_target_fast(raw)
    full, errors = records.parse_target(raw)
    if errors:
        assert fast is None
    else:
        assert full is not None
        assert fast is None or fast == dict(full.__dict__)


def test_fast_path_takes_every_sample_row() -> None:
    for raw in SAMPLES:
        fast = records.parse_target_fast(raw)
        assert fast is not None
        agree(raw)


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(SAMPLES), st.dictionaries(st.sampled_from(FIELDS), CELLS, max_size=3))
def test_fast_path_never_accepts_what_the_reference_refuses(
    base: dict[str, Any], changes: dict[str, Any]
) -> None:
    agree({**base, **changes})


@pytest.mark.parametrize("uscc", ["01330100799655058L", "000000000000000000", "B13301007996550589"])
def test_unallocated_authority_leaves_the_fast_path_and_is_refused(uscc: str) -> None:
    raw = {**SAMPLES[0], "uscc": uscc}
    assert records.parse_target_fast(raw) is None
    record, errors = records.parse_target(raw)
    assert record is None
    assert [e.rule for e in errors] == [rules.USCC_AUTHORITY]
