"""Content-Security-Policy, Permissions-Policy and Cache-Control on every page.

CSP: scripts run only when their tag carries this response's nonce; not even a script element
made by the page's own code runs without it (no ``'strict-dynamic'``: no page loads scripts that
way). Every script is a file under ``static/js`` and
every ``<script>`` tag carries ``nonce="{{ request.csp_nonce }}"``, so an injected tag or
attribute never runs even if an escaping bug let one through. Pages may connect to their own
origin and to the media process's WebSocket (another port, or ``WEBRTC_WS_BASE``); nothing
frames them.

Permissions-Policy: camera, microphone, display capture and window management are switched off
for every page and for anything it embeds, and switched on for the platform's own origin only on
a page whose template declares ``{% uses_devices "camera" "microphone" %}`` next to the script
that needs them (the answer page, the phone's second view, the proctor's talk-back; display
capture and window management on the pages that share the screen or look for extra displays).

Cache-Control: a response that says nothing about caching is ``private, no-store``: papers,
answers, evidence and personal data are never kept by a browser's or a proxy's cache. Static
files are served before this middleware runs (WhiteNoise) and keep their long cache lifetimes.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse

# window-management: the Window Management API, which tells whether extra displays are attached
# (static/js/displays.js).
DEVICES = ("camera", "microphone", "display-capture", "window-management")
# Features no page uses, switched off for the page and anything it embeds.
ALWAYS_OFF = ("geolocation", "payment", "usb", "serial", "bluetooth", "midi")


def request_devices(request: HttpRequest, *devices: str) -> None:
    """Let the page answering ``request`` use ``devices`` (names from ``DEVICES``)."""
    unknown = set(devices) - set(DEVICES)
    if unknown:
        raise ValueError(f"unknown devices: {sorted(unknown)}")
    needed: set[str] = getattr(request, "devices_needed", set())
    request.devices_needed = needed | set(devices)  # type: ignore[attr-defined]


def media_socket_origin(request: HttpRequest) -> str:
    """Where the page's media WebSocket goes: ``WEBRTC_WS_BASE``, or this host on port 8001
    (what ``static/js/view1.js`` opens when it is empty)."""
    base = str(settings.WEBRTC_WS_BASE)
    if base:
        parts = urlsplit(base)
        return f"{parts.scheme}://{parts.netloc}"
    scheme = "wss" if request.is_secure() else "ws"
    host = request.get_host()
    name = host[: host.index("]") + 1] if host.startswith("[") else host.split(":")[0]
    return f"{scheme}://{name}:8001"


def content_security_policy(request: HttpRequest, nonce: str) -> str:
    connect = f"'self' {media_socket_origin(request)}"
    if _is_django_admin(request):
        # Django's own admin templates and form media carry no nonces and some style
        # attributes: its pages (staff only) may run the platform's own scripts and styles.
        scripts, styles = "'self'", "'self' 'unsafe-inline'"
    else:
        scripts, styles = f"'nonce-{nonce}'", "'self'"
    directives = [
        "default-src 'self'",
        f"script-src {scripts}",
        f"style-src {styles}",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        f"connect-src {connect}",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
    return "; ".join(directives)


def _is_django_admin(request: HttpRequest) -> bool:
    match = getattr(request, "resolver_match", None)
    return match is not None and "admin" in match.namespaces


def permissions_policy(request: HttpRequest) -> str:
    needed: set[str] = getattr(request, "devices_needed", set())
    parts = [f"{device}={'(self)' if device in needed else '()'}" for device in DEVICES]
    parts += [f"{feature}=()" for feature in ALWAYS_OFF]
    parts.append("fullscreen=(self)")
    return ", ".join(parts)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        nonce = secrets.token_urlsafe(16)
        request.csp_nonce = nonce  # type: ignore[attr-defined]
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", content_security_policy(request, nonce))
        response.setdefault("Permissions-Policy", permissions_policy(request))
        if "Cache-Control" not in response:
            response["Cache-Control"] = "private, no-store"
        return response
