"""Generate tests/vectors/entries/cases.json: canonical entries, refusals, and leaf hashes.

Run from the repository root:  .venv/bin/python tests/vectors/entries/generate.py
Every canonical form written here is computed by ``ledger.entries.canonicalize`` AND checked
against the independent ``rfc8785`` package before the file is written (two implementations).
tests/ledger/test_entries.py checks the committed file is up to date.

- ``canonical``: ``input`` is JSON text (parse it, canonicalize the value), ``canonical`` the RFC 8785
  text, ``leaf_hash`` the hex of SHA-256(0x00 || canonical bytes) (RFC 9162 §2.1.1).
- ``rejected_values``: JSON text whose value ``canonicalize`` refuses, with the rule and JSON path.
- ``entry_bytes``: byte strings for ``check_entry_bytes(data, max_size=256)``: "ok" or the rule.
- ``distinct``: pairs that the rejected merkle-json scheme hashes alike and we must not
  (docs/decisions/0001-hashing-and-canonical-json.md).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

import rfc8785  # noqa: E402

from ledger.entries import canonicalize, check_entry_bytes  # noqa: E402
from ledger.errors import EntryRejected  # noqa: E402
from ledger.hashing import leaf_hash  # noqa: E402

OUT = Path(__file__).with_name("cases.json")
MAX_SIZE = 256

CANONICAL_INPUTS = {
    "empty-object": "{}",
    "key-order-ascii": '{"b": 1, "a": 2, "B": 3, "aa": 4, "": 5}',
    "key-order-utf16-astral-before-private-use": '{"\\ue000": 1, "\\ud83d\\ude00": 2, "\\uffff": 3, "z": 4}',
    "key-order-chinese": '{"抽查": 1, "企业": 2, "随机": 3, "a": 4}',
    "string-escapes": '{"s": "\\b\\t\\n\\f\\r\\"\\\\/"}',
    "string-other-controls-lowercase-hex": '{"s": "\\u0000\\u0001\\u001f\\u000b"}',
    "string-del-and-c1-unescaped": '{"s": "\\u007f\\u0080\\u009f"}',
    "string-line-separators-unescaped": '{"s": "\\u2028\\u2029"}',
    "string-non-ascii-unescaped": '{"s": "上海市浦东新区 é ü 😀"}',
    "integers-edges": '{"max": 9007199254740991, "min": -9007199254740991, "zero": 0, "neg": -1}',
    "literals": '{"t": true, "f": false, "n": null}',
    "nested": '{"z": [3, {"y": [], "x": {}}], "a": {"c": [true, null], "b": "\\u4e2d"}}',
    "floats-via-reference-path": '{"f": [1.5, 0.1, 1e21, 1e-7, 123456789.123, -0.0, 5e-324, 1.0]}',
    "float-integral": '{"f": 100.0}',
    "realistic-entry": json.dumps({
        "spec": "drawsvc/entry/v1", "kind": "draw.result", "seq": 1024,
        "body": {"task": "2026-SH-PD-0042", "ratio_bp": 300, "winners": ["91310115MA1K3XXXX1"],
                 "name": "上海市某某科技有限公司", "district": "浦东新区"},
    }, ensure_ascii=False),
}

REJECTED_VALUES = {
    "top-level-array": ("[1, 2]", "not-an-object", "$"),
    "top-level-string": ('"x"', "not-an-object", "$"),
    "integer-2^53": ('{"body": {"n": 9007199254740992}}', "integer-out-of-range", "$.body.n"),
    "integer-minus-2^53": ('{"n": -9007199254740992}', "integer-out-of-range", "$.n"),
    "integer-in-list": ('{"a": [1, 2, 18446744073709551616]}', "integer-out-of-range", "$.a[2]"),
    "lone-high-surrogate": ('{"s": "\\ud800"}', "lone-surrogate", "$.s"),
    "lone-low-surrogate-in-key": ('{"a": {"\\udc00x": 1}}', "lone-surrogate", '$.a["\\udc00x"]'),
    "reversed-surrogate-pair": ('{"s": "\\ude00\\ud83d"}', "lone-surrogate", "$.s"),
}

ENTRY_BYTES: dict[str, tuple[bytes, str]] = {
    "canonical": (b'{"a":1,"b":"\xe4\xb8\xad"}', "ok"),
    "canonical-float": (b'{"f":1.5}', "ok"),
    "empty": (b"", "empty"),
    "too-large": (b'{"a":"' + b"x" * MAX_SIZE + b'"}', "too-large"),
    "not-utf8": (b'{"a":"\xff"}', "not-utf8"),
    "utf8-encoded-surrogate": (b'{"a":"\xed\xa0\x80"}', "not-utf8"),
    "bom": (b'\xef\xbb\xbf{"a":1}', "not-json"),
    "not-json": (b'{"a":}', "not-json"),
    "nan": (b'{"a":NaN}', "number-not-finite"),
    "infinity": (b'{"a":-Infinity}', "number-not-finite"),
    "huge-float-overflows": (b'{"a":1e400}', "number-not-finite"),
    "top-level-array": (b"[1]", "not-an-object"),
    "top-level-number": (b"1", "not-an-object"),
    "whitespace": (b'{"a": 1}', "not-canonical"),
    "trailing-newline": (b'{"a":1}\n', "not-canonical"),
    "unsorted-keys": (b'{"b":1,"a":2}', "not-canonical"),
    "code-point-order-not-utf16": ('{"\ue000":1,"\U0001f600":2}'.encode(), "not-canonical"),
    "escaped-non-ascii": (b'{"a":"\\u4e2d"}', "not-canonical"),
    "escaped-slash": (b'{"a":"\\/"}', "not-canonical"),
    "uppercase-hex-escape": (b'{"a":"\\u001F"}', "not-canonical"),
    "unicode-escape-for-newline": (b'{"a":"\\u000a"}', "not-canonical"),
    "duplicate-key": (b'{"a":1,"a":1}', "duplicate-key"),
    "float-with-trailing-zero": (b'{"a":1.50}', "not-canonical"),
    "integral-float": (b'{"a":1.0}', "not-canonical"),
    "exponent-form": (b'{"a":1e2}', "not-canonical"),
    "negative-zero": (b'{"a":-0}', "not-canonical"),
    "integer-2^53": (b'{"a":9007199254740992}', "integer-out-of-range"),
    "lone-surrogate-escape": (b'{"a":"\\ud800"}', "lone-surrogate"),
}

DISTINCT = {
    "list-order": ('{"winners": [1, 2]}', '{"winners": [2, 1]}'),
    "number-vs-string": ('{"seed": 1}', '{"seed": "1"}'),
    "bool-vs-string": ('{"ok": true}', '{"ok": "True"}'),
    "null-vs-string": ('{"a": null}', '{"a": "None"}'),
    "self-declared-hash": ('{"winners": ["company-a"]}',
                           '{"winners": ["someone-else"], "merkleHash": "f5d494199cd9954af93ff7585cfaeb49"}'),
    "object-vs-its-digest-string": ('{"a": {"b": "c"}}', '{"a": "b:4a8a08f09d37b73795649038408b5f33,"}'),
}


def _canonical(text: str) -> bytes:
    value = json.loads(text)
    ours = canonicalize(value)
    assert ours == rfc8785.dumps(value), text  # cross-check with the independent implementation
    return ours


def _rule(fn, *args) -> str:
    try:
        fn(*args)
    except EntryRejected as e:
        return e.rule  # type: ignore[attr-defined]
    return "ok"


def build() -> dict:
    canonical = []
    for name, text in CANONICAL_INPUTS.items():
        out = _canonical(text)
        canonical.append({"name": name, "input": text, "canonical": out.decode("utf-8"),
                          "leaf_hash": leaf_hash(out).hex()})
    rejected = [{"name": n, "input": t, "rule": r, "path": p} for n, (t, r, p) in REJECTED_VALUES.items()]
    entry_bytes = [{"name": n, "entry_hex": b.hex(), "expect": e} for n, (b, e) in ENTRY_BYTES.items()]
    distinct = []
    for name, (a, b) in DISTINCT.items():
        ca, cb = _canonical(a), _canonical(b)
        distinct.append({"name": name, "a": a, "b": b, "a_leaf_hash": leaf_hash(ca).hex(),
                         "b_leaf_hash": leaf_hash(cb).hex()})
    return {
        "source": "custom: generated by tests/vectors/entries/generate.py with ledger.entries, every "
        "canonical form cross-checked with the rfc8785 package",
        "max_size": MAX_SIZE,
        "canonical": canonical,
        "rejected_values": rejected,
        "entry_bytes": entry_bytes,
        "distinct": distinct,
    }


def check(data: dict) -> None:
    for c in data["rejected_values"]:
        try:
            canonicalize(json.loads(c["input"]))
        except EntryRejected as e:
            assert (e.rule, e.path) == (c["rule"], c["path"]), (c["name"], e.rule, e.path)  # type: ignore
        else:
            raise AssertionError(c["name"])
    for c in data["entry_bytes"]:
        got = _rule(check_entry_bytes, bytes.fromhex(c["entry_hex"]), MAX_SIZE)
        assert got == c["expect"], (c["name"], got)
    for c in data["distinct"]:
        assert c["a_leaf_hash"] != c["b_leaf_hash"], c["name"]


def render(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


if __name__ == "__main__":
    data = build()
    check(data)
    OUT.write_text(render(data), encoding="utf-8")
    print(f"wrote {sum(len(v) for v in data.values() if isinstance(v, list))} cases to {OUT}")
