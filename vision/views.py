"""Pages of the vision app: staff enrol, unbind and review faces; candidates take the identity
check (a burst of webcam frames with a liveness challenge) or ask for a manual review."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.access import role_required
from accounts.roles import Role
from candidates.models import Candidate
from core import ratelimit
from core.lifecycle import IllegalTransition
from vision import services, tasks
from vision.forms import EnrolPhotoForm, ReviewForm, UnbindForm
from vision.images import ImageError
from vision.models import EvidenceFrame, FaceEnrolment, IdentityCheck
from vision.statuses import CheckStatus, EnrolmentStatus

STAFF = (Role.SITE_ADMIN, Role.ORG_ADMIN)
MAX_UPLOAD_BYTES = 15 * 1024 * 1024


def _candidates_for(user: Any) -> QuerySet[Candidate]:
    qs = Candidate.objects.select_related("face_enrolment")
    if user.has_role(Role.ORG_ADMIN):
        return qs
    if user.role == Role.SITE_ADMIN and user.site_id:
        return qs.filter(site_id=user.site_id)
    return qs.none()


@role_required(*STAFF)
@require_GET
def enrolments(request: HttpRequest) -> HttpResponse:
    candidates = _candidates_for(request.user).order_by("name")[:500]
    reviews = (
        IdentityCheck.objects.visible_to(request.user)
        .filter(status=CheckStatus.IN_REVIEW)
        .select_related("candidate")
    )
    return render(request, "vision/enrolments.html", {"candidates": candidates, "reviews": reviews})


@role_required(*STAFF)
def candidate_face(request: HttpRequest, candidate_id: int) -> HttpResponse:
    candidate = get_object_or_404(_candidates_for(request.user), pk=candidate_id)
    enrolment = FaceEnrolment.objects.filter(candidate=candidate).first()
    form = EnrolPhotoForm()
    if request.method == "POST":
        action = request.POST.get("action")
        data: bytes | None = None
        source = FaceEnrolment.Source.UPLOAD
        if action == "upload":
            form = EnrolPhotoForm(request.POST, request.FILES)
            if form.is_valid():
                upload = form.cleaned_data["photo"]
                if upload.size > MAX_UPLOAD_BYTES:
                    form.add_error("photo", _("The file is larger than 15 MB."))
                else:
                    data = upload.read()
        elif action == "registered":
            photo = getattr(candidate, "photo", None)
            if photo:
                with photo.open("rb") as handle:
                    data = handle.read()
                source = FaceEnrolment.Source.REGISTERED_PHOTO
            else:
                messages.error(request, _("This candidate has no registered photo."))
        if data is not None:
            try:
                with transaction.atomic():
                    enrolment = services.start_enrolment(
                        candidate, data, source, actor=request.user, request=request
                    )
                    enrolment_id = enrolment.pk
                    transaction.on_commit(lambda: tasks.enrol_face.delay(enrolment_id))
            except ImageError as exc:
                form.add_error(None, exc.message) if action == "upload" else messages.error(
                    request, exc.message
                )
            except IllegalTransition:
                messages.error(request, _("The face is enrolled. Unbind it first to enrol again."))
            else:
                messages.success(request, _("The photo is being checked; refresh in a moment."))
                return redirect("vision:candidate-face", candidate_id=candidate.pk)
    checks = IdentityCheck.objects.filter(candidate=candidate)[:20]
    return render(
        request,
        "vision/candidate_face.html",
        {
            "candidate": candidate,
            "enrolment": enrolment,
            "form": form,
            "unbind_form": UnbindForm(),
            "review_form": ReviewForm(),
            "checks": checks,
            "has_photo": bool(getattr(candidate, "photo", None)),
        },
    )


@role_required(*STAFF)
@require_POST
def unbind(request: HttpRequest, candidate_id: int) -> HttpResponse:
    candidate = get_object_or_404(_candidates_for(request.user), pk=candidate_id)
    enrolment = get_object_or_404(
        FaceEnrolment.objects.visible_to(request.user), candidate=candidate
    )
    form = UnbindForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason for unbinding the face."))
    elif enrolment.status != EnrolmentStatus.ENROLLED:
        messages.error(request, _("Only an enrolled face can be unbound."))
    elif services.unbind(
        enrolment, actor=request.user, request=request, reason=form.cleaned_data["reason"]
    ):
        messages.success(request, _("The face was unbound. The candidate must enrol again."))
    return redirect("vision:candidate-face", candidate_id=candidate.pk)


@role_required(*STAFF)
@require_POST
def review_check(request: HttpRequest, check_id: int) -> HttpResponse:
    check = get_object_or_404(IdentityCheck.objects.visible_to(request.user), pk=check_id)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a decision and write a note."))
    elif check.status != CheckStatus.IN_REVIEW:
        messages.error(request, _("This check is not waiting for a review."))
    else:
        services.review(
            check,
            approve=form.cleaned_data["decision"] == "approve",
            actor=request.user,
            note=form.cleaned_data["note"],
            request=request,
        )
        messages.success(request, _("The decision was recorded."))
    return redirect("vision:candidate-face", candidate_id=check.candidate_id)


@role_required(*STAFF)
@require_GET
def check_image(request: HttpRequest, check_id: int) -> Any:  # a FileResponse
    check = get_object_or_404(IdentityCheck.objects.visible_to(request.user), pk=check_id)
    if not check.image:
        raise Http404
    return FileResponse(check.image.open("rb"), content_type="image/jpeg")


@role_required(*STAFF)
@require_GET
def enrolment_image(request: HttpRequest, candidate_id: int) -> Any:  # a FileResponse
    enrolment = get_object_or_404(
        FaceEnrolment.objects.visible_to(request.user), candidate_id=candidate_id
    )
    if not enrolment.image:
        raise Http404
    return FileResponse(enrolment.image.open("rb"), content_type="image/jpeg")


@role_required(Role.PROCTOR, Role.SITE_ADMIN, Role.ORG_ADMIN)
@require_GET
def evidence(request: HttpRequest, frame_id: int) -> Any:  # a FileResponse
    from exams.models import Attempt

    frame = get_object_or_404(
        EvidenceFrame.objects.filter(attempt__in=Attempt.objects.visible_to_staff(request.user)),
        pk=frame_id,
    )
    return FileResponse(frame.image.open("rb"), content_type="image/jpeg")


@role_required(Role.PROCTOR, Role.SITE_ADMIN, Role.ORG_ADMIN)
@require_GET
def attempt_evidence(request: HttpRequest, attempt_id: int) -> HttpResponse:
    from exams.models import Attempt

    attempt = get_object_or_404(
        Attempt.objects.visible_to_staff(request.user).select_related("registration__candidate"),
        pk=attempt_id,
    )
    snapshots = attempt.evidence_frames.exclude(kind=EvidenceFrame.Kind.FRAME)
    return render(
        request,
        "vision/attempt_evidence.html",
        {"attempt": attempt, "snapshots": snapshots, "alerts": attempt.alerts.all()},
    )


def _candidate(request: HttpRequest) -> Candidate:
    candidate = getattr(request.user, "candidate", None) if request.user.is_authenticated else None
    if candidate is None:
        raise PermissionDenied
    return candidate


@role_required(Role.CANDIDATE)
def identity_check(request: HttpRequest) -> HttpResponse:
    """GET: the capture page with a fresh random challenge. POST: the burst of frames
    (multipart ``frame`` files); answers JSON with the check's status URL."""
    candidate = _candidate(request)
    if request.method == "GET":
        challenge = secrets.choice([c.value for c in IdentityCheck.Challenge])
        request.session["vision_challenge"] = challenge
        enrolment = FaceEnrolment.objects.filter(candidate=candidate).first()
        return render(
            request,
            "vision/identity_check.html",
            {
                "challenge": IdentityCheck.Challenge(challenge),
                "enrolled": enrolment is not None and enrolment.status == EnrolmentStatus.ENROLLED,
                "burst": settings.VISION_BURST_MAX_FRAMES,
                # Where "continue" leads once confirmed: the exam flow's identity step.
                "continue_url": reverse("exams:identity"),
            },
        )
    if request.method != "POST":
        return JsonResponse({"error": "method"}, status=405)
    if not ratelimit.hit("vision-check", str(candidate.pk), limit=10):
        return JsonResponse(
            {"error": _("Too many tries. Wait a minute and try again.")}, status=429
        )
    challenge = str(request.session.get("vision_challenge", ""))
    files = request.FILES.getlist("frame")
    if challenge not in IdentityCheck.Challenge.values:
        return JsonResponse({"error": _("Reload the page and try again.")}, status=400)
    if not 3 <= len(files) <= settings.VISION_BURST_MAX_FRAMES:
        return JsonResponse(
            {"error": _("The camera frames did not arrive. Try again.")}, status=400
        )
    if any((f.size or 0) > MAX_UPLOAD_BYTES for f in files):
        return JsonResponse({"error": _("A camera frame is too large.")}, status=400)
    try:
        with transaction.atomic():
            check = services.start_check(candidate, [f.read() for f in files], challenge)
            check_id = check.pk
            transaction.on_commit(lambda: tasks.verify_identity.delay(check_id))
    except ImageError as exc:
        return JsonResponse({"error": exc.message, "code": exc.code}, status=400)
    return JsonResponse({"id": check_id, "status_url": f"/vision/identity/{check_id}/"}, status=202)


@role_required(Role.CANDIDATE)
@require_GET
def identity_status(request: HttpRequest, check_id: int) -> JsonResponse:
    candidate = _candidate(request)
    check = get_object_or_404(IdentityCheck.objects.filter(candidate=candidate), pk=check_id)
    return JsonResponse(
        {
            "id": check.pk,
            "status": check.status,
            "label": str(check.get_status_display()),
            "passed": check.status in (CheckStatus.PASSED, CheckStatus.APPROVED),
            "done": check.status != CheckStatus.PENDING,
            "problem_code": check.problem_code,
            "problem": check.problem,
        }
    )


@role_required(Role.CANDIDATE)
def identity_review_request(request: HttpRequest) -> HttpResponse:
    """The manual-review fallback: the candidate asks staff to confirm their identity."""
    candidate = _candidate(request)
    if request.method == "POST":
        services.request_manual_review(candidate, actor=request.user, request=request)
        messages.success(request, _("A member of staff will check your identity. Please wait."))
        return redirect("vision:identity-review-request")
    pending = IdentityCheck.objects.filter(candidate=candidate, status=CheckStatus.IN_REVIEW)
    return render(request, "vision/review_request.html", {"pending": pending.first()})
