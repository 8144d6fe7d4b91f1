"""WebSockets are accepted from the page's own origin or a listed one, compared by scheme, host
and port together: the same host on another port or scheme is refused, as is no Origin at all."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from config.asgi import application
from core.websocket_origin import allowed, normalise
from tests.personas import Personas
from tests.sockets import session_cookie


def scope(origin: bytes | None, host: bytes = b"exam.example:8000", scheme: str = "ws") -> dict:
    headers = [(b"host", host)]
    if origin is not None:
        headers.append((b"origin", origin))
    return {"type": "websocket", "scheme": scheme, "headers": headers}


def test_origins_are_compared_whole(settings) -> None:
    settings.WEBSOCKET_ALLOWED_ORIGINS = []
    assert allowed(scope(b"http://exam.example:8000"))
    assert allowed(scope(b"HTTP://Exam.Example:8000"))
    assert not allowed(scope(b"http://exam.example:8080")), "another port of the same host"
    assert not allowed(scope(b"https://exam.example:8000")), "another scheme"
    assert not allowed(scope(b"http://exam.example")), "port 80 is another origin"
    assert not allowed(scope(b"http://evil.example:8000"))
    assert not allowed(scope(None)), "no Origin header: not a browser page"
    assert not allowed(scope(b"null"))
    assert allowed(scope(b"https://exam.example", host=b"exam.example", scheme="wss"))
    assert not allowed(scope(b"http://exam.example", host=b"exam.example", scheme="wss"))


def test_a_listed_origin_is_accepted_on_another_port(settings) -> None:
    """The media process listens on its own port; the web pages' origin is listed there."""
    settings.WEBSOCKET_ALLOWED_ORIGINS = ["https://exam.example"]

    def media(origin: bytes) -> dict:
        return scope(origin, host=b"exam.example:8001", scheme="wss")

    assert allowed(media(b"https://exam.example"))
    assert allowed(media(b"https://exam.example:443"))
    assert not allowed(media(b"http://exam.example"))
    assert not allowed(media(b"https://exam.example:8443"))


def test_normalise_refuses_what_is_not_an_origin() -> None:
    assert normalise("http://[::1]:8000") == "http://[::1]:8000"
    assert normalise("https://a.example/") == "https://a.example:443"
    for bad in ("ftp://a.example", "http://a.example/path", "http://u@a.example", "http://a:x", ""):
        assert normalise(bad) is None, bad


@pytest.mark.django_db(transaction=True)
async def test_the_proctors_socket_opens_from_the_page_origin_only(
    personas: Personas, settings
) -> None:
    settings.WEBSOCKET_ALLOWED_ORIGINS = []
    cookie = await sync_to_async(session_cookie)(personas.paula)
    path = f"/ws/proctor/rooms/{personas.room_a.pk}/"
    results = {}
    for origin in (b"http://127.0.0.1:8000", b"http://127.0.0.1:9999", b"https://127.0.0.1:8000"):
        headers = [(b"origin", origin), (b"host", b"127.0.0.1:8000"), (b"cookie", cookie)]
        socket = WebsocketCommunicator(application, path, headers=headers)
        results[origin], _ = await socket.connect()
        await socket.disconnect()
    assert results == {
        b"http://127.0.0.1:8000": True,
        b"http://127.0.0.1:9999": False,
        b"https://127.0.0.1:8000": False,
    }
