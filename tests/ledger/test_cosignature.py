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
