"""Unified social credit code (统一社会信用代码), GB 32100-2015. Pure; no I/O.

Layout (GB 32100-2015 §4): position 1 registration-authority code, 2 organisation-type code,
3–8 the 6-digit administrative-division code (GB/T 2260), 9–17 the organisation code
(GB 11714), 18 the check character computed over positions 1–17 (§5, 附录 A).
Spec: docs/specs/registries.md §3 (rules RG-06, RG-07).
"""

from __future__ import annotations

import json
from importlib import resources
from operator import getitem

from drawsvc.errors import InvalidInput
from drawsvc.registries import rules

USCC_LENGTH = 18
# GB 32100-2015 code character set: digits and upper-case letters without I, O, Z, S, V.
CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_VALUE = {c: i for i, c in enumerate(CHARSET)}
MODULUS = len(CHARSET)  # 31
_WEIGHTED = tuple({c: v * w for c, v in _VALUE.items()} for w in WEIGHTS)


def check_character(first17: str) -> str:
    """The check character for the first 17 characters (GB 32100-2015 附录 A)."""
    if len(first17) != USCC_LENGTH - 1:
        raise InvalidInput("need 17 characters", field="uscc", rule=rules.USCC_FORMAT)
    try:
        total = sum(map(getitem, _WEIGHTED, first17))  # Σ value(Ci)·Wi, one table per position
    except KeyError:
        raise InvalidInput(
            "character outside the GB 32100 set", field="uscc", rule=rules.USCC_FORMAT
        ) from None
    return CHARSET[(MODULUS - total % MODULUS) % MODULUS]


# Σ value(Ci)·3^(i−1) ≡ Σ value(Ci)·34^(i−1) (mod 31), since 34 ≡ 3: the weighted sum mod 31 is
# the value, mod 31, of the 17 characters read as a base-34 number, last character first, once
# each character is written as the base-34 digit of its value (values 0..30 < 34).
_BASE34_DIGITS = str.maketrans({c: "0123456789abcdefghijklmnopqrstuvwx"[v] for c, v in _VALUE.items()})
_CHECK_OF_SUM = tuple(CHARSET[(MODULUS - r) % MODULUS] for r in range(MODULUS))


def _load_authorities() -> dict[str, str]:
    """Position 1, the registration-authority code: the allocated codes as data with their source
    (``data/uscc-authorities.json``, GB 32100-2015 表 1). A code outside it is unallocated."""
    text = resources.files("drawsvc.registries").joinpath("data/uscc-authorities.json").read_text("utf-8")
    codes: dict[str, str] = json.loads(text)["codes"]
    return codes


AUTHORITIES = _load_authorities()


def check_character_of_set(first17: str) -> str:
    """:func:`check_character` for 17 characters already known to be in ``CHARSET`` (the caller
    matched them; anything else gives a wrong answer, never an error). One ``int()`` call
    instead of 17 look-ups: for import speed. Tests compare it with :func:`check_character`."""
    return _CHECK_OF_SUM[int(first17[::-1].translate(_BASE34_DIGITS), 34) % MODULUS]


def validate_uscc(code: str, *, field: str = "uscc") -> str:
    """Return ``code`` if it is a well-formed USCC with the right check character; raise otherwise."""
    if len(code) != USCC_LENGTH or any(c not in _VALUE for c in code):
        raise InvalidInput(
            "统一社会信用代码 must be 18 characters of the GB 32100 set", field=field, rule=rules.USCC_FORMAT
        )
    if not code[2:8].isdigit():
        raise InvalidInput(
            "统一社会信用代码 positions 3–8 must be a 6-digit region code",
            field=field,
            rule=rules.USCC_FORMAT,
        )
    if code[0] not in AUTHORITIES:
        # Checked before the check character: an all-zero code has a right check character.
        raise InvalidInput(
            "统一社会信用代码 position 1 is not an allocated registration-authority code "
            "(GB 32100-2015 表 1)",
            field=field,
            rule=rules.USCC_AUTHORITY,
        )
    if check_character(code[:17]) != code[17]:
        raise InvalidInput(
            "统一社会信用代码 check character is wrong (GB 32100-2015)", field=field, rule=rules.USCC_CHECK
        )
    return code


def org_code_check(body8: str) -> str:
    """GB 11714 organisation-code check character over 8 characters (used by the sample generator)."""
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = 0
    for c, w in zip(body8, weights, strict=True):
        v = int(c) if c.isdigit() else ord(c) - ord("A") + 10
        total += v * w
    r = 11 - total % 11
    return "X" if r == 10 else "0" if r == 11 else str(r)
