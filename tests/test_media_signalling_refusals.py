"""The media signalling socket refuses whoever may not stream an attempt, and refuses malformed
messages without closing or crashing: the same socket still answers afterwards."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import sync_to_async

from exams import services
from tests.personas import Personas
from tests.test_view_one_media import media_socket, start

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]


async def refused(attempt_id: int, user: Any | None, view: int = 1) -> None:
    socket = await media_socket(attempt_id, user, view)
    connected, code = await socket.connect()
    assert not connected
    assert code == 4403


async def user_of(personas: Personas, who: str) -> Any:
    return await sync_to_async(lambda: getattr(personas, who).user)()


async def test_nobody_streams_an_attempt_but_its_own_candidate(personas: Personas) -> None:
    attempt = await sync_to_async(start)(personas)
    await sync_to_async(start)(personas, "dave")
    await refused(attempt.pk, None)
    await refused(attempt.pk, await user_of(personas, "dave"))
    await refused(attempt.pk, personas.paula)


async def test_a_finished_attempt_cannot_stream(personas: Personas) -> None:
    attempt = await sync_to_async(start)(personas)
    await sync_to_async(services.submit)(attempt)
    await refused(attempt.pk, await user_of(personas, "carol"))


@pytest.mark.parametrize(
    ("message", "code"),
    [
        ("not json", "bad_json"),
        ('{"type": "shout"}', "unknown_type"),
        ('{"type": "offer"}', "bad_sdp"),
        ('{"type": "offer", "sdp": "hello"}', "bad_sdp"),
        ('{"type": "offer", "sdp": "v=0\\r\\nm=video 9 garbage\\r\\n"}', "bad_sdp"),
        (
            '{"type": "offer", "sdp": "v=0\\r\\no=- 1 1 IN IP4 0.0.0.0\\r\\ns=-\\r\\nt=0 0\\r\\n"}',
            "bad_sdp",
        ),
        ('{"type": "candidate", "candidate": "candidate:1 1 udp"}', "bad_candidate"),
    ],
)
async def test_malformed_messages_get_an_error_and_the_socket_lives_on(
    personas: Personas, message: str, code: str
) -> None:
    attempt = await sync_to_async(start)(personas)
    socket = await media_socket(attempt.pk, await user_of(personas, "carol"))
    assert (await socket.connect())[0]
    await socket.send_to(text_data=message)
    assert await socket.receive_json_from(timeout=10) == {"type": "error", "code": code}
    await socket.send_json_to({"type": "ping"})
    assert await socket.receive_json_from(timeout=5) == {"type": "pong"}
    await socket.disconnect()


async def test_a_flood_of_messages_closes_the_socket(personas: Personas) -> None:
    attempt = await sync_to_async(start)(personas)
    socket = await media_socket(attempt.pk, await user_of(personas, "carol"))
    assert (await socket.connect())[0]
    for _ in range(61):
        await socket.send_json_to({"type": "ping"})
    for _ in range(60):
        assert await socket.receive_json_from(timeout=5) == {"type": "pong"}
    closed = await socket.receive_output(timeout=5)
    assert closed == {"type": "websocket.close", "code": 4429}
