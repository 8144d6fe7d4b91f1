"""View 1 into the media process, end to end without a browser: an aiortc client peer sends the
shared talking-face video through the real media ASGI app's signalling, the server samples it
into evidence frames and queues their analysis, and the proctor's room hears of the view.
ICE stays on loopback (host addresses given, no STUN server)."""

from __future__ import annotations

import ast
import asyncio
import io
import json
from typing import Any

import pytest
import redis
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.media import MediaPlayer
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from PIL import Image

from config.asgi import application as web_application
from config.media_asgi import application as media_application
from exams.models import Attempt, Registration
from proctoring.models import EvidenceFrame
from tests.personas import Personas, answering
from tests.sockets import session_cookie

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]

VIDEO = "video/talking_face_640x360_15fps.y4m"


@pytest.fixture(autouse=True)
def _loopback_media(settings: Any) -> None:
    settings.WEBRTC_ICE_HOST_ADDRESSES = ["127.0.0.1"]
    settings.WEBRTC_ICE_LOOPBACK_ONLY = True
    settings.WEBRTC_SAMPLE_EVERY_SECONDS = 0.5


def start(personas: Personas, who: str = "carol") -> Attempt:
    registration = Registration.objects.get(exam=personas.formal, candidate=getattr(personas, who))
    return answering(registration)


async def media_socket(attempt_id: int, user: Any | None, view: int = 1) -> WebsocketCommunicator:
    headers = [(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")]
    if user is not None:
        headers.append((b"cookie", await sync_to_async(session_cookie)(user)))
    path = f"/ws/media/attempts/{attempt_id}/view/{view}/"
    return WebsocketCommunicator(media_application, path, headers=headers)


async def next_event(proctor: WebsocketCommunicator, timeout: float = 5) -> dict[str, Any]:
    """The room's next event other than a view's thumbnail (those come every second)."""
    while True:
        event = await proctor.receive_json_from(timeout=timeout)
        if event["type"] != "view.thumbnail":
            return event


async def test_a_candidates_camera_becomes_evidence_frames_queued_for_analysis(
    personas: Personas,
) -> None:
    attempt = await sync_to_async(start)(personas)
    proctor = WebsocketCommunicator(
        web_application,
        f"/ws/proctor/rooms/{personas.room_a.pk}/",
        headers=[
            (b"origin", b"http://127.0.0.1"),
            (b"host", b"127.0.0.1"),
            (b"cookie", await sync_to_async(session_cookie)(personas.paula)),
        ],
    )
    assert (await proctor.connect())[0]
    assert (await proctor.receive_json_from(timeout=5))["type"] == "room.snapshot"

    socket = await media_socket(attempt.pk, await sync_to_async(lambda: personas.carol.user)())
    assert (await socket.connect())[0]
    player = MediaPlayer(str(settings.SHARED_DATA_DIR / VIDEO))
    client = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    try:
        assert player.video is not None
        client.addTrack(player.video)
        await client.setLocalDescription(await client.createOffer())
        sdp = client.localDescription.sdp
        assert "127.0.0.1" in sdp and "stun" not in sdp.lower()
        await socket.send_json_to({"type": "offer", "sdp": sdp})
        answer = await socket.receive_json_from(timeout=10)
        assert answer["type"] == "answer", answer
        await client.setRemoteDescription(RTCSessionDescription(answer["sdp"], "answer"))
        assert await socket.receive_json_from(timeout=15) == {"type": "connected"}

        event = await next_event(proctor)
        assert event == {
            "type": "view.changed",
            "attempt": attempt.pk,
            "view": 1,
            "connected": True,
        }

        frames: list[EvidenceFrame] = []
        for _ in range(100):
            frames = await sync_to_async(
                lambda: list(EvidenceFrame.objects.filter(attempt=attempt))
            )()
            if len(frames) >= 2:
                break
            await asyncio.sleep(0.1)
        assert len(frames) >= 2
        first = frames[0]
        assert first.view == 1 and first.kind == EvidenceFrame.Kind.FRAME
        image = await sync_to_async(lambda: Image.open(io.BytesIO(first.image.read())))()
        assert image.format == "JPEG"
        assert image.size[0] > 0 and image.size[1] > 0

        queued = redis.Redis.from_url(settings.REDIS_URL).lrange("vision", 0, -1)
        tasks = [json.loads(m)["headers"] for m in queued]
        # Other tests' audio chunks may share the queue; these frames' analyses are all there.
        analyses = [t for t in tasks if t["task"] == "vision.analyze_frame"]
        assert {f.pk for f in frames} <= {ast.literal_eval(t["argsrepr"])[0] for t in analyses}
    finally:
        await socket.disconnect()
        await client.close()
        if player.video is not None:
            player.video.stop()

    # The loss while answering also opens the camera-lost alert (its alert.changed comes too).
    lost = await next_event(proctor)
    while lost["type"] == "alert.changed":
        assert lost["alert"]["kind"] == "camera_lost"
        lost = await next_event(proctor)
    assert lost == {"type": "view.changed", "attempt": attempt.pk, "view": 1, "connected": False}
    await proctor.disconnect()


async def test_the_media_socket_closes_when_the_attempt_ends(personas: Personas) -> None:
    """Submitted (or ended by a proctor): the next sampled frame finds the attempt out of the
    exam, and the socket closes with 4000, which the phone page reads as "the exam ended"."""
    from exams import services

    attempt = await sync_to_async(start)(personas)
    socket = await media_socket(attempt.pk, await sync_to_async(lambda: personas.carol.user)())
    assert (await socket.connect())[0]
    player = MediaPlayer(str(settings.SHARED_DATA_DIR / VIDEO))
    client = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    try:
        assert player.video is not None
        client.addTrack(player.video)
        await client.setLocalDescription(await client.createOffer())
        await socket.send_json_to({"type": "offer", "sdp": client.localDescription.sdp})
        answer = await socket.receive_json_from(timeout=10)
        await client.setRemoteDescription(RTCSessionDescription(answer["sdp"], "answer"))
        assert await socket.receive_json_from(timeout=15) == {"type": "connected"}
        await sync_to_async(services.submit)(attempt, reason="time")
        closed = None
        for _ in range(20):
            output = await socket.receive_output(timeout=10)
            if output["type"] == "websocket.close":
                closed = output
                break
        assert closed is not None and closed.get("code") == 4000, closed
    finally:
        await client.close()
        if player.video is not None:
            player.video.stop()
