"""Log read models (RFC 9162 proofs; hashes as standard base64)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class LogEntry(BaseModel):
    index: int
    leaf_hash: str = Field(description="RFC 9162 leaf hash SHA-256(0x00 || data), base64")
    data: str = Field(description="the exact entry bytes (RFC 8785 JSON), base64")
    entry: dict[str, Any] = Field(description="the same entry, parsed")


class LogEntries(BaseModel):
    start: int
    tree_size: int
    entries: list[LogEntry]


class InclusionProof(BaseModel):
    leaf_index: int
    tree_size: int
    leaf_hash: str
    root_hash: str = Field(description="root of the tree of `tree_size`, base64")
    hashes: list[str] = Field(description="RFC 9162 §2.1.3.1 audit path, base64, leaf to root")


class ConsistencyProof(BaseModel):
    first: int
    second: int
    first_root: str
    second_root: str
    hashes: list[str] = Field(description="RFC 9162 §2.1.4.1 consistency path, base64")


class LogState(BaseModel):
    origin: str
    tree_size: int
    root_hash: str
