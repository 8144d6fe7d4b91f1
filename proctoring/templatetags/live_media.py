"""Where pages open the media process's signalling (``settings.WEBRTC_WS_BASE``)."""

from __future__ import annotations

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def media_ws_base() -> str:
    """The media process's WebSocket origin (``wss://media.example``), or "" for the page's own
    host on port 8001 (the compose default)."""
    return str(settings.WEBRTC_WS_BASE)
