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
from ninja import Schema

from accounts.access import role_required
from accounts.roles import Role
from candidates.models import Candidate
from core import ratelimit
from core.json_views import Operation, RefusedOut, json_endpoint, refusal
from exams import attempt_sessions, identity, services, signin, tasks
from exams.forms import IdentityReviewForm, SelfEnrolmentForm
from exams.models import FaceConsent, IdentityCheck, Registration
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
        {"checks": checks, "candidate": candidate, "review_form": IdentityReviewForm()},
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
        try:
            identity.review(
                check,
                approve=form.cleaned_data["decision"] == "approve",
                actor=request.user,
                note=form.cleaned_data["note"],
                request=request,
            )
        except identity.ReviewNeedsFrames as exc:
            messages.error(request, exc.message)
            return redirect("vision:candidate-face", candidate_id=check.candidate_id)
        messages.success(request, _("The decision was recorded."))
    return redirect("vision:candidate-face", candidate_id=check.candidate_id)


@role_required(*STAFF)
@require_GET
def check_frame(request: HttpRequest, check_id: int, index: int) -> Any:  # a FileResponse
    """One camera frame of a check, for the staff review beside the registered photo."""
    check = get_object_or_404(IdentityCheck.objects.visible_to(request.user), pk=check_id)
    if not 0 <= index < len(check.frames):
        raise Http404
    try:
        handle = check.image.storage.open(check.frames[index], "rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, content_type="image/jpeg")


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


def _signed_in_registration(request: HttpRequest, candidate: Candidate) -> Registration | None:
    """The registration this browser session signed in for, if any."""
    return (
        Registration.objects.select_related("exam")
        .filter(pk=int(request.session.get(signin.SESSION_REGISTRATION) or 0))
        .filter(candidate=candidate)
        .first()
    )


@role_required(Role.CANDIDATE)
def face_consent(request: HttpRequest) -> HttpResponse:
    """The consent step before any face processing (R-PROC-2): what is processed, why, where,
    for how long, and the choice between the automatic face check and the human review."""
    candidate = _candidate(request)
    registration = _registration(request, candidate)
    error = ""
    status = 200
    if request.method == "POST":
        choice = request.POST.get("choice", "")
        if choice in FaceConsent.values:
            identity.record_consent(registration, choice, actor=request.user, request=request)
            if choice == FaceConsent.AUTOMATIC:
                return redirect("identity:check")
            return redirect("identity:review-request")
        error = _("Choose one: agree to the automatic face check, or choose the human review.")
        status = 400
    return render(
        request,
        "exams/face_consent.html",
        {
            "exam": registration.exam,
            "registration": registration,
            "error": error,
            **identity.retention(),
        },
        status=status,
    )


def _consent_redirect(registration: Registration | None) -> HttpResponse:
    """Where a candidate without consent to automatic processing goes instead of the face
    check: the consent step, or the human review they chose."""
    if registration is not None and registration.face_consent == FaceConsent.HUMAN:
        return redirect("identity:review-request")
    if registration is None:
        return redirect("exams:exam")
    return redirect("identity:consent")


class CheckStartedOut(Schema):
    """The check is taken; poll ``status_url`` for its outcome."""

    id: int
    status_url: str


class CheckStatusOut(Schema):
    """Where the identity check stands."""

    id: int
    status: str
    label: str
    passed: bool
    done: bool
    problem_code: str
    problem: str


_FRAMES = {"frame": "the camera frames of the burst, JPEG images (3 to the burst's maximum)"}
_BURST_REFUSALS: dict[int, type[Schema] | None] = {
    400: RefusedOut,
    403: RefusedOut,
    429: RefusedOut,
}


@json_endpoint(
    tags=("identity",),
    page_methods=("GET",),
    post=Operation(
        summary="Start the automatic face check with a burst of camera frames",
        files=_FRAMES,
        responses={202: CheckStartedOut, **_BURST_REFUSALS},
        description="GET is the capture page. 403 face_consent_required: the candidate has not "
        "agreed to the automatic check; 400: frames missing, too large or not images; "
        "429 rate_limited.",
    ),
)
@role_required(Role.CANDIDATE)
def identity_check(request: HttpRequest) -> HttpResponse:
    """GET: the capture page with a fresh random challenge. POST: the burst of frames
    (multipart ``frame`` files); answers JSON with the check's status URL. Only for a
    candidate who agreed to automatic face processing for the exam they signed in for."""
    candidate = _candidate(request)
    registration = _signed_in_registration(request, candidate)
    if not identity.automatic_allowed(registration):
        if request.method == "POST":
            return refusal(
                identity.ConsentRequired.code,
                _(
                    "You have not agreed to the automatic face check. Reload the page "
                    "and choose how your identity is checked."
                ),
                403,
            )
        return _consent_redirect(registration)
    if request.method == "GET":
        challenge = secrets.choice([c.value for c in IdentityCheck.Challenge])
        request.session["vision_challenge"] = challenge
        enrolment = FaceEnrolment.objects.filter(candidate=candidate).first()
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
    if not ratelimit.hit("vision-check", str(candidate.pk), limit=10):
        return refusal("rate_limited", _("Too many tries. Wait a minute and try again."), 429)
    challenge = str(request.session.get("vision_challenge", ""))
    if challenge not in IdentityCheck.Challenge.values:
        return refusal("no_challenge", _("Reload the page and try again."), 400)
    frames = _uploaded_frames(request)
    if isinstance(frames, JsonResponse):
        return frames
    try:
        with transaction.atomic():
            check = identity.start_check(candidate, frames, challenge)
            check_id = check.pk
            transaction.on_commit(lambda: tasks.verify_identity.delay(check_id))
    except ImageError as exc:
        return refusal(exc.code, exc.message, 400)
    status_url = reverse("identity:status", args=[check_id])
    return JsonResponse({"id": check_id, "status_url": status_url}, status=202)


@json_endpoint(
    tags=("identity",),
    get=Operation(summary="The outcome of an identity check", responses={200: CheckStatusOut}),
)
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


@json_endpoint(
    tags=("identity",),
    page_methods=("GET",),
    post=Operation(
        summary="Ask staff to check the candidate's identity",
        files=_FRAMES,
        responses={202: CheckStartedOut, 302: None, **_BURST_REFUSALS},
        description="With frame files: a human review of those frames (202, JSON). Without: "
        "the page's form, which sends the latest failed face check to review and redirects "
        "(302). GET is the page.",
    ),
)
@role_required(Role.CANDIDATE)
def identity_review_request(request: HttpRequest) -> HttpResponse:
    """The human route: the candidate asks staff to confirm their identity. GET: the camera
    page (frames for the reviewer) or, once a review waits, the waiting page that moves on
    when staff approve. POST with ``frame`` files: a human review of those frames (JSON,
    nothing automatic runs); POST without: the latest failed face check goes to review."""
    candidate = _candidate(request)
    if request.method == "POST":
        if "frame" in request.FILES:
            if not ratelimit.hit("vision-review", str(candidate.pk), limit=10):
                return refusal(
                    "rate_limited", _("Too many tries. Wait a minute and try again."), 429
                )
            frames = _uploaded_frames(request)
            if isinstance(frames, JsonResponse):
                return frames
            try:
                check = identity.start_human_review(candidate, frames, request=request)
            except ImageError as exc:
                return refusal(exc.code, exc.message, 400)
            return JsonResponse(
                {"id": check.pk, "status_url": reverse("identity:status", args=[check.pk])},
                status=202,
            )
        identity.request_manual_review(candidate, actor=request.user, request=request)
        messages.success(request, _("A member of staff will check your identity. Please wait."))
        return redirect("identity:review-request")
    registration = _signed_in_registration(request, candidate)
    attempt = services.current_attempt(registration) if registration is not None else None
    if attempt is not None and identity.passed(
        attempt, since=attempt_sessions.signed_in_at(request.session)
    ):
        # Staff approved (or a face check passed) since this session signed in: the identity
        # step moves on; offering the review again would send the candidate round in a circle.
        return redirect("exams:identity")
    pending = (
        IdentityCheck.objects.filter(candidate=candidate, status=CheckStatus.IN_REVIEW)
        .exclude(frames=[])
        .first()
    )
    return render(
        request,
        "exams/identity_review_request.html",
        {
            "pending": pending,
            "burst": min(12, settings.VISION_BURST_MAX_FRAMES),
            "human_route": registration is not None
            and registration.face_consent == FaceConsent.HUMAN,
            "continue_url": reverse("exams:identity"),
            "status_url": reverse("identity:status", args=[pending.pk]) if pending else "",
        },
    )


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


def _uploaded_frames(request: HttpRequest) -> list[bytes] | JsonResponse:
    """The burst of camera frames posted as ``frame`` files, or the refusal to answer with: a
    burst is 3 to ``VISION_BURST_MAX_FRAMES`` frames of at most ``MAX_UPLOAD_BYTES`` each."""
    files = request.FILES.getlist("frame")
    if not 3 <= len(files) <= settings.VISION_BURST_MAX_FRAMES:
        return refusal("frames_missing", _("The camera frames did not arrive. Try again."), 400)
    if any((f.size or 0) > MAX_UPLOAD_BYTES for f in files):
        return refusal("frame_too_large", _("A camera frame is too large."), 400)
    return [f.read() for f in files]
