"""Per-key rate limiting: a token bucket per API key (per client address without a key).

In-process, so with several workers each worker enforces the limit on its own share of the
traffic (the effective limit is at most ``workers`` times the setting). Disabled when the
setting ``api_rate_limit_per_minute`` is 0.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from drawsvc.api.problems import RateLimited

MAX_TRACKED = 10_000


class RateLimiter:
    def __init__(self, per_minute: int, *, burst: int | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = per_minute / 60.0
        self.capacity = float(burst if burst is not None else max(per_minute, 1))
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def check(self, scope: str) -> None:
        """Take one token for ``scope`` or raise :class:`RateLimited` (with ``Retry-After``)."""
        if not self.enabled:
            return
        now = self.clock()
        with self._lock:
            tokens, last = self._buckets.get(scope, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.rate)
            if tokens < 1.0:
                retry_after = max(1, int((1.0 - tokens) / self.rate + 0.999))
                self._buckets[scope] = (tokens, now)
                exc = RateLimited("too many requests for this API key; slow down",
                                  rule="api.rate-limit", retry_after=retry_after)
                exc.headers = {"Retry-After": str(retry_after)}  # type: ignore[attr-defined]
                raise exc
            if len(self._buckets) >= MAX_TRACKED and scope not in self._buckets:
                self._buckets.clear()
            self._buckets[scope] = (tokens - 1.0, now)
