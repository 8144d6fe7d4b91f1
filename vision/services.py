"""Workflows of face enrolment. Each runs in one transaction; statuses change only through
``transition_enrolment`` (conditional update + audit row). ``enrolled_encoding`` is what the
identity check and the frame analysis compare faces with."""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

import numpy as np
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from audit import lifecycle
from audit.services import record
from core.lifecycle import IllegalTransition, LifeCycle
from vision import crypto, faces, statuses
from vision.images import encode_jpeg, load_image
from vision.models import FaceEnrolment, FaceTemplate
from vision.statuses import EnrolmentStatus

TEMPLATE_MODEL = "dlib_face_recognition_resnet_model_v1"


def _transition(
    cycle: LifeCycle,
    obj: Any,
    new_status: str,
    *,
    actor: Any = None,
    request: HttpRequest | None = None,
    reason: str = "",
    **fields: Any,
) -> bool:
    return lifecycle.move(
        obj,
        new_status,
        cycle=cycle,
        action=cycle.kind,
        actor=actor,
        request=request,
        audit={"reason": reason},
        **fields,
    )


def transition_enrolment(enrolment: FaceEnrolment, new_status: str, **kw: Any) -> bool:
    """The only way ``FaceEnrolment.status`` changes. False if someone moved it first."""
    return _transition(statuses.ENROLMENT, enrolment, new_status, **kw)


def start_enrolment(
    candidate: Any,
    image_data: bytes,
    source: str,
    *,
    actor: Any = None,
    request: HttpRequest | None = None,
) -> FaceEnrolment:
    """Store a new enrolment image and mark the enrolment pending; the caller queues
    ``vision.enrol_face`` (after commit). Raises ``ImageError`` for a bad image before anything
    is stored. An enrolled face must be unbound first (R-EMG-3)."""
    pixels = load_image(image_data)  # validates; the stored copy is a re-encoded JPEG
    with transaction.atomic():
        enrolment, created = FaceEnrolment.objects.select_for_update().get_or_create(
            candidate=candidate, defaults={"source": source}
        )
        if not created:
            if enrolment.status == EnrolmentStatus.ENROLLED:
                raise IllegalTransition(statuses.ENROLMENT.kind, enrolment.status, "pending")
            if enrolment.status != EnrolmentStatus.PENDING:
                transition_enrolment(
                    enrolment, EnrolmentStatus.PENDING, actor=actor, request=request
                )
        if enrolment.image:
            enrolment.image.delete(save=False)
        enrolment.source = source
        enrolment.problem_code = enrolment.problem = ""
        enrolment.image.save("enrolment.jpg", ContentFile(encode_jpeg(pixels, 92)), save=False)
        enrolment.save()
        if created:
            record("face_enrolment.pending", actor=actor, target=enrolment, request=request)
    return enrolment


def complete_enrolment(enrolment_id: int) -> FaceEnrolment | None:
    """Compute and store the template of a pending enrolment (the task's body). Idempotent: an
    enrolment no longer pending, or gone, is left as it is."""
    enrolment = FaceEnrolment.objects.filter(pk=enrolment_id).first()
    if enrolment is None or enrolment.status != EnrolmentStatus.PENDING:
        return enrolment
    with enrolment.image.open("rb") as handle:
        image = load_image(handle.read())
    boxes = faces.detect_faces(image)
    problem = faces.single_face_problem(image, boxes)
    with transaction.atomic():
        if problem is not None:
            transition_enrolment(
                enrolment,
                EnrolmentStatus.FAILED,
                reason=problem.code,
                problem_code=problem.code,
                problem=problem.message,
            )
            return enrolment
        token = crypto.encrypt_encoding(faces.encode(image, boxes[0]))
        if transition_enrolment(enrolment, EnrolmentStatus.ENROLLED, enrolled_at=timezone.now()):
            FaceTemplate.objects.update_or_create(
                enrolment=enrolment, defaults={"encrypted": token, "model": TEMPLATE_MODEL}
            )
    return enrolment


def unbind(
    enrolment: FaceEnrolment, *, actor: Any, request: HttpRequest | None = None, reason: str = ""
) -> bool:
    """Remove the candidate's face so they enrol again (R-EMG-3): template and image deleted."""
    with transaction.atomic():
        if not transition_enrolment(
            enrolment, EnrolmentStatus.UNBOUND, actor=actor, request=request, reason=reason
        ):
            return False
        FaceTemplate.objects.filter(enrolment=enrolment).delete()
        if enrolment.image:
            image = enrolment.image
            transaction.on_commit(lambda: image.storage.delete(image.name))
            FaceEnrolment.objects.filter(pk=enrolment.pk).update(image="")
    return True


def enrolled_encoding(candidate_id: int) -> np.ndarray | None:
    template = (
        FaceTemplate.objects.filter(
            enrolment__candidate_id=candidate_id, enrolment__status=EnrolmentStatus.ENROLLED
        )
        .only("encrypted")
        .first()
    )
    return None if template is None else crypto.decrypt_encoding(template.encrypted)


def purge_enrolment_images(now: dt.datetime | None = None) -> int:
    """Delete raw enrolment images past ``VISION_ENROLMENT_IMAGE_RETENTION_DAYS``; the
    encrypted template stays."""
    now = now or timezone.now()
    count = 0
    for enrolment in FaceEnrolment.objects.images_past_retention(now).exclude(
        status=EnrolmentStatus.PENDING
    ):
        enrolment.image.delete(save=False)
        FaceEnrolment.objects.filter(pk=enrolment.pk).update(image="")
        count += 1
    return count


def purge_face_templates(now: dt.datetime | None = None) -> int:
    """Delete the faces (encrypted template, image and enrolment row) of candidates whose last
    exam closed more than ``FACE_TEMPLATE_RETENTION_DAYS`` ago; returns how many.

    Biometric data has the shortest retention: once the candidate's exams are over there is
    nothing to compare the face with. A candidate who sits another exam later enrols again,
    from the registered photo or the camera, as on their first exam. An enrolment still being
    processed is left for the next run (its worker is writing it). Each deletion is audited.
    """
    from candidates.models import Candidate

    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.FACE_TEMPLATE_RETENTION_DAYS)
    past = Candidate.objects.last_exam_ended_before(cutoff).values("pk")
    count = 0
    for enrolment in (
        FaceEnrolment.objects.filter(candidate__in=past)
        .exclude(status=EnrolmentStatus.PENDING)
        .only("pk", "candidate_id", "image")
    ):
        with transaction.atomic():
            FaceTemplate.objects.filter(enrolment=enrolment).delete()
            deleted, _ = FaceEnrolment.objects.filter(pk=enrolment.pk).delete()
            if not deleted:
                continue
            record(
                "face.purged",
                target=enrolment.candidate,
                retention_days=settings.FACE_TEMPLATE_RETENTION_DAYS,
            )
            if enrolment.image:
                transaction.on_commit(partial(enrolment.image.storage.delete, enrolment.image.name))
        count += 1
    return count
