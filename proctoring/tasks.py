"""Celery tasks of live proctoring.

Tasks named ``proctoring.*`` run on the ``default`` queue. The evidence analyses keep their
``vision.*`` names: the settings route every ``vision.*`` task to the vision workers, which have
the face and object models loaded (``vision.tasks`` warms them up per worker process). They
take IDs, do nothing when their row is gone or already done (so a redelivered task after a
killed worker is harmless: acks late + reject on worker lost), and retry on database hiccups.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone

from proctoring import recordings

logger = logging.getLogger(__name__)

RETRY: Any = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": True,
    "max_retries": 5,
}


@shared_task(name="proctoring.purge_recordings", **RETRY)
def purge_recordings() -> int:
    """Daily (beat): recordings and room scans past ``RECORDING_RETENTION_DAYS`` go, files
    and rows."""
    return recordings.purge_recordings()


@shared_task(name="vision.analyze_frame", **RETRY)
def analyze_frame(frame_id: int) -> dict | None:
    """Analyse one evidence frame, store the result and merge it into the attempt's alerts."""
    from proctoring import alerts, snapshots
    from proctoring.models import EvidenceFrame, FrameAnalysis
    from vision import analysis, services
    from vision.images import ImageError, load_image

    frame = EvidenceFrame.objects.select_related("attempt__registration__exam").filter(pk=frame_id)
    found = frame.first()
    if found is None or FrameAnalysis.objects.filter(frame_id=frame_id).exists():
        return None
    try:
        with found.image.open("rb") as handle:
            image = load_image(handle.read())
    except (ImageError, FileNotFoundError) as exc:
        logger.warning("frame %s cannot be analysed: %s", frame_id, exc)
        FrameAnalysis.objects.get_or_create(frame=found, defaults={"result": {"error": str(exc)}})
        return None
    attempt = found.attempt
    rules = alerts.rules_for(attempt.registration.exam)
    # A candidate who refused automatic face processing (the human route, R-PROC-2) is never
    # compared with a face template; the other checks of the frame still run.
    encoding = (
        None
        if attempt.registration.face_consent == "human"
        else services.enrolled_encoding(attempt.registration.candidate_id)
    )
    result = analysis.analyse(
        image,
        view=found.view,
        enrolled=encoding,
        state=analysis.stream_state(f"{attempt.pk}:{found.view}"),
        thresholds=analysis.Thresholds(
            distance=rules.distance_threshold, looking_away_yaw=rules.looking_away_yaw
        ),
    )
    with transaction.atomic():
        _, created = FrameAnalysis.objects.get_or_create(
            frame=found, defaults={"result": result.to_json()}
        )
        if not created:
            return None
        touched = alerts.apply(attempt, result, at=found.captured_at, evidence=found, rules=rules)
        if not snapshots.take_if_due(found) and touched:
            EvidenceFrame.objects.filter(pk=found.pk).update(kind=EvidenceFrame.Kind.ALERT)
    return {"alerts": [a.kind for a in touched]}


@shared_task(name="vision.analyze_audio", **RETRY)
def analyze_audio(chunk_id: int) -> float | None:
    """Voice activity of one audio chunk, stored on the chunk and reported to the alerts."""
    from proctoring import alerts
    from proctoring.models import AudioChunk
    from vision import audio

    chunk = AudioChunk.objects.select_related("attempt__registration__exam").filter(pk=chunk_id)
    found = chunk.first()
    if found is None or found.analysed_at is not None:
        return None
    try:
        with found.audio.open("rb") as handle:
            samples, rate = audio.read_wav(handle.read())
        result = audio.voice_activity(samples, rate)
    except audio.AudioError as exc:
        result = {"error": exc.message, "voiced_ratio": 0.0}
    with transaction.atomic():
        updated = AudioChunk.objects.filter(pk=chunk_id, analysed_at__isnull=True).update(
            result=result, analysed_at=timezone.now()
        )
        if updated and "error" not in result:
            alerts.report_voice(
                found.attempt, result["voiced_ratio"], at=found.captured_at, chunk=found
            )
    return float(result["voiced_ratio"])


@shared_task(name="vision.analyze_segment_audio", **RETRY)
def analyze_segment_audio(segment_id: int) -> float | None:
    """Voice detection on a stored view-1 recording segment (proctoring.segment_audio): the
    microphone reaches the server live only while a proctor has the candidate in focus."""
    from proctoring import segment_audio

    chunk_id = segment_audio.chunk_of_segment(segment_id)
    if chunk_id is None:
        return None
    return analyze_audio(chunk_id)


@shared_task(name="vision.purge_evidence", **RETRY)
def purge_evidence() -> int:
    """Daily (beat): evidence past ``VISION_EVIDENCE_RETENTION_DAYS`` goes (``evidence``)."""
    from proctoring import evidence

    return evidence.purge_evidence()
