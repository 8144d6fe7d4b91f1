"""Frame and audio tasks: results stored once, alerts merged, snapshots kept, vanished rows and
corrupt files tolerated; the tasks are routed to the vision queue with late acknowledgement."""

from __future__ import annotations

import datetime as dt
import io
import wave

import numpy as np
import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from config.celery import app
from exams.models import Attempt
from proctoring import tasks
from proctoring.models import (
    Alert,
    AlertKind,
    AlertStatus,
    AudioChunk,
    EvidenceFrame,
    FrameAnalysis,
    SnapshotPlan,
)
from tests.vision.conftest import shared

pytestmark = pytest.mark.django_db


def frame(attempt: Attempt, name: str, at: dt.datetime, view: int = 1) -> EvidenceFrame:
    data = shared("scenes", name).read_bytes()
    item = EvidenceFrame(attempt=attempt, view=view, captured_at=at)
    item.image.save("f.jpg", ContentFile(data), save=True)
    return item


def test_vision_tasks_go_to_the_vision_queue_acknowledged_late() -> None:
    assert app.amqp.router.route({}, "vision.analyze_frame")["queue"].name == "vision"
    assert app.conf.task_acks_late and app.conf.task_reject_on_worker_lost
    assert tasks.analyze_frame.max_retries == 5


