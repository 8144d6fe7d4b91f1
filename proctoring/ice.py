"""ICE servers for WebRTC peers (R-PROC-1 on real networks): the STUN and TURN servers of the
settings, with TURN credentials in coturn's REST-API scheme (``use-auth-secret``).

The TURN server and the platform share one secret (``WEBRTC_TURN_SECRET``, coturn's
``static-auth-secret``). A credential is derived for one user and expires: the username is
``"<expiry unix time>:<user id>"`` and the password is ``base64(HMAC-SHA1(secret, username))``;
coturn recomputes it and refuses an expired username. Nothing is stored, and a page's credential
is useless to anyone once its time is up. The pages get the list with the page (the
``media_ice_servers`` template tag) and the media process builds its own (``media_peer_servers``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

from django.conf import settings

TRANSPORT_POLICIES = ("all", "relay")


def turn_credential(
    secret: str, user_id: str, ttl_seconds: int, now: float | None = None
) -> tuple[str, str]:
    """``(username, credential)`` valid for ``ttl_seconds`` from ``now`` for ``user_id``."""
    expiry = int(now if now is not None else time.time()) + int(ttl_seconds)
    username = f"{expiry}:{user_id}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode("ascii")


def ice_servers(user_id: str, now: float | None = None) -> list[dict[str, Any]]:
    """The ``RTCIceServer`` dictionaries (as a browser's ``RTCPeerConnection`` takes them) for
    ``user_id``, with fresh TURN credentials; [] when no server is configured (loopback tests,
    single-machine demos: no request ever leaves the machine)."""
    servers: list[dict[str, Any]] = []
    if settings.WEBRTC_STUN_URLS:
        servers.append({"urls": list(settings.WEBRTC_STUN_URLS)})
    if settings.WEBRTC_TURN_URLS and settings.WEBRTC_TURN_SECRET:
        username, credential = turn_credential(
            settings.WEBRTC_TURN_SECRET, user_id, settings.WEBRTC_TURN_TTL_SECONDS, now
        )
        servers.append(
            {
                "urls": list(settings.WEBRTC_TURN_URLS),
                "username": username,
                "credential": credential,
            }
        )
    return servers


def transport_policy() -> str:
    """The pages' ``iceTransportPolicy``: "relay" uses TURN relay candidates only."""
    policy = str(settings.WEBRTC_ICE_TRANSPORT_POLICY)
    return policy if policy in TRANSPORT_POLICIES else "all"  # the settings refuse others


def page_configuration(user_id: str) -> str:
    """The JSON of ``{"iceServers": […], "iceTransportPolicy": …}`` a page passes to
    ``RTCPeerConnection`` (static/js/ice.js reads it from a data attribute)."""
    return json.dumps(
        {"iceServers": ice_servers(user_id), "iceTransportPolicy": transport_policy()}
    )
