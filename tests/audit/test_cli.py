"""``drawsvc audit SOURCE`` end to end: directory and http sources, honest and tampered."""

from __future__ import annotations

import functools
import http.server
import json
import threading
from pathlib import Path

from typer.testing import CliRunner

from drawsvc.cli.app import app
from ledger import tiles
from ledger.checkpoint import sign_checkpoint
from ledger.hashing import leaf_hash, root_from_leaf_hashes
from ledger.note import generate_key

ORIGIN = "test.example/log"


def site(d: Path, raws: list[bytes], signed: list[bytes] | None = None) -> None:
    _, signer = generate_key(ORIGIN)
    signed = raws if signed is None else signed
    log = d / "log"
    log.mkdir(parents=True)
    root = root_from_leaf_hashes([leaf_hash(r) for r in signed])
    (log / "checkpoint").write_bytes(sign_checkpoint(signer, ORIGIN, len(signed), root))
    (log / "verifier-key").write_text(signer.verifier_key() + "\n")
    for n in range(0, len(raws), 256):
        chunk = raws[n : n + 256]
        p = log / tiles.entries_path(n // 256, len(chunk))
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(tiles.encode_bundle(chunk))


RAWS = [f'{{"kind":"x","body":{{"n":{i}}}}}'.encode() for i in range(300)]


def test_honest_directory_passes_and_writes_json(tmp_path: Path) -> None:
    site(tmp_path, RAWS)
    out = tmp_path / "a.json"
    r = CliRunner().invoke(app, ["audit", str(tmp_path), "--json", str(out)])
    assert r.exit_code == 0, r.output
    assert "trust on first use" in r.output
    rep = json.loads(out.read_text())
    assert (rep["size"], rep["findings"], rep["passed"]) == (300, [], True)


def test_changed_entry_fails_with_exit_3(tmp_path: Path) -> None:
    tampered = list(RAWS)
    tampered[7] = b'{"kind":"x","body":{"n":"x"}}'
    site(tmp_path, tampered, signed=RAWS)
    r = CliRunner().invoke(app, ["audit", str(tmp_path / "log")])
    assert r.exit_code == 3, r.output
    assert "AUD-2" in r.output


def test_http_source(tmp_path: Path) -> None:
    site(tmp_path, RAWS)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 8180), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        r = CliRunner().invoke(app, ["audit", "http://127.0.0.1:8180/"])
    finally:
        server.shutdown()
        server.server_close()
    assert r.exit_code == 0, r.output


def test_nothing_to_audit_and_a_bad_key_are_errors_not_passes(tmp_path: Path) -> None:
    r = CliRunner().invoke(app, ["audit", str(tmp_path)])
    assert r.exit_code == 4 and "cannot read the log" in r.output
    site(tmp_path, RAWS)
    r = CliRunner().invoke(app, ["audit", str(tmp_path), "--key", "nonsense"])
    assert r.exit_code == 2 and "not a verifier key" in r.output


def test_other_key_is_an_aud1_finding(tmp_path: Path) -> None:
    site(tmp_path, RAWS)
    _, other = generate_key(ORIGIN)
    r = CliRunner().invoke(app, ["audit", str(tmp_path), "--key", other.verifier_key()])
    assert r.exit_code == 3 and "AUD-1" in r.output
