"""draw/v1 canonical bytes (docs/draw-spec.md §2 Conventions).

Every hashed JSON object in draw/v1 is RFC 8785 (JCS) canonical JSON, produced by
``ledger.entries.canonicalize``. ``json_string`` is the JCS encoding of one string, used by the
hot loops (pool leaves, avoidance tags) that build records with a fixed key order by hand; the
tests check those hand-built bytes against ``canonical_json`` with hypothesis.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from ledger.entries import canonicalize

SPEC = "draw/v1"

_STRING = json.JSONEncoder(ensure_ascii=False)

json_string_text: Callable[[str], str] = json.encoder.encode_basestring
"""``json_string`` before UTF-8 encoding: the quoted, escaped text of one ``str``.

It is the function ``JSONEncoder(ensure_ascii=False).encode`` itself calls for a ``str`` (the C
version when available), bound directly so that the result encoder's loops pay no Python call per
id (drawsvc/draw/result_json.py). It does not check for lone surrogates: they make the final
``encode("utf-8")`` fail, as in ``json_string``.
"""


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
