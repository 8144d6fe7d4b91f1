"""Celery tasks of the ``vision`` queue (every task named ``vision.*`` is routed there).

Tasks take IDs, do nothing when their row is gone or already done (so a redelivered task after
a killed worker is harmless: acks late + reject on worker lost), and retry on database hiccups.
Models are loaded once per worker process (``worker_process_init`` warms them up).
"""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from celery.signals import worker_process_init
from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone

from vision import services
from vision.images import ImageError

logger = logging.getLogger(__name__)
RETRY: Any = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": True,
    "max_retries": 5,
}


@worker_process_init.connect
def _load_models(**kwargs: object) -> None:
    """Load the models when a worker process starts, not inside the first task."""
    try:
        from vision import faces, objects

        faces._api()
        if objects.uses_lite():
            objects.lite()
        else:
            objects.model()
    except Exception:  # a worker of the default queue may run without the vision extra
        logger.info("vision models not loaded in this worker", exc_info=True)


@shared_task(name="vision.enrol_face", **RETRY)
def enrol_face(enrolment_id: int) -> str | None:
    try:
        enrolment = services.complete_enrolment(enrolment_id)
    except ImageError as exc:  # the stored image became unreadable
        from vision.models import FaceEnrolment
        from vision.statuses import EnrolmentStatus

        enrolment = FaceEnrolment.objects.filter(pk=enrolment_id).first()
        if enrolment is not None and enrolment.status == EnrolmentStatus.PENDING:
            services.transition_enrolment(
                enrolment,
                EnrolmentStatus.FAILED,
                reason=exc.code,
                problem_code=exc.code,
                problem=exc.message,
            )
    return None if enrolment is None else enrolment.status


@shared_task(name="vision.verify_identity", **RETRY)
def verify_identity(check_id: int) -> str | None:
    check = services.complete_check(check_id)
    return None if check is None else check.status


@shared_task(name="vision.analyze_frame", **RETRY)
def analyze_frame(frame_id: int) -> dict | None:
    """Analyse one evidence frame, store the result and merge it into the attempt's alerts."""
    from proctoring import alerts
    from vision import analysis, snapshots
    from vision.images import load_image
    from vision.models import EvidenceFrame, FrameAnalysis

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
    encoding = services.enrolled_encoding(attempt.registration.candidate_id)
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
        _, created = FrameAnalysis.objects.get_or_create(frame=found, defaults={"result": result})
        if not created:
            return None
        touched = alerts.apply(attempt, result, at=found.captured_at, evidence=found, rules=rules)
        if not snapshots.take_if_due(found) and touched:
            EvidenceFrame.objects.filter(pk=found.pk).update(kind=EvidenceFrame.Kind.ALERT)
    return {"alerts": [a.kind for a in touched]}


@shared_task(name="vision.analyze_audio", **RETRY)
def analyze_audio(chunk_id: int) -> float | None:
    from proctoring import alerts
    from vision import audio
    from vision.models import AudioChunk

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
            alerts.report_voice(found.attempt, result["voiced_ratio"], at=found.captured_at)
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


@shared_task(name="vision.purge_enrolment_images", **RETRY)
def purge_enrolment_images() -> int:
    return services.purge_enrolment_images()


@shared_task(name="vision.purge_evidence", **RETRY)
def purge_evidence() -> int:
    return services.purge_evidence()
