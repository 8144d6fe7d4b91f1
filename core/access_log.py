"""The access log, written through ``logging`` so that ``core.log_scrub`` cleans it.

Daphne's own access log writes each request line straight to standard output, past the logging
configuration, so tokens in URLs (phone pairing codes, signed links) and ID numbers in query
strings would land in the container logs untouched. The web and media processes therefore run
Daphne with ``--verbosity 0`` (no access log of its own) and wrap their ASGI application in
``AccessLog``, which logs one line per HTTP response and per WebSocket connection to the
``proctor.access`` logger: client address, method, path and query, status, bytes, milliseconds.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

logger = logging.getLogger("proctor.access")

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]


def _target(scope: Scope) -> str:
    path = scope.get("path", "")
    query = scope.get("query_string", b"")
    if query:
        return f"{path}?{query.decode('latin-1')}"
    return str(path)


def _client(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "-"


class AccessLog:
    """ASGI middleware: one ``proctor.access`` line per HTTP request and WebSocket."""

    def __init__(self, app: App) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.monotonic()
        seen: dict[str, int] = {"status": 0, "bytes": 0}

        async def watching_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                seen["status"] = int(message.get("status", 0))
            elif message["type"] == "http.response.body":
                seen["bytes"] += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, watching_send)
        finally:
            logger.info(
                '%s "%s %s" %s %s %dms',
                _client(scope),
                scope.get("method", "-"),
                _target(scope),
                seen["status"] or "-",
                seen["bytes"],
                (time.monotonic() - started) * 1000,
            )

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.monotonic()
        seen: dict[str, str] = {"outcome": "WSREJECT"}

        async def watching_send(message: Message) -> None:
            if message["type"] == "websocket.accept":
                seen["outcome"] = "WSCONNECT"
                logger.info('%s "WSCONNECT %s"', _client(scope), _target(scope))
            await send(message)

        try:
            await self.app(scope, receive, watching_send)
        finally:
            ended = "WSDISCONNECT" if seen["outcome"] == "WSCONNECT" else "WSREJECT"
            logger.info(
                '%s "%s %s" %dms',
                _client(scope),
                ended,
                _target(scope),
                (time.monotonic() - started) * 1000,
            )
