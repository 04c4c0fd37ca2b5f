"""Generate tests/vectors/cosignature/cases.json: cosigned checkpoints and named mutations.

Run from the repository root:  .venv/bin/python tests/vectors/cosignature/generate.py
Keys come from fixed seeds (SHA-256 of a label) and Ed25519 is deterministic, so the output is
the same on every run; tests/ledger/test_cosignature.py checks the committed file is up to date.

Each case: ``name`` (the mutation), ``note`` (the published checkpoint: log signature, then
cosignature lines), ``log_key`` and ``witness_keys`` (verifier keys), and two expectations:

- ``log_only``: opening the note with the log key alone (what the site's verifier and any
  C2SP checkpoint client that knows no witness does): ``expect`` "ok" or an error code, and for
  "ok" the base64 of the verified and of the ignored (unknown-key) signatures;
- ``witnessed``: verifying the cosignatures with the witness keys (``ledger.cosignature``):
  ``expect`` "ok" with the ``timestamps`` found, or an error code.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from ledger import cosignature  # noqa: E402
from ledger.checkpoint import sign_checkpoint  # noqa: E402
from ledger.errors import LedgerError  # noqa: E402
from ledger.note import Signer, open_note  # noqa: E402

OUT = Path(__file__).with_name("cases.json")
ORIGIN = "drawsvc.example/log"


def seed(label: str) -> bytes:
    return hashlib.sha256(f"drawsvc test vectors: {label}".encode()).digest()


LOG = Signer.from_seed(ORIGIN, seed("log key"))
W1, W2 = ("jiwei.example/w1", seed("witness 1")), ("jiwei.example/w2", seed("witness 2"))
KEYS = [cosignature.WitnessKey(n, cosignature.public_key_of(s)) for n, s in (W1, W2)]
ROOT_HASH = hashlib.sha256(b"drawsvc test vectors: root").digest()
T1, T2 = 1_760_000_000, 1_760_000_060

NOTE = sign_checkpoint(LOG, ORIGIN, 20852163, ROOT_HASH).decode()
BODY = NOTE.split("\n\n")[0] + "\n"
OTHER_BODY = sign_checkpoint(LOG, ORIGIN, 20852164, ROOT_HASH).decode().split("\n\n")[0] + "\n"


def line(witness: tuple[str, bytes], body: str, at: int) -> str:
    return cosignature.cosign(body, witness[0], witness[1], at)


def flip(line_text: str, byte: int) -> str:
    name, b64 = line_text.rstrip("\n")[2:].split(" ")
    raw = bytearray(base64.b64decode(b64))
    raw[byte] ^= 1
    return f"\u2014 {name} {base64.b64encode(bytes(raw)).decode()}\n"


def case(name: str, note: str) -> dict[str, object]:
    data = note.encode()
    out: dict[str, object] = {"name": name, "note": note, "log_key": LOG.verifier_key(),
                              "witness_keys": [k.vkey for k in KEYS]}
    try:
        opened = open_note(data, [LOG.verifier()])
        out["log_only"] = {"expect": "ok", "sigs": [s.base64 for s in opened.sigs],
                           "unverified_sigs": [s.base64 for s in opened.unverified_sigs]}
    except LedgerError as exc:
        out["log_only"] = {"expect": exc.code}
    try:
        _, found = cosignature.cosignatures_in_note(data, KEYS)
        out["witnessed"] = {"expect": "ok", "timestamps": [c.timestamp for c in found]}
    except LedgerError as exc:
        out["witnessed"] = {"expect": exc.code}
    return out


def cases() -> list[dict[str, object]]:
    good1, good2 = line(W1, BODY, T1), line(W2, BODY, T2)
    claim_log = good1.replace(W1[0], ORIGIN, 1)  # right name for the log, cosignature bytes
    kid = LOG.key_id.to_bytes(4, "big")
    raw = base64.b64decode(claim_log.rstrip("\n").split(" ")[-1])
    claim_log = f"\u2014 {ORIGIN} {base64.b64encode(kid + raw[4:]).decode()}\n"
    return [
        case("log-signature-only", NOTE),
        case("cosigned-by-two-witnesses", NOTE + good1 + good2),
        case("cosignature-over-another-checkpoint", NOTE + line(W1, OTHER_BODY, T1) + good2),
        case("flipped-timestamp-bit", NOTE + flip(good1, 11)),
        case("flipped-signature-bit", NOTE + good1 + flip(good2, 40)),
        case("cosignature-under-the-log-key-name-and-id", NOTE + claim_log),
        case("same-cosignature-twice", NOTE + good1 + good1),
    ]


def main() -> None:
    OUT.write_text(json.dumps({"source": "tests/vectors/cosignature/generate.py", "cases": cases()},
                              indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
