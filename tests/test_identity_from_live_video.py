"""The real face video drives the real pipeline (issue 5, "Done means"): the shared talking-face
clip streams over WebRTC into the media process, the sampled frames go through the vision
worker's task, and the alerts follow the candidate's enrolment. With the enrolment photo of the
man in the clip no different-person alert opens (the clip's one-second cut to the audience gives
single bad frames, which accuse nobody); enrolled as someone else, the alert opens."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import av
import pytest
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription, VideoStreamTrack
from asgiref.sync import sync_to_async
from django.conf import settings

from exams.models import Attempt, Registration
from proctoring import tasks as vision_tasks
from proctoring.models import Alert, AlertKind, EvidenceFrame
from tests.personas import Personas, answering
from tests.test_view_one_media import media_socket
from vision import services as vision_services

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(120)]

VIDEO = "video/talking_face_640x360_15fps.y4m"
FRAMES = 10  # 0.5 s apart: about five seconds, more than one pass of the 4.3 s clip


@pytest.fixture(autouse=True)
def _loopback_media(settings: Any) -> None:
    settings.WEBRTC_ICE_HOST_ADDRESSES = ["127.0.0.1"]
    settings.WEBRTC_ICE_LOOPBACK_ONLY = True
    settings.WEBRTC_SAMPLE_EVERY_SECONDS = 0.5


class LoopingClip(VideoStreamTrack):
    """The clip's frames over and over at 15 fps, as Chromium's fake camera loops its file."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        with av.open(str(path)) as container:
            self.frames = [
                frame.to_ndarray(format="yuv420p") for frame in container.decode(video=0)
            ]
        self.index = 0

    async def recv(self) -> av.VideoFrame:
        pts, time_base = await self.next_timestamp()
        frame = av.VideoFrame.from_ndarray(self.frames[self.index % len(self.frames)], "yuv420p")
        frame.pts, frame.time_base = pts, time_base
        self.index += 1
        return frame


def enrolled_answering(personas: Personas, who: str, photo: str) -> Attempt:
    candidate = getattr(personas, who)
    data = (settings.SHARED_DATA_DIR / "faces" / photo).read_bytes()
    enrolment = vision_services.start_enrolment(candidate, data, "test")
    enrolled = vision_services.complete_enrolment(enrolment.pk)
    assert enrolled is not None and enrolled.status == "enrolled"
    registration = Registration.objects.get(exam=personas.formal, candidate=candidate)
    return answering(registration)


async def stream_until_sampled(attempt: Attempt, user: Any, frames: int) -> None:
    socket = await media_socket(attempt.pk, user)
    assert (await socket.connect())[0]
    camera = LoopingClip(settings.SHARED_DATA_DIR / VIDEO)
    client = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    try:
        client.addTrack(camera)
        await client.setLocalDescription(await client.createOffer())
        await socket.send_json_to({"type": "offer", "sdp": client.localDescription.sdp})
        answer = await socket.receive_json_from(timeout=10)
        assert answer["type"] == "answer", answer
        await client.setRemoteDescription(RTCSessionDescription(answer["sdp"], "answer"))
        count = EvidenceFrame.objects.filter(attempt=attempt, view=1).count
        for _ in range(600):
            if await sync_to_async(count)() >= frames:
                return
            await asyncio.sleep(0.05)
        raise AssertionError("the media process did not sample enough frames")
    finally:
        await socket.disconnect()
        await client.close()
        camera.stop()


def analyse_in_order(attempt: Attempt) -> list[dict[str, Any]]:
    """Run the vision worker's task on every sampled frame, oldest first, as the queue would."""
    frames = EvidenceFrame.objects.filter(attempt=attempt, view=1).order_by("captured_at")
    return [vision_tasks.analyze_frame(frame.pk) for frame in frames]


def identity_alerts(attempt: Attempt) -> list[Alert]:
    return list(Alert.objects.filter(attempt=attempt, kind=AlertKind.DIFFERENT_PERSON))


async def test_the_enrolled_man_of_the_clip_raises_no_identity_alert(
    personas: Personas,
) -> None:
    attempt = await sync_to_async(enrolled_answering)(personas, "carol", "lin_manuel_miranda_2.jpg")
    await stream_until_sampled(attempt, await sync_to_async(lambda: personas.carol.user)(), FRAMES)
    results = await sync_to_async(analyse_in_order)(attempt)
    assert len(results) >= FRAMES
    assert await sync_to_async(identity_alerts)(attempt) == []


async def test_someone_else_enrolled_raises_a_different_person_alert(
    personas: Personas,
) -> None:
    attempt = await sync_to_async(enrolled_answering)(personas, "dave", "obama_1.jpg")
    await stream_until_sampled(attempt, await sync_to_async(lambda: personas.dave.user)(), FRAMES)
    await sync_to_async(analyse_in_order)(attempt)
    alerts = await sync_to_async(identity_alerts)(attempt)
    assert len(alerts) == 1  # frames without a comparable face (blurred) do not close it
    alert = alerts[0]
    assert alert.status == "open" and alert.view == 1 and alert.count >= 2
    assert alert.detail["distance"] > alert.detail["threshold"]
    assert alert.evidence_id is not None
