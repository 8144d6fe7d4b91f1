"""WebSocket routes of the media process (``config.media_asgi``), not of the web process.

The WebRTC signalling consumers of live proctoring are routed here, so the server's aiortc peers
(DTLS, RTP and the decoding of every received frame) live in the media process and stay off the
web process's event loop: measured here, aiortc inside the web process starved its
loop and stretched ``setLocalDescription`` to 1–2 s with 8 browsers on 2 cores.
"""

from __future__ import annotations

from django.urls import re_path

from proctoring.media.consumers import ViewSignallingConsumer
from proctoring.media.focus import FocusSignallingConsumer

websocket_urlpatterns: list = [
    re_path(
        r"^ws/media/attempts/(?P<attempt_id>\d+)/view/(?P<view>[12])/$",
        ViewSignallingConsumer.as_asgi(),
    ),
    re_path(r"^ws/media/focus/(?P<attempt_id>\d+)/$", FocusSignallingConsumer.as_asgi()),
]
