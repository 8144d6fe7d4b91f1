"""Live notifications on the channel layer, for any app: group names and sends that never fail
the caller.

Notifications are hints: the state they describe is in the database, and every page that shows
live state reads it when it (re)connects. So every send here is best effort. A failure is logged
and dropped, never raised into the code that changed the state (a committed change must be
reported as done). When Redis is unreachable (a refused connection fails at once), sends are
skipped for ``PAUSE_AFTER_FAILURE_SECONDS``, so an outage costs one failed send per pause instead
of one per request. A send that only timed out pauses nothing unless the one before it timed out
too: on a loaded machine one slow send must not silence every console of the process for
seconds, while a Redis that stopped answering (two time-outs in a row) is treated as gone.

This module imports no project app, so every app may publish through it.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
import os
import threading
import time
from collections.abc import Callable, Hashable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connections, transaction

logger = logging.getLogger(__name__)

# A send that takes longer than this is abandoned: with Redis unreachable, redis-py retries a
# connection for seconds, which no request should wait for.
SEND_TIMEOUT_SECONDS = 2.0
PAUSE_AFTER_FAILURE_SECONDS = 5.0

_state = threading.local()  # ``loop``: the event loop of a ``Coalescer`` thread
_paused_until = 0.0
_timed_out_last = False  # whether the last send that ended ended in a time-out


def room_group(room_id: int) -> str:
    """The group of an exam room's consoles (``proctoring.consumers``)."""
    return f"room.{room_id}"


def attempt_group(attempt_id: int) -> str:
    """The candidate's own channel (``proctoring.candidate_consumer``): warnings, the end of
    the exam and the state of their views reach their pages through it."""
    return f"attempt.{attempt_id}"


async def _group_send(layer: Any, group: str, message: dict[str, Any]) -> None:
    await asyncio.wait_for(layer.group_send(group, message), SEND_TIMEOUT_SECONDS)


def send(group: str, message: dict[str, Any]) -> bool:
    """Publish ``message`` to ``group`` now, from synchronous code; never raises.

    Returns whether the channel layer took it. Skipped (False) while paused after a failure.
    """
    global _paused_until, _timed_out_last
    if time.monotonic() < _paused_until:
        return False
    try:
        layer = get_channel_layer()
        if layer is None:
            return False
        loop = getattr(_state, "loop", None)
        if loop is not None:
            loop.run_until_complete(_group_send(layer, group, message))
        else:
            async_to_sync(_group_send)(layer, group, message)
    except Exception as error:
        timed_out = isinstance(error, TimeoutError)
        pause = not timed_out or _timed_out_last
        _timed_out_last = timed_out
        if pause:
            _paused_until = time.monotonic() + PAUSE_AFTER_FAILURE_SECONDS
        logger.warning(
            "live event %s to %s not published%s",
            message.get("type"),
            group,
            f"; live events paused for {PAUSE_AFTER_FAILURE_SECONDS} s" if pause else "",
            exc_info=True,
        )
        return False
    _timed_out_last = False
    return True


def _guarded(func: Callable[[], object]) -> None:
    try:
        func()
    except Exception:
        logger.exception("live notification %s failed", getattr(func, "__qualname__", func))


def on_commit(func: Callable[[], object], *, key: Hashable | None = None) -> None:
    """Run ``func`` once the current transaction commits (at once outside one).

    Whatever ``func`` raises is logged and dropped: the change is committed by then and must be
    acknowledged. With ``key``, a callback already pending under the same key in this
    transaction stands for this one (it runs at commit and reads the state then).
    """
    if key is not None:
        connection = transaction.get_connection()
        # Any savepoint that could still discard the pending callback also encloses this point
        # (savepoints nest), so the pending one is enough.
        pending = connection.run_on_commit if connection.in_atomic_block else []
        if any(getattr(hook, "live_key", None) == key for _, hook, _ in pending):
            return

    # A plain function, not a callable object or a partial: Django's robust handler names the
    # callback by ``__qualname__`` when it raises, and this one never raises anyway.
    def run_live_notification() -> None:
        _guarded(func)

    run_live_notification.live_key = key  # type: ignore[attr-defined]
    transaction.on_commit(run_live_notification, robust=True)


