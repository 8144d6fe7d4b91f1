"""The proctor console's WebSocket, through the real ASGI application and the Redis channel
layer: who may connect, what they receive, and what malformed messages do."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from exams import services
from exams.models import Attempt, Registration
from tests.personas import Personas, answering
from tests.sockets import socket_to

pytestmark = pytest.mark.django_db(transaction=True)


async def connect(
    room_id: int, user: Any | None, origin: bytes = b"http://127.0.0.1"
) -> WebsocketCommunicator:
    return await socket_to(f"/ws/proctor/rooms/{room_id}/", user, origin)


def start(personas: Personas, who: str = "carol") -> Attempt:
    registration = Registration.objects.get(exam=personas.formal, candidate=getattr(personas, who))
    return answering(registration)


async def test_the_rooms_proctor_gets_the_snapshot_then_live_events(personas: Personas) -> None:
    attempt = await sync_to_async(start)(personas)
    socket = await connect(personas.room_a.pk, personas.paula)
    connected, _ = await socket.connect()
    assert connected
    snapshot = await socket.receive_json_from(timeout=5)
    assert snapshot["type"] == "room.snapshot"
    assert [a["candidate"] for a in snapshot["attempts"]] == ["Carol"]
    assert snapshot["attempts"][0]["masked_id_number"].startswith("1101**")

    await sync_to_async(services.submit)(attempt)
    event = await socket.receive_json_from(timeout=5)
    assert event["type"] == "attempt.changed"
    assert event["attempt"]["id"] == attempt.pk
    assert event["attempt"]["status"] == "submitted"
    await socket.disconnect()


async def test_saves_reach_the_console_coalesced_and_the_last_one_always(
    personas: Personas,
) -> None:
    """A burst of saves is published about once a second per attempt, and the final answered
    count always arrives (the trailing publish), within about a second of the last save."""
    attempt = await sync_to_async(start)(personas)
    socket = await connect(personas.room_a.pk, personas.paula)
    await socket.connect()
    await socket.receive_json_from(timeout=5)
    save = sync_to_async(services.save_answer)
    questions = attempt.question_ids()
    for seq in range(1, 4):
        for question in questions:
            await save(attempt.pk, question, "ABC"[seq - 1], seq)
    last_save = time.monotonic()
    answered: list[int] = []
    while not answered or answered[-1] != len(questions):
        event = await socket.receive_json_from(timeout=3)
        assert event["type"] == "attempt.changed"
        answered.append(event["attempt"]["answered"])
    assert time.monotonic() - last_save < 2.0
    while not await socket.receive_nothing(timeout=1.5):  # a trailing publish of the same state
        answered.append((await socket.receive_json_from())["attempt"]["answered"])
    assert answered[-1] == len(questions)
    assert len(answered) <= 3  # nine saves: at most one publish a second, and the trailing one
    await socket.disconnect()


async def test_events_of_another_room_do_not_reach_the_proctor(personas: Personas) -> None:
    socket = await connect(personas.room_a.pk, personas.paula)
    await socket.connect()
    await socket.receive_json_from(timeout=5)
    daves = await sync_to_async(start)(personas, "dave")  # room B
    await sync_to_async(services.submit)(daves)
    assert await socket.receive_nothing(timeout=0.5)
    await socket.disconnect()


@pytest.mark.parametrize("who", ["pete", "olga", "ingrid", None])
async def test_staff_of_other_rooms_and_strangers_are_refused(
    personas: Personas, who: str | None
) -> None:
    user = getattr(personas, who) if who else None
    socket = await connect(personas.room_a.pk, user)
    connected, code = await socket.connect()
    assert not connected
    assert code == 4403


async def test_a_candidate_cannot_watch_a_room(personas: Personas) -> None:
    socket = await connect(personas.room_a.pk, personas.carol.user)
    connected, code = await socket.connect()
    assert not connected and code == 4403


@pytest.mark.parametrize("who", ["sam", "oscar"])
async def test_site_and_organisation_administrators_may_watch(personas: Personas, who: str) -> None:
    socket = await connect(personas.room_a.pk, getattr(personas, who))
    connected, _ = await socket.connect()
    assert connected
    await socket.disconnect()


async def test_a_foreign_origin_is_refused(personas: Personas) -> None:
    socket = await connect(personas.room_a.pk, personas.paula, origin=b"https://evil.example")
    connected, _ = await socket.connect()
    assert not connected


async def test_malformed_and_unknown_messages_get_an_error_and_keep_the_connection(
    personas: Personas,
) -> None:
    socket = await connect(personas.room_a.pk, personas.paula)
    await socket.connect()
    await socket.receive_json_from(timeout=5)
    await socket.send_to(text_data="{not json")
    assert (await socket.receive_json_from(timeout=5))["code"] == "bad_json"
    await socket.send_to(text_data=json.dumps({"type": "drop_tables"}))
    assert (await socket.receive_json_from(timeout=5))["code"] == "unknown_type"
    await socket.send_to(text_data=json.dumps(["a", "list"]))
    assert (await socket.receive_json_from(timeout=5))["code"] == "unknown_type"
    await socket.send_to(bytes_data=b"\x00\x01")
    assert (await socket.receive_json_from(timeout=5))["code"] == "bad_json"
    await socket.send_json_to({"type": "ping"})
    assert (await socket.receive_json_from(timeout=5))["type"] == "pong"
    await socket.disconnect()


async def test_a_flood_of_messages_closes_the_connection(personas: Personas) -> None:
    socket = await connect(personas.room_a.pk, personas.paula)
    await socket.connect()
    await socket.receive_json_from(timeout=5)
    for _ in range(25):
        await socket.send_json_to({"type": "ping"})
    received = []
    while True:
        output = await socket.receive_output(timeout=5)
        if output["type"] == "websocket.close":
            assert output["code"] == 4429
            break
        received.append(output)
    assert len(received) == 20
