"""Fixed-window rate limits kept in the cache (Redis in production and tests).

A limit is counted per key (an address, an account, a query) and per window; ``hit`` returns
whether this request is still inside the limit. ``cache.add`` followed by ``cache.incr`` is
atomic on Redis, so concurrent requests from several web processes are counted once each.
"""

from __future__ import annotations

import hashlib
import math
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


class Backoff:
    """A progressive delay after failures, per key (an ID number, a username, an address).

    The first ``free`` failures cost nothing; each one after them doubles the wait before the
    next try is even looked at, from ``base_seconds`` up to ``max_seconds``. Failures are
    forgotten ``memory_seconds`` after the last one, and a success forgets them at once
    (``clear``). Unlike a lock, the worst an attacker can do to someone else's key is make
    them wait ``max_seconds``: nothing is switched off, no session is ended.

    Counts and the earliest next try live in the cache under ``rl:`` like the limits above (the
    test suite clears those keys between tests); ``cache.incr`` keeps concurrent failures from
    several web processes counted once each.
    """

    def __init__(
        self,
        scope: str,
        *,
        free: int,
        base_seconds: int = 1,
        max_seconds: int = 60,
        memory_seconds: int = 900,
    ) -> None:
        self.scope, self.free = scope, free
        self.base_seconds, self.max_seconds = base_seconds, max_seconds
        self.memory_seconds = memory_seconds

    def _keys(self, key: str) -> tuple[str, str]:
        digest = hashlib.sha256(key.encode()).hexdigest()[:32]
        return f"rl:bo:{self.scope}:n:{digest}", f"rl:bo:{self.scope}:t:{digest}"

    def delay_after(self, failures: int) -> int:
        """The wait after ``failures`` failures in a row."""
        over = failures - self.free
        if over < 0:
            return 0
        return int(min(self.max_seconds, self.base_seconds * 2 ** min(over, 30)))

    def wait(self, key: str) -> int:
        """Seconds until ``key`` may try again; 0 when it may try now."""
        _count, until = self._keys(key)
        earliest = cache.get(until)
        if earliest is None:
            return 0
        return max(0, math.ceil(float(earliest) - time.time()))

    def fail(self, key: str) -> int:
        """Count one failure; returns the wait it imposes."""
        count_key, until = self._keys(key)
        if cache.add(count_key, 1, timeout=self.memory_seconds):
            failures = 1
        else:
            try:
                failures = cache.incr(count_key)
            except ValueError:  # expired between add and incr
                cache.add(count_key, 1, timeout=self.memory_seconds)
                failures = 1
            cache.touch(count_key, self.memory_seconds)
        delay = self.delay_after(failures)
        if delay:
            cache.set(until, time.time() + delay, timeout=delay + 1)
        return delay

    def clear(self, key: str) -> None:
        cache.delete_many(list(self._keys(key)))
