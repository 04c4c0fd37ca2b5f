"""C2SP tlog-witness ``add-checkpoint`` (docs/specs/witness.md W-14…W-18): the request format, each
refusal with the status the spec names, a forked log pushed to two witnesses, the witness served
over HTTP, and the log asking it (``ask_witness``) and storing the cosignature it returns."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from drawsvc.journal import SYSTEM
from drawsvc.witness import protocol, service
from drawsvc.witness.keys import init_witness
from drawsvc.witness.protocol import Refused, format_add_checkpoint, parse_add_checkpoint
from drawsvc.witness.request import WitnessUnavailable, ask_witness, request_cosignature
from drawsvc.witness.server import create_witness_app
from drawsvc.witness.service import add_checkpoint, trusted_logs
from ledger import cosignature
from ledger.checkpoint import sign_checkpoint
from ledger.hashing import EMPTY_ROOT
from ledger.log import Log
from ledger.note import Signer, open_note

sys.path.insert(0, str(Path(__file__).parents[1] / "ledger"))
import ledger_support as support

sys.path.insert(0, str(Path(__file__).parent))
from serving import served

H = bytes(range(32))


class Grown:
    """One in-memory SQLite log and its checkpoints as it grows."""

    def __init__(self, tmp: Path, name: str, entries: list[bytes], signer: Signer) -> None:
        self.engine = support.sqlite_engine(tmp / f"{name}.db")
        self.log = Log(origin=support.ORIGIN, signer=signer)
        self.entries = entries

    def grow_to(self, size: int) -> None:
        with self.engine.begin() as conn:
            self.log.append_encoded(conn, self.entries[self.log.size(conn):size])

    def body(self, old: int) -> bytes:
        with self.engine.connect() as conn:
            size = self.log.size(conn)
            proof = self.log.consistency_proof(conn, old, size) if 0 < old < size else []
            return format_add_checkpoint(old, proof, self.log.checkpoint(conn))


@pytest.fixture
def signer() -> Signer:
    return support.signer()


@pytest.fixture
def trusted(signer: Signer) -> dict:
    return trusted_logs([signer.verifier_key()])


def _state_files(state: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((state / service.LOGS_DIR).glob("*.json"))}


def refused(status: int, kind: str, state: Path, body: bytes, trusted: dict) -> Refused:
    before = _state_files(state)
    with pytest.raises(Refused) as exc:
        add_checkpoint(state, body, trusted)
    assert (exc.value.status, exc.value.kind) == (status, kind), exc.value.message
    assert _state_files(state) == before  # a refusal never moves the record
    return exc.value


# --- the request format ---------------------------------------------------------------------

def test_request_body_round_trips_and_keeps_the_note_whole() -> None:
    note = b"o.example/log\n3\nAAAA\n\n\xe2\x80\x94 o.example/log sig\n"
    body = format_add_checkpoint(20852014, [H, H[::-1]], note)
    assert body.startswith(b"old 20852014\n") and b"\n\no.example/log\n" in body
    parsed = parse_add_checkpoint(body)
    assert (parsed.old_size, parsed.proof, parsed.note) == (20852014, (H, H[::-1]), note)


@pytest.mark.parametrize("body, why", [
    (b"old 01\n\ncp", "leading zero"),
    (b"old -1\n\ncp", "negative size"),
    (b"old 3", "no newline after the size line"),
    (b"new 3\n\ncp", "not an old line"),
    (b"old 3\n" + b"AAAA\n" + b"\ncp", "a hash of 3 bytes"),
    (b"old 3\n" + b"!!!!\n" + b"\ncp", "not base64"),
    (b"old 3\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\ncp", "no empty line before the checkpoint"),
    (b"old 3\n" + b"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n" * 64 + b"\ncp", "64 proof lines"),
    (b"old 3\n\n" + b"x" * protocol.MAX_BODY_BYTES, "too large"),
])
def test_malformed_requests_are_400(body: bytes, why: str) -> None:
    with pytest.raises(Refused) as exc:
        parse_add_checkpoint(body)
    assert exc.value.status == 400, why


# --- the checks, in the spec's order -----------------------------------------------------------

def test_a_growing_log_is_cosigned_step_by_step_and_stale_sizes_get_409(
        tmp_path: Path, signer: Signer, trusted: dict) -> None:
    state = tmp_path / "w"
    w = init_witness(state, "w1.jiwei.example")
    log = Grown(tmp_path, "a", support.random_entries(40), signer)
    log.grow_to(10)
    line = add_checkpoint(state, log.body(0), trusted, now=1_700_000_000)
    with log.engine.connect() as conn:
        text = open_note(log.log.checkpoint(conn), [signer.verifier()]).text
    assert cosignature.verify_cosignature(text, line, w.vkey) == 1_700_000_000

    log.grow_to(25)
    stale = refused(409, "old-size-mismatch", state, log.body(0), trusted)
    assert stale.size == 10  # what the 409 body tells the log
    add_checkpoint(state, log.body(10), trusted)
    assert refused(409, "old-size-mismatch", state, log.body(10), trusted).size == 25
    add_checkpoint(state, log.body(25), trusted)  # the same tree again: allowed (equal sizes, equal roots)

    with log.engine.connect() as conn:
        size, proof = 25, log.log.consistency_proof(conn, 10, 25)
        note = log.log.checkpoint(conn)
    assert size == 25
    refused(400, "old-size-too-large", state, format_add_checkpoint(26, [], note), trusted)
    refused(422, "bad-proof", state, format_add_checkpoint(25, proof, note), trusted)  # equal sizes: no proof


def test_unknown_origin_is_404_and_a_bad_signature_403(tmp_path: Path, signer: Signer, trusted: dict) -> None:
    state = tmp_path / "w"
    init_witness(state, "w1.jiwei.example")
    refused(404, "unknown-origin", state,
            format_add_checkpoint(0, [], sign_checkpoint(Signer.from_seed("other.example/log", b"\x01" * 32),
                                                         "other.example/log", 0, EMPTY_ROOT)), trusted)
    impostor = Signer.from_seed(support.ORIGIN, b"\x02" * 32)  # same name, another key
    refused(403, "bad-signature", state,
            format_add_checkpoint(0, [], sign_checkpoint(impostor, support.ORIGIN, 0, EMPTY_ROOT)), trusted)
    refused(422, "bad-proof", state,
            format_add_checkpoint(0, [H], sign_checkpoint(signer, support.ORIGIN, 0, EMPTY_ROOT)), trusted)
    refused(422, "bad-proof", state,  # a size-0 tree has one root
            format_add_checkpoint(0, [], sign_checkpoint(signer, support.ORIGIN, 0, H)), trusted)


def test_a_fork_pushed_to_two_witnesses_each_cosigns_its_view_and_refuses_the_other(
        tmp_path: Path, signer: Signer, trusted: dict) -> None:
    honest = support.random_entries(30, seed=1)
    forked = honest[:12] + support.random_entries(18, seed=2)
    a, b = Grown(tmp_path, "a", honest, signer), Grown(tmp_path, "b", forked, signer)
    wa, wb = tmp_path / "wa", tmp_path / "wb"
    init_witness(wa, "wa.jiwei.example")
    init_witness(wb, "wb.jiwei.example")
    for log in (a, b):
        log.grow_to(12)
    for state in (wa, wb):  # the common prefix, cosigned by both
        add_checkpoint(state, a.body(0), trusted)
    for log in (a, b):
        log.grow_to(20)
    add_checkpoint(wa, a.body(12), trusted)
    add_checkpoint(wb, b.body(12), trusted)
    # each witness is then shown the other side: same size, another root (409), and past it (422)
    for state, other in ((wa, b), (wb, a)):
        refused(409, "root-mismatch", state, other.body(20), trusted)
        other.grow_to(30)
        refused(422, "bad-proof", state, other.body(20), trusted)
        kinds = sorted(p.name.split("-", 1)[1].rsplit("-", 1)[0]
                       for p in (state / service.EVIDENCE_DIR).glob("*.json"))
        assert kinds == ["bad-proof", "root-mismatch"]  # both refusals kept as evidence


# --- over HTTP -----------------------------------------------------------------------------------

def test_http_answers_follow_the_spec(tmp_path: Path, signer: Signer, trusted: dict) -> None:
    state = tmp_path / "w"
    init_witness(state, "w1.jiwei.example")
    log = Grown(tmp_path, "a", support.random_entries(10), signer)
    log.grow_to(5)
    with TestClient(create_witness_app(state, trusted)) as client:
        ok = client.post("/add-checkpoint", content=log.body(0))
        assert ok.status_code == 200 and ok.text.startswith("— w1.jiwei.example ") and ok.text.endswith("\n")
        log.grow_to(10)
        stale = client.post("/add-checkpoint", content=log.body(0))
        assert stale.status_code == 409
        assert stale.headers["content-type"].startswith("text/x.tlog.size") and stale.text == "5\n"
        assert client.post("/add-checkpoint", content=b"old 1\n").status_code == 400
        assert client.post("/add-checkpoint", content=b"x" * (protocol.MAX_BODY_BYTES + 1)).status_code == 400
        assert client.get("/add-checkpoint").status_code == 405


@pytest.fixture
def witness_url(tmp_path: Path, runtime) -> Iterator[tuple[str, object]]:
    state = tmp_path / "w"
    w = init_witness(state, "jiwei.example/witness")
    app = create_witness_app(state, trusted_logs([runtime.log.signer.verifier_key()]))
    with served(app, range(8650, 8660)) as url:
        yield url, w


def test_the_log_asks_the_witness_and_publishes_the_cosignature(runtime, witness_url) -> None:
    url, w = witness_url
    runtime.settings.witness_keys = [w.vkey]
    witnesses = [w.key]
    with runtime.transaction() as session:
        for i in range(7):
            runtime.journal.record(session, "test.event", {"n": i}, actor=SYSTEM)
    with runtime.transaction() as session:
        first = ask_witness(session, runtime.log, witnesses, url)
    assert [(a.witness, a.tree_size, a.stored) for a in first] == [("jiwei.example/witness", 7, True)]
    with runtime.transaction() as session:
        for i in range(5):
            runtime.journal.record(session, "test.event", {"n": 7 + i}, actor=SYSTEM)
    with runtime.transaction() as session:  # old 0 → 409 "7" → the proof from 7 → cosigned 12
        second = ask_witness(session, runtime.log, witnesses, url)
    assert [a.tree_size for a in second] == [12]
    with runtime.transaction() as session:
        conn = session.connection()
        from drawsvc.witness import accept

        note = accept.cosigned(runtime.log.checkpoint(conn), conn, 12, runtime.log.root(conn, 12), witnesses)
    _, found = cosignature.cosignatures_in_note(note, witnesses)
    assert [c.witness.name for c in found] == ["jiwei.example/witness"]
    with pytest.raises(WitnessUnavailable, match="HTTP 404"):  # another log's checkpoint: not witnessed
        request_cosignature(url, sign_checkpoint(Signer.from_seed("x.example/log", b"\x03" * 32),
                                                 "x.example/log", 0, EMPTY_ROOT), 0, lambda old: [])


def test_drawsvc_log_witness_asks_each_url_and_exits_4_when_one_does_not_cosign(
        runtime, witness_url, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from drawsvc.cli.app import app
    from drawsvc.settings import get_settings

    url, w = witness_url
    with runtime.transaction() as session:
        for i in range(3):
            runtime.journal.record(session, "test.event", {"n": i}, actor=SYSTEM)
    monkeypatch.setenv("DRAWSVC_DATA_DIR", str(runtime.settings.data_dir))
    monkeypatch.setenv("DRAWSVC_LOG_ORIGIN", runtime.settings.log_origin)
    monkeypatch.setenv("DRAWSVC_WITNESS_KEYS", w.vkey)
    get_settings.cache_clear()
    try:
        ok = CliRunner().invoke(app, ["log", "witness", url])
        assert ok.exit_code == 0, ok.output
        assert "cosigned size 3 by jiwei.example/witness" in ok.output
        down = CliRunner().invoke(app, ["log", "witness", url, "http://127.0.0.1:9/"])
        assert down.exit_code == 4 and "not cosigned" in down.output
    finally:
        get_settings.cache_clear()
