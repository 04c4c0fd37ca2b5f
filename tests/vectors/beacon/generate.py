"""Generate tests/vectors/beacon/cases.json: the genuine quicknet rounds of genuine.json and named
mutations of them (docs/specs/beacon.md, rules BEACON-1 … BEACON-4).

Run from the repository root:  .venv/bin/python tests/vectors/beacon/generate.py
Only hashlib is used: no case is signed here, every "ok" case is a published round copied into
genuine.json with its source. tests/audit/test_beacon.py checks the committed file is up to date.

Each case: ``name`` (the mutation), ``beacon`` (the beacon as a ``draw.result`` logs it:
``source``, ``round``, ``signature``, ``value``; a key may be missing), ``committed`` (the
``draw.commit`` beacon: ``source``, ``round``), ``expect`` ("ok" or "beacon-invalid") and, for a
refusal, the ``rule`` that refuses it.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
OUT = HERE / "cases.json"
SOURCE = "drand-quicknet"


def sha(hex_: str) -> str:
    return hashlib.sha256(bytes.fromhex(hex_)).hexdigest()


def flip_byte(hex_: str, at: int) -> str:
    b = bytearray(bytes.fromhex(hex_))
    b[at] ^= 0x01
    return b.hex()


def build() -> dict[str, Any]:
    genuine = json.loads((HERE / "genuine.json").read_text(encoding="utf-8"))
    r1, r2 = genuine["rounds"]
    pk = genuine["chain"]["public_key"]

    def beacon(r: dict[str, Any], **over: Any) -> dict[str, Any]:
        b = {"source": SOURCE, "round": r["round"], "signature": r["signature"], "value": r["randomness"]}
        for k, v in over.items():
            if v is None:
                b.pop(k)
            else:
                b[k] = v
        return b

    def case(name: str, desc: str, b: dict[str, Any], expect: str, rule: str | None = None,
             committed: dict[str, Any] | None = None) -> dict[str, Any]:
        c = {"name": name, "description": desc, "beacon": b,
             "committed": committed or {"source": b.get("source", SOURCE), "round": b.get("round")},
             "expect": expect}
        if rule:
            c["rule"] = rule
        return c

    flipped = flip_byte(r1["signature"], 24)
    cases = [
        case(f"quicknet-{r1['round']}", "genuine round", beacon(r1), "ok"),
        case(f"quicknet-{r2['round']}", "genuine round", beacon(r2), "ok"),
        case("source-unknown", "a source the verifier has no public key for",
             beacon(r1, source="drand-default"), "beacon-invalid", "BEACON-1"),
        case("round-not-committed", "a genuine beacon of another round than the committed one", beacon(r1),
             "beacon-invalid", "BEACON-2", committed={"source": SOURCE, "round": r1["round"] + 1}),
        case("source-not-committed", "the committed source differs", beacon(r1), "beacon-invalid", "BEACON-2",
             committed={"source": "drand-default", "round": r1["round"]}),
        case("round-plus-one", "round 123's signature and randomness claimed for round 124 (committed 124)",
             beacon(r1, round=r1["round"] + 1), "beacon-invalid", "BEACON-3"),
        case("signature-of-other-round", f"round {r2['round']}'s genuine signature (a valid G1 point) "
             f"for round {r1['round']}", beacon(r1, signature=r2["signature"], value=r2["randomness"]),
             "beacon-invalid", "BEACON-3"),
        case("signature-byte-24-flipped", "one bit of the signature flipped, randomness recomputed from it",
             beacon(r1, signature=flipped, value=sha(flipped)), "beacon-invalid", "BEACON-3"),
        case("signature-missing", "no signature logged", beacon(r1, signature=None), "beacon-invalid",
             "BEACON-3"),
        case("signature-empty", "an empty signature", beacon(r1, signature=""), "beacon-invalid", "BEACON-3"),
        case("signature-not-hex", "a signature that is not hex", beacon(r1, signature="zz" * 48),
             "beacon-invalid", "BEACON-3"),
        case("signature-uppercase", "the genuine signature in uppercase hex (the log holds lowercase)",
             beacon(r1, signature=r1["signature"].upper()), "beacon-invalid", "BEACON-3"),
        case("signature-truncated", "47 bytes", beacon(r1, signature=r1["signature"][:-2]), "beacon-invalid",
             "BEACON-3"),
        case("signature-g2-length", "96 bytes (a G2 point, the chain's public key) instead of a G1 point",
             beacon(r1, signature=pk, value=sha(pk)), "beacon-invalid", "BEACON-3"),
        case("signature-not-compressed", "48 zero bytes: no compression flag, not a compressed G1 point",
             beacon(r1, signature="00" * 48, value=sha("00" * 48)), "beacon-invalid", "BEACON-3"),
        case("signature-infinity", "the compressed point at infinity (0xc0 then zeros)",
             beacon(r1, signature="c0" + "00" * 47, value=sha("c0" + "00" * 47)), "beacon-invalid",
             "BEACON-3"),
        case("signature-x-not-on-curve", "compression flag with x = 1 … not on G1",
             beacon(r1, signature="80" + "00" * 46 + "01", value=sha("80" + "00" * 46 + "01")),
             "beacon-invalid", "BEACON-3"),
        case("randomness-mismatch", "genuine signature, another round's randomness",
             beacon(r1, value=r2["randomness"]), "beacon-invalid", "BEACON-4"),
        case("randomness-missing", "genuine signature, no value", beacon(r1, value=None), "beacon-invalid",
             "BEACON-4"),
        case("randomness-uppercase", "the genuine randomness in uppercase hex",
             beacon(r1, value=r1["randomness"].upper()), "beacon-invalid", "BEACON-4"),
        case("round-zero", "round 0 (quicknet's rounds start at 1)", beacon(r1, round=0), "beacon-invalid",
             "BEACON-3"),
        case("round-not-integer", "round as a string", beacon(r1, round=str(r1["round"])),
             "beacon-invalid", "BEACON-3", committed={"source": SOURCE, "round": str(r1["round"])}),
    ]
    return {
        "description": "drand quicknet beacons as logged by draw.result, and named mutations "
        "(docs/specs/beacon.md)",
        "source": "genuine rounds: tests/vectors/beacon/genuine.json (each with its published source); "
        "mutations: custom, generated by tests/vectors/beacon/generate.py with hashlib only",
        "chain": genuine["chain"],
        "cases": cases,
    }


def render() -> str:
    return json.dumps(build(), indent=1, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    OUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUT}")
