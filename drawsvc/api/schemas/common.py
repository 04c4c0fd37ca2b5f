"""Shapes shared by every area: the problem document and binary values in JSON."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from drawsvc.errors import InvalidInput


class Problem(BaseModel):
    """RFC 9457 problem details (``application/problem+json``)."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(examples=["https://drawsvc.example/problems/invalid-input"])
    title: str
    status: int
    detail: str
    code: str = Field(description="stable error code (the last segment of `type`)")
    field: str | None = Field(default=None, description="the offending field (dotted path)")
    rule: str | None = Field(default=None, description="stable id of the rule that was broken")
    rows: list[dict[str, Any]] | None = Field(default=None, description="rejected import rows")
    errors: list[dict[str, Any]] | None = Field(default=None, description="every validation error")


def b64(data: bytes) -> str:
    """Standard base64 with padding (RFC 4648 §4), the encoding of every hash in JSON."""
    return base64.b64encode(data).decode("ascii")


def parse_hash(value: str, *, field: str, size: int = 32) -> bytes:
    """A hash given as base64 (standard or URL-safe) or lowercase/uppercase hex."""
    text = value.strip()
    raw: bytes | None = None
    if len(text) == 2 * size:
        try:
            raw = bytes.fromhex(text)
        except ValueError:
            raw = None
    if raw is None:
        try:
            padded = text + "=" * (-len(text) % 4)
            raw = base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
        except (binascii.Error, ValueError):
            raw = None
    if raw is None or len(raw) != size:
        raise InvalidInput(f"{field}: must be {size} bytes as base64 or hex", field=field,
                           rule="hash-format")
    return raw
