"""A clean stop of the media process: every live WebRTC peer is closed before the process exits.

Daphne has no ASGI lifespan, and on SIGTERM it only cancels the consumers' tasks: the aiortc
peers they held stay open, and their decoder threads (one per received track, not daemon
threads) keep the interpreter alive after the reactor stopped, so the process hung until
SIGKILL. ``peers.new_peer`` registers each peer here (a weak
set, so a peer closed and dropped by its consumer needs no bookkeeping), and
``install_shutdown_hook`` — called by ``config.media_asgi`` — adds a Twisted "before shutdown"
trigger that closes them all; Twisted waits for the Deferred it returns, within
``CLOSE_TIMEOUT`` seconds, before stopping the event loop.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading
import time
import weakref
from typing import Any

from aiortc import RTCPeerConnection

from config.env import env_float

logger = logging.getLogger(__name__)

CLOSE_TIMEOUT = 5.0  # seconds; a peer that will not close in time is left to the exit
# Seconds the interpreter may take to exit once the reactor has stopped (more when profiling:
# cProfile writes its file after the reactor stops).
EXIT_GRACE = env_float("MEDIA_EXIT_GRACE_SECONDS", 3.0)

_peers: weakref.WeakSet[RTCPeerConnection] = weakref.WeakSet()
_installed = False


def register(pc: RTCPeerConnection) -> RTCPeerConnection:
    """Remember ``pc`` so a shutdown closes it; returns it."""
    _peers.add(pc)
    return pc


def live_peers() -> list[RTCPeerConnection]:
    return [pc for pc in list(_peers) if pc.connectionState != "closed"]


async def close_all(timeout: float = CLOSE_TIMEOUT) -> int:
    """Close every registered peer that is not closed yet; returns how many were closed. Closing
    stops the peers' receivers, which ends their decoder threads. What closing sets off (the
    consumers' "view lost" events to the proctor's room, run in new tasks that go through
    database threads and back to this loop) is waited for too, within the same ``timeout``:
    a database thread left waiting for a loop that has stopped would hang the exit again."""
    peers = live_peers()
    if not peers:
        return 0
    deadline = time.monotonic() + timeout
    before = asyncio.all_tasks()
    results = await asyncio.wait_for(
        asyncio.gather(*(pc.close() for pc in peers), return_exceptions=True), timeout
    )
    for result in results:
        if isinstance(result, BaseException):
            logger.warning("a peer failed to close at shutdown: %r", result)
    spawned = asyncio.all_tasks() - before - {asyncio.current_task()}
    if spawned:
        await asyncio.wait(spawned, timeout=max(0.1, deadline - time.monotonic()))
    logger.info("closed %d WebRTC peer(s) at shutdown", len(peers))
    return len(peers)


def _before_shutdown() -> Any:
    """The Twisted trigger: a Deferred of ``close_all`` (Twisted waits for it); errors and
    timeouts are logged, never allowed to stop the shutdown."""
    from twisted.internet import defer

    future = asyncio.ensure_future(close_all())
    deferred = defer.Deferred.fromFuture(future)

    def logged(failure: Any) -> None:
        logger.warning("closing the WebRTC peers at shutdown failed: %s", failure.value)

    deferred.addErrback(logged)
    return deferred


def _exit_watchdog() -> None:
    """Once the reactor has stopped, the interpreter joins every non-daemon thread before it
    exits; a thread stuck in third-party code (a database pool's worker, an executor thread
    waiting for the stopped loop) would hang it. A daemon timer ends the process after
    ``EXIT_GRACE`` seconds if the exit has not happened by then."""

    def force_exit() -> None:
        logger.warning("threads still running %.0f s after shutdown: exiting anyway", EXIT_GRACE)
        logging.shutdown()
        os._exit(0)

    timer = threading.Timer(EXIT_GRACE, force_exit)
    timer.daemon = True
    timer.start()


def install_shutdown_hook() -> bool:
    """Add the "before shutdown" trigger to the Twisted reactor Daphne runs on; True when
    installed. Outside Daphne (tests driving the ASGI app directly, or another server) no
    reactor has been installed, and importing one here would install Twisted's default reactor
    in the wrong process: then nothing is done."""
    global _installed
    if _installed:
        return True
    reactor: Any = sys.modules.get("twisted.internet.reactor")
    if reactor is None:
        return False
    reactor.addSystemEventTrigger("before", "shutdown", _before_shutdown)
    reactor.addSystemEventTrigger("after", "shutdown", _exit_watchdog)
    _installed = True
    return True


def forget_own_views() -> None:
    """At start: the views this process held before a crash or restart are down (it holds no
    peer yet), so the proctors are told at once instead of seeing them connected until the pages
    come back. A database that is not reachable yet only delays this, never the start."""
    from django.conf import settings

    from proctoring import view_states

    try:
        count = view_states.forget_views_of(settings.MEDIA_PROCESS_ID)
    except Exception:
        logger.exception("the views of media process %s were not reset", settings.MEDIA_PROCESS_ID)
        return
    if count:
        logger.info(
            "media process %s started: %s views marked lost", settings.MEDIA_PROCESS_ID, count
        )
