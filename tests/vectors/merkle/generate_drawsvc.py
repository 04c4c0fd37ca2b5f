#!/usr/bin/env python3
"""Generate tests/vectors/merkle/drawsvc/ from the recursive RFC 9162 reference ONLY.

    .venv/bin/python tests/vectors/merkle/generate_drawsvc.py

The vectors are produced by tests/ledger/merkle_reference.py (RFC 9162 §2.1 definitions
written literally) and checked by the fast ledger.tree / ledger.verify / ledger.log code in
tests/ledger/test_merkle_vectors.py: one implementation generates, another checks.

Tree: entry i is the ASCII bytes ``drawsvc-vector-<i>`` (no padding), leaf hashes per
RFC 9162 §2.1.1. The file format is transparency-dev/merkle's (base64 hashes, ``desc``,
``wantErr``) so that the same reader handles both sets.
"""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "ledger"))
import merkle_reference as ref  # noqa: E402

OUT = HERE / "drawsvc"
MAX_SIZE = 1100
ROOT_SIZES = [*range(0, 34), 63, 64, 65, 127, 128, 129, 255, 256, 257, 511, 512, 513, 767, 768, 1024, 1100]
INCLUSION = [(0, 1), (0, 2), (1, 2), (4, 7), (6, 7), (255, 256), (0, 257), (256, 257), (300, 513)]
INCLUSION += [(1099, 1100)]
CONSISTENCY = [(1, 2), (3, 7), (4, 8), (6, 7), (255, 256), (256, 257), (1, 1100), (257, 513), (700, 1100)]


def entry(i: int) -> bytes:
    return f"drawsvc-vector-{i}".encode()


def b64(h: bytes) -> str:
    return base64.b64encode(h).decode()


def flip(h: bytes, byte: int = 0, bit: int = 3) -> bytes:
    return h[:byte] + bytes([h[byte] ^ (1 << bit)]) + h[byte + 1 :]


def refused_by_reference(v: dict) -> bool:
    """True if the RFC's own algorithm rejects the vector; a mutation it accepts is dropped
    (e.g. leaf 0 of 257 -> 258: the same path is a valid proof for both sizes)."""
    d = base64.b64decode
    try:
        if "leafIdx" in v:
            ref.verify_inclusion(
                v["leafIdx"], v["treeSize"], d(v["leafHash"]), [d(p) for p in v["proof"]], d(v["root"])
            )
        else:
            ref.verify_consistency(
                v["size1"], v["size2"], d(v["root1"]), d(v["root2"]), [d(p) for p in v["proof"]]
            )
    except (ref.VerifyError, IndexError):
        return True
    return False


def write(path: Path, obj: dict) -> None:
    if obj.get("wantErr") and not refused_by_reference(obj):
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2) + "\n")


def main() -> None:
    leaves = [ref.leaf_hash(entry(i)) for i in range(MAX_SIZE)]
    roots = {
        n: ref.mth(leaves[:n])
        for n in sorted({*ROOT_SIZES, *(n for _, n in INCLUSION)} | {s for pair in CONSISTENCY for s in pair})
    }
    write(
        OUT / "roots.json",
        {
            "desc": "MTH(D[n]) over entries 'drawsvc-vector-<i>' (RFC 9162 §2.1.1), recursive reference",
            "entry_format": "drawsvc-vector-{i}",
            "roots": [{"size": n, "root": b64(r)} for n, r in roots.items()],
        },
    )
    for m, n in INCLUSION:
        proof = ref.inclusion_path(m, leaves[:n])
        ref.verify_inclusion(m, n, leaves[m], proof, roots[n])
        base = {"leafIdx": m, "treeSize": n, "root": b64(roots[n]), "leafHash": b64(leaves[m])}
        d = OUT / "inclusion" / f"{m}-{n}"
        p64 = [b64(p) for p in proof]
        write(d / "happy-path.json", {**base, "proof": p64, "desc": "happy path", "wantErr": False})
        muts = {
            "leafIdx-plus-@1": {"leafIdx": m + 1},
            "treeSize-plus-@1": {"treeSize": n + 1},
            "treeSize-sub-@1": {"treeSize": n - 1},
            "wrong-leaf": {"leafHash": b64(flip(leaves[m]))},
            "wrong-root": {"root": b64(flip(roots[n]))},
            "trailing-garbage": {"proof": [*p64, b64(bytes(32))]},
            "short-hash-in-proof": {"proof": [*p64[:-1], b64(proof[-1][:31])]} if proof else None,
            "truncated-proof": {"proof": p64[:-1]} if proof else None,
        }
        for i, p in enumerate(proof):
            muts[f"modified-proof@{i}-bit-@3"] = {"proof": [*p64[:i], b64(flip(p)), *p64[i + 1 :]]}
        for name, change in muts.items():
            if change is not None:
                write(d / f"{name}.json", {**base, "proof": p64, **change, "desc": name, "wantErr": True})
    for m, n in CONSISTENCY:
        proof = ref.consistency_proof(m, leaves[:n])
        ref.verify_consistency(m, n, roots[m], roots[n], proof)
        base = {"size1": m, "size2": n, "root1": b64(roots[m]), "root2": b64(roots[n])}
        d = OUT / "consistency" / f"{m}-{n}"
        p64 = [b64(p) for p in proof]
        write(d / "happy-path.json", {**base, "proof": p64, "desc": "happy path", "wantErr": False})
        muts = {
            "size1-plus-@1": {"size1": m + 1},
            "size2-plus-@1": {"size2": n + 1},
            "swapped-roots": {"root1": b64(roots[n]), "root2": b64(roots[m])},
            "wrong-root1": {"root1": b64(flip(roots[m]))},
            "wrong-root2": {"root2": b64(flip(roots[n]))},
            "trailing-garbage": {"proof": [*p64, b64(bytes(32))]},
            "truncated-proof": {"proof": p64[:-1]},
            "empty-proof": {"proof": []},
        }
        for i, p in enumerate(proof):
            muts[f"modified-proof@{i}-bit-@3"] = {"proof": [*p64[:i], b64(flip(p)), *p64[i + 1 :]]}
        for name, change in muts.items():
            write(d / f"{name}.json", {**base, "proof": p64, **change, "desc": name, "wantErr": True})


if __name__ == "__main__":
    main()
