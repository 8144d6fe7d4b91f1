"""Fixed-window rate limits kept in the cache (Redis in production and tests); with
``accounts.throttle`` they slow down guessing at sign-in instead of locking accounts (R-EMG-1).

A limit is counted per key (an address, an account, a query) and per window; ``hit`` returns
whether this request is still inside the limit. ``cache.add`` followed by ``cache.incr`` is
atomic on Redis, so concurrent requests from several web processes are counted once each.

When the cache is unreachable (Redis restarting or gone) a limit cannot count. Each caller says
what that means for it: ``fail_open=True`` lets the request through, for limits that only cap a
signed-in page's own traffic (answer saves, page events, its sockets) where a refusal would
cost a candidate more than a few uncounted requests; the default refuses it with
``Unavailable`` (HTTP 503 with a sentence saying to try again shortly, never a server error),
for limits that stand between the public and guessing or sending (sign-in, passcodes, score
queries). After a failure the cache is not asked again for ``PAUSE_AFTER_FAILURE_SECONDS`` (a
refused connection fails at once, but a Redis that stopped answering would cost every request
its socket time-out), and one warning per outage is logged, not one per request.
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from core.errors import Refused

logger = logging.getLogger(__name__)

PAUSE_AFTER_FAILURE_SECONDS = 5.0

T = TypeVar("T")


class Unavailable(Refused):
    """A limit that fails closed could not count this request: the cache is unreachable."""

    code = "unavailable"
    status = 503

    def __init__(self) -> None:
        super().__init__(
            _(
                "This service is briefly unavailable while part of the platform restarts. "
                "Try again in a minute."
            )
        )


class _CacheHealth:
    """Whether the cache answered lately, shared by the threads of this process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._paused_until = 0.0
        self._down = False

    def paused(self) -> bool:
        return time.monotonic() < self._paused_until

    def failed(self, error: Exception) -> None:
        with self._lock:
            self._paused_until = time.monotonic() + PAUSE_AFTER_FAILURE_SECONDS
            first, self._down = not self._down, True
        if first:
            logger.warning(
                "cache unreachable (%s: %s): rate limits fail open or refuse with 503 until it "
                "answers again",
                type(error).__name__,
                error,
            )

    def answered(self) -> None:
        if self._down:
            with self._lock:
                back, self._down = self._down, False
            if back:
                logger.warning("cache answers again: rate limits count again")


health = _CacheHealth()


def guarded(operation: Callable[[], T]) -> T:
    """Run a cache ``operation``; raise ``Unavailable`` when the cache is unreachable (or was a
    moment ago). ``ValueError`` (``incr`` of an expired key) is the caller's to handle."""
    if health.paused():
        raise Unavailable
    try:
        result = operation()
    except ValueError:
        health.answered()
        raise
    except Exception as error:  # redis-py's errors, or any other backend's: never a 500
        health.failed(error)
        raise Unavailable from error
    health.answered()
    return result


def _cache_key(scope: str, key: str, window_seconds: int) -> str:
    window = int(time.time() // window_seconds)
    # Keys may carry personal data (an ID number); only a digest reaches the cache.
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"rl:{scope}:{window}:{digest}"


def _count(cache_key: str, window_seconds: int) -> int:
    if cache.add(cache_key, 1, timeout=window_seconds + 1):
        return 1
    try:
        return int(cache.incr(cache_key))
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, timeout=window_seconds + 1)
        return 1


def hit(
    scope: str, key: str, *, limit: int, window_seconds: int = 60, fail_open: bool = False
) -> bool:
    """Count one request; True while the count for this window is within ``limit``.

    With the cache unreachable: True when ``fail_open``, else ``Unavailable`` is raised."""
    cache_key = _cache_key(scope, key, window_seconds)
    try:
        count = guarded(lambda: _count(cache_key, window_seconds))
    except Unavailable:
        if fail_open:
            return True
        raise
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
        """Seconds until ``key`` may try again; 0 when it may try now. ``Unavailable`` when
        the cache cannot say (the delay fails closed: it exists to stop guessing)."""
        _count, until = self._keys(key)
        earliest = guarded(lambda: cache.get(until))
        if earliest is None:
            return 0
        return max(0, math.ceil(float(earliest) - time.time()))

    def fail(self, key: str) -> int:
        """Count one failure; returns the wait it imposes (``Unavailable`` as for ``wait``)."""
        return guarded(lambda: self._fail(key))

    def _fail(self, key: str) -> int:
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
        guarded(lambda: cache.delete_many(list(self._keys(key))))
