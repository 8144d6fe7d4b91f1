"""Fixed-window rate limits kept in the cache (Redis in production and tests).

A limit is counted per key (an address, an account, a query) and per window; ``hit`` returns
whether this request is still inside the limit. ``cache.add`` followed by ``cache.incr`` is
atomic on Redis, so concurrent requests from several web processes are counted once each.
"""

from __future__ import annotations

import hashlib
import time

from django.core.cache import cache


def _cache_key(scope: str, key: str, window_seconds: int) -> str:
    window = int(time.time() // window_seconds)
    # Keys may carry personal data (an ID number); only a digest reaches the cache.
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"rl:{scope}:{window}:{digest}"


def hit(scope: str, key: str, *, limit: int, window_seconds: int = 60) -> bool:
    """Count one request; True while the count for this window is within ``limit``."""
    cache_key = _cache_key(scope, key, window_seconds)
    if cache.add(cache_key, 1, timeout=window_seconds + 1):
        return limit >= 1
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, timeout=window_seconds + 1)
        count = 1
    return count <= limit


class MessageWindow:
    """Messages one WebSocket may send: at most ``limit`` per ``seconds`` (a fixed window kept
    in the consumer, since it belongs to that one connection). A flood closes the socket."""

    def __init__(self, limit: int, seconds: float = 10.0) -> None:
        self.limit, self.seconds = limit, seconds
        self._start, self._count = time.monotonic(), 0

    def allow(self) -> bool:
        now = time.monotonic()
        if now - self._start > self.seconds:
            self._start, self._count = now, 0
        self._count += 1
        return self._count <= self.limit
