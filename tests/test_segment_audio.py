"""Voice detection from the recording (R-PROC-3, proctoring.segment_audio): a view-1 segment
uploaded by the candidate's recorder queues ``vision.analyze_segment_audio``, which keeps the
segment's Opus audio as a 16 kHz mono WAV chunk and raises TALKING when it is voiced."""

from __future__ import annotations

import io
import wave
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from django.conf import settings
from django.test import Client

from exams.models import Attempt, Registration
from proctoring.models import Alert, AlertKind, AudioChunk, RecordingSegment
from proctoring.tasks import analyze_segment_audio
from tests.conftest import candidate_client
from tests.personas import Personas, answering

pytestmark = pytest.mark.django_db

VOICE = "video/talking_face_audio.wav"
SECONDS = 3


def recorded_segment(voice: bool, *, with_audio: bool = True) -> bytes:
    """A WebM like MediaRecorder's (VP8 camera + Opus microphone, made with PyAV): the talking
    face's voice, or silence."""
    samples = np.zeros((1, 48_000 * SECONDS), dtype=np.int16)
    if voice:
        with av.open(str(settings.SHARED_DATA_DIR / VOICE)) as source:
            resampler = av.AudioResampler(format="s16", layout="mono", rate=48_000)
            parts = [
                out.to_ndarray()
                for frame in source.decode(audio=0)
                for out in resampler.resample(frame)
            ]
        decoded = np.concatenate(parts, axis=1)[:, : samples.shape[1]]
        samples[:, : decoded.shape[1]] = decoded
    out = io.BytesIO()
    with av.open(out, "w", format="webm") as container:
        video = container.add_stream("libvpx", rate=15)
        video.width, video.height, video.pix_fmt = 160, 120, "yuv420p"
        audio: Any = container.add_stream("libopus", rate=48_000) if with_audio else None
        if audio is not None:
            audio.layout = "mono"
        for i in range(SECONDS * 15):
            frame = av.VideoFrame.from_ndarray(np.zeros((120, 160, 3), np.uint8), format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, 15)
            for packet in video.encode(frame):
                container.mux(packet)
        for packet in video.encode():
            container.mux(packet)
        if audio is not None:
            step = 960  # 20 ms Opus frames
            for start in range(0, samples.shape[1], step):
                chunk = av.AudioFrame.from_ndarray(
                    np.ascontiguousarray(samples[:, start : start + step]),
                    format="s16",
                    layout="mono",
                )
                chunk.sample_rate, chunk.pts = 48_000, start
                chunk.time_base = Fraction(1, 48_000)
                for packet in audio.encode(chunk):
                    container.mux(packet)
            for packet in audio.encode():
                container.mux(packet)
    return out.getvalue()


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


def start(personas: Personas) -> Attempt:
    registration = Registration.objects.get(exam=personas.formal, candidate=personas.carol)
    return answering(registration)


def upload(
    client: Client, attempt: Attempt, seq: int, body: bytes, view: int = 1, **kw: Any
) -> RecordingSegment:
    """The recorder's upload (the real endpoint); returns the stored segment."""
    import time

    sent = int(time.time() * 1000)
    response = client.post(
        f"/proctor/recordings/{attempt.pk}/{view}/?seq={seq}&id=segment-{seq:04d}"
        f"&started_at={sent - 4000}&sent_at={sent}&duration_ms={SECONDS * 1000}",
        data=body,
        content_type="video/webm",
    )
    assert response.status_code == 201, response.content
    return RecordingSegment.objects.get(attempt=attempt, view=view, seq=seq)


def test_a_voiced_segment_becomes_a_chunk_and_a_talking_alert(
    personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    attempt = start(personas)
    client = candidate_client(personas)
    with django_capture_on_commit_callbacks() as queued:
        segment = upload(client, attempt, 0, recorded_segment(voice=True))
    assert len(queued) == 1  # analyze_segment_audio.delay, after the commit

    # What the vision worker does with it (the real task, run here).
    ratio = analyze_segment_audio(segment.pk)

    assert ratio is not None and ratio >= 0.3, ratio
    chunk = AudioChunk.objects.get(attempt=attempt)
    assert chunk.captured_at == segment.started_at
    assert chunk.analysed_at is not None
    with chunk.audio.open("rb") as handle, wave.open(io.BytesIO(handle.read())) as wav:
        assert (wav.getnchannels(), wav.getframerate()) == (1, 16_000)
        assert abs(wav.getnframes() - SECONDS * 16_000) < 16_000 * 0.1
    alert = Alert.objects.get(attempt=attempt, kind=AlertKind.TALKING)
    assert alert.view == 1

    # Delivered twice (acks_late, a worker lost): one chunk, one alert, nothing analysed again.
    assert analyze_segment_audio(segment.pk) is None
    assert AudioChunk.objects.filter(attempt=attempt).count() == 1
    assert Alert.objects.filter(attempt=attempt, kind=AlertKind.TALKING).count() == 1


def test_a_silent_segment_raises_no_alert(personas: Personas) -> None:
    attempt = start(personas)
    segment = upload(candidate_client(personas), attempt, 0, recorded_segment(voice=False))

    assert analyze_segment_audio(segment.pk) == 0.0

    assert AudioChunk.objects.filter(attempt=attempt).count() == 1
    assert not Alert.objects.filter(attempt=attempt, kind=AlertKind.TALKING).exists()


def test_a_segment_without_audio_or_undecodable_is_skipped(personas: Personas) -> None:
    attempt = start(personas)
    client = candidate_client(personas)
    mute = upload(client, attempt, 0, recorded_segment(voice=True, with_audio=False))
    whole = recorded_segment(voice=True)
    broken = upload(client, attempt, 1, whole[:200])  # a WebM header and then nothing

    assert analyze_segment_audio(mute.pk) is None
    assert analyze_segment_audio(broken.pk) is None
    assert analyze_segment_audio(999_999) is None  # purged meanwhile

    assert not AudioChunk.objects.filter(attempt=attempt).exists()
