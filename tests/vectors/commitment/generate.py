"""Generate commitment vectors (docs/specs/registries.md §6) with drawsvc.privacy.

Deterministic: fixed salts. Run: .venv/bin/python tests/vectors/commitment/generate.py
"""

from __future__ import annotations

import json
from pathlib import Path

from drawsvc.privacy import commit

HERE = Path(__file__).parent

CASES = [
    ("phone", "00000000000000000000000000000000", "10000000001"),
    ("phone", "ffffffffffffffffffffffffffffffff", "10000000001"),
    ("id_number", "0123456789abcdef0123456789abcdef", "33010619700315002X"),
    ("birth_date", "a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5", "1970-03-15"),
    ("home_address", "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a", "杭州市西湖区示例路8号"),
    ("objector", "000102030405060708090a0b0c0d0e0f", "赵敏"),
    ("ab", "000102030405060708090a0b0c0d0e0f", "c"),
    ("a", "000102030405060708090a0b0c0d0e0f", "bc"),
]


def main() -> None:
    valid = [{"field": f, "salt": s, "value": v, "commitment": commit(f, s, v)} for f, s, v in CASES]
    base = valid[0]
    mutations = {
        "value-last-digit-@10": {**base, "value": "10000000002"},
        "salt-bit-@0": {**base, "salt": "01" + base["salt"][2:]},
        "field-renamed": {**base, "field": "phone2"},
        "commitment-bit-@0": {
            **base,
            "commitment": format(int(base["commitment"][0], 16) ^ 1, "x") + base["commitment"][1:],
        },
    }
    out = {
        "spec": "docs/specs/registries.md §6 (drawsvc/commitment/v1)",
        "valid": valid,
        "invalid": [{"name": k, **v} for k, v in mutations.items()],
    }
    (HERE / "commitments.json").write_text(
        json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    main()
