"""Result categories as versioned data (docs/specs/results.md §2), pure: no I/O but reading
the bundled files.

A vocabulary file (``drawsvc/result-vocabulary/v1``) lists the categories exactly as the
national publicity system prints them (full-width punctuation), which of them may combine, and
the subcategories under a category that needs one. A province loads its own file with another
``id`` (or a later ``version``); the service logs each vocabulary it uses (``result.vocabulary``)
and every result cites the entry it was checked against.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import rfc8785

from drawsvc.errors import InvalidInput, NotFound

VOCABULARY_FORMAT = "drawsvc/result-vocabulary/v1"
DATA_DIR = Path(__file__).with_name("data")
NATIONAL = "cn-national"
MAX_TEXT = 100
MAX_CATEGORIES = 50
_BUNDLED_ID = re.compile(r"\A[a-z0-9][a-z0-9-]{0,62}\Z")
_BUNDLED_FILE = re.compile(r"\A(?P<id>[a-z0-9][a-z0-9-]*)-v(?P<version>[0-9]{1,5})\.json\Z")


@dataclass(frozen=True)
class Category:
    text: str
    problem: bool  # a problem was found: the result may (and, pending, should) have follow-ups
    needs_subcategory: bool
    subcategories: tuple[str, ...]


@dataclass(frozen=True)
class Vocabulary:
    id: str
    version: int
    province: str | None
    source: Mapping[str, Any]
    categories: tuple[Category, ...]
    combinable: frozenset[str]
    raw: Mapping[str, Any]

    @property
    def key(self) -> str:
        """``<id>/v<version>``: how settings and listings name it."""
        return f"{self.id}/v{self.version}"

    @property
    def content_sha256(self) -> str:
        return hashlib.sha256(rfc8785.dumps(dict(self.raw))).hexdigest()

    def category(self, text: str) -> Category | None:
        return next((c for c in self.categories if c.text == text), None)

    def check(
        self, categories: Sequence[str], subcategories: Sequence[str], *, field: str = "categories"
    ) -> tuple[list[str], list[str]]:
        """The categories and subcategories in vocabulary order, or ``InvalidInput`` (RES-V2…V5)."""
        if isinstance(categories, str) or not 1 <= len(categories) <= MAX_CATEGORIES:
            raise InvalidInput(
                f"{field}: one or more result categories", field=field, rule="result.categories"
            )
        chosen: list[Category] = []
        for i, text in enumerate(categories):
            cat = self.category(text) if isinstance(text, str) else None
            if cat is None:
                raise InvalidInput(
                    f"{field}[{i}]: not a category of vocabulary {self.key}",
                    field=f"{field}[{i}]",
                    rule="result.category-unknown",
                )
            if cat in chosen:
                raise InvalidInput(
                    f"{field}[{i}]: listed twice", field=f"{field}[{i}]", rule="result.category-repeated"
                )
            chosen.append(cat)
        if len(chosen) > 1 and any(c.text not in self.combinable for c in chosen):
            alone = next(c.text for c in chosen if c.text not in self.combinable)
            raise InvalidInput(
                f"{field}: {alone} stands alone; only {'、'.join(sorted(self.combinable))} combine",
                field=field,
                rule="result.category-combination",
            )
        sub_field = "subcategories"
        if isinstance(subcategories, str):
            raise InvalidInput(f"{sub_field}: a list", field=sub_field, rule="result.subcategory-unknown")
        allowed = {s for c in chosen for s in c.subcategories}
        subs: list[str] = []
        for i, text in enumerate(subcategories):
            if not isinstance(text, str) or text not in allowed:
                raise InvalidInput(
                    f"{sub_field}[{i}]: not a subcategory of the chosen categories in vocabulary {self.key}",
                    field=f"{sub_field}[{i}]",
                    rule="result.subcategory-unknown",
                )
            if text in subs:
                raise InvalidInput(
                    f"{sub_field}[{i}]: listed twice",
                    field=f"{sub_field}[{i}]",
                    rule="result.category-repeated",
                )
            subs.append(text)
        for c in chosen:
            if c.needs_subcategory and not set(c.subcategories) & set(subs):
                raise InvalidInput(
                    f"{sub_field}: {c.text} needs at least one of its subcategories",
                    field=sub_field,
                    rule="result.subcategory-required",
                )
        order = [c.text for c in self.categories]
        sub_order = [s for c in self.categories for s in c.subcategories]
        return (sorted((c.text for c in chosen), key=order.index), sorted(subs, key=sub_order.index))

    def has_problem(self, categories: Sequence[str]) -> bool:
        return any((c := self.category(t)) is not None and c.problem for t in categories)


def _fail(field: str, message: str) -> InvalidInput:
    return InvalidInput(f"{field}: {message}", field=field, rule="result.vocabulary-format")


def _text(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value or len(value) > MAX_TEXT or not value.isprintable():
        raise _fail(field, f"1..{MAX_TEXT} printable characters")
    return value


def parse_vocabulary(obj: Any) -> Vocabulary:
    """Validate a decoded vocabulary file strictly (unknown members refused)."""
    if not isinstance(obj, Mapping):
        raise _fail("file", "a JSON object")
    allowed = {"format", "id", "version", "province", "source", "categories", "combinable"}
    extra = set(obj) - allowed
    if extra:
        raise _fail(sorted(extra)[0], "unknown member")
    if obj.get("format") != VOCABULARY_FORMAT:
        raise _fail("format", f"must be {VOCABULARY_FORMAT}")
    vid = _text(obj.get("id"), "id")
    version = obj.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version <= 10_000:
        raise _fail("version", "an integer 1..10000")
    province = obj.get("province")
    if province is not None:
        province = _text(province, "province")
    source = obj.get("source")
    if not isinstance(source, Mapping) or not isinstance(source.get("title"), str) or not source["title"]:
        raise _fail("source", "an object with at least a title (where the strings come from)")
    raw_cats = obj.get("categories")
    if not isinstance(raw_cats, list) or not 1 <= len(raw_cats) <= MAX_CATEGORIES:
        raise _fail("categories", f"1..{MAX_CATEGORIES} categories")
    cats: list[Category] = []
    for i, c in enumerate(raw_cats):
        at = f"categories[{i}]"
        if not isinstance(c, Mapping) or set(c) - {"text", "problem", "needs_subcategory", "subcategories"}:
            raise _fail(at, "an object with text, problem, needs_subcategory, subcategories")
        text = _text(c.get("text"), f"{at}.text")
        if not isinstance(c.get("problem"), bool):
            raise _fail(f"{at}.problem", "true or false")
        subs_raw = c.get("subcategories", [])
        if not isinstance(subs_raw, list):
            raise _fail(f"{at}.subcategories", "a list")
        subs = tuple(_text(s, f"{at}.subcategories[{j}]") for j, s in enumerate(subs_raw))
        needs = c.get("needs_subcategory", False)
        if not isinstance(needs, bool) or (needs and not subs):
            raise _fail(f"{at}.needs_subcategory", "true only with subcategories")
        cats.append(Category(text=text, problem=c["problem"], needs_subcategory=needs, subcategories=subs))
    texts = [c.text for c in cats] + [s for c in cats for s in c.subcategories]
    if len(set(texts)) != len(texts):
        raise _fail("categories", "every category and subcategory text appears once")
    combinable = obj.get("combinable", [])
    if not isinstance(combinable, list) or any(t not in {c.text for c in cats} for t in combinable):
        raise _fail("combinable", "a list of category texts")
    return Vocabulary(
        id=vid,
        version=version,
        province=province,
        source=dict(source),
        categories=tuple(cats),
        combinable=frozenset(combinable),
        raw=json.loads(json.dumps(obj)),
    )


def parse_vocabulary_bytes(data: bytes) -> Vocabulary:
    try:
        return parse_vocabulary(json.loads(data.decode("utf-8")))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise _fail("file", "UTF-8 JSON") from None


def bundled_vocabulary(vid: str = NATIONAL, version: int | None = None) -> Vocabulary:
    """A vocabulary shipped under ``drawsvc/results/data/`` (``<id>-v<version>.json``; latest by default)."""
    files = []
    if isinstance(vid, str) and _BUNDLED_ID.match(vid):
        for path in DATA_DIR.iterdir():
            m = _BUNDLED_FILE.match(path.name)
            if m and m["id"] == vid and (version is None or int(m["version"]) == version):
                files.append((int(m["version"]), path))
    files.sort()
    if not files:
        raise NotFound(
            f"vocabulary: no bundled vocabulary {vid}" + (f" v{version}" if version else ""),
            field="vocabulary",
            rule="result.vocabulary-known",
        )
    return parse_vocabulary_bytes(files[-1][1].read_bytes())
