"""Helpers for the audit tests: publish raw entries as a signed site directory (test key)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ledger import tiles
from ledger.checkpoint import sign_checkpoint
from ledger.hashing import leaf_hash, root_from_leaf_hashes
from ledger.note import generate_key

ORIGIN = "audit.test.example/log"
_, SIGNER = generate_key(ORIGIN)


def publish(d: Path, raws: list[bytes], signer: Any = SIGNER) -> Path:
    """Write ``raws`` as a signed log under ``d/log`` (the test key re-signs a tampered log)."""
    log = d / "log"
    log.mkdir(parents=True, exist_ok=True)
    root = root_from_leaf_hashes([leaf_hash(r) for r in raws])
    (log / "checkpoint").write_bytes(sign_checkpoint(signer, signer.name, len(raws), root))
    (log / "verifier-key").write_text(signer.verifier_key() + "\n")
    for n in range(0, len(raws), 256):
        chunk = raws[n : n + 256]
        p = log / tiles.entries_path(n // 256, len(chunk))
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(tiles.encode_bundle(chunk))
    return d


def encode(entry: dict[str, Any]) -> bytes:
    return json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode()


def entries_of(log: dict[str, Any]) -> list[dict[str, Any]]:
    return [json.loads(r) for r in log["raws"]]


def index_of(entries: list[dict[str, Any]], kind: str, n: int = 0) -> int:
    return [i for i, e in enumerate(entries) if e["kind"] == kind][n]
