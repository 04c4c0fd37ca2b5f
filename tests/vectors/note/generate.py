"""Generate tests/vectors/note/cases.json: signed notes and named mutations of them.

Run from the repository root:  .venv/bin/python tests/vectors/note/generate.py
The keys come from fixed seeds (SHA-256 of a label), Ed25519 is deterministic, so the output is
the same on every run; tests/ledger/test_note.py checks that the committed file is up to date.

Each case: ``name`` (the mutation), ``note`` (UTF-8 text) or ``note_hex`` (bytes that are not
UTF-8), ``verifiers`` (verifier keys the opener knows), ``expect`` ("ok" or an error code from
ledger/errors.py: "malformed", "bad-signature"), and for "ok" the expected ``text`` and the
base64 of the verified and unverified signatures.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from ledger.note import Signer, open_note, parse_verifier_key, sign_note  # noqa: E402

OUT = Path(__file__).with_name("cases.json")


def seeded(name: str, label: str) -> Signer:
    return Signer.from_seed(name, hashlib.sha256(label.encode()).digest())


LOG = seeded("drawsvc.example/log", "drawsvc test vectors: log key")
WITNESS = seeded("witness.example/w1", "drawsvc test vectors: witness key")
OTHER = seeded("drawsvc.example/log", "drawsvc test vectors: another key with the log's name")

TEXT = "drawsvc.example/log\n42\n抽查结果已公开\n"


def sig_line(note: str, n: int = 0) -> str:
    return note.split("\n\n")[-1].split("\n")[n] + "\n"


def build() -> dict:
    one = sign_note(TEXT, LOG).decode()
    two = sign_note(TEXT, LOG, WITNESS).decode()
    log_line = sig_line(one)
    wit_line = sig_line(two, 1)
    log_b64 = log_line.split(" ")[2].strip()
    wit_b64 = wit_line.split(" ")[2].strip()
    other_line = sig_line(sign_note(TEXT, OTHER).decode())
    raw = base64.b64decode(log_b64)

    def with_sig(raw_sig: bytes, name: str = LOG.name) -> str:
        return f"{TEXT}\n\u2014 {name} {base64.b64encode(raw_sig).decode()}\n"

    flipped_sig = bytearray(raw)
    flipped_sig[10] ^= 0x01
    wrong_id = bytearray(raw)
    wrong_id[0] ^= 0x01
    non_canonical = log_b64[:-2] + chr(ord(log_b64[-2]) + 1) + "="  # same bytes, other padding bits
    assert base64.b64decode(non_canonical) == raw
    wit_bad = wit_b64[:20] + ("A" if wit_b64[20] != "A" else "B") + wit_b64[21:]
    k_log, k_wit = LOG.verifier_key(), WITNESS.verifier_key()

    ok = lambda name, note, verifiers, sigs, unverified=(): {  # noqa: E731
        "name": name, "note": note, "verifiers": verifiers, "expect": "ok",
        "text": TEXT, "sigs": list(sigs), "unverified_sigs": list(unverified),
    }
    bad = lambda name, note, verifiers, code: {  # noqa: E731
        "name": name, "note": note, "verifiers": verifiers, "expect": code,
    }
    cases = [
        ok("one-signature", one, [k_log], [log_b64]),
        ok("two-signatures-both-known", two, [k_log, k_wit], [log_b64, wit_b64]),
        ok("two-signatures-one-unknown", two, [k_log], [log_b64], [wit_b64]),
        ok("identical-signature-line-twice", one + log_line, [k_log], [log_b64]),
        ok("same-name-other-key-ignored", one + other_line, [k_log], [log_b64],
           [other_line.split(" ")[2].strip()]),
        ok("text-with-empty-lines", sign_note("a\n\nb\n", LOG).decode(), [k_log], []) | {"text": "a\n\nb\n"},
        ok("100-signature-lines", one + log_line * 99, [k_log], [log_b64]),
        bad("101-signature-lines", one + log_line * 100, [k_log], "malformed"),
        bad("101-unknown-signature-lines", one + wit_line * 100, [k_log], "malformed"),
        bad("empty", "", [k_log], "malformed"),
        bad("missing-final-newline", one[:-1], [k_log], "malformed"),
        bad("no-blank-line", TEXT + log_line, [k_log], "malformed"),
        bad("truncated-in-signature", one[: len(one) - 20] + "\n", [k_log], "malformed"),
        bad("truncated-after-blank-line", TEXT + "\n", [k_log], "malformed"),
        bad("trailing-garbage-line", one + "garbage\n", [k_log], "malformed"),
        bad("trailing-garbage-no-newline", one + "x", [k_log], "malformed"),
        bad("trailing-blank-line", one + "\n", [k_log], "malformed"),
        bad("hyphen-instead-of-em-dash", one.replace("\u2014 ", "- "), [k_log], "malformed"),
        bad("en-dash-instead-of-em-dash", one.replace("\u2014 ", "\u2013 "), [k_log], "malformed"),
        bad("no-space-after-em-dash", one.replace("\u2014 ", "\u2014"), [k_log], "malformed"),
        bad("name-with-plus", with_sig(raw, "drawsvc.example+log"), [k_log], "malformed"),
        bad("name-with-nbsp", with_sig(raw, "drawsvc.example\u00a0log"), [k_log], "malformed"),
        bad("empty-signature", f"{TEXT}\n\u2014 {LOG.name} \n", [k_log], "malformed"),
        bad("no-signature-field", f"{TEXT}\n\u2014 {LOG.name}\n", [k_log], "malformed"),
        bad("bad-base64-character", one.replace(log_b64, "!" + log_b64[1:]), [k_log], "malformed"),
        bad("base64-missing-padding", one.replace(log_b64, log_b64.rstrip("=")), [k_log], "malformed"),
        bad("base64-url-alphabet", one.replace(log_b64, "-" + log_b64[1:]), [k_log], "malformed"),
        bad("base64-non-canonical-padding-bits", one.replace(log_b64, non_canonical), [k_log], "malformed"),
        bad("signature-shorter-than-5-bytes", with_sig(raw[:4]), [k_log], "malformed"),
        bad("malformed-line-after-good-signature", one + "\u2014 bad line\n", [k_log], "malformed"),
        bad("control-character-tab", "\t" + one, [k_log], "malformed"),
        bad("control-character-cr", one.replace("\n", "\r\n", 1), [k_log], "malformed"),
        bad("control-character-nul-in-signature-block", one[:-1] + "\x00\n", [k_log], "malformed"),
        bad("wrong-key-id", with_sig(bytes(wrong_id)), [k_log], "bad-signature"),
        bad("flipped-signature-bit", with_sig(bytes(flipped_sig)), [k_log], "bad-signature"),
        bad("signature-truncated-to-36-bytes", with_sig(raw[:36]), [k_log], "bad-signature"),
        bad("modified-body", one.replace("42", "43", 1), [k_log], "bad-signature"),
        bad("unknown-key-only", two.replace(log_line, ""), [k_log], "bad-signature"),
        bad("no-known-verifier", one, [], "bad-signature"),
        bad("same-name-other-key-expected", one, [OTHER.verifier_key()], "bad-signature"),
        bad("duplicate-known-key-second-invalid", one + with_sig(bytes(flipped_sig)).split("\n\n")[-1],
            [k_log], "bad-signature"),
        bad("good-then-bad-known-signature", two.replace(wit_b64, wit_bad),
            [k_log, k_wit], "bad-signature"),
    ]
    invalid_utf8 = (b"\xff" + one.encode()).hex()
    cases.append({"name": "invalid-utf8", "note_hex": invalid_utf8, "verifiers": [k_log],
                  "expect": "malformed"})
    surrogate = one.encode().replace("抽".encode(), b"\xed\xa0\x80").hex()
    cases.append({"name": "utf8-encoded-surrogate", "note_hex": surrogate, "verifiers": [k_log],
                  "expect": "malformed"})
    for case in cases:
        if case["name"] == "text-with-empty-lines":
            case["sigs"] = [sig_line(case["note"]).split(" ")[2].strip()]
    return {
        "source": "custom: generated by tests/vectors/note/generate.py with ledger.note (fixed-seed keys)",
        "keys": {"log": k_log, "witness": k_wit, "other_with_log_name": OTHER.verifier_key()},
        "cases": cases,
    }


def check(data: dict) -> None:
    """Sanity-check the generated cases with our own implementation before writing them."""
    from ledger.errors import LedgerError

    for case in data["cases"]:
        msg = bytes.fromhex(case["note_hex"]) if "note_hex" in case else case["note"].encode()
        verifiers = [parse_verifier_key(k) for k in case["verifiers"]]
        try:
            n = open_note(msg, verifiers)
            got = "ok"
        except LedgerError as e:
            got = e.code
        assert got == case["expect"], (case["name"], got)
        if got == "ok":
            assert [s.base64 for s in n.sigs] == case["sigs"], case["name"]


def render(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


if __name__ == "__main__":
    data = build()
    check(data)
    OUT.write_text(render(data), encoding="utf-8")
    print(f"wrote {len(data['cases'])} cases to {OUT}")
