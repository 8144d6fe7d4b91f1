"""The media process: the server's WebRTC peers (aiortc), apart from the web process.

Run it with ``daphne -b 0.0.0.0 -p 8001 config.media_asgi:application``. It serves no Django
views: HTTP answers only ``/healthz`` (for the compose health check and load balancers), and
WebSockets carry the signalling of ``proctoring.media.routing``, so the event loop that decodes
media never queues behind page requests, and page requests never wait for media.
"""

from __future__ import annotations

import json
import os
from collections.abc import Awaitable, Callable
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.prod")
django.setup(set_prefix=False)  # before importing consumers, as get_asgi_application() would

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from core.access_log import AccessLog  # noqa: E402
from core.websocket_origin import OriginValidator  # noqa: E402
from proctoring.media.routing import websocket_urlpatterns  # noqa: E402
from proctoring.media.shutdown import forget_own_views, install_shutdown_hook  # noqa: E402

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

_HEALTHY = json.dumps({"status": "ok", "process": "media"}).encode()
_NOT_FOUND = json.dumps({"status": "not_found"}).encode()


async def health(scope: Scope, receive: Receive, send: Send) -> None:
    """``GET /healthz`` answers 200 while the process's event loop runs; any other path 404."""
    found = scope["path"] == "/healthz"
    body = _HEALTHY if found else _NOT_FOUND
    await send(
        {
            "type": "http.response.start",
            "status": 200 if found else 404,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"cache-control", b"no-store"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})


# Daphne has no ASGI lifespan: live WebRTC peers are closed from a Twisted shutdown trigger, or
# SIGTERM would leave the process hanging on their decoder threads (measured: it did,
# until killed).
if install_shutdown_hook():  # only when served by Daphne, not when a test imports the app
    forget_own_views()

# Daphne runs with --verbosity 0: this access log (scrubbed by core.log_scrub) replaces its own.
application = AccessLog(
    ProtocolTypeRouter(
        {
            "http": health,
            "websocket": OriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
        }
    )
)
