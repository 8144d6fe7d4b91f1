"""Celery tasks of the ``vision`` queue (every task named ``vision.*`` is routed there): face
enrolment and its retention. Tasks of other apps that need the vision models keep a ``vision.*``
name to run here (``exams.tasks.verify_identity``, ``proctoring.tasks.analyze_*``,
``candidates.tasks``).

Tasks take IDs, do nothing when their row is gone or already done (so a redelivered task after
a killed worker is harmless: acks late + reject on worker lost), and retry on database hiccups.
Models are loaded once per worker process (``worker_process_init`` warms them up).
"""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from celery.signals import worker_process_init
from django.db import InterfaceError, OperationalError

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
        from vision import analysis

        analysis.warm_up()
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


@shared_task(name="vision.purge_enrolment_images", **RETRY)
def purge_enrolment_images() -> int:
    return services.purge_enrolment_images()


@shared_task(name="vision.purge_face_templates", **RETRY)
def purge_face_templates() -> int:
    """Daily (beat): faces past ``FACE_TEMPLATE_RETENTION_DAYS`` after the last exam."""
    return services.purge_face_templates()
