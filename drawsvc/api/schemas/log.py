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


class CosignatureSubmission(BaseModel):
    """A witness's cosignature (docs/specs/witness.md W-9): exactly one of the two forms."""

    checkpoint: str | None = Field(
        None, max_length=64 * 1024,
        description="the log's signed checkpoint note with the witness's cosignature line(s) appended "
                    "(what `drawsvc witness cosign --submit` sends)")
    cosignature: str | None = Field(
        None, max_length=1024,
        description="one C2SP tlog-cosignature/v1 signature line `— <witness> <base64>`")
    tree_size: int | None = Field(
        None, ge=0, le=2**53 - 1,
        description="with `cosignature`: the size of the checkpoint it signs (default: the current one)")


class CosignatureOut(BaseModel):
    witness: str = Field(description="witness name")
    witness_key: str = Field(description="the witness's cosignature/v1 verifier key")
    tree_size: int
    root_hash: str = Field(description="root of the cosigned tree, base64")
    timestamp: int = Field(description="the cosignature's time, POSIX seconds (the witness's clock)")
    line: str = Field(description="the signature line, as published on the checkpoint")


class CosignaturesAccepted(BaseModel):
    accepted: list[CosignatureOut]


class CosignatureList(BaseModel):
    tree_size: int = Field(description="the log's current size")
    cosignatures: list[CosignatureOut] = Field(
        description="each configured witness's cosignature of the largest size it cosigned")
