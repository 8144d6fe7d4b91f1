"""Workflows of the vision records. Each runs in one transaction; statuses change only through
``transition_enrolment`` and ``transition_check`` (conditional update + audit row)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import lifecycle
from audit.services import record
from core.lifecycle import IllegalTransition, LifeCycle
from vision import crypto, faces, statuses
from vision.images import encode_jpeg, load_image
from vision.models import FaceEnrolment, FaceTemplate, IdentityCheck
from vision.statuses import CheckStatus, EnrolmentStatus

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


def transition_check(check: IdentityCheck, new_status: str, **kw: Any) -> bool:
    """The only way ``IdentityCheck.status`` changes. False if someone moved it first."""
    return _transition(statuses.CHECK, check, new_status, **kw)


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


def start_check(
    candidate: Any, frames: list[bytes], challenge: str, *, attempt: Any = None
) -> IdentityCheck:
    """Store a burst of frames for checking; the caller queues ``vision.verify_identity``.
    Every frame is validated first (``ImageError``), so a bad upload stores nothing."""
    pixels = [load_image(data) for data in frames]
    with transaction.atomic():
        check = IdentityCheck.objects.create(
            candidate=candidate,
            attempt=attempt,
            challenge=challenge,
            frames_count=len(pixels),
            threshold=None,
        )
        names = []
        storage = check.image.storage
        for index, image in enumerate(pixels):
            name = storage.save(
                f"vision/identity/{candidate.pk}/{check.pk}-{index:02d}.jpg",
                ContentFile(encode_jpeg(image, 90)),
            )
            names.append(name)
        check.frames = names
        check.image.name = names[len(names) // 2] if names else ""
        check.save(update_fields=["frames", "image"])
        record("identity_check.pending", actor=candidate.user, target=check, frames=len(names))
    return check


def complete_check(check_id: int) -> IdentityCheck | None:
    """Decide a pending check (the task's body). Idempotent like ``complete_enrolment``."""
    from vision.liveness import verify_burst

    check = IdentityCheck.objects.filter(pk=check_id).first()
    if check is None or check.status != CheckStatus.PENDING:
        return check
    encoding = enrolled_encoding(check.candidate_id)
    now = timezone.now()
    if encoding is None:
        transition_check(
            check,
            CheckStatus.FAILED,
            reason="not_enrolled",
            problem_code="not_enrolled",
            problem=_("No enrolled face: ask the exam staff to enrol your photo."),
            decided_at=now,
        )
        return check
    storage = check.image.storage
    frames = []
    for name in check.frames:
        with storage.open(name, "rb") as handle:
            frames.append(load_image(handle.read()))
    result = verify_burst(frames, encoding, check.challenge)
    transition_check(
        check,
        CheckStatus.PASSED if result.passed else CheckStatus.FAILED,
        reason=result.problem_code,
        distance=result.distance,
        threshold=result.threshold,
        live=result.live,
        problem_code=result.problem_code,
        problem=result.problem,
        detail={**result.detail, "distances": result.distances, "face_frames": result.face_frames},
        decided_at=now,
    )
    return check


def request_review(check: IdentityCheck, *, actor: Any, request: HttpRequest | None = None) -> bool:
    return transition_check(check, CheckStatus.IN_REVIEW, actor=actor, request=request)


def review(
    check: IdentityCheck,
    *,
    approve: bool,
    actor: Any,
    note: str,
    request: HttpRequest | None = None,
) -> bool:
    """A staff decision on a check the candidate could not pass (human-review fallback)."""
    return transition_check(
        check,
        CheckStatus.APPROVED if approve else CheckStatus.REJECTED,
        actor=actor,
        request=request,
        reason=note,
        reviewed_by=actor,
        review_note=note[:300],
        decided_at=timezone.now(),
        method="staff_review",
    )


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


def request_manual_review(
    candidate: Any, *, actor: Any, request: HttpRequest | None = None
) -> IdentityCheck:
    """The candidate cannot pass the face check: put their latest failed check, or a new
    manual record, in front of staff. At most one review waits per candidate."""
    with transaction.atomic():
        waiting = IdentityCheck.objects.filter(
            candidate=candidate, status=CheckStatus.IN_REVIEW
        ).first()
        if waiting is not None:
            return waiting
        failed = (
            IdentityCheck.objects.select_for_update()
            .filter(candidate=candidate, status=CheckStatus.FAILED)
            .order_by("-created_at")
            .first()
        )
        if failed is not None and transition_check(
            failed, CheckStatus.IN_REVIEW, actor=actor, request=request
        ):
            return failed
        check = IdentityCheck.objects.create(
            candidate=candidate,
            challenge=IdentityCheck.Challenge.TURN_HEAD,
            status=CheckStatus.IN_REVIEW,
            method="manual",
        )
        record(
            "identity_check.in_review", actor=actor, target=check, request=request, method="manual"
        )
    return check


def purge_evidence(now: dt.datetime | None = None) -> int:
    """Delete evidence frames, audio chunks and identity-check frames older than
    ``VISION_EVIDENCE_RETENTION_DAYS``; alerts keep their record without the picture."""
    from vision.models import AudioChunk, EvidenceFrame

    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.VISION_EVIDENCE_RETENTION_DAYS)
    count = 0
    for frame in EvidenceFrame.objects.filter(captured_at__lt=cutoff).iterator():
        frame.image.delete(save=False)
        frame.delete()
        count += 1
    for chunk in AudioChunk.objects.filter(captured_at__lt=cutoff).iterator():
        chunk.audio.delete(save=False)
        chunk.delete()
        count += 1
    for check in IdentityCheck.objects.filter(created_at__lt=cutoff).exclude(frames=[]):
        storage = check.image.storage
        for name in check.frames:
            storage.delete(name)
        IdentityCheck.objects.filter(pk=check.pk).update(frames=[], image="")
        count += 1
    return count
