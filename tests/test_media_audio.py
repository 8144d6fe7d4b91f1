"""The candidate's microphone into voice activity detection: an aiortc client peer sends the
shared talking-face audio (or silence) with the camera through the real media ASGI app; the
server keeps chunks of 16 kHz mono WAV as AudioChunk rows and queues their analysis, which finds
voice in the talking face and none in silence. ICE stays on loopback."""

from __future__ import annotations

import asyncio
import fractions
import io
import json
import wave
from typing import Any

import numpy as np
import pytest
import redis
from aiortc import AudioStreamTrack, RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.media import MediaPlayer
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from asgiref.sync import sync_to_async
from av import AudioFrame
from django.conf import settings

from proctoring.media import audio_sampling
from proctoring.models import Alert, AlertKind, AudioChunk
from proctoring.tasks import analyze_audio
from tests.personas import Personas
from tests.test_view_one_media import media_socket, start
from vision import audio

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(90)]

VIDEO = "video/talking_face_640x360_15fps.y4m"
VOICE = "video/talking_face_audio.wav"


@pytest.fixture(autouse=True)
def _loopback_media(settings: Any) -> None:
    settings.WEBRTC_ICE_HOST_ADDRESSES = ["127.0.0.1"]
    settings.WEBRTC_ICE_LOOPBACK_ONLY = True
    settings.WEBRTC_SAMPLE_EVERY_SECONDS = 60  # frames are another test's business
    settings.WEBRTC_AUDIO_EVERY_SECONDS = 2.5
    settings.WEBRTC_AUDIO_CHUNK_SECONDS = 2.0


class Tone(MediaStreamTrack):
    """48 kHz stereo frames of a 440 Hz tone, 20 ms each, as fast as they are read; ends after
    ``seconds``: what aiortc hands the server after decoding Opus, without the network."""

    kind = "audio"

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.sent, self.total = 0, int(seconds * 50)

    async def recv(self) -> AudioFrame:
        if self.sent >= self.total:
            self.stop()
            raise MediaStreamError
        t = (np.arange(960) + self.sent * 960) / 48_000
        wave_ = (np.sin(2 * np.pi * 440 * t) * 8000).astype(np.int16)
        frame = AudioFrame.from_ndarray(np.repeat(wave_, 2)[None, :], format="s16", layout="stereo")
        frame.sample_rate, frame.pts = 48_000, self.sent * 960
        frame.time_base = fractions.Fraction(1, 48_000)
        self.sent += 1
        await asyncio.sleep(0)
        return frame


async def test_every_frame_is_read_and_chunks_are_16khz_mono_wav() -> None:
    chunks: list[bytes] = []

    async def store(wav: bytes, captured_at: Any) -> int:
        chunks.append(wav)
        return len(chunks)

    track = Tone(seconds=1.0)
    # An interval longer than the track: one chunk at the start, the rest is read and dropped.
    stored = await audio_sampling.listen(track, every=30, chunk_seconds=0.5, store=store)
    assert stored == 1 and track.sent == track.total
    with wave.open(io.BytesIO(chunks[0])) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, 16_000)
        assert wav.getnframes() == 8_000
    samples, rate = audio.read_wav(chunks[0])
    spectrum = np.abs(np.fft.rfft(samples))
    assert abs(np.argmax(spectrum) * rate / len(samples) - 440) < 5  # the tone, not noise


async def test_a_bad_interval_is_refused() -> None:
    async def store(wav: bytes, captured_at: Any) -> int:
        return 1

    with pytest.raises(ValueError):
        await audio_sampling.listen(Tone(0.1), every=0, chunk_seconds=1, store=store)


async def _send(attempt_id: int, user: Any, audio_track: Any) -> tuple[Any, Any, list[Any]]:
    socket = await media_socket(attempt_id, user)
    assert (await socket.connect())[0]
    camera = MediaPlayer(str(settings.SHARED_DATA_DIR / VIDEO))
    client = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    assert camera.video is not None
    client.addTrack(camera.video)
    client.addTrack(audio_track)
    await client.setLocalDescription(await client.createOffer())
    await socket.send_json_to({"type": "offer", "sdp": client.localDescription.sdp})
    answer = await socket.receive_json_from(timeout=10)
    assert answer["type"] == "answer", answer
    await client.setRemoteDescription(RTCSessionDescription(answer["sdp"], "answer"))
    assert await socket.receive_json_from(timeout=15) == {"type": "connected"}
    return socket, client, [camera.video, audio_track]


async def _chunks(attempt_id: int, count: int) -> list[AudioChunk]:
    found: list[AudioChunk] = []
    for _ in range(150):
        found = await sync_to_async(
            lambda: list(AudioChunk.objects.filter(attempt_id=attempt_id).order_by("pk"))
        )()
        if len(found) >= count:
            break
        await asyncio.sleep(0.1)
    return found


async def _stop(socket: Any, client: Any, tracks: list[Any]) -> None:
    await socket.disconnect()
    await client.close()
    for track in tracks:
        track.stop()


async def test_the_candidates_voice_becomes_chunks_analysed_as_voiced(personas: Personas) -> None:
    attempt = await sync_to_async(start)(personas)
    voice = MediaPlayer(str(settings.SHARED_DATA_DIR / VOICE), loop=True)
    assert voice.audio is not None
    user = await sync_to_async(lambda: personas.carol.user)()
    socket, client, tracks = await _send(attempt.pk, user, voice.audio)
    try:
        chunks = await _chunks(attempt.pk, 2)
    finally:
        await _stop(socket, client, tracks)
    assert len(chunks) >= 2
    first = chunks[0]
    assert chunks[1].captured_at > first.captured_at
    data = await sync_to_async(lambda: first.audio.read())()
    with wave.open(io.BytesIO(data)) as wav:
        assert (wav.getnchannels(), wav.getframerate()) == (1, 16_000)
        assert wav.getnframes() == 32_000

    queued = redis.Redis.from_url(settings.REDIS_URL).lrange("vision", 0, -1)
    audio_tasks = [
        json.loads(m)["headers"]
        for m in queued
        if json.loads(m)["headers"]["task"] == "vision.analyze_audio"
    ]
    assert {c.pk for c in chunks} <= {int(t["argsrepr"].strip("(),")) for t in audio_tasks}

    # What the vision worker would do with it (the real task, run here).
    ratio = await sync_to_async(analyze_audio)(first.pk)
    assert ratio is not None and ratio >= 0.3, ratio
    alert = await sync_to_async(
        lambda: Alert.objects.filter(attempt=attempt, kind=AlertKind.TALKING).first()
    )()
    assert alert is not None and alert.view == 1


async def test_a_silent_microphone_is_not_voiced(personas: Personas) -> None:
    attempt = await sync_to_async(start)(personas)
    user = await sync_to_async(lambda: personas.carol.user)()
    socket, client, tracks = await _send(attempt.pk, user, AudioStreamTrack())  # silence
    try:
        chunks = await _chunks(attempt.pk, 1)
    finally:
        await _stop(socket, client, tracks)
    assert chunks
    ratio = await sync_to_async(analyze_audio)(chunks[0].pk)
    assert ratio == 0.0
    assert not await sync_to_async(
        lambda: Alert.objects.filter(attempt=attempt, kind=AlertKind.TALKING).exists()
    )()
