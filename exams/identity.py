"""The identity step of the flow: identity checks, their workflows and the questions the flow
asks about them.

Face recognition is never the only way in: a candidate who cannot pass the face check asks for
a manual review, and staff decide. Both are ``IdentityCheck`` rows. The face comparison with
liveness itself is the vision app's pure computation (``vision.liveness.verify_burst``) against
the candidate's enrolled encoding (``vision.services.enrolled_encoding``); this module stores
the burst, runs it, and records the decision. Statuses change only through
``transition_check`` (conditional update + audit row); every workflow runs in one transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import lifecycle
from audit.services import record
from core.errors import Refused
from exams.models import Attempt, FaceConsent, IdentityCheck, Registration
from exams.statuses import CHECK, CheckStatus
from vision import services as face_services
from vision import tasks as face_tasks
from vision.images import encode_jpeg, load_image
from vision.models import FaceEnrolment
from vision.services import enrolled_encoding
from vision.statuses import EnrolmentStatus


def transition_check(
    check: IdentityCheck,
    new_status: str,
    *,
    actor: Any = None,
    request: HttpRequest | None = None,
    reason: str = "",
    **fields: Any,
) -> bool:
    """The only way ``IdentityCheck.status`` changes. False if someone moved it first; raises
    ``core.lifecycle.IllegalTransition`` for a move the life cycle forbids."""
    return lifecycle.move(
        check,
        new_status,
        cycle=CHECK,
        action="identity_check",
        actor=actor,
        request=request,
        audit={"reason": reason},
        **fields,
    )


# --- Consent before any face processing (R-PROC-2) --------------------------------------------


class ConsentRequired(Refused):
    """The candidate has not agreed to automatic face processing for this exam."""

    code = "face_consent_required"


class ReviewNeedsFrames(Refused):
    """Staff cannot approve an identity review without camera frames to compare."""

    code = "review_needs_frames"


def retention() -> dict[str, int]:
    """How long the face data the consent step names is kept, in days (the settings the purge
    tasks read, so the text the candidate agrees to is what actually happens)."""
    return {
        "check_frames_days": settings.VISION_EVIDENCE_RETENTION_DAYS,
        "enrolment_image_days": settings.VISION_ENROLMENT_IMAGE_RETENTION_DAYS,
    }


def record_consent(
    registration: Registration, choice: str, *, actor: Any, request: HttpRequest | None = None
) -> Registration:
    """Record the candidate's choice for this exam: ``automatic`` (the face check compares them
    with their enrolment) or ``human`` (staff compare camera frames with the registered photo;
    no face template is made or compared). It can be changed; each answer is audited."""
    if choice not in FaceConsent.values:
        raise ValueError(choice)
    with transaction.atomic():
        now = timezone.now()
        Registration.objects.filter(pk=registration.pk).update(
            face_consent=choice, face_consent_at=now
        )
        registration.face_consent, registration.face_consent_at = choice, now
        record(
            "face_consent.given" if choice == FaceConsent.AUTOMATIC else "face_consent.refused",
            actor=actor,
            target=registration,
            request=request,
            exam=registration.exam_id,
            choice=choice,
            **retention(),
        )
    return registration


def automatic_allowed(registration: Registration | None) -> bool:
    """True when the candidate agreed to automatic face processing for this exam."""
    return registration is not None and registration.face_consent == FaceConsent.AUTOMATIC


def _store_frames(check: IdentityCheck, pixels: list[Any]) -> None:
    names, hashes = [], []
    storage = check.image.storage
    for index, image in enumerate(pixels):
        data = encode_jpeg(image, 90)
        name = storage.save(
            f"vision/identity/{check.candidate_id}/{check.pk}-{index:02d}.jpg", ContentFile(data)
        )
        names.append(name)
        hashes.append(hashlib.sha256(data).hexdigest())
    check.frames, check.frame_hashes = names, hashes
    check.image.name = names[len(names) // 2] if names else ""
    check.save(update_fields=["frames", "frame_hashes", "image"])


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
        _store_frames(check, pixels)
        record("identity_check.pending", actor=candidate.user, target=check, frames=len(pixels))
    return check


HUMAN_METHOD = "human_review"


def start_human_review(
    candidate: Any, frames: list[bytes], *, request: HttpRequest | None = None
) -> IdentityCheck:
    """The human route: store camera frames for a member of staff to compare with the
    registered photo. The check waits in review at once and is never queued for the face
    comparison (``complete_check`` only decides pending checks): no template is computed.
    At most one review waits per candidate; new frames replace a waiting review's."""
    pixels = [load_image(data) for data in frames]
    with transaction.atomic():
        waiting = (
            IdentityCheck.objects.select_for_update()
            .filter(candidate=candidate, status=CheckStatus.IN_REVIEW)
            .first()
        )
        if waiting is not None:
            storage = waiting.image.storage
            for name in waiting.frames:
                storage.delete(name)
            check = waiting
            check.frames_count = len(pixels)
            check.save(update_fields=["frames_count"])
        else:
            check = IdentityCheck.objects.create(
                candidate=candidate,
                challenge=IdentityCheck.Challenge.TURN_HEAD,
                status=CheckStatus.IN_REVIEW,
                method=HUMAN_METHOD,
                frames_count=len(pixels),
            )
        _store_frames(check, pixels)
        record(
            "identity_check.in_review",
            actor=candidate.user,
            target=check,
            request=request,
            method=HUMAN_METHOD,
            frames=len(pixels),
        )
    return check