def send_on_commit(group: str, message: dict[str, Any]) -> None:
    """Publish ``message`` to ``group`` once the current transaction commits."""
    on_commit(lambda: send(group, message))


class Coalescer:
    """Runs a keyed publish at most once per ``interval`` seconds per key in this process, and
    always once more after the last request: a key asked for again within ``interval`` of its
    last run runs when the interval ends, with the publish function asked for last.

    Publishes run on one daemon thread of the process, never in the caller's: ``request`` only
    records the key, so a caller (an answer save) never waits for the database read or the
    channel layer behind a notification, and cannot fail because of them.
    """

    def __init__(self, interval: float, name: str) -> None:
        self.interval = interval
        self.name = name
        self._condition = threading.Condition()
        self._pending: dict[Hashable, tuple[float, Callable[[], object]]] = {}
        self._due: list[tuple[float, int, Hashable]] = []
        self._last_run: dict[Hashable, float] = {}
        self._sequence = 0
        self._pid = 0
        self._busy = False

    def request(self, key: Hashable, publish: Callable[[], object]) -> None:
        """Ask for ``publish`` to run for ``key`` soon (at once unless it ran under
        ``interval`` ago); never raises."""
        try:
            with self._condition:
                self._ensure_thread()
                if key in self._pending:
                    due, _ = self._pending[key]
                    self._pending[key] = (due, publish)
                    return
                last = self._last_run.get(key)
                due = time.monotonic() if last is None else last + self.interval
                self._pending[key] = (due, publish)
                self._sequence += 1
                heapq.heappush(self._due, (due, self._sequence, key))
                self._condition.notify()
        except Exception:
            logger.exception("%s: publish of %s not queued", self.name, key)

    def forget(self, key: Hashable) -> None:
        """Drop a pending publish of ``key``: the caller has just published fresher state."""
        with self._condition:
            self._pending.pop(key, None)

    def wait_idle(self, timeout: float) -> bool:
        """Wait until nothing is pending or running (tests and benchmarks); True if so."""
        deadline = time.monotonic() + timeout
        with self._condition:
            while self._pending or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._condition.wait(min(left, 0.05))
        return True

    def _ensure_thread(self) -> None:
        # A forked process (a Celery pool, say) has the dicts but not the thread.
        if self._pid != os.getpid():
            self._pid = os.getpid()
            self._pending.clear()
            self._due.clear()
            self._last_run.clear()
            self._busy = False
            thread = threading.Thread(target=self._run, name=self.name, daemon=True)
            thread.start()

    def _next(self) -> Callable[[], object]:
        with self._condition:
            self._busy = False
            self._condition.notify_all()
            while True:
                if not self._due:
                    self._close_connections()
                    self._condition.wait()
                    continue
                due, _, key = self._due[0]
                entry = self._pending.get(key)
                if entry is None or entry[0] != due:  # forgotten, or queued again later
                    heapq.heappop(self._due)
                    continue
                now = time.monotonic()
                if due > now:
                    self._condition.wait(due - now)
                    continue
                heapq.heappop(self._due)
                del self._pending[key]
                self._last_run[key] = now
                self._busy = True
                if len(self._last_run) > 10000:  # keys idle for an interval need no memory
                    limit = now - self.interval
                    self._last_run = {k: t for k, t in self._last_run.items() if t > limit}
                return entry[1]

    def _close_connections(self) -> None:
        # Idle: give this thread's database connection back rather than hold it open.
        try:
            connections.close_all()
        except Exception:
            logger.exception("%s: closing database connections failed", self.name)

    def _run(self) -> None:
        _state.loop = asyncio.new_event_loop()
        while True:
            _guarded(self._next())
