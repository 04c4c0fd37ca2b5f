"""Resident identity card numbers (公民身份号码, GB 11643-1999). Pure; no I/O.

Validation only: the number is private and never appears in messages or log entries
(docs/specs/registries.md §6, rule RG-17).
"""

from __future__ import annotations

from datetime import date

from drawsvc.errors import InvalidInput
from drawsvc.registries import rules

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"


def id_check_character(first17: str) -> str:
    return ID_CHECK[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def validate_id_number(value: str, *, field: str = "id_number") -> date:
    """Validate an 18-digit ID number; return the birth date it encodes. Messages never echo it."""
    if len(value) != 18 or not value[:17].isdigit() or value[17] not in "0123456789X":
        raise InvalidInput(
            "身份证号 must be 17 digits and a check character", field=field, rule=rules.ID_NUMBER
        )
    if id_check_character(value[:17]) != value[17]:
        raise InvalidInput(
            "身份证号 check character is wrong (GB 11643-1999)", field=field, rule=rules.ID_NUMBER
        )
    try:
        return date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise InvalidInput(
            "身份证号 encodes no valid birth date", field=field, rule=rules.ID_NUMBER
        ) from None