def complete_check(check_id: int) -> IdentityCheck | None:
    """Decide a pending check (the task's body). Idempotent: a check no longer pending, or
    gone, is left as it is."""
    from vision.liveness import verify_burst

    check = IdentityCheck.objects.filter(pk=check_id).first()
    if check is None or check.status != CheckStatus.PENDING or check.method == HUMAN_METHOD:
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
    """A staff decision on a check the candidate could not pass (human-review fallback).
    Approval needs camera frames of the candidate to compare with the registered photo:
    raises ``ReviewNeedsFrames`` without them (a rejection needs none)."""
    if approve and not check.frames:
        raise ReviewNeedsFrames(
            _(
                "There are no camera frames of this candidate to compare with the registered "
                "photo, so the review cannot be approved. Ask the candidate to send frames from "
                "the manual review page."
            )
        )
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


def purge_check_frames(cutoff: dt.datetime) -> int:
    """Delete the burst files of identity checks created before ``cutoff``; the decision stays.
    Returns how many checks lost their frames (part of ``vision.purge_evidence``)."""
    count = 0
    for check in IdentityCheck.objects.filter(created_at__lt=cutoff).exclude(frames=[]):
        storage = check.image.storage
        for name in check.frames:
            storage.delete(name)
        IdentityCheck.objects.filter(pk=check.pk).update(frames=[], frame_hashes=[], image="")
        count += 1
    return count


def identity_passed(
    attempt_or_candidate: Any,
    *,
    since: dt.datetime | None = None,
    within_minutes: int | None = None,
    now: dt.datetime | None = None,
) -> str | None:
    """``"face"`` when the candidate (a ``Candidate`` or an ``Attempt``) passed the face check,
    ``"manual"`` when staff approved a review, None otherwise; only decisions taken after
    ``since`` count, or by default within the last ``VISION_IDENTITY_VALID_MINUTES``."""
    if hasattr(attempt_or_candidate, "registration"):
        candidate_id = attempt_or_candidate.registration.candidate_id
    else:
        candidate_id = attempt_or_candidate.pk
    if since is None:
        minutes = (
            settings.VISION_IDENTITY_VALID_MINUTES if within_minutes is None else within_minutes
        )
        since = (now or timezone.now()) - dt.timedelta(minutes=minutes)
    latest = (
        IdentityCheck.objects.filter(candidate_id=candidate_id)
        .accepted_since(since)
        .order_by("-decided_at")
        .values_list("status", flat=True)
        .first()
    )
    if latest is None:
        return None
    return "face" if latest == CheckStatus.PASSED else "manual"


def candidate_links(candidate: Any, registration: Any = None) -> dict[str, str]:
    """Where the candidate takes the face check or asks for a review, and takes their own
    enrolment photo when ``registration``'s exam allows it now."""
    links = {"manual_review_url": reverse("identity:review-request")}
    if registration is None or registration.face_consent != FaceConsent.HUMAN:
        # A candidate who chose the human review is not offered the automatic check.
        links["face_check_url"] = reverse("identity:check")
        links["consent_url"] = reverse("identity:consent")
    if registration is not None and self_enrolment_refusal(registration) is None:
        links["self_enrolment_url"] = reverse("identity:self-enrolment")
    return links


