"""POST/GET /v1/log/cosignatures and the cosigned checkpoint (docs/specs/witness.md W-9…W-13).

A cosignature by a configured witness over the log's own checkpoint is accepted and published
on GET /v1/log/checkpoint, which still verifies with the log key alone; one by an unknown key is
403, one over another root (or a checkpoint the log never reached) 422, each problem+json."""

from __future__ import annotations

import time

import pytest
from api_support import log_size

from drawsvc.journal import SYSTEM
from ledger import cosignature
from ledger.checkpoint import sign_checkpoint, verify_checkpoint
from ledger.note import open_note

ORIGIN = "test.drawsvc.example/log"
T = 1_760_000_000  # a past time (2025)


class Witness:
    def __init__(self, name: str) -> None:
        self.name = name
        self.seed, public = cosignature.generate_witness_key()
        self.key = cosignature.WitnessKey(name, public)

    def cosign(self, body: str, at: int | None = None) -> str:
        return cosignature.cosign(body, self.name, self.seed, int(time.time()) if at is None else at)


@pytest.fixture
def witnesses(runtime) -> tuple[Witness, Witness]:
    w1, w2 = Witness("jiwei.example/w1"), Witness("jiwei.example/w2")
    runtime.settings.witness_keys = [w1.key.vkey, w2.key.vkey]
    return w1, w2


def grow(runtime, n: int) -> None:
    with runtime.transaction() as session:
        for i in range(n):
            runtime.journal.record(session, "test.event", {"n": i}, actor=SYSTEM)


def checkpoint(client) -> bytes:
    resp = client.get("/v1/log/checkpoint")
    assert resp.status_code == 200
    return resp.content


def body_of(runtime, note: bytes) -> str:
    return open_note(note, [runtime.log.signer.verifier()]).text


def problem(resp, status: int, code: str) -> dict:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    got = resp.json()
    assert got["code"] == code, got
    return got


def test_a_valid_cosignature_is_accepted_and_published(client, runtime, keys, witnesses) -> None:
    w1, w2 = witnesses
    grow(runtime, 5)
    note = checkpoint(client)
    body = body_of(runtime, note)
    line1, line2 = w1.cosign(body, T), w2.cosign(body, T + 1)
    resp = client.post("/v1/log/cosignatures", json={"checkpoint": (note + line1.encode()).decode()},
                       headers=keys.headers("discipline"))
    assert resp.status_code == 200, resp.text
    [got] = resp.json()["accepted"]
    size = log_size(runtime)
    assert (got["witness"], got["tree_size"], got["timestamp"]) == (w1.name, size, T)
    resp = client.post("/v1/log/cosignatures", json={"cosignature": line2}, headers=keys.headers("admin"))
    assert resp.status_code == 200 and resp.json()["accepted"][0]["witness"] == w2.name
    published = checkpoint(client)
    assert published.startswith(note) and published.endswith((line1 + line2).encode())
    # The log key alone still verifies it (the cosignatures are unknown keys to this verifier) …
    cp = verify_checkpoint(published, runtime.log.signer.verifier(), origin=ORIGIN)
    assert cp.size == size
    opened = open_note(published, [runtime.log.signer.verifier()])
    assert [s.name for s in opened.unverified_sigs] == [w1.name, w2.name]
    # … and the witnesses' keys verify the cosignatures on it.
    text, found = cosignature.cosignatures_in_note(published, [w1.key, w2.key])
    assert text == body and [c.timestamp for c in found] == [T, T + 1]
    # Posting again stores nothing new; an older cosignature does not replace a newer one.
    again = client.post("/v1/log/cosignatures", json={"cosignature": w1.cosign(body, T - 100)},
                        headers=keys.headers("discipline"))
    assert again.status_code == 200 and again.json()["accepted"][0]["timestamp"] == T
    assert checkpoint(client) == published
    # The log grows: the new checkpoint carries no stale cosignature; the list still shows them.
    grow(runtime, 1)
    assert open_note(checkpoint(client), [runtime.log.signer.verifier()]).unverified_sigs == ()
    listed = client.get("/v1/log/cosignatures").json()
    assert listed["tree_size"] == size + 1 and {c["tree_size"] for c in listed["cosignatures"]} == {size}
    # A cosignature of an earlier size may still be submitted by line and size.
    late = client.post("/v1/log/cosignatures", json={"cosignature": w1.cosign(body, T + 100),
                                                     "tree_size": size}, headers=keys.headers("discipline"))
    assert late.status_code == 200 and late.json()["accepted"][0]["tree_size"] == size


