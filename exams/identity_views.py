"""Pages of the identity step: the candidate takes the face check (a burst of webcam frames with
a liveness challenge) or asks for a manual review; staff decide reviews and see the frames.

The staff side shows inside the vision app's face pages (``vision.panels``): ``ExamsConfig``
registers ``checks_section`` and ``reviews_section`` there. The URLs keep the ``/vision/`` paths
they have always had (``exams.identity_urls``).
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.access import role_required
from accounts.roles import Role
from candidates.models import Candidate
from core import ratelimit
from exams import identity, signin, tasks
from exams.forms import IdentityReviewForm, SelfEnrolmentForm
from exams.models import IdentityCheck, Registration
from exams.statuses import CheckStatus
from vision.images import ImageError
from vision.models import FaceEnrolment
from vision.statuses import EnrolmentStatus

STAFF = (Role.SITE_ADMIN, Role.ORG_ADMIN)
MAX_UPLOAD_BYTES = 15 * 1024 * 1024


def checks_section(request: HttpRequest, candidate: Candidate) -> str:
    """The candidate's latest identity checks, with the review form of one waiting (a card of
    the staff face page; the page has already checked the user may see ``candidate``)."""
    checks = IdentityCheck.objects.filter(candidate=candidate)[:20]
    return render_to_string(
        "exams/identity_checks_section.html",
        {"checks": checks, "review_form": IdentityReviewForm()},
        request=request,
    )


def reviews_section(request: HttpRequest) -> str:
    """The reviews waiting among the candidates the user may manage; nothing when none wait."""
    reviews = (
        IdentityCheck.objects.visible_to(request.user)
        .filter(status=CheckStatus.IN_REVIEW)
        .select_related("candidate")
    )
    if not reviews:
        return ""
    return render_to_string(
        "exams/identity_reviews_section.html", {"reviews": reviews}, request=request
    )


@role_required(*STAFF)
@require_POST
def review_check(request: HttpRequest, check_id: int) -> HttpResponse:
    check = get_object_or_404(IdentityCheck.objects.visible_to(request.user), pk=check_id)
    form = IdentityReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a decision and write a note."))
    elif check.status != CheckStatus.IN_REVIEW:
        messages.error(request, _("This check is not waiting for a review."))
    else:
        identity.review(
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
        registration = (
            Registration.objects.select_related("exam")
            .filter(pk=int(request.session.get(signin.SESSION_REGISTRATION) or 0))
            .filter(candidate=candidate)
            .first()
        )
        return render(
            request,
            "exams/identity_check.html",
            {
                "self_enrolment_url": identity.candidate_links(candidate, registration).get(
                    "self_enrolment_url"
                ),
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
            check = identity.start_check(candidate, [f.read() for f in files], challenge)
            check_id = check.pk
            transaction.on_commit(lambda: tasks.verify_identity.delay(check_id))
    except ImageError as exc:
        return JsonResponse({"error": exc.message, "code": exc.code}, status=400)
    status_url = reverse("identity:status", args=[check_id])
    return JsonResponse({"id": check_id, "status_url": status_url}, status=202)


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
        identity.request_manual_review(candidate, actor=request.user, request=request)
        messages.success(request, _("A member of staff will check your identity. Please wait."))
        return redirect("identity:review-request")
    pending = IdentityCheck.objects.filter(candidate=candidate, status=CheckStatus.IN_REVIEW)
    return render(request, "exams/identity_review_request.html", {"pending": pending.first()})


def _registration(request: HttpRequest, candidate: Candidate) -> Registration:
    """The registration the candidate signed in for (their exam passcode chose it)."""
    return get_object_or_404(
        Registration.objects.select_related("exam", "candidate__user"),
        pk=request.session.get(signin.SESSION_REGISTRATION),
        candidate=candidate,
    )


@role_required(Role.CANDIDATE)
def self_enrolment(request: HttpRequest) -> HttpResponse:
    """The candidate takes (or re-takes) their own enrolment photo with the camera, before the
    exam opens and only where the exam allows it; the identity check then compares with it.
    GET: the page with the consent text and the camera. POST: the photo (``photo``) and the
    consent; the worker checks the face and the page shows the outcome."""
    candidate = _candidate(request)
    registration = _registration(request, candidate)
    refusal = identity.self_enrolment_refusal(registration)
    form = SelfEnrolmentForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 400
        if refusal is not None:
            status = 403
        elif not ratelimit.hit("vision-enrol", str(candidate.pk), limit=10):
            form.add_error(None, _("Too many tries. Wait a minute and try again."))
            status = 429
        elif form.is_valid():
            try:
                identity.self_enrol(
                    registration, form.cleaned_data["photo"].read(), request=request
                )
            except ImageError as exc:
                form.add_error("photo", exc.message)
            except identity.SelfEnrolmentRefused as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Your photo is being checked. This takes a moment."))
                return redirect("identity:self-enrolment")
    enrolment = FaceEnrolment.objects.filter(candidate=candidate).first()
    return render(
        request,
        "exams/self_enrolment.html",
        {
            "exam": registration.exam,
            "refusal": refusal,
            "form": form,
            "enrolment": enrolment,
            "pending": enrolment is not None and enrolment.status == EnrolmentStatus.PENDING,
            "enrolled": enrolment is not None and enrolment.status == EnrolmentStatus.ENROLLED,
        },
        status=status,
    )
