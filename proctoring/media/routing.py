"""WebSocket routes of the media process (``config.media_asgi``), not of the web process.

The WebRTC signalling consumers of live proctoring are routed here, so the server's aiortc peers
(DTLS, RTP and the decoding of every received frame) live in the media process and stay off the
web process's event loop: measured here, aiortc inside the web process starved its
loop and stretched ``setLocalDescription`` to 1–2 s with 8 browsers on 2 cores.

With ``MEDIA_BACKEND=janus`` the same URLs reach the Janus consumers (``janus_consumers``): the
pages keep their addresses, the authorisation on connect is the same code.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import re_path

from proctoring.media.consumers import ViewSignallingConsumer
from proctoring.media.focus import FocusSignallingConsumer
from proctoring.media.janus_consumers import (
    JanusFocusSignallingConsumer,
    JanusViewSignallingConsumer,
)


def by_backend(aiortc: Any, janus: Any) -> Any:
    """An ASGI app that hands each connection to the consumer of ``settings.MEDIA_BACKEND``
    (read per connection, so a test that switches the setting needs nothing else)."""

    async def app(scope: Any, receive: Any, send: Any) -> Any:
        chosen = janus if settings.MEDIA_BACKEND == "janus" else aiortc
        return await chosen(scope, receive, send)

    return app


websocket_urlpatterns: list = [
    re_path(
        r"^ws/media/attempts/(?P<attempt_id>\d+)/view/(?P<view>[12])/$",
        by_backend(ViewSignallingConsumer.as_asgi(), JanusViewSignallingConsumer.as_asgi()),
    ),
    re_path(
        r"^ws/media/focus/(?P<attempt_id>\d+)/$",
        by_backend(FocusSignallingConsumer.as_asgi(), JanusFocusSignallingConsumer.as_asgi()),
    ),
]
