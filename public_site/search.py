"""Pure: the search index of published firms, split into small shards (docs/site.md §3).

The browser (``static/search.js``) fetches two or three small JSON files per query, whatever
the number of firms, with plain ``fetch``:

``search/code/<b>.json``   ``{uscc: name}`` for the firms whose USCC falls in bucket ``b``
``search/name/<b>.json``   ``{bigram: [ordinal, ...] | {"n": count}}`` for the name bigrams in ``b``
``search/firms/<k>.json``  ``[[uscc, name], ...]``: firms ``k·FIRM_CHUNK …`` by ordinal

A bucket is ``fnv1a32(UTF-8 bytes) mod buckets``. A firm's *ordinal* is its position in the
order firms were first published (drawn, inspected or named by a result), so ordinals never
change and a new firm dirties one firm chunk and the shards of its own bigrams only. A bigram
shared by more than ``COMMON`` firms (有限, 公司) keeps only its count: the query skips it and
narrows on its other bigrams.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

CODE_BUCKETS = 1024
NAME_BUCKETS = 4096
FIRM_CHUNK = 500
COMMON = 2000
FNV_OFFSET = 0x811C9DC5
FNV_PRIME = 0x01000193


def fnv1a32(text: str) -> int:
    """FNV-1a, 32 bits, over the UTF-8 bytes (search.js has the same function)."""
    h = FNV_OFFSET
    for byte in text.encode("utf-8"):
        h = ((h ^ byte) * FNV_PRIME) & 0xFFFFFFFF
    return h


def bigrams(name: str) -> set[str]:
    """Distinct two-character windows of the name, upper-cased, spaces removed."""
    text = "".join(name.split()).upper()
    return {text[i : i + 2] for i in range(len(text) - 1)}


def code_shard(uscc: str) -> str:
    return f"search/code/{fnv1a32(uscc) % CODE_BUCKETS:03x}.json"


def name_shard(bigram: str) -> str:
    return f"search/name/{fnv1a32(bigram) % NAME_BUCKETS:03x}.json"


def firm_chunk(ordinal: int) -> str:
    return f"search/firms/{ordinal // FIRM_CHUNK}.json"


@dataclass
class SearchIndex:
    """The index kept between builds; :meth:`update` returns the shard paths it changed."""

    ordinals: dict[str, int] = field(default_factory=dict)
    firms: list[list[str]] = field(default_factory=list)  # ordinal → [uscc, name]
    postings: dict[str, list[int] | int] = field(default_factory=dict)  # bigram → ordinals | count
    by_code: dict[str, list[int]] = field(default_factory=dict)  # code shard → its firms' ordinals

    def update(self, uscc: str, name: str) -> set[str]:
        ordinal = self.ordinals.get(uscc)
        if ordinal is not None and self.firms[ordinal][1] == name:
            return set()
        dirty = {code_shard(uscc)}
        old: set[str] = set()
        if ordinal is None:
            ordinal = self.ordinals[uscc] = len(self.firms)
            self.firms.append([uscc, name])
            self.by_code.setdefault(code_shard(uscc), []).append(ordinal)
        else:
            old = bigrams(self.firms[ordinal][1])
            self.firms[ordinal][1] = name
        dirty.add(firm_chunk(ordinal))
        new = bigrams(name)
        for gram in old - new:
            posting = self.postings.get(gram)
            if isinstance(posting, list):
                posting.remove(ordinal)
            elif isinstance(posting, int):
                self.postings[gram] = posting - 1
            dirty.add(name_shard(gram))
        for gram in new - old:
            posting = self.postings.setdefault(gram, [])
            if isinstance(posting, list):
                posting.append(ordinal)
                if len(posting) > COMMON:
                    self.postings[gram] = len(posting)
            else:
                self.postings[gram] = posting + 1
            dirty.add(name_shard(gram))
        return dirty

    def all_shards(self) -> set[str]:
        out = {code_shard(u) for u in self.ordinals} | {name_shard(g) for g in self.postings}
        return out | {firm_chunk(o) for o in range(0, len(self.firms), FIRM_CHUNK)}

    def render(self, shards: set[str]) -> dict[str, bytes]:
        """The JSON bytes of the given shards (sorted keys: the same index gives the same bytes)."""
        code: dict[str, dict[str, str]] = {}
        name: dict[str, dict[str, object]] = {}
        wanted_code = {s for s in shards if s.startswith("search/code/")}
        wanted_name = {s for s in shards if s.startswith("search/name/")}
        for path in wanted_code:  # only the firms of these shards, not every firm
            code[path] = dict(self.firms[o] for o in self.by_code.get(path, ()))
        if wanted_name:
            for gram, posting in self.postings.items():
                path = name_shard(gram)
                if path in wanted_name:
                    name.setdefault(path, {})[gram] = posting if isinstance(posting, list) else {"n": posting}
        out: dict[str, bytes] = {}
        for path in shards:
            if path.startswith("search/firms/"):
                k = int(path.rsplit("/", 1)[1].split(".")[0])
                value: object = self.firms[k * FIRM_CHUNK : (k + 1) * FIRM_CHUNK]
            elif path in code:
                value = code[path]
            else:
                value = name.get(path, {})
            out[path] = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
        return out

    def meta(self) -> bytes:
        """``search/meta.json``: the parameters search.js needs."""
        return json.dumps(
            {
                "spec": "drawsvc/site-search/v1",
                "code_buckets": CODE_BUCKETS,
                "name_buckets": NAME_BUCKETS,
                "firm_chunk": FIRM_CHUNK,
                "firms": len(self.firms),
            },
            sort_keys=True,
        ).encode()
