"""Large bodies: chunk entries under the entry limit, the GC paused while millions of objects are built."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from sqlalchemy.orm import Session

from drawsvc.gcpause import gc_paused as pause_gc

if TYPE_CHECKING:
    from drawsvc.journal import Actor, Journal


P = ParamSpec("P")
R = TypeVar("R")
CHUNK_BYTES = 56 * 1024  # payload budget per chunk entry, below the 64 KiB entry limit (ENV-7)
ENVELOPE_ALLOWANCE = 8 * 1024  # room for the rest of a draw.result body beside an inline result


def gc_paused(fn: Callable[P, R]) -> Callable[P, R]:
    """Run ``fn`` with the cyclic GC paused (``drawsvc.gcpause``): a draw over a million-record pool
    allocates millions of acyclic objects while millions more (the frozen pool) stay alive, and
    every full collection would rescan them all."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with pause_gc():
            return fn(*args, **kwargs)

    return wrapper


_ITEM_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def split_chunks(items: Sequence[Any]) -> list[tuple[int, int, list[Any]]]:
    """Split ``items`` into chunks whose JSON stays under ``CHUNK_BYTES`` (E-5); at least one chunk."""
    groups: list[list[Any]] = []
    current: list[Any] = []
    size = 0
    dumps = _ITEM_JSON.encode  # json.dumps with these options would build an encoder per item
    for item in items:
        n = len(dumps(item).encode()) + 1
        if current and size + n > CHUNK_BYTES:
            groups.append(current)
            current, size = [], 0
        current.append(item)
        size += n
    groups.append(current)
    return [(i, len(groups), g) for i, g in enumerate(groups)]


def record_text_parts(
    session: Session,
    journal: Journal,
    kind: str,
    texts: Sequence[str],
    *,
    task: str,
    round_: int,
    actor: Actor,
) -> list[int] | None:
    """E-5: a long JSON text (cut into ``texts``) as consecutive ``kind`` chunk entries
    ``{task, round, chunk, chunks, text}``; returns ``[first index, count]``, or None when it
    fits inline beside the rest of its entry (``draw.result``, ``draw.disclose``)."""
    if len(texts) == 1 and len(texts[0].encode()) <= CHUNK_BYTES - ENVELOPE_ALLOWANCE:
        return None
    bodies = [
        {"task": task, "round": round_, "chunk": i, "chunks": len(texts), "text": text}
        for i, text in enumerate(texts)
    ]
    res = journal.record_many(session, kind, bodies, actor=actor)
    return [res.first_index, len(texts)]
