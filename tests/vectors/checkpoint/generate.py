"""Generate tests/vectors/checkpoint/cases.json: checkpoint bodies and signed checkpoints.

Run from the repository root:  .venv/bin/python tests/vectors/checkpoint/generate.py
Deterministic (fixed-seed keys, deterministic Ed25519); tests/ledger/test_checkpoint.py checks the
committed file is up to date.

``bodies``: note texts for ``parse_checkpoint``: ``expect`` "ok" (with the parsed fields, root in
base64, size as a decimal string so that JavaScript can read it into a BigInt) or "malformed".
``signed``: signed notes for ``verify_checkpoint(note, verifier, origin=)``: ``expect`` "ok",
"malformed", "bad-signature" or "origin-mismatch".
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from ledger.checkpoint import format_checkpoint, parse_checkpoint, verify_checkpoint  # noqa: E402
from ledger.errors import LedgerError  # noqa: E402
from ledger.note import Signer, parse_verifier_key, sign_note  # noqa: E402

OUT = Path(__file__).with_name("cases.json")
ORIGIN = "drawsvc.example/log"
LOG = Signer.from_seed(ORIGIN, hashlib.sha256(b"drawsvc test vectors: log key").digest())
OTHER_SEED = hashlib.sha256(b"drawsvc test vectors: another key with the log's name").digest()
OTHER = Signer.from_seed(ORIGIN, OTHER_SEED)
ROOT_HASH = hashlib.sha256(b"drawsvc test vectors: a root").digest()
R64 = base64.b64encode(ROOT_HASH).decode()
# The example of C2SP tlog-checkpoint (the key is not published, so only the body is used).
URLSAFE = base64.urlsafe_b64encode(bytes([0xFB, 0xFF]) * 16).decode()
C2SP_EXAMPLE = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"


def body_cases() -> list[dict]:
    def ok(name: str, text: str, origin: str, size: int, root: str, ext: tuple[str, ...] = ()) -> dict:
        return {"name": name, "text": text, "expect": "ok",
                "checkpoint": {"origin": origin, "size": str(size), "root": root, "extensions": list(ext)}}

    def bad(name: str, text: str) -> dict:
        return {"name": name, "text": text, "expect": "malformed"}

    good = f"{ORIGIN}\n42\n{R64}\n"
    return [
        ok("c2sp-example", C2SP_EXAMPLE, "example.com/behind-the-sofa", 20852163,
           "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I="),
        ok("basic", good, ORIGIN, 42, R64),
        ok("size-zero", f"{ORIGIN}\n0\n{R64}\n", ORIGIN, 0, R64),
        ok("size-max-int63", f"{ORIGIN}\n{2**63 - 1}\n{R64}\n", ORIGIN, 2**63 - 1, R64),
        ok("extension-lines", good + "ext one\n— ext two\n", ORIGIN, 42, R64, ("ext one", "— ext two")),
        ok("origin-with-space-and-plus", f"a b+c\n1\n{R64}\n", "a b+c", 1, R64),
        bad("empty", ""),
        bad("missing-final-newline", good[:-1]),
        bad("two-lines", f"{ORIGIN}\n42\n"),
        bad("empty-origin", f"\n42\n{R64}\n"),
        bad("size-empty", f"{ORIGIN}\n\n{R64}\n"),
        bad("size-leading-zero", f"{ORIGIN}\n042\n{R64}\n"),
        bad("size-double-zero", f"{ORIGIN}\n00\n{R64}\n"),
        bad("size-negative", f"{ORIGIN}\n-42\n{R64}\n"),
        bad("size-negative-zero", f"{ORIGIN}\n-0\n{R64}\n"),
        bad("size-plus-sign", f"{ORIGIN}\n+42\n{R64}\n"),
        bad("size-2^63", f"{ORIGIN}\n{2**63}\n{R64}\n"),
        bad("size-2^64", f"{ORIGIN}\n{2**64}\n{R64}\n"),
        bad("size-huge", f"{ORIGIN}\n{'9' * 400}\n{R64}\n"),
        bad("size-hex", f"{ORIGIN}\n0x2a\n{R64}\n"),
        bad("size-exponent", f"{ORIGIN}\n4e1\n{R64}\n"),
        bad("size-underscore", f"{ORIGIN}\n4_2\n{R64}\n"),
        bad("size-space", f"{ORIGIN}\n 42\n{R64}\n"),
        bad("size-arabic-indic-digits", f"{ORIGIN}\n\u0664\u0662\n{R64}\n"),
        bad("size-fullwidth-digits", f"{ORIGIN}\n\uff14\uff12\n{R64}\n"),
        bad("root-31-bytes", f"{ORIGIN}\n42\n{base64.b64encode(ROOT_HASH[:31]).decode()}\n"),
        bad("root-33-bytes", f"{ORIGIN}\n42\n{base64.b64encode(ROOT_HASH + b'x').decode()}\n"),
        bad("root-empty", f"{ORIGIN}\n42\n\n"),
        bad("root-no-padding", f"{ORIGIN}\n42\n{R64.rstrip('=')}\n"),
        bad("root-url-safe-alphabet", f"{ORIGIN}\n42\n{URLSAFE}\n"),
        bad("root-non-canonical-bits", f"{ORIGIN}\n42\n{R64[:-2]}{chr(ord(R64[-2]) + 1)}=\n"),
        bad("root-hex", f"{ORIGIN}\n42\n{ROOT_HASH.hex()}\n"),
        bad("root-trailing-space", f"{ORIGIN}\n42\n{R64} \n"),
        bad("trailing-empty-line", good + "\n"),
        bad("empty-extension-line", good + "ext\n\nmore\n"),
        bad("cr-line-endings", good.replace("\n", "\r\n")),
        bad("control-character-in-origin", f"drawsvc\x01\n42\n{R64}\n"),
    ]


def signed_cases() -> list[dict]:
    good = format_checkpoint(ORIGIN, 42, ROOT_HASH)
    note = sign_note(good, LOG).decode()
    sig_b64 = note.rsplit(" ", 1)[1].strip()
    k = LOG.verifier_key()

    def case(name: str, note: str, expect: str, origin: str = ORIGIN, vkey: str = k) -> dict:
        return {"name": name, "note": note, "verifier": vkey, "origin": origin, "expect": expect}

    flipped = bytearray(base64.b64decode(sig_b64))
    flipped[20] ^= 0x80
    bad_body = f"{ORIGIN}\n042\n{R64}\n"
    return [
        case("ok", note, "ok"),
        case("ok-with-extension", sign_note(good + "ext\n", LOG).decode(), "ok"),
        case("wrong-origin-expected", note, "origin-mismatch", origin="drawsvc.example/other"),
        case("origin-signed-under-another-name",
             sign_note(format_checkpoint("evil.example/log", 42, ROOT_HASH), LOG).decode(),
             "origin-mismatch"),
        case("modified-size", note.replace("\n42\n", "\n43\n", 1), "bad-signature"),
        case("modified-root", note.replace(R64, base64.b64encode(bytes(32)).decode(), 1), "bad-signature"),
        case("modified-origin", note.replace(ORIGIN, "drawsvc.example/loh", 1), "bad-signature"),
        case("flipped-signature-bit", note.replace(sig_b64, base64.b64encode(bytes(flipped)).decode()),
             "bad-signature"),
        case("signed-by-another-key-with-same-name", sign_note(good, OTHER).decode(), "bad-signature"),
        case("verifier-is-another-key", note, "bad-signature", vkey=OTHER.verifier_key()),
        # Verify first: a bad body under a bad signature is a signature failure, not a parse error.
        case("malformed-body-bad-signature", sign_note(bad_body, OTHER).decode(), "bad-signature"),
        case("malformed-body-good-signature", sign_note(bad_body, LOG).decode(), "malformed"),
        case("malformed-note", note[:-1], "malformed"),
        case("trailing-garbage", note + "garbage\n", "malformed"),
    ]


def build() -> dict:
    return {
        "source": "custom: generated by tests/vectors/checkpoint/generate.py with ledger.checkpoint and "
        "ledger.note (fixed-seed keys); body 'c2sp-example' is the example of c2sp.org/tlog-checkpoint",
        "keys": {"log": LOG.verifier_key(), "other_with_log_name": OTHER.verifier_key()},
        "bodies": body_cases(),
        "signed": signed_cases(),
    }


def _code(fn, *args, **kwargs) -> str:
    try:
        fn(*args, **kwargs)
    except LedgerError as e:
        return e.code
    return "ok"


def check(data: dict) -> None:
    for c in data["bodies"]:
        assert _code(parse_checkpoint, c["text"]) == c["expect"], c["name"]
    for c in data["signed"]:
        verifier = parse_verifier_key(c["verifier"])
        got = _code(verify_checkpoint, c["note"].encode(), verifier, origin=c["origin"])
        assert got == c["expect"], (c["name"], got)


def render(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


if __name__ == "__main__":
    data = build()
    check(data)
    OUT.write_text(render(data), encoding="utf-8")
    print(f"wrote {len(data['bodies'])} bodies and {len(data['signed'])} signed cases to {OUT}")
