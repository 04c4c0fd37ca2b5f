"""One ``text[]`` parameter for many keys on PostgreSQL (``= ANY(%s::text[])``,
``unnest(%s::text[])``): one statement and one bound value for thousands of keys."""

from __future__ import annotations

import re
from collections.abc import Sequence

_PLAIN = re.compile(r"[0-9A-Za-z]+")  # no character an array literal would need quoted


def text_array(values: Sequence[str]) -> str | list[str]:
    """The array literal ``{a,b,…}`` when every value is a non-empty run of ASCII letters and
    digits (a USCC always is) and none could be the unquoted ``NULL`` a literal reads as a null
    (any value spelling it, in any case, anywhere in the join, is sent the other way): one join,
    where psycopg's list dumper costs ≈ 1.5 µs a value. Otherwise the list itself, which
    psycopg dumps with the quoting the values need."""
    try:
        joined = "".join(values)  # C-level; refuses anything but strings
    except TypeError:
        return list(values)
    if values and all(values) and _PLAIN.fullmatch(joined) and "NULL" not in joined.upper():
        return "{" + ",".join(values) + "}"
    return list(values)
