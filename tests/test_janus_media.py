"""``MEDIA_BACKEND=janus`` end to end without a browser: the real media ASGI app, a real Janus
(tests/janus_server.py) and aiortc peers standing in for the candidate's page and the proctor's
focus page. The platform authorises, Janus carries the media:

- the candidate's view 1 is published into room A's Janus room as the attempt's own feed (a room
  or feed named in the page's message is ignored) and recorded connected on Janus' ``webrtcup``;
- the proctor of room A subscribes through the focus socket and receives the video from Janus;
- a candidate cannot open another candidate's view nor a focus, a proctor of another room cannot
  subscribe (4403 before anything reaches Janus);
- each socket's Janus token is gone when the socket ends.

Run inside bin/in-loopback-netns (the fixture gives Janus a loopback address it accepts).
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.media import MediaPlayer
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings

from config.media_asgi import application as media_application
from exams.models import Attempt, Registration
from proctoring.media import janus_backend
from proctoring.media.janus_client import JanusAdmin
from proctoring.models import ViewState
from tests.janus_server import ICE_ADDRESS, JanusServer
from tests.personas import Personas, answering
from tests.sockets import session_cookie

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(90)]

VIDEO = "video/talking_face_640x360_15fps.y4m"


@pytest.fixture(autouse=True)
def _janus_backend(settings: Any, janus: JanusServer) -> None:
    settings.WEBRTC_ICE_HOST_ADDRESSES = [ICE_ADDRESS]
    settings.WEBRTC_ICE_LOOPBACK_ONLY = True
    settings.MEDIA_BACKEND = "janus"
    settings.JANUS_URL = janus.url
    settings.JANUS_ADMIN_URL = janus.admin_url
    settings.JANUS_ADMIN_SECRET = janus.admin_secret
    settings.JANUS_ROOM_ADMIN_KEY = janus.room_admin_key


def start(personas: Personas, who: str = "carol") -> Attempt:
    registration = Registration.objects.get(exam=personas.formal, candidate=getattr(personas, who))
    return answering(registration)


async def socket(path: str, user: Any) -> WebsocketCommunicator:
    headers = [(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")]
    headers.append((b"cookie", await sync_to_async(session_cookie)(user)))
    return WebsocketCommunicator(media_application, path, headers=headers)


async def tokens(janus: JanusServer) -> set[str]:
    async with aiohttp.ClientSession() as http:
        return await JanusAdmin(http, janus.admin_url, janus.admin_secret).tokens()


async def test_a_view_published_to_janus_reaches_the_proctors_focus(
    personas: Personas, janus: JanusServer
) -> None:
    attempt = await sync_to_async(start)(personas)
    carol = await sync_to_async(lambda: personas.carol.user)()
    view = await socket(f"/ws/media/attempts/{attempt.pk}/view/1/", carol)
    assert (await view.connect())[0]
    player = MediaPlayer(str(settings.SHARED_DATA_DIR / VIDEO))
    sender = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    receiver = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    focus = await socket(f"/ws/media/focus/{attempt.pk}/", personas.paula)
    try:
        assert player.video is not None
        sender.addTrack(player.video)
        await sender.setLocalDescription(await sender.createOffer())
        # A page that names a room and a feed of its own choosing: both are ignored.
        await view.send_json_to(
            {"type": "offer", "sdp": sender.localDescription.sdp, "room": 999, "feed": 9991}
        )
        answer = await view.receive_json_from(timeout=15)
        assert answer["type"] == "answer", answer
        await sender.setRemoteDescription(RTCSessionDescription(answer["sdp"], "answer"))
        assert await view.receive_json_from(timeout=15) == {"type": "connected"}
        state = await sync_to_async(
            lambda: ViewState.objects.get(attempt=attempt, view=1).connected
        )()
        assert state is True

        looking = janus_backend.Connection()
        try:
            await looking.open(personas.room_a.pk, None)
            feeds = await janus_backend.published_feeds(looking, personas.room_a.pk)
        finally:
            await looking.close()
        assert feeds == {janus_backend.feed_id(attempt.pk, 1)}

        assert (await focus.connect())[0]
        await focus.send_json_to({"type": "subscribe", "views": [1]})
        offer = await focus.receive_json_from(timeout=15)
        assert offer["type"] == "offer", offer
        received: asyncio.Queue[Any] = asyncio.Queue()
        receiver.on("track", received.put_nowait)
        await receiver.setRemoteDescription(RTCSessionDescription(offer["sdp"], "offer"))
        await receiver.setLocalDescription(await receiver.createAnswer())
        await focus.send_json_to({"type": "answer", "sdp": receiver.localDescription.sdp})
        track = await asyncio.wait_for(received.get(), 20)
        assert track.kind == "video"
        frame = await asyncio.wait_for(track.recv(), 20)
        assert frame.width > 0 and frame.height > 0
        assert len(await tokens(janus)) == 2  # one per open socket
    finally:
        await view.disconnect()
        await focus.disconnect()
        await sender.close()
        await receiver.close()
        if player.video is not None:
            player.video.stop()
    assert await tokens(janus) == set()  # each socket's token went with it
    state = await sync_to_async(lambda: ViewState.objects.get(attempt=attempt, view=1).connected)()
    assert state is False


async def test_nobody_publishes_or_watches_beyond_what_the_platform_allows(
    personas: Personas, janus: JanusServer
) -> None:
    daves = await sync_to_async(start)(personas, "dave")
    carol = await sync_to_async(lambda: personas.carol.user)()
    # Carol on Dave's attempt (room B): refused before anything reaches Janus.
    into_other = await socket(f"/ws/media/attempts/{daves.pk}/view/1/", carol)
    connected, code = await into_other.connect()
    assert not connected and code == 4403
    # A candidate opens no focus, nor does the proctor of another room.
    for who in (carol, personas.paula):
        focus = await socket(f"/ws/media/focus/{daves.pk}/", who)
        connected, code = await focus.connect()
        assert not connected and code == 4403
    assert await tokens(janus) == set()  # no Janus session was ever made for them
