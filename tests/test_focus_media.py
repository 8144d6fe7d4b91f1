"""The proctor's side of the media process, end to end without a browser: aiortc client peers
stand in for the candidate's page and the proctor's focus page, through the real media ASGI app.

- a live view's thumbnails reach the proctors' room;
- only staff who may watch the attempt's room open a focus; malformed messages are refused and
  the socket lives on;
- a focus receives the candidate's video and audio, also when the view connects after it opened,
  and the candidate's page is told to lift its frame-rate cap while it is open;
- talk: the proctor's microphone plays on the candidate's page (measured: the received audio is
  the sine wave that was sent, not silence).
ICE stays on loopback (host addresses given, no STUN server)."""

from __future__ import annotations

import asyncio
import base64
import fractions
import io
import time
from typing import Any

import numpy as np
import pytest
from aiortc import MediaStreamTrack, RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.media import MediaPlayer
from asgiref.sync import sync_to_async
from av import AudioFrame
from channels.testing import WebsocketCommunicator
from django.conf import settings
from PIL import Image

from audit.models import AuditEntry
from config.asgi import application as web_application
from config.media_asgi import application as media_application
from proctoring.media import live
from tests.personas import Personas
from tests.sockets import session_cookie
from tests.test_view_one_media import VIDEO, media_socket, start

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(90)]

RATE = 48_000
SAMPLES = 960  # 20 ms


@pytest.fixture(autouse=True)
def _loopback_media(settings: Any) -> None:
    settings.WEBRTC_ICE_HOST_ADDRESSES = ["127.0.0.1"]
    settings.WEBRTC_ICE_LOOPBACK_ONLY = True
    settings.WEBRTC_SAMPLE_EVERY_SECONDS = 30
    settings.WEBRTC_THUMBNAIL_EVERY_SECONDS = 0.5


class Sine(MediaStreamTrack):
    """A microphone that plays a sine wave in real time."""

    kind = "audio"

    def __init__(self, hz: float) -> None:
        super().__init__()
        self.hz = hz
        self.samples = 0
        self.started: float | None = None

    async def recv(self) -> AudioFrame:
        if self.started is None:
            self.started = time.monotonic()
        wait = self.started + self.samples / RATE - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        t = (np.arange(SAMPLES) + self.samples) / RATE
        data = (np.sin(2 * np.pi * self.hz * t) * 8000).astype(np.int16).reshape(1, -1)
        frame = AudioFrame.from_ndarray(data, format="s16", layout="mono")
        frame.sample_rate = RATE
        frame.pts = self.samples
        frame.time_base = fractions.Fraction(1, RATE)
        self.samples += SAMPLES
        return frame


def peer() -> RTCPeerConnection:
    return RTCPeerConnection(RTCConfiguration(iceServers=[]))


class Page:
    """A signalling socket with the messages it received, read by type."""

    def __init__(self, socket: WebsocketCommunicator) -> None:
        self.socket = socket
        self.seen: list[dict[str, Any]] = []

    async def expect(self, wanted: dict[str, Any], timeout: float = 15) -> dict[str, Any]:
        """The first message (received or still to come) that contains ``wanted``."""
        deadline = time.monotonic() + timeout
        while True:
            for message in self.seen:
                if wanted.items() <= message.items():
                    self.seen.remove(message)
                    return message
            left = deadline - time.monotonic()
            assert left > 0, f"no {wanted} in {self.seen}"
            self.seen.append(await self.socket.receive_json_from(timeout=left))

    async def negotiate(self, pc: RTCPeerConnection) -> None:
        await pc.setLocalDescription(await pc.createOffer())
        await self.socket.send_json_to({"type": "offer", "sdp": pc.localDescription.sdp})
        answer = await self.expect({"type": "answer"})
        await pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], "answer"))
        await self.expect({"type": "connected"})


