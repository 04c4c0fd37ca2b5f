"""RFC 9162 vectors: transparency-dev/merkle testdata and our reference-generated set.

See tests/vectors/merkle/README.md for where each file came from.
"""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path

import pytest

from ledger import tree
from ledger.errors import LedgerError, MalformedError
from ledger.hashing import leaf_hash
from ledger.verify import verify_consistency, verify_inclusion

sys.path.insert(0, str(Path(__file__).parent))
import ledger_support as support
import merkle_reference as ref

VECTORS = Path(__file__).parents[1] / "vectors" / "merkle"
TD = VECTORS / "transparency-dev"
OURS = VECTORS / "drawsvc"

# transparency-dev accepts hashes of any length where it only compares them; we require
# 32-byte SHA-256 hashes everywhere (MalformedError), so this happy vector is refused.
STRICTER_THAN_TD = {"consistency/additional/sizes-are-equal-one-and-proof-is-empty.json"}


def _b64(s: str) -> bytes:
    return base64.b64decode(s)


def _proof(v: dict) -> list[bytes]:
    return [_b64(p) for p in v["proof"] or []]


def _files(kind: str) -> list[Path]:
    return sorted([*(TD / kind).rglob("*.json"), *(OURS / kind).rglob("*.json")])


def _id(p: Path) -> str:
    return str(p.relative_to(VECTORS))


@pytest.mark.parametrize("path", _files("inclusion"), ids=_id)
def test_inclusion_vector(path: Path) -> None:
    v = json.loads(path.read_text())
    args = (v["leafIdx"], v["treeSize"], _b64(v["leafHash"]), _proof(v), _b64(v["root"]))
    if v["wantErr"]:
        with pytest.raises(LedgerError):
            verify_inclusion(*args)
    else:
        verify_inclusion(*args)


@pytest.mark.parametrize("path", _files("consistency"), ids=_id)
def test_consistency_vector(path: Path) -> None:
    v = json.loads(path.read_text())
    args = (v["size1"], v["size2"], _proof(v), _b64(v["root1"]), _b64(v["root2"]))
    rel = str(path.relative_to(TD)) if path.is_relative_to(TD) else ""
    if rel in STRICTER_THAN_TD:
        with pytest.raises(MalformedError):
            verify_consistency(*args)
    elif v["wantErr"]:
        with pytest.raises(LedgerError):
            verify_consistency(*args)
    else:
        verify_consistency(*args)


@pytest.mark.parametrize("path", sorted(OURS.glob("*/*/*.json")), ids=_id)
def test_our_mutations_are_also_refused_by_the_reference(path: Path) -> None:
    """Each named mutation is a real failure by the RFC's own algorithm, not just by ours."""
    v = json.loads(path.read_text())
    if "leafIdx" in v:
        call = lambda: ref.verify_inclusion(  # noqa: E731
            v["leafIdx"], v["treeSize"], _b64(v["leafHash"]), _proof(v), _b64(v["root"])
        )
    else:
        call = lambda: ref.verify_consistency(  # noqa: E731
            v["size1"], v["size2"], _b64(v["root1"]), _b64(v["root2"]), _proof(v)
        )
    if v["wantErr"]:
        with pytest.raises((ref.VerifyError, IndexError, ValueError)):
            call()
    else:
        call()


def _td_tree_reader():
    """transparency-dev's happy paths use the RFC 6962 test tree of 8 leaves."""
    leaves = [leaf_hash(e) for e in ref.RFC6962_LEAVES]
    return leaves, lambda nodes: [ref.mth(leaves[i << lvl : (i + 1) << lvl]) for lvl, i in nodes]


@pytest.mark.parametrize("path", sorted(TD.glob("*/[0-9]/happy-path.json")), ids=_id)
def test_our_proofs_equal_transparency_dev_happy_paths(path: Path) -> None:
    _, read = _td_tree_reader()
    v = json.loads(path.read_text())
    want = _proof(v)
    if "leafIdx" in v:
        assert tree.inclusion_proof(v["leafIdx"], v["treeSize"], read) == want
        assert tree.root(v["treeSize"], read) == _b64(v["root"])
    else:
        assert tree.consistency_proof(v["size1"], v["size2"], read) == want


def test_rfc6962_root_of_eight_leaves() -> None:
    _, read = _td_tree_reader()
    assert tree.root(8, read) == ref.RFC6962_ROOT8


@pytest.fixture(scope="module")
def vector_log(tmp_path_factory: pytest.TempPathFactory):
    """A stored log of our vector tree's entries, appended in uneven batches."""
    engine = support.sqlite_engine(tmp_path_factory.mktemp("vectors") / "log.db")
    log = support.make_log()
    entries = [f"drawsvc-vector-{i}".encode() for i in range(1100)]
    pos = 0
    for batch in (1, 2, 253, 1, 300, 43, 500):
        with engine.begin() as conn:
            log.append_encoded(conn, entries[pos : pos + batch])
        pos += batch
    assert pos == 1100
    yield engine, log
    engine.dispose()


def test_stored_log_matches_reference_roots(vector_log) -> None:
    engine, log = vector_log
    roots = json.loads((OURS / "roots.json").read_text())["roots"]
    with engine.connect() as conn:
        for r in roots:
            assert log.root(conn, r["size"]) == _b64(r["root"]), r["size"]


@pytest.mark.parametrize("path", sorted(OURS.glob("*/*/happy-path.json")), ids=_id)
def test_stored_log_proofs_equal_reference_vectors(vector_log, path: Path) -> None:
    engine, log = vector_log
    v = json.loads(path.read_text())
    want = _proof(v)
    with engine.connect() as conn:
        if "leafIdx" in v:
            assert log.inclusion_proof(conn, v["leafIdx"], v["treeSize"]) == want
        else:
            assert log.consistency_proof(conn, v["size1"], v["size2"]) == want
