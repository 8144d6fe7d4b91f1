"""The media process's Janus client against a real Janus (tests/janus_server.py) on loopback:
tokens through the admin API, a forged or removed token refused by Janus itself, a private room
with a secret and a pin, an aiortc peer publishing the shared talking-face clip and a second
aiortc peer subscribing to it and receiving its frames. Run inside bin/in-loopback-netns."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.media import MediaPlayer
from django.conf import settings

from proctoring.media import janus_client, peers  # noqa: F401  (peers: host addresses from settings)
from proctoring.media.janus_client import JanusAdmin, JanusError, JanusSession, VideoRoom
from tests.janus_server import ICE_ADDRESS, JanusServer

pytestmark = [pytest.mark.timeout(60)]

VIDEO = "video/talking_face_640x360_15fps.y4m"
ROOM, SECRET, PIN = 4242, "room-secret", "room-pin"


@pytest.fixture(autouse=True)
def _loopback_media(settings: Any) -> None:
    settings.WEBRTC_ICE_HOST_ADDRESSES = [ICE_ADDRESS]
    settings.WEBRTC_ICE_LOOPBACK_ONLY = True


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def session_with_new_token(http: aiohttp.ClientSession, janus: JanusServer) -> JanusSession:
    token = janus_client.new_token()
    await JanusAdmin(http, janus.admin_url, janus.admin_secret).add_token(token)
    return await JanusSession.create(http, janus.url, token)


async def test_a_forged_token_is_refused_by_janus(
    http: aiohttp.ClientSession, janus: JanusServer
) -> None:
    with pytest.raises(JanusError) as refused:
        await JanusSession.create(http, janus.url, "forged-" + janus_client.new_token())
    assert refused.value.code == 403

    admin = JanusAdmin(http, janus.admin_url, janus.admin_secret)
    token = janus_client.new_token()
    await admin.add_token(token)
    assert token in await admin.tokens()
    session = await JanusSession.create(http, janus.url, token)
    await session.destroy()
    await admin.remove_token(token)
    assert token not in await admin.tokens()
    with pytest.raises(JanusError) as removed:
        await JanusSession.create(http, janus.url, token)
    assert removed.value.code == 403


async def test_the_admin_api_refuses_a_wrong_secret(
    http: aiohttp.ClientSession, janus: JanusServer
) -> None:
    with pytest.raises(JanusError) as refused:
        await JanusAdmin(http, janus.admin_url, "not-the-secret").add_token("x")
    assert refused.value.code == 403


async def test_a_janus_that_is_not_there_is_a_clear_error(http: aiohttp.ClientSession) -> None:
    with pytest.raises(janus_client.JanusUnavailable):
        await JanusSession.create(http, "http://127.0.0.1:9/janus", "token")


async def test_a_room_refuses_a_wrong_pin_and_a_wrong_secret(
    http: aiohttp.ClientSession, janus: JanusServer
) -> None:
    session = await session_with_new_token(http, janus)
    try:
        room = await VideoRoom.attach(session)
        await room.ensure_room(ROOM, SECRET, PIN, "room A", janus.room_admin_key)
        await room.ensure_room(
            ROOM, SECRET, PIN, "room A", janus.room_admin_key
        )  # already there: no error
        with pytest.raises(JanusError) as no_key:
            await room.ensure_room(ROOM + 1, SECRET, PIN, "room B", "guessed")
        assert no_key.value.code == 433
        intruder = await VideoRoom.attach(session)
        with pytest.raises(JanusError) as wrong_pin:
            await intruder.subscribe(ROOM, "guessed", [1])
        assert wrong_pin.value.code == 433  # JANUS_VIDEOROOM_ERROR_UNAUTHORIZED
        with pytest.raises(JanusError) as wrong_secret:
            await room.destroy_room(ROOM, "guessed")
        assert wrong_secret.value.code == 433
        await room.destroy_room(ROOM, SECRET)
    finally:
        await session.destroy()


async def test_a_published_view_reaches_a_subscriber(
    http: aiohttp.ClientSession, janus: JanusServer
) -> None:
    publisher_session = await session_with_new_token(http, janus)
    subscriber_session = await session_with_new_token(http, janus)
    player = MediaPlayer(str(settings.SHARED_DATA_DIR / VIDEO))
    sender = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    receiver = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    try:
        publisher = await VideoRoom.attach(publisher_session)
        await publisher.ensure_room(ROOM, SECRET, PIN, "room A", janus.room_admin_key)
        assert player.video is not None
        sender.addTrack(player.video)
        await sender.setLocalDescription(await sender.createOffer())
        offer = sender.localDescription.sdp
        answer = await publisher.publish(ROOM, PIN, 1001, "attempt 1 view 1", offer)
        candidates = [line for line in answer.splitlines() if line.startswith("a=candidate:")]
        assert candidates and all(f" {ICE_ADDRESS} " in line for line in candidates), candidates
        await sender.setRemoteDescription(RTCSessionDescription(answer, "answer"))
        await publisher.wait_up(timeout=15)

        received: asyncio.Queue[Any] = asyncio.Queue()
        receiver.on("track", received.put_nowait)
        subscriber = await VideoRoom.attach(subscriber_session)
        janus_offer = await subscriber.subscribe(ROOM, PIN, [1001])
        await receiver.setRemoteDescription(RTCSessionDescription(janus_offer, "offer"))
        await receiver.setLocalDescription(await receiver.createAnswer())
        await subscriber.start(receiver.localDescription.sdp)

        track = await asyncio.wait_for(received.get(), 20)
        assert track.kind == "video"
        frame = await asyncio.wait_for(track.recv(), 20)
        assert frame.width > 0 and frame.height > 0
    finally:
        await sender.close()
        await receiver.close()
        if player.video is not None:
            player.video.stop()
        await publisher_session.destroy()
        await subscriber_session.destroy()


async def test_a_janus_that_dies_is_reported_and_refuses_nothing_silently(
    http: aiohttp.ClientSession, janus: JanusServer
) -> None:
    session = await session_with_new_token(http, janus)
    events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    session.on_event = events.put_nowait
    janus.kill()
    lost = await asyncio.wait_for(events.get(), 10)
    assert lost["janus"] == "lost"
    with pytest.raises(janus_client.JanusUnavailable):
        await session.keepalive()
    await session.destroy()  # never raises, even with Janus gone
