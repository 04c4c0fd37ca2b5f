"""ledger.cosignature (C2SP tlog-cosignature): round trip, key format, tampering fails."""

from __future__ import annotations

import base64
import hashlib

import pytest

from ledger import cosignature as co
from ledger.errors import MalformedError, SignatureError

BODY = "example.com/log\n42\n" + base64.b64encode(bytes(32)).decode() + "\n"


def test_round_trip_and_key_hash_per_spec() -> None:
    seed, public = co.generate_witness_key()
    vkey = co.witness_verifier_key("witness.example", public)
    assert base64.b64decode(vkey.split("+", 2)[2])[0] == 0x04
    assert vkey.split("+", 2)[1] == hashlib.sha256(b"witness.example\n\x04" + public).digest()[:4].hex()
    line = co.cosign(BODY, "witness.example", seed, 1_700_000_000)
    raw = base64.b64decode(line.split(" ")[-1])
    assert len(raw) == 76 and int.from_bytes(raw[4:12], "big") == 1_700_000_000
    assert co.verify_cosignature(BODY, line, vkey) == 1_700_000_000


def test_tampered_cosignatures_fail() -> None:
    seed, public = co.generate_witness_key()
    vkey = co.witness_verifier_key("w", public)
    line = co.cosign(BODY, "w", seed, 1000)
    with pytest.raises(SignatureError):
        co.verify_cosignature(BODY.replace("42", "43"), line, vkey)  # other checkpoint
    raw = bytearray(base64.b64decode(line.split(" ")[-1]))
    raw[11] ^= 1  # the timestamp is signed
    with pytest.raises(SignatureError):
        co.verify_cosignature(BODY, "\u2014 w " + base64.b64encode(bytes(raw)).decode(), vkey)
    _, other = co.generate_witness_key()
    with pytest.raises(SignatureError):
        co.verify_cosignature(BODY, line, co.witness_verifier_key("w", other))
    with pytest.raises(MalformedError):
        co.verify_cosignature(BODY, line, vkey.replace("+", "+0", 1)[:-1])


def _vectors() -> dict:
    import json
    from pathlib import Path

    path = Path(__file__).parents[1] / "vectors" / "cosignature" / "cases.json"
    return json.loads(path.read_text("utf-8"))


def test_cosignature_vectors_are_up_to_date() -> None:
    import importlib.util
    from pathlib import Path

    path = Path(__file__).parents[1] / "vectors" / "cosignature" / "generate.py"
    spec = importlib.util.spec_from_file_location("cosignature_generate", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert {"source": "tests/vectors/cosignature/generate.py", "cases": module.cases()} == _vectors()


@pytest.mark.parametrize("case", _vectors()["cases"], ids=lambda c: c["name"])
def test_cosignature_vectors(case: dict) -> None:
    from ledger.checkpoint import verify_checkpoint
    from ledger.errors import LedgerError
    from ledger.note import open_note, parse_verifier_key

    note = case["note"].encode()
    log_key = parse_verifier_key(case["log_key"])
    if case["log_only"]["expect"] == "ok":
        opened = open_note(note, [log_key])
        assert [s.base64 for s in opened.sigs] == case["log_only"]["sigs"]
        assert [s.base64 for s in opened.unverified_sigs] == case["log_only"]["unverified_sigs"]
        verify_checkpoint(note, log_key, origin="drawsvc.example/log")
    else:
        with pytest.raises(LedgerError) as exc:
            open_note(note, [log_key])
        assert exc.value.code == case["log_only"]["expect"]
    witnesses = [co.parse_witness_key(k) for k in case["witness_keys"]]
    if case["witnessed"]["expect"] == "ok":
        _, found = co.cosignatures_in_note(note, witnesses)
        assert [c.timestamp for c in found] == case["witnessed"]["timestamps"]
    else:
        with pytest.raises(LedgerError) as exc:
            co.cosignatures_in_note(note, witnesses)
        assert exc.value.code == case["witnessed"]["expect"]


def test_strict_witness_key_and_line_parsing() -> None:
    seed, public = co.generate_witness_key()
    vkey = co.witness_verifier_key("w", public)
    for bad in (" " + vkey, vkey + "\n", vkey.replace("+", "+zz", 1)[:-2], "w+" + "g" * 8 + vkey[10:]):
        with pytest.raises(MalformedError):
            co.parse_witness_key(bad)
    line = co.cosign(BODY, "w", seed, 7)
    with pytest.raises(MalformedError):
        co.verify_cosignature(BODY, line + "\n", vkey)  # two newlines: not one line
    with pytest.raises(MalformedError):
        co.cosign(BODY, "has space", seed, 7)
    with pytest.raises(MalformedError):
        co.signed_message(BODY, 2**63)
    # add_cosignatures: appends once, keeps the note valid
    from ledger.note import Signer, sign_note

    note = sign_note(BODY, Signer.from_seed("example.com/log", bytes(32)))
    both = co.add_cosignatures(note, [line, line])
    assert both == note + line.encode()
    assert co.add_cosignatures(both, [line]) == both
    with pytest.raises(MalformedError):
        co.add_cosignatures(note, ["not a signature line"])
