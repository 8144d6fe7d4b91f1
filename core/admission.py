"""Admission control for a web process: past its capacity it answers 503 at once.

Why at the door: Django runs each synchronous view on a thread of its own, and each of those
threads borrows a database connection from the process's pool. With more requests in flight
than the pool has connections, the others wait inside the pool for up to its time-out and then
fail with a server error, having used threads and memory all along; at a start storm the wait
itself makes every request late. A gate in front of the application lets at most ``limit``
requests in at a time; the next ones wait, in arrival order, on the event loop (a waiting
request costs a future, not a thread), and a request that cannot get in within ``wait_seconds``,
or that finds ``max_waiting`` others already waiting, gets ``503 Service Unavailable`` with a
``Retry-After`` of a few seconds, jittered so the refused clients do not come back together. The
exam page keeps an unacknowledged answer and sends it again after that time (``static/js/exam.js``),
so overload delays answers and never loses them.

Only HTTP passes the gate (WebSockets have their own limits) and the health check skips it, so a
busy process is not taken for a dead one. The figures come from settings (``WEB_MAX_IN_FLIGHT``
defaults to the database pool's size).
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation.trans_real import parse_accept_lang_header
from psycopg_pool import PoolTimeout

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Any, Any, Any], Awaitable[None]]  # Django's handler types its own arguments

EXEMPT_PATHS = ("/healthz",)


class AdmissionGate:
    """ASGI middleware letting at most ``limit`` HTTP requests into ``app`` at once."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        limit: int,
        wait_seconds: float,
        max_waiting: int,
        retry_after: tuple[int, int] = (2, 6),
    ) -> None:
        if limit < 1:
            raise ValueError("the admission limit must be at least 1")
        self.app = app
        self.limit = limit
        self.wait_seconds = wait_seconds
        self.max_waiting = max_waiting
        self.retry_after = retry_after
        self.in_flight = 0
        self.waiting = 0
        self.refused = 0
        self._slots: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _semaphore(self) -> asyncio.Semaphore:
        # A semaphore belongs to the loop it first waits on; a process has one loop, tests may
        # run several one after the other.
        loop = asyncio.get_running_loop()
        if self._slots is None or self._loop is not loop:
            self._slots = asyncio.Semaphore(self.limit)
            self._loop = loop
            self.in_flight = 0
            self.waiting = 0
        return self._slots

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path", "") in EXEMPT_PATHS:
            await self.app(scope, receive, send)
            return
        slots = self._semaphore()
        if not await self._enter(slots):
            self.refused += 1
            await self._refuse(scope, send)
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1
            slots.release()

    async def _enter(self, slots: asyncio.Semaphore) -> bool:
        if not slots.locked():
            await slots.acquire()  # a free slot: taken without waiting
            return True
        if self.waiting >= self.max_waiting:
            return False
        self.waiting += 1
        try:
            await asyncio.wait_for(slots.acquire(), timeout=self.wait_seconds)
        except TimeoutError:
            return False
        finally:
            self.waiting -= 1
        return True

    async def _refuse(self, scope: Scope, send: Send) -> None:
        retry = random.randint(*self.retry_after)  # noqa: S311 (spreading retries, not a secret)
        path = scope.get("path", "")
        with translation.override(_language(scope)):
            message = busy_message()
        if path.startswith("/api/"):
            body = json.dumps({"code": "busy", "message": message}, ensure_ascii=False).encode()
            content_type = b"application/json"
        else:
            body = f"<!doctype html><meta charset=utf-8><title>503</title><p>{message}</p>".encode()
            content_type = b"text/html; charset=utf-8"
        await send(
            {
                "type": "http.response.start",
                "status": 503,
                "headers": [
                    (b"content-type", content_type),
                    (b"content-length", str(len(body)).encode()),
                    (b"retry-after", str(retry).encode()),
                    (b"cache-control", b"no-store"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def busy_message() -> str:
    """What a refused person reads, in the active language."""
    return str(
        translation.gettext(
            "The server is busy. Nothing you entered is lost: "
            "it is sent again by itself in a few seconds."
        )
    )


# PostgreSQL's "too many connections" and "cannot connect now" (starting up or shutting down).
_OVERLOAD_SQLSTATES = {"53300", "57P03"}


def is_overload(exc: BaseException | None) -> bool:
    """Whether ``exc`` (or what it was raised from) says the database had no connection for the
    request: the pool's time-out or PostgreSQL refusing more clients."""
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, PoolTimeout):
            return True
        if getattr(exc, "sqlstate", None) in _OVERLOAD_SQLSTATES:
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def _language(scope: Scope) -> str:
    """The page's language from Accept-Language (the gate runs before Django's locale
    middleware), zh-Hans when none fits."""
    header = next(
        (value for name, value in scope.get("headers", []) if name == b"accept-language"), b""
    ).decode("latin-1")
    for code, _quality in parse_accept_lang_header(header):
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


def gate_from_settings(app: ASGIApp) -> ASGIApp:
    """``app`` behind the gate the settings describe; without ``WEB_MAX_IN_FLIGHT`` (0) the
    application as it is (the embedded platform and the tests' servers)."""
    limit = settings.WEB_MAX_IN_FLIGHT
    if not limit:
        return app
    return AdmissionGate(
        app,
        limit=limit,
        wait_seconds=settings.WEB_ADMISSION_WAIT_SECONDS,
        max_waiting=settings.WEB_ADMISSION_MAX_WAITING,
    )
