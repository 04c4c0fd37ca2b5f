"""The public log over HTTP: checkpoint note, entries, and proofs a client can verify."""

from __future__ import annotations

import base64

import pytest

from drawsvc.journal import SYSTEM
from ledger.checkpoint import verify_checkpoint
from ledger.errors import RootMismatch
from ledger.hashing import leaf_hash
from ledger.verify import verify_consistency, verify_inclusion


def _append(runtime, n: int) -> None:
    with runtime.transaction() as session:
        for i in range(n):
            runtime.journal.record(session, "test.event", {"i": i}, actor=SYSTEM)


def _read(runtime, fn):
    with runtime.transaction() as session:
        return fn(session.connection())


def _d(s: str) -> bytes:
    return base64.b64decode(s, validate=True)


@pytest.fixture
def filled(runtime):
    _append(runtime, 13)
    return runtime


def test_checkpoint_is_a_signed_note_that_verifies(client, filled):
    resp = client.get("/v1/log/checkpoint")
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/plain")
    cp = verify_checkpoint(resp.content, filled.log.signer.verifier(), origin=filled.log.origin)
    assert cp.size == 13
    state = client.get("/v1/log").json()
    assert state["tree_size"] == 13 and _d(state["root_hash"]) == cp.root


def test_entry_by_index_carries_exact_bytes_and_leaf_hash(client, filled):
    body = client.get("/v1/log/entries/4").json()
    data = _d(body["data"])
    assert _d(body["leaf_hash"]) == leaf_hash(data)
    assert body["entry"]["body"] == {"i": 4}
    assert data == _read(filled, lambda c: filled.log.entry(c, 4))


def test_entry_beyond_size_is_404_and_negative_is_422(client, filled):
    assert client.get("/v1/log/entries/13").json()["code"] == "entry-not-found"
    assert client.get("/v1/log/entries/13").status_code == 404
    assert client.get("/v1/log/entries/-1").status_code == 422
    assert client.get(f"/v1/log/entries/{2**70}").status_code == 422


def test_entries_page_is_clipped_to_size(client, filled):
    body = client.get("/v1/log/entries", params={"start": 10, "limit": 50}).json()
    assert [e["index"] for e in body["entries"]] == [10, 11, 12]
    assert client.get("/v1/log/entries", params={"start": 14}).status_code == 422


@pytest.mark.parametrize("by", ["index", "leaf_hash_b64", "leaf_hash_hex"])
def test_inclusion_proof_verifies_against_the_checkpoint_root(client, filled, by):
    entry = client.get("/v1/log/entries/6").json()
    params: dict[str, object] = {"tree_size": 11}
    if by == "index":
        params["index"] = 6
    elif by == "leaf_hash_b64":
        params["leaf_hash"] = entry["leaf_hash"]
    else:
        params["leaf_hash"] = _d(entry["leaf_hash"]).hex()
    proof = client.get("/v1/log/proofs/inclusion", params=params).json()
    assert proof["leaf_index"] == 6 and proof["tree_size"] == 11
    root = _read(filled, lambda c: filled.log.root(c, 11))
    assert _d(proof["root_hash"]) == root
    hashes = [_d(h) for h in proof["hashes"]]
    verify_inclusion(6, 11, _d(proof["leaf_hash"]), hashes, root)
    with pytest.raises(RootMismatch):  # the proof is for leaf 6, not 5
        verify_inclusion(6, 11, leaf_hash(_d(client.get("/v1/log/entries/5").json()["data"])), hashes, root)


def test_inclusion_proof_refusals(client, filled):
    assert client.get("/v1/log/proofs/inclusion").status_code == 422  # neither selector
    both = client.get("/v1/log/proofs/inclusion", params={"index": 1, "leaf_hash": "AA"})
    assert both.json()["rule"] == "log.proof-leaf-selector"
    bad = client.get("/v1/log/proofs/inclusion", params={"leaf_hash": "not-a-hash"})
    assert bad.status_code == 422 and bad.json()["field"] == "leaf_hash"
    unknown = client.get("/v1/log/proofs/inclusion", params={"leaf_hash": "00" * 32})
    assert unknown.status_code == 404
    beyond = client.get("/v1/log/proofs/inclusion", params={"index": 3, "tree_size": 99})
    assert beyond.status_code == 422 and beyond.json()["code"] == "proof-range"
    assert client.get("/v1/log/proofs/inclusion", params={"index": 5, "tree_size": 5}).status_code == 422


def test_consistency_proof_verifies(client, filled):
    proof = client.get("/v1/log/proofs/consistency", params={"first": 5, "second": 13}).json()
    hashes = [_d(h) for h in proof["hashes"]]
    verify_consistency(5, 13, hashes, _d(proof["first_root"]), _d(proof["second_root"]))
    assert _d(proof["second_root"]) == _read(filled, filled.log.root)
    default = client.get("/v1/log/proofs/consistency", params={"first": 7}).json()
    assert default["second"] == 13
    refused = client.get("/v1/log/proofs/consistency", params={"first": 9, "second": 4})
    assert refused.status_code == 422 and refused.json()["code"] == "proof-range"


def test_empty_log_has_a_checkpoint_of_size_zero(client, runtime):
    resp = client.get("/v1/log/checkpoint")
    cp = verify_checkpoint(resp.content, runtime.log.signer.verifier(), origin=runtime.log.origin)
    assert cp.size == 0
    assert client.get("/v1/log/entries").json()["entries"] == []
