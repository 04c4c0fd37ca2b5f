"""draw/v1 canonical bytes (docs/draw-spec.md §2 Conventions).

Every hashed JSON object in draw/v1 is RFC 8785 (JCS) canonical JSON, produced by
``ledger.entries.canonicalize``. ``json_string`` is the JCS encoding of one string, used by the
hot loops (pool leaves, avoidance tags) that build records with a fixed key order by hand; the
tests check those hand-built bytes against ``canonical_json`` with hypothesis.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ledger.entries import canonicalize

SPEC = "draw/v1"

_STRING = json.JSONEncoder(ensure_ascii=False)


def canonical_json(obj: Mapping[str, Any]) -> bytes:
    """RFC 8785 bytes of a JSON object (spec §2, convention C-2)."""
    return canonicalize(obj)


def json_string(value: str) -> bytes:
    """RFC 8785 §3.2.2.2 serialization of one string, UTF-8 encoded.

    Python's encoder with ``ensure_ascii=False`` escapes exactly what JCS escapes (``"``, ``\\``,
    C0 controls, short forms for ``\\b \\f \\n \\r \\t``, lowercase ``\\u00xx``). Lone surrogates
    make ``encode`` fail, as JCS refuses them.
    """
    return _STRING.encode(value).encode("utf-8")
