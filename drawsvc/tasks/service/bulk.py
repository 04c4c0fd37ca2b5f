"""Large bodies: chunk entries under the entry limit, the GC paused while millions of objects are built."""

from __future__ import annotations

import functools
import gc
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

if TYPE_CHECKING:
    pass


P = ParamSpec("P")
R = TypeVar("R")
CHUNK_BYTES = 56 * 1024  # payload budget per chunk entry, below the 64 KiB entry limit (ENV-7)
ENVELOPE_ALLOWANCE = 8 * 1024  # room for the rest of a draw.result body beside an inline result


def gc_paused(fn: Callable[P, R]) -> Callable[P, R]:
    """Run ``fn`` with the cyclic GC paused (see ``_bulk``): a draw over a million-record pool
    allocates millions of acyclic objects while millions more (the frozen pool) stay alive, and
    every full collection would rescan them all."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with _bulk():
            return fn(*args, **kwargs)

    return wrapper


@contextmanager
def _bulk() -> Iterator[None]:
    """Pause the cyclic garbage collector while millions of small objects are built (a frozen
    pool: rows, records, pages). They hold no reference cycles; without the pause each young
    collection rescans the growing heap (docs/performance.md, tasks)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def split_chunks(items: Sequence[Any]) -> list[tuple[int, int, list[Any]]]:
    """Split ``items`` into chunks whose JSON stays under ``CHUNK_BYTES`` (E-5); at least one chunk."""
    groups: list[list[Any]] = []
    current: list[Any] = []
    size = 0
    dumps = json.dumps
    for item in items:
        n = len(dumps(item, ensure_ascii=False, separators=(",", ":")).encode()) + 1
        if current and size + n > CHUNK_BYTES:
            groups.append(current)
            current, size = [], 0
        current.append(item)
        size += n
    groups.append(current)
    return [(i, len(groups), g) for i, g in enumerate(groups)]