async def focus_socket(attempt_id: int, user: Any | None) -> WebsocketCommunicator:
    headers = [(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")]
    if user is not None:
        headers.append((b"cookie", await sync_to_async(session_cookie)(user)))
    return WebsocketCommunicator(media_application, f"/ws/media/focus/{attempt_id}/", headers)


async def user_of(personas: Personas, who: str) -> Any:
    return await sync_to_async(lambda: getattr(personas, who).user)()


class Candidate:
    """The candidate's answer page: camera (the shared talking-face video) and a microphone."""

    def __init__(self, page: Page, hz: float = 440) -> None:
        self.page = page
        self.player = MediaPlayer(str(settings.SHARED_DATA_DIR / VIDEO))
        self.pc = peer()
        assert self.player.video is not None
        self.pc.addTrack(self.player.video)
        self.pc.addTrack(Sine(hz))

    async def connect(self) -> None:
        await self.page.negotiate(self.pc)

    def heard(self) -> MediaStreamTrack:
        """What the page plays: the answer's audio track (the proctor's voice)."""
        audio = [t for t in self.pc.getTransceivers() if t.kind == "audio"]
        return audio[0].receiver.track

    async def close(self) -> None:
        await self.page.socket.disconnect()
        await self.pc.close()
        if self.player.video is not None:
            self.player.video.stop()


class FocusPage:
    """The proctor's focus page: receives both views, sends a microphone on m-line 1."""

    def __init__(self, page: Page, microphone: MediaStreamTrack | None = None) -> None:
        self.page = page
        self.pc = peer()
        self.pc.addTransceiver("video", direction="recvonly")
        self.pc.addTransceiver(microphone or "audio", direction="sendrecv")
        self.pc.addTransceiver("video", direction="recvonly")
        self.pc.addTransceiver("audio", direction="recvonly")

    def received(self, index: int) -> MediaStreamTrack:
        return self.pc.getTransceivers()[index].receiver.track

    async def close(self) -> None:
        if self.pc.connectionState != "closed":
            await self.page.socket.disconnect()
            await self.pc.close()


async def connected_candidate(attempt_id: int, user: Any, hz: float = 440) -> Candidate:
    socket = await media_socket(attempt_id, user)
    assert (await socket.connect())[0]
    candidate = Candidate(Page(socket), hz)
    await candidate.connect()
    return candidate


async def opened_focus(
    attempt_id: int, user: Any, microphone: MediaStreamTrack | None = None
) -> FocusPage:
    socket = await focus_socket(attempt_id, user)
    assert (await socket.connect())[0]
    focus = FocusPage(Page(socket), microphone)
    await focus.page.negotiate(focus.pc)
    return focus


async def video_frames(track: MediaStreamTrack, count: int) -> list[Any]:
    return [await asyncio.wait_for(track.recv(), 10) for _ in range(count)]


async def listen(track: MediaStreamTrack, seconds: float = 1.0) -> tuple[float, float]:
    """The RMS (int16 full scale 32768) and the dominant frequency of ``seconds`` of the audio
    received on ``track``."""
    chunks = []
    received = 0.0
    rate = RATE
    while received < seconds:
        frame = await asyncio.wait_for(track.recv(), 10)
        assert isinstance(frame, AudioFrame)
        rate = frame.sample_rate
        # Decoded Opus is interleaved stereo: keep the first channel.
        samples = frame.to_ndarray().astype(np.float64).reshape(-1, len(frame.layout.channels))
        chunks.append(samples[:, 0])
        received += frame.samples / rate
    tail = np.concatenate(chunks[5:])  # the decoder's first frames may fade in
    spectrum = np.abs(np.fft.rfft(tail))
    return float(np.sqrt(np.mean(tail**2))), float(np.argmax(spectrum) * rate / len(tail))


async def test_thumbnails_of_a_live_view_reach_the_proctors_room(personas: Personas) -> None:
    attempt = await sync_to_async(start)(personas)
    room = WebsocketCommunicator(
        web_application,
        f"/ws/proctor/rooms/{personas.room_a.pk}/",
        headers=[
            (b"origin", b"http://127.0.0.1"),
            (b"host", b"127.0.0.1"),
            (b"cookie", await sync_to_async(session_cookie)(personas.paula)),
        ],
    )
    assert (await room.connect())[0]
    candidate = await connected_candidate(attempt.pk, await user_of(personas, "carol"))
    try:
        thumbnails: list[dict[str, Any]] = []
        deadline = time.monotonic() + 15
        while len(thumbnails) < 3 and time.monotonic() < deadline:
            event = await room.receive_json_from(timeout=10)
            if event["type"] == "view.thumbnail":
                thumbnails.append(event)
        assert len(thumbnails) == 3
        first = thumbnails[0]
        assert (first["attempt"], first["view"]) == (attempt.pk, 1)
        image = Image.open(io.BytesIO(base64.b64decode(first["jpeg"])))
        assert image.format == "JPEG"
        assert image.size == (160, 90)  # 640x360 fitted into 160x120
        assert first["at"] < thumbnails[1]["at"] < thumbnails[2]["at"]
    finally:
        await candidate.close()
        await room.disconnect()


async def test_only_staff_who_watch_the_room_may_open_a_focus(personas: Personas) -> None:
    attempt = await sync_to_async(start)(personas)
    for user in (None, await user_of(personas, "carol"), personas.pete):
        socket = await focus_socket(attempt.pk, user)
        assert await socket.connect() == (False, 4403)
    other = await sync_to_async(start)(personas, "dave")  # room B, pete's
    socket = await focus_socket(other.pk, personas.paula)
    assert await socket.connect() == (False, 4403)
    socket = await focus_socket(other.pk, personas.pete)
    assert (await socket.connect())[0]
    await socket.disconnect()


@pytest.mark.parametrize(
    ("message", "code"),
    [
        ("not json", "bad_json"),
        ('{"type": "shout"}', "unknown_type"),
        ('{"type": "talk", "on": true}', "not_open"),
        ('{"type": "talk", "on": "yes"}', "bad_talk"),
        ('{"type": "offer", "sdp": 12}', "bad_sdp"),
        ('{"type": "offer", "sdp": "v=0\\r\\nm=video 9 garbage\\r\\n"}', "bad_sdp"),
        ('{"type": "candidate", "candidate": "candidate:1 1 udp"}', "bad_candidate"),
    ],
)
async def test_malformed_focus_messages_get_an_error_and_the_socket_lives_on(
    personas: Personas, message: str, code: str
) -> None:
    attempt = await sync_to_async(start)(personas)
    socket = await focus_socket(attempt.pk, personas.paula)
    assert (await socket.connect())[0]
    await socket.send_to(text_data=message)
    assert await socket.receive_json_from(timeout=10) == {"type": "error", "code": code}
    await socket.send_json_to({"type": "ping"})
    assert await socket.receive_json_from(timeout=5) == {"type": "pong"}
    await socket.disconnect()


async def test_an_offer_not_laid_out_as_the_focus_page_does_is_refused(
    personas: Personas,
) -> None:
    attempt = await sync_to_async(start)(personas)
    socket = await focus_socket(attempt.pk, personas.paula)
    assert (await socket.connect())[0]
    pc = peer()
    pc.addTransceiver("audio", direction="recvonly")  # audio first: not the focus layout
    pc.addTransceiver("video", direction="recvonly")
    await pc.setLocalDescription(await pc.createOffer())
    await socket.send_json_to({"type": "offer", "sdp": pc.localDescription.sdp})
    assert await socket.receive_json_from(timeout=10) == {"type": "error", "code": "bad_sdp"}
    await pc.close()
    # The same socket may still open the focus properly.
    focus = FocusPage(Page(socket))
    await focus.page.negotiate(focus.pc)
    assert await focus.page.expect({"type": "views"}) == {
        "type": "views",
        "views": {"1": False, "2": False},
    }
    await focus.close()


async def test_a_focus_receives_the_candidates_video_and_audio_at_full_rate(
    personas: Personas,
) -> None:
    attempt = await sync_to_async(start)(personas)
    # The focus opens first: the view that connects afterwards flows without renegotiation.
    focus = await opened_focus(attempt.pk, personas.paula)
    candidate: Candidate | None = None
    try:
        await focus.page.expect({"type": "views", "views": {"1": False, "2": False}})
        candidate = await connected_candidate(attempt.pk, await user_of(personas, "carol"))
        await candidate.page.expect({"type": "focus", "on": True})
        await focus.page.expect({"type": "views", "views": {"1": True, "2": False}})

        frames = await video_frames(focus.received(0), 10)
        assert all(f.width > 0 and f.height > 0 for f in frames)
        assert frames[-1].pts > frames[0].pts
        rms, hz = await listen(focus.received(1))
        assert rms > 2000 and abs(hz - 440) < 10, (rms, hz)  # the candidate's microphone
        entries = await sync_to_async(
            lambda: list(AuditEntry.objects.filter(target_id=str(attempt.pk)))
        )()
        assert "proctoring.focus_opened" in [e.action for e in entries]

        await focus.close()
        await candidate.page.expect({"type": "focus", "on": False})
        assert not live.focused(attempt.pk)
    finally:
        await focus.close()
        if candidate is not None:
            await candidate.close()
    assert live.views_of(attempt.pk) == {}


async def test_talk_carries_the_proctors_voice_to_the_candidates_page(
    personas: Personas,
) -> None:
    attempt = await sync_to_async(start)(personas)
    candidate = await connected_candidate(attempt.pk, await user_of(personas, "carol"))
    focus = await opened_focus(attempt.pk, personas.paula, microphone=Sine(660))
    try:
        await candidate.page.expect({"type": "focus", "on": True})
        await focus.page.socket.send_json_to({"type": "talk", "on": True})
        assert await focus.page.expect({"type": "talk"}) == {
            "type": "talk",
            "on": True,
            "heard": True,
        }
        await candidate.page.expect({"type": "talk", "on": True})
        rms, hz = await listen(candidate.heard())
        assert rms > 2000 and abs(hz - 660) < 10, (rms, hz)  # the proctor's microphone

        await focus.page.socket.send_json_to({"type": "talk", "on": False})
        await focus.page.expect({"type": "talk", "on": False})
        await candidate.page.expect({"type": "talk", "on": False})
    finally:
        await focus.close()
        await candidate.close()


async def test_a_focus_follows_a_view_that_reconnects(personas: Personas) -> None:
    attempt = await sync_to_async(start)(personas)
    carol = await user_of(personas, "carol")
    candidate = await connected_candidate(attempt.pk, carol)
    focus = await opened_focus(attempt.pk, personas.paula)
    try:
        await focus.page.expect({"type": "views", "views": {"1": True, "2": False}})
        before = await video_frames(focus.received(0), 3)

        await candidate.close()  # a network drop, or the page reloaded
        await focus.page.expect({"type": "views", "views": {"1": False, "2": False}})
        candidate = await connected_candidate(attempt.pk, carol)
        await candidate.page.expect({"type": "focus", "on": True})
        await focus.page.expect({"type": "views", "views": {"1": True, "2": False}})
        after = await video_frames(focus.received(0), 5)
        # The same sender goes on with the new peer's picture, its clock still moving forward.
        assert after[-1].pts > before[-1].pts
    finally:
        await focus.close()
        await candidate.close()


async def test_a_flood_of_focus_messages_closes_the_socket(personas: Personas) -> None:
    attempt = await sync_to_async(start)(personas)
    socket = await focus_socket(attempt.pk, personas.paula)
    assert (await socket.connect())[0]
    for _ in range(61):
        await socket.send_json_to({"type": "ping"})
    for _ in range(60):
        assert await socket.receive_json_from(timeout=5) == {"type": "pong"}
    assert await socket.receive_output(timeout=5) == {"type": "websocket.close", "code": 4429}
