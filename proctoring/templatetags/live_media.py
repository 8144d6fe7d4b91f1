"""What pages need to reach the media process: where to open its signalling
(``settings.WEBRTC_WS_BASE``) and which ICE servers to use (``proctoring.ice``)."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings

from proctoring import ice

register = template.Library()


@register.simple_tag
def media_ws_base() -> str:
    """The media process's WebSocket origin (``wss://media.example``), or "" for the page's own
    host on port 8001 (the compose default)."""
    return str(settings.WEBRTC_WS_BASE)


@register.simple_tag(takes_context=True)
def media_ice(context: template.Context) -> str:
    """The JSON ``RTCConfiguration`` (ICE servers, transport policy) for the page's
    ``data-ice`` attribute, with TURN credentials of the signed-in user, or of the attempt's
    phone on the phone page (it has no user). Autoescaped into the attribute, read by the JS."""
    request: Any = context.get("request")
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        who = f"user-{user.pk}"
    else:
        attempt = context.get("attempt")
        who = f"phone-{attempt.pk}" if attempt is not None else "anonymous"
    return ice.page_configuration(who)