def test_an_unknown_witness_is_refused(client, runtime, keys, witnesses) -> None:
    grow(runtime, 3)
    note = checkpoint(client)
    stranger = Witness("jiwei.example/w1")  # a configured name, another key: still unknown
    line = stranger.cosign(body_of(runtime, note))
    before = checkpoint(client)
    for payload in ({"cosignature": line}, {"checkpoint": (note + line.encode()).decode()}):
        resp = client.post("/v1/log/cosignatures", json=payload, headers=keys.headers("discipline"))
        assert problem(resp, 403, "forbidden")["rule"] == "witness.unknown-key"
    assert checkpoint(client) == before and client.get("/v1/log/cosignatures").json()["cosignatures"] == []


def test_a_cosignature_over_another_root_is_refused(client, runtime, keys, witnesses) -> None:
    w1, _ = witnesses
    grow(runtime, 4)
    size = log_size(runtime)
    # A checkpoint of the same size, another root, even signed with the log key (a split view).
    forged = sign_checkpoint(runtime.log.signer, ORIGIN, size, bytes(32))
    line = w1.cosign(body_of(runtime, forged))
    problem(client.post("/v1/log/cosignatures", json={"cosignature": line},
                        headers=keys.headers("discipline")), 422, "bad-signature")
    problem(client.post("/v1/log/cosignatures", json={"checkpoint": (forged + line.encode()).decode()},
                        headers=keys.headers("discipline")), 422, "inconsistent")
    # A size the log never reached, and a cosigned note not signed by the log.
    ahead = sign_checkpoint(runtime.log.signer, ORIGIN, size + 10, bytes(32))
    ahead_note = (ahead + w1.cosign(body_of(runtime, ahead)).encode()).decode()
    got = problem(client.post("/v1/log/cosignatures", json={"checkpoint": ahead_note},
                              headers=keys.headers("discipline")), 422, "invalid-input")
    assert got["rule"] == "witness.size-not-reached"
    honest = checkpoint(client)
    body = body_of(runtime, honest)
    unsigned = body.encode() + b"\n" + w1.cosign(body).encode()  # only the witness's line
    problem(client.post("/v1/log/cosignatures", json={"checkpoint": unsigned.decode()},
                        headers=keys.headers("discipline")), 422, "bad-signature")
    # A tampered cosignature line by a configured witness.
    raw = bytearray(cosignature.decode_base64(w1.cosign(body).split(" ")[-1].strip(), "t"))
    raw[-1] ^= 1
    bad = f"\u2014 {w1.name} {cosignature.base64.b64encode(bytes(raw)).decode()}"
    problem(client.post("/v1/log/cosignatures", json={"cosignature": bad},
                        headers=keys.headers("discipline")), 422, "bad-signature")
    future = w1.cosign(body, int(time.time()) + 86_400)
    assert problem(client.post("/v1/log/cosignatures", json={"cosignature": future},
                               headers=keys.headers("discipline")), 422, "invalid-input")["rule"] \
        == "witness.future-timestamp"
    assert client.get("/v1/log/cosignatures").json()["cosignatures"] == []
    assert checkpoint(client) == honest


def test_no_configured_witness_accepts_nothing(client, runtime, keys) -> None:
    grow(runtime, 2)
    w = Witness("jiwei.example/w1")
    line = w.cosign(body_of(runtime, checkpoint(client)))
    resp = client.post("/v1/log/cosignatures", json={"cosignature": line}, headers=keys.headers("discipline"))
    assert problem(resp, 403, "forbidden")["rule"] == "witness.none-configured"
    resp = client.post("/v1/log/cosignatures", json={"cosignature": line, "checkpoint": "x"},
                       headers=keys.headers("discipline"))
    assert problem(resp, 422, "invalid-input")["rule"] == "witness.one-form"
