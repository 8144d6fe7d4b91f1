"""The support chat (R-EXAM-11) through the real ASGI application and the Redis channel layer:
candidates reach only their own conversation, staff only their site's, messages are stored in
PostgreSQL before anyone is told, and bad or flooding clients are refused."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from support.models import Conversation, Message
from tests.personas import Personas
from tests.sockets import socket_to

pytestmark = pytest.mark.django_db(transaction=True)


async def socket(path: str, user: Any | None) -> WebsocketCommunicator:
    return await socket_to(path, user)


async def connected(path: str, user: Any) -> tuple[WebsocketCommunicator, dict[str, Any]]:
    communicator = await socket(path, user)
    ok, _ = await communicator.connect()
    assert ok
    return communicator, await communicator.receive_json_from(timeout=5)


async def test_a_candidates_message_is_stored_and_reaches_their_sites_staff_in_real_time(
    personas: Personas,
) -> None:
    carol = personas.carol.user
    queue, first = await connected("/ws/support/queue/", personas.sam)
    assert first == {"type": "queue.snapshot", "conversations": []}
    candidate, snapshot = await connected("/ws/support/chat/", carol)
    assert snapshot == {"type": "chat.snapshot", "conversation": None, "messages": []}

    await candidate.send_json_to({"type": "send", "body": "摄像头打不开 <script>x</script>"})
    echoed = await candidate.receive_json_from(timeout=5)
    assert echoed["type"] == "chat.messages"
    assert echoed["messages"][0]["body"] == "摄像头打不开 <script>x</script>"
    stored = await sync_to_async(Message.objects.get)()
    assert stored.body == "摄像头打不开 <script>x</script>" and not stored.from_staff

    update = await queue.receive_json_from(timeout=5)
    assert update["type"] == "queue.snapshot"
    [row] = update["conversations"]
    assert row["candidate"] == "Carol" and row["unread"] == 1

    staff, history = await connected(f"/ws/support/conversations/{row['id']}/", personas.sam)
    assert [m["body"] for m in history["messages"]] == ["摄像头打不开 <script>x</script>"]
    await staff.send_json_to({"type": "read", "upto": history["messages"][0]["id"]})
    await staff.send_json_to({"type": "send", "body": "请在浏览器设置中允许摄像头。"})
    reply = await candidate.receive_json_from(timeout=5)
    assert reply["messages"][0]["from_staff"] is True
    assert reply["messages"][0]["body"] == "请在浏览器设置中允许摄像头。"
    for communicator in (queue, candidate, staff):
        await communicator.disconnect()


async def test_a_reconnecting_candidate_reads_the_conversation_from_the_database(
    personas: Personas,
) -> None:
    carol = personas.carol.user
    candidate, _ = await connected("/ws/support/chat/", carol)
    await candidate.send_json_to({"type": "send", "body": "first"})
    await candidate.receive_json_from(timeout=5)
    await candidate.disconnect()

    conversation = await sync_to_async(Conversation.objects.get)()
    await sync_to_async(Message.objects.create)(
        conversation=conversation, from_staff=True, body="answered while you were away"
    )
    again, snapshot = await connected("/ws/support/chat/", carol)
    assert snapshot["conversation"] == conversation.pk
    assert [m["body"] for m in snapshot["messages"]] == ["first", "answered while you were away"]
    await again.disconnect()


async def test_a_candidate_never_sees_another_candidates_conversation(personas: Personas) -> None:
    carol, _ = await connected("/ws/support/chat/", personas.carol.user)
    await carol.send_json_to({"type": "send", "body": "carol's problem"})
    await carol.receive_json_from(timeout=5)
    dave, snapshot = await connected("/ws/support/chat/", personas.dave.user)
    assert snapshot["messages"] == []
    assert await dave.receive_nothing(timeout=0.3)
    conversation = await sync_to_async(Conversation.objects.get)()
    staff_socket = await socket(f"/ws/support/conversations/{conversation.pk}/", personas.dave.user)
    ok, code = await staff_socket.connect()
    assert not ok and code == 4403
    for communicator in (carol, dave):
        await communicator.disconnect()


@pytest.mark.parametrize("who", ["olga", "paula", "ingrid", None])
async def test_staff_of_another_site_proctors_and_strangers_cannot_open_a_conversation(
    personas: Personas, who: str | None
) -> None:
    conversation = await sync_to_async(Conversation.objects.create)(
        candidate=personas.carol, site=personas.site
    )
    user = getattr(personas, who) if who else None
    communicator = await socket(f"/ws/support/conversations/{conversation.pk}/", user)
    ok, code = await communicator.connect()
    assert not ok and code == 4403


async def test_the_organisation_answers_every_sites_conversations(personas: Personas) -> None:
    conversation = await sync_to_async(Conversation.objects.create)(
        candidate=personas.carol, site=personas.site
    )
    staff, snapshot = await connected(
        f"/ws/support/conversations/{conversation.pk}/", personas.oscar
    )
    assert snapshot["conversation"] == conversation.pk
    await staff.disconnect()


async def test_staff_sockets_refuse_candidates_and_the_candidate_socket_refuses_staff(
    personas: Personas,
) -> None:
    queue = await socket("/ws/support/queue/", personas.carol.user)
    assert (await queue.connect()) == (False, 4403)
    chat = await socket("/ws/support/chat/", personas.sam)
    assert (await chat.connect()) == (False, 4403)


async def test_empty_over_long_and_malformed_messages_are_refused_and_nothing_is_stored(
    personas: Personas,
) -> None:
    candidate, _ = await connected("/ws/support/chat/", personas.carol.user)
    await candidate.send_json_to({"type": "send", "body": "   "})
    assert (await candidate.receive_json_from(timeout=5))["code"] == "empty"
    await candidate.send_json_to({"type": "send", "body": "x" * 1001})
    assert (await candidate.receive_json_from(timeout=5))["code"] == "too_long"
    await candidate.send_json_to({"type": "send", "body": "bell\x07"})
    assert (await candidate.receive_json_from(timeout=5))["code"] == "invalid"
    await candidate.send_json_to({"type": "send", "body": ["not", "text"]})
    assert (await candidate.receive_json_from(timeout=5))["code"] == "invalid"
    await candidate.send_to(text_data="{not json")
    assert (await candidate.receive_json_from(timeout=5))["code"] == "bad_json"
    await candidate.send_json_to({"type": "read", "upto": "all"})
    assert (await candidate.receive_json_from(timeout=5))["code"] == "invalid"
    await candidate.send_json_to({"type": "shout"})
    assert (await candidate.receive_json_from(timeout=5))["code"] == "unknown_type"
    assert await sync_to_async(Message.objects.count)() == 0
    assert await sync_to_async(Conversation.objects.count)() == 0
    await candidate.disconnect()


async def test_a_chat_flood_is_rate_limited_and_then_the_socket_is_closed(
    personas: Personas,
) -> None:
    candidate, _ = await connected("/ws/support/chat/", personas.carol.user)
    codes = []
    for n in range(15):
        await candidate.send_json_to({"type": "send", "body": f"help {n}"})
        codes.append((await candidate.receive_json_from(timeout=5)).get("code"))
    assert codes[:12] == [None] * 12  # SUPPORT_CHAT_MESSAGES_PER_MINUTE
    assert codes[12:] == ["rate_limited"] * 3
    assert await sync_to_async(Message.objects.count)() == 12
    for _ in range(10):
        await candidate.send_json_to({"type": "ping"})
    closed = None
    for _ in range(10):
        output = await candidate.receive_output(timeout=5)
        if output["type"] == "websocket.close":
            closed = output["code"]
            break
    assert closed == 4429


async def test_a_closed_conversation_takes_no_answers_and_the_next_message_opens_a_new_one(
    personas: Personas,
) -> None:
    candidate, _ = await connected("/ws/support/chat/", personas.carol.user)
    await candidate.send_json_to({"type": "send", "body": "solved, thanks"})
    await candidate.receive_json_from(timeout=5)
    conversation = await sync_to_async(Conversation.objects.get)()
    client = Client()
    await sync_to_async(client.force_login)(personas.sam)
    response = await sync_to_async(client.post)(f"/support/conversations/{conversation.pk}/close/")
    assert response.status_code == 302
    assert (await candidate.receive_json_from(timeout=5))["type"] == "chat.closed"

    staff, _ = await connected(f"/ws/support/conversations/{conversation.pk}/", personas.sam)
    await staff.send_json_to({"type": "send", "body": "one more thing"})
    assert (await staff.receive_json_from(timeout=5))["code"] == "closed"

    await candidate.send_json_to({"type": "send", "body": "new problem"})
    fresh = await candidate.receive_json_from(timeout=5)
    assert [m["body"] for m in fresh["messages"]] == ["new problem"]
    assert await sync_to_async(Conversation.objects.filter(status="open").count)() == 1
    assert await sync_to_async(Conversation.objects.count)() == 2
    for communicator in (candidate, staff):
        await communicator.disconnect()
