"""Pure cores: USCC (GB 32100-2015), ID numbers (GB 11643-1999), salted commitments."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drawsvc.errors import InvalidInput
from drawsvc.privacy import Sealed, commit, public_body, seal, verify_commitment
from drawsvc.registries import rules
from drawsvc.registries.identity import id_check_character, validate_id_number
from drawsvc.registries.uscc import AUTHORITIES, CHARSET, check_character, validate_uscc
from drawsvc.sample import generate_targets

# Codes as published in the National Enterprise Credit Information Publicity System
# (阿里巴巴（中国）, 腾讯科技（深圳）, 华为技术, the GB 32100 textbook example, 中国石油化工).
PUBLISHED_USCCS = [
    "91330100799655058B",
    "9144030071526726XG",
    "914403001922038216",
    "91350100M000100Y43",
    "91110000100017643K",
]


@pytest.mark.parametrize("code", PUBLISHED_USCCS)
def test_published_codes_are_accepted(code: str) -> None:
    assert validate_uscc(code) == code


@pytest.mark.parametrize("code", PUBLISHED_USCCS)
def test_every_wrong_check_character_is_refused(code: str) -> None:
    for c in CHARSET:
        if c == code[17]:
            continue
        with pytest.raises(InvalidInput) as exc:
            validate_uscc(code[:17] + c)
        assert exc.value.rule == rules.USCC_CHECK


@given(st.data())
def test_single_character_substitution_is_detected(data: st.DataObject) -> None:
    code = data.draw(st.sampled_from(PUBLISHED_USCCS))
    pos = data.draw(st.integers(0, 16))
    new = data.draw(st.sampled_from(CHARSET).filter(lambda c: c != code[pos]))
    mutated = code[:pos] + new + code[pos + 1 :]
    with pytest.raises(InvalidInput):
        validate_uscc(mutated)


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "91330100799655058",
        "91330100799655058BB",
        "91330100799655058I",
        "9133010079965505OB",
        "91AB0100799655058B",
        "91330100 99655058B",
    ],
)
def test_malformed_codes_are_refused(bad: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        validate_uscc(bad)
    assert exc.value.rule in (rules.USCC_FORMAT, rules.USCC_CHECK)


def _with_check(first17: str) -> str:
    return first17 + check_character(first17)


@pytest.mark.parametrize("authority", sorted(set(CHARSET) - set(AUTHORITIES)))
def test_unallocated_authority_code_is_refused_even_with_a_right_check_character(authority: str) -> None:
    code = _with_check(authority + "1330100799655058")
    with pytest.raises(InvalidInput) as exc:
        validate_uscc(code, field="counterpart_uscc")
    assert exc.value.rule == rules.USCC_AUTHORITY
    assert exc.value.field == "counterpart_uscc"
    assert code not in str(exc.value)  # the message names the rule, not the value


def test_all_zero_code_is_refused() -> None:
    assert check_character("0" * 17) == "0"  # a right check character: only RG-40 catches it
    with pytest.raises(InvalidInput) as exc:
        validate_uscc("0" * 18)
    assert exc.value.rule == rules.USCC_AUTHORITY


@pytest.mark.parametrize("authority", sorted(AUTHORITIES))
def test_every_allocated_authority_code_is_accepted(authority: str) -> None:
    code = _with_check(authority + "1330100799655058")
    assert validate_uscc(code) == code


def test_authority_table_is_the_published_one() -> None:
    # GB 32100-2015 表 1 plus A (military units); the data file carries the source.
    assert AUTHORITIES == {
        "1": "机构编制", "2": "外交", "3": "司法行政", "4": "文化", "5": "民政", "6": "旅游",
        "7": "宗教", "8": "工会", "9": "市场监管", "A": "中央军委改革和编制办公室", "N": "农业", "Y": "其他",
    }


def test_sample_codes_are_valid_and_unique() -> None:
    codes = [t["uscc"] for t in generate_targets(3000, seed=7)]
    assert len(set(codes)) == len(codes)
    for code in codes:
        validate_uscc(code)
    assert codes == [t["uscc"] for t in generate_targets(3000, seed=7)]  # seeded


def test_check_character_reference_formula() -> None:
    # GB 32100-2015 附录 A: C18 = 31 - (Σ Ci×Wi mod 31), 31 → 0, over the 31-character set.
    weights = [pow(3, i, 31) for i in range(17)]
    code = PUBLISHED_USCCS[0]
    total = sum(CHARSET.index(ch) * w for ch, w in zip(code[:17], weights, strict=True))
    assert CHARSET[(31 - total % 31) % 31] == check_character(code[:17]) == code[17]


def test_id_number_check_and_birth_date() -> None:
    first17 = "33010619800101001"
    good = first17 + id_check_character(first17)
    assert validate_id_number(good).isoformat() == "1980-01-01"
    wrong = first17 + ("0" if good[17] != "0" else "1")
    with pytest.raises(InvalidInput) as exc:
        validate_id_number(wrong)
    assert exc.value.rule == rules.ID_NUMBER
    assert good not in str(exc.value) and wrong not in str(exc.value)


def test_commitment_opens_and_binds_field_salt_value() -> None:
    salt = "00" * 16
    c = commit("phone", salt, "10000000001")
    verify_commitment("phone", salt, "10000000001", c)
    for field, s, value in [
        ("phone", salt, "10000000002"),
        ("id_number", salt, "10000000001"),
        ("phone", "01" + "00" * 15, "10000000001"),
    ]:
        with pytest.raises(ValueError):
            verify_commitment(field, s, value, c)


def test_commitment_is_length_prefixed() -> None:
    salt = "ab" * 16
    assert commit("ab", salt, "c") != commit("a", salt, "bc")


def test_seal_keeps_salt_only_for_same_value() -> None:
    first = seal("10000000001")
    assert first is not None
    assert seal("10000000001", previous=first) == first
    changed = seal("10000000002", previous=first)
    assert changed is not None and changed.salt != first.salt
    assert seal("", previous=first) is None


def test_public_body_replaces_private_fields() -> None:
    body = public_body({"code": "E1"}, {"phone": Sealed("10000000001", "cd" * 16), "id_number": None})
    assert body["id_number"] is None
    assert body["phone"] == {"commitment": commit("phone", "cd" * 16, "10000000001")}
    assert "10000000001" not in repr(body)
    with pytest.raises(ValueError):
        public_body({"phone": "x"}, {"phone": None})


def test_check_character_of_set_agrees_with_the_reference_check_character() -> None:
    import random

    from drawsvc.registries.uscc import CHARSET, check_character, check_character_of_set

    rng = random.Random(5)
    cases = ["0" * 17, "Y" * 17, CHARSET[:17], CHARSET[-17:]]
    cases += ["".join(rng.choice(CHARSET) for _ in range(17)) for _ in range(5000)]
    for first17 in cases:
        assert check_character_of_set(first17) == check_character(first17)
