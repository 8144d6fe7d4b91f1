"""Opening the platform's WebSockets in tests as a signed-in user, through the real ASGI
application (session cookie, Origin and Host as a browser sends them)."""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth import SESSION_KEY
from django.test import Client

from config.asgi import application


def session_cookie(user: Any) -> bytes:
    """A Cookie header value of a fresh session signed in as ``user`` (candidates through their
    own sign-in backend)."""
    client = Client()
    backend = "accounts.backends.CandidateSessionBackend" if user.role == "candidate" else None
    client.force_login(user, backend=backend)
    assert client.session[SESSION_KEY]
    return f"sessionid={client.cookies['sessionid'].value}".encode()


async def socket_to(
    path: str, user: Any | None, origin: bytes = b"http://127.0.0.1"
) -> WebsocketCommunicator:
    """A communicator for ``path``, signed in as ``user`` (or anonymous), not yet connected."""
    headers = [(b"origin", origin), (b"host", b"127.0.0.1")]
    if user is not None:
        headers.append((b"cookie", await sync_to_async(session_cookie)(user)))
    return WebsocketCommunicator(application, path, headers=headers)
