"""Commitment vectors: drawsvc.privacy against an independent implementation of spec §6."""

from __future__ import annotations

import hashlib
import json
import struct
from pathlib import Path

import pytest

from drawsvc.privacy import commit, verify_commitment

VECTORS = json.loads(
    (Path(__file__).parents[1] / "vectors" / "commitment" / "commitments.json").read_text(encoding="utf-8")
)


def reference(field: str, salt_hex: str, value: str) -> str:
    """Written from the spec text, not from privacy.py."""
    f, v = field.encode("utf-8"), value.encode("utf-8")
    data = b"drawsvc/commitment/v1" + b"\x00" + struct.pack(">I", len(f)) + f + bytes.fromhex(salt_hex)
    return hashlib.sha256(data + struct.pack(">I", len(v)) + v).hexdigest()


@pytest.mark.parametrize("case", VECTORS["valid"], ids=lambda c: f"{c['field']}-{c['salt'][:4]}")
def test_valid_vectors_open(case: dict[str, str]) -> None:
    assert reference(case["field"], case["salt"], case["value"]) == case["commitment"]
    assert commit(case["field"], case["salt"], case["value"]) == case["commitment"]
    verify_commitment(case["field"], case["salt"], case["value"], case["commitment"])


@pytest.mark.parametrize("case", VECTORS["invalid"], ids=lambda c: c["name"])
def test_mutated_vectors_do_not_open(case: dict[str, str]) -> None:
    assert reference(case["field"], case["salt"], case["value"]) != case["commitment"]
    with pytest.raises(ValueError):
        verify_commitment(case["field"], case["salt"], case["value"], case["commitment"])