# --- Self-enrolment: the candidate's own enrolment photo, where the exam allows it ------------

# Enrolments staff made (from the registered photo or an upload) that a candidate cannot
# replace: only their own camera capture may be re-taken.
STAFF_SOURCES = frozenset({FaceEnrolment.Source.REGISTERED_PHOTO, FaceEnrolment.Source.UPLOAD})


class SelfEnrolmentRefused(Refused):
    """The candidate may not take an enrolment photo now; the message says why."""

    code = "self_enrolment_refused"


def self_enrolment_refusal(registration: Any, *, now: dt.datetime | None = None) -> str | None:
    """None when the candidate of ``registration`` may take or re-take their enrolment photo
    now; otherwise why not, in words for the candidate.

    The exam must allow it, and only before it opens: once candidates answer, the face the
    proctoring compares with must not change. A face staff enrolled stays as it is."""
    exam = registration.exam
    if registration.face_consent == FaceConsent.HUMAN:
        return _(
            "You chose the human review for this exam, so no face template is made: staff "
            "compare you with your registered photo instead."
        )
    if not exam.allows_self_enrolment:
        return _(
            "This exam does not let candidates enrol their own face. Ask the exam staff to "
            "enrol your registered photo, or ask for a manual review."
        )
    if (now or timezone.now()) >= exam.opens_at:
        return _(
            "The exam has opened: the enrolment photo can no longer be taken or changed. "
            "Take the face check, or ask for a manual review."
        )
    enrolment = FaceEnrolment.objects.filter(candidate_id=registration.candidate_id).first()
    if (
        enrolment is not None
        and enrolment.source in STAFF_SOURCES
        and enrolment.status in (EnrolmentStatus.ENROLLED, EnrolmentStatus.PENDING)
    ):
        return _(
            "Your face was enrolled by the exam staff, so you do not need to take a photo. "
            "If the face check does not recognise you, ask for a manual review."
        )
    return None


def self_enrol(
    registration: Any, image_data: bytes, *, request: HttpRequest | None = None
) -> FaceEnrolment:
    """Store the candidate's camera photo as their pending enrolment and queue its check (the
    same face rules as any enrolment). A re-take replaces the candidate's own earlier capture:
    it is unbound first, in the same transaction, so a refused photo loses nothing. Raises
    ``SelfEnrolmentRefused`` when the rules above forbid it and ``ImageError`` for a bad image."""
    candidate = registration.candidate
    load_image(image_data)  # a bad image is refused before anything changes
    with transaction.atomic():
        refusal = self_enrolment_refusal(registration)
        if refusal is not None:
            raise SelfEnrolmentRefused(refusal)
        earlier = FaceEnrolment.objects.select_for_update().filter(candidate=candidate).first()
        if earlier is not None and earlier.status == EnrolmentStatus.ENROLLED:
            face_services.unbind(
                earlier, actor=candidate.user, request=request, reason="re-take by the candidate"
            )
        enrolment = face_services.start_enrolment(
            candidate,
            image_data,
            FaceEnrolment.Source.CAPTURE,
            actor=candidate.user,
            request=request,
        )
        record(
            "face_enrolment.self_capture",
            actor=candidate.user,
            target=enrolment,
            request=request,
            exam=registration.exam_id,
            consent=True,
        )
        enrolment_id = enrolment.pk
        transaction.on_commit(lambda: face_tasks.enrol_face.delay(enrolment_id))
    return enrolment


def passed(attempt: Attempt, *, since: dt.datetime | None = None) -> str | None:
    """``"face"`` or ``"manual"`` when the candidate's identity was confirmed since signing in
    for this attempt (and since ``since``: the browser session's own sign-in), else None."""
    after = attempt.created_at if since is None else max(since, attempt.created_at)
    return identity_passed(attempt.registration.candidate, since=after)


def links(attempt: Attempt) -> dict[str, Any]:
    """Where the identity page sends the candidate for the face check, the manual review and,
    where the exam allows it, their own enrolment photo."""
    return candidate_links(attempt.registration.candidate, attempt.registration)