def test_consecutive_detections_merge_into_one_alert_that_closes_when_the_behaviour_stops(
    carol_attempt: Attempt, settings, tmp_path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    t0 = timezone.now()
    first = frame(carol_attempt, "empty_room_1.jpg", t0)
    tasks.analyze_frame.apply(args=[first.pk]).get()
    tasks.analyze_frame.apply(
        args=[frame(carol_attempt, "empty_room_laptop_1.jpg", t0 + dt.timedelta(seconds=5)).pk]
    ).get()
    alert = Alert.objects.get(attempt=carol_attempt, kind=AlertKind.LEFT_SEAT)
    assert alert.status == AlertStatus.OPEN and alert.count == 2
    assert alert.last_seen_at - alert.opened_at == dt.timedelta(seconds=5)
    assert alert.evidence_id == first.pk
    device = Alert.objects.get(attempt=carol_attempt, kind=AlertKind.DEVICE)
    assert device.count == 1 and device.confidence > 0.9
    tasks.analyze_frame.apply(
        args=[frame(carol_attempt, "face_partial_cropped_1.jpg", t0 + dt.timedelta(seconds=10)).pk]
    ).get()
    alert.refresh_from_db()
    assert alert.status == AlertStatus.CLOSED
    assert alert.closed_at == t0 + dt.timedelta(seconds=10)


def test_a_frame_is_analysed_once_however_often_the_task_runs(
    carol_attempt: Attempt, settings, tmp_path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    item = frame(carol_attempt, "person_phone_1.jpg", timezone.now())
    tasks.analyze_frame.apply(args=[item.pk]).get()
    tasks.analyze_frame.apply(args=[item.pk]).get()
    assert FrameAnalysis.objects.filter(frame=item).count() == 1
    assert Alert.objects.get(attempt=carol_attempt, kind=AlertKind.DEVICE).count == 1


def test_a_vanished_frame_or_a_corrupt_file_does_not_crash_the_task(
    carol_attempt: Attempt, settings, tmp_path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    assert tasks.analyze_frame.apply(args=[123456789]).get() is None
    broken = EvidenceFrame(attempt=carol_attempt)
    broken.image.save("f.jpg", ContentFile(b"not a jpeg"), save=True)
    assert tasks.analyze_frame.apply(args=[broken.pk]).get() is None
    assert "error" in FrameAnalysis.objects.get(frame=broken).result


def test_random_snapshots_are_kept_when_due(carol_attempt: Attempt, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    assert carol_attempt.deadline is not None
    item = frame(carol_attempt, "face_partial_cropped_1.jpg", carol_attempt.deadline)
    tasks.analyze_frame.apply(args=[item.pk]).get()
    item.refresh_from_db()
    assert item.kind == EvidenceFrame.Kind.SNAPSHOT  # every planned time lies before the deadline
    assert SnapshotPlan.objects.get(attempt=carol_attempt).due == []


def test_a_frame_from_before_answering_is_analysed_and_never_a_snapshot(
    carol_attempt: Attempt, settings, tmp_path
) -> None:
    """The camera streams from the steps before answering (the room scan, the waiting room):
    such a frame is analysed like any other, but the snapshot plan, drawn over the answering
    time, does not exist yet (it used to crash the task)."""
    settings.MEDIA_ROOT = tmp_path
    Attempt.objects.filter(pk=carol_attempt.pk).update(started_at=None, deadline=None)
    item = frame(carol_attempt, "face_partial_cropped_1.jpg", timezone.now())
    tasks.analyze_frame.apply(args=[item.pk]).get()
    item.refresh_from_db()
    assert FrameAnalysis.objects.filter(frame=item).exists()
    assert item.kind != EvidenceFrame.Kind.SNAPSHOT
    assert not SnapshotPlan.objects.filter(attempt=carol_attempt).exists()


def wav_bytes(samples: np.ndarray, rate: int = 48000) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return out.getvalue()


def chunk(attempt: Attempt, data: bytes) -> AudioChunk:
    item = AudioChunk(attempt=attempt)
    item.audio.save("a.wav", ContentFile(data), save=True)
    return item


def test_real_speech_raises_a_talking_alert_and_silence_closes_it(
    carol_attempt: Attempt, settings, tmp_path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    speech = chunk(carol_attempt, shared("video", "talking_face_audio.wav").read_bytes())
    assert tasks.analyze_audio.apply(args=[speech.pk]).get() > 0.5
    alert = Alert.objects.get(attempt=carol_attempt, kind=AlertKind.TALKING)
    assert alert.status == AlertStatus.OPEN
    quiet = chunk(carol_attempt, wav_bytes(np.zeros(48000 * 3)))
    assert tasks.analyze_audio.apply(args=[quiet.pk]).get() == 0.0
    alert.refresh_from_db()
    assert alert.status == AlertStatus.CLOSED


@pytest.mark.parametrize("level", [0.01, 0.05, 0.2])
def test_white_and_pink_noise_are_not_voice(level: float) -> None:
    from vision.audio import voice_activity

    rng = np.random.default_rng(7)
    white = rng.normal(0, level, 48000 * 4)
    spectrum = np.fft.rfft(rng.normal(0, 1, 48000 * 4))
    pink = np.fft.irfft(spectrum / np.sqrt(np.arange(1, len(spectrum) + 1)))
    pink = pink / pink.std() * level
    assert voice_activity(white, 48000)["voiced_ratio"] < 0.1
    assert voice_activity(pink, 48000)["voiced_ratio"] < 0.1


def test_a_corrupt_audio_chunk_is_recorded_as_an_error(
    carol_attempt: Attempt, settings, tmp_path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    bad = chunk(carol_attempt, b"RIFF....garbage")
    assert tasks.analyze_audio.apply(args=[bad.pk]).get() == 0.0
    bad.refresh_from_db()
    assert bad.result is not None and "error" in bad.result


def test_models_load_once_per_worker_process_not_per_task(
    carol_attempt: Attempt, settings, tmp_path
) -> None:
    from vision import faces, objects
    from vision import tasks as vision_tasks

    settings.MEDIA_ROOT = tmp_path
    vision_tasks._load_models()  # what worker_process_init runs in each new worker process
    detector, api = objects.lite(), faces._api()
    for name in ("empty_room_1.jpg", "person_phone_1.jpg"):
        tasks.analyze_frame.apply(args=[frame(carol_attempt, name, timezone.now()).pk]).get()
    assert objects.lite() is detector and faces._api() is api
    assert objects.lite.cache_info().currsize == 1


def test_evidence_older_than_the_retention_period_is_purged(
    carol_attempt: Attempt, settings, tmp_path
) -> None:
    import os

    from proctoring import evidence as services

    settings.MEDIA_ROOT = tmp_path
    old = frame(carol_attempt, "empty_room_1.jpg", timezone.now())
    path = old.image.path
    recent = timezone.now() + dt.timedelta(days=settings.VISION_EVIDENCE_RETENTION_DAYS - 1)
    assert services.purge_evidence(recent) == 0
    later = timezone.now() + dt.timedelta(days=settings.VISION_EVIDENCE_RETENTION_DAYS + 1)
    assert services.purge_evidence(later) == 1
    assert not EvidenceFrame.objects.filter(pk=old.pk).exists()
    assert not os.path.exists(path)
