"""The cyclic garbage collector paused while millions of acyclic objects are alive or built.

Frozen pools, their pages, a draw's teams, a site build's pickled state: millions of small
objects holding no reference cycles. With the collector on, each young collection rescans the
growing heap (a quarter of a 1M-entry audit's CPU, 3–5× slower (un)pickling; docs/performance.md).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Disable the cyclic GC inside the block (also usable as a decorator: ``@gc_paused()``),
    restoring it afterwards only if it was enabled (blocks nest)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
