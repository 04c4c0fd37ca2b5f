"""AUD-1/AUD-2 on hand-built directories: honest passes, a changed or removed entry fails."""

from __future__ import annotations

from pathlib import Path

import pytest

from drawsvc.audit.tree import (
    CompactRange,
    TreeMismatch,
    bundles,
    check_root,
    checkpoint_of,
    entries,
    hash_bundle,
    hash_entry,
)
from ledger import tiles
from ledger.checkpoint import sign_checkpoint
from ledger.errors import SignatureError
from ledger.hashing import leaf_hash, root_from_leaf_hashes
from ledger.note import generate_key

ORIGIN = "test.example/log"


def publish(d: Path, raws: list[bytes], signed: list[bytes] | None = None) -> object:
    _, signer = generate_key(ORIGIN)
    signed = raws if signed is None else signed
    root = root_from_leaf_hashes([leaf_hash(r) for r in signed])
    (d / "checkpoint").write_bytes(sign_checkpoint(signer, ORIGIN, len(signed), root))
    for n in range(0, len(raws), 256):
        chunk = raws[n : n + 256]
        p = d / tiles.entries_path(n // 256, len(chunk))
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(tiles.encode_bundle(chunk))
    return signer.verifier()


def audit(d: Path, verifier: object) -> int:
    def fetch(rel: str) -> bytes:
        return (d / rel).read_bytes()

    cp = checkpoint_of(fetch, verifier, ORIGIN)  # type: ignore[arg-type]
    rng = CompactRange()
    for _i, raw in entries(fetch, cp.size):
        hash_entry(rng, raw)
    check_root(cp, rng)
    return cp.size


RAWS = [f'{{"n":{i}}}'.encode() for i in range(700)]


def test_honest_directory_passes(tmp_path: Path) -> None:
    assert audit(tmp_path, publish(tmp_path, RAWS)) == 700


def test_changed_entry_fails(tmp_path: Path) -> None:
    changed = [*RAWS[:300], b'{"n":"x"}', *RAWS[301:]]
    with pytest.raises(TreeMismatch):
        audit(tmp_path, publish(tmp_path, changed, signed=RAWS))


def test_reordered_pair_fails(tmp_path: Path) -> None:
    swapped = [*RAWS[:10], RAWS[11], RAWS[10], *RAWS[12:]]
    with pytest.raises(TreeMismatch):
        audit(tmp_path, publish(tmp_path, swapped, signed=RAWS))


def test_other_key_fails(tmp_path: Path) -> None:
    publish(tmp_path, RAWS)
    _, other = generate_key(ORIGIN)
    with pytest.raises(SignatureError):
        audit(tmp_path, other.verifier())


def test_compact_range_matches_rfc9162_for_every_small_size() -> None:
    for size in range(0, 70):
        rng = CompactRange()
        hashes = [leaf_hash(r) for r in RAWS[:size]]
        for h in hashes:
            rng.append(h)
        assert rng.root() == root_from_leaf_hashes(hashes)


BIG = [f'{{"n":{i}}}'.encode() for i in range(1300)]


@pytest.mark.parametrize("start", [0, 1, 255, 256, 300, 512, 1023])
def test_bundle_hashing_matches_rfc9162_from_any_start(tmp_path: Path, start: int) -> None:
    """hash_bundle folds full aligned bundles as one subtree: from a compact range saved at any
    size (an incremental run), the bundles rebuild the same root as one leaf at a time."""
    publish(tmp_path, BIG)

    def fetch(rel: str) -> bytes:
        return (tmp_path / rel).read_bytes()

    rng = CompactRange()
    for h in [leaf_hash(r) for r in BIG[:start]]:
        rng.append(h)
    seen = []
    for first, raws in bundles(fetch, len(BIG), start):
        assert first == start + len(seen)
        seen.extend(raws)
        hash_bundle(rng, raws)
    assert seen == BIG[start:]
    assert rng.size == len(BIG)
    assert rng.root() == root_from_leaf_hashes([leaf_hash(r) for r in BIG])


def test_bundle_hashing_catches_a_changed_entry_in_a_full_bundle() -> None:
    rng, honest = CompactRange(), CompactRange()
    changed = [*BIG[:256]]
    changed[17] = b'{"n":"x"}'
    hash_bundle(rng, changed)
    hash_bundle(honest, BIG[:256])
    assert rng.root() != honest.root() == root_from_leaf_hashes([leaf_hash(r) for r in BIG[:256]])


def test_subtree_append_refuses_an_unaligned_size() -> None:
    rng = CompactRange()
    rng.append(leaf_hash(b"x"))
    with pytest.raises(ValueError):
        rng.append_subtree(leaf_hash(b"y"), 8)
