"""Which pages may open the platform's WebSockets: compared by whole origin (scheme, host and
port), not by host alone, so a page served from another port or over plain HTTP on the same host
cannot ride a candidate's or a proctor's session cookie into a socket.

Accepted: an origin listed in ``WEBSOCKET_ALLOWED_ORIGINS``, or the page's own origin, that is
the Host the socket was opened to with the scheme that matches the socket's (``ws`` for
``http``, ``wss`` for ``https``). The media process listens on its own port, so pages reach it
from another origin: list the web origins there (production's settings do it from
``CSRF_TRUSTED_ORIGINS``). A socket without an Origin header (not a browser) is refused too.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings

DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


def normalise(origin: str) -> str | None:
    """``scheme://host:port`` in lower case with the port spelt out, or None if ``origin`` is not
    an HTTP(S) origin."""
    try:
        parts = urlsplit(origin.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        return None
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    return f"{parts.scheme}://{host}:{port or DEFAULT_PORTS[parts.scheme]}"


def own_origin(scope: dict[str, Any]) -> str | None:
    headers = dict(scope.get("headers") or [])
    host = headers.get(b"host", b"").decode("latin-1")
    scheme = "https" if scope.get("scheme") == "wss" else "http"
    return normalise(f"{scheme}://{host}") if host else None


def allowed(scope: dict[str, Any]) -> bool:
    headers = dict(scope.get("headers") or [])
    origin = normalise(headers.get(b"origin", b"").decode("latin-1"))
    if origin is None:
        return False
    listed = {normalise(entry) for entry in settings.WEBSOCKET_ALLOWED_ORIGINS}
    return origin in listed or origin == own_origin(scope)


class OriginValidator:
    """ASGI middleware: a WebSocket from an origin that ``allowed`` refuses is closed before the
    handshake completes (HTTP 403 to the browser)."""

    def __init__(self, application: Any) -> None:
        self.application = application

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope["type"] == "websocket" and not allowed(scope):
            denier = WebsocketDenier()
            return await denier(scope, receive, send)
        return await self.application(scope, receive, send)
