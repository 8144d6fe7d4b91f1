"""The phone's pages (view 2) and the candidate's endpoints that pair it (``proctoring.pairing``).

- ``/phone/<token>/``: the QR link. Public (the phone has no sign-in), rate limited per client
  address; uses the code once and sends the phone to ``/phone/``, so a reload never reuses it.
- ``/phone/``: the phone's camera page, for the session the link paired only.
- ``/phone/attempts/<id>/code/`` (POST) and ``…/status/`` (GET): the signed-in candidate's own
  live attempt asks for a new code, and reads whether the phone is paired and streaming.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from ninja import Field, Schema

from accounts.access import role_required
from accounts.roles import Role
from core import ratelimit
from core.errors import Refused, as_json
from core.http import client_ip
from core.json_views import Operation, RefusedOut, json_endpoint
from exams.models import Attempt
from proctoring import pairing, room_scans

# New codes a candidate may ask for per minute (the page asks once per expiry or button press).
CODES_PER_MINUTE = 20


def _no_referrer(response: HttpResponse) -> HttpResponse:
    # The token is in the link's URL: it must not leak to other sites or stay in caches.
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "no-store"
    return response


def _refused(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return _no_referrer(
        render(request, "proctoring/phone_refused.html", {"message": message}, status=status)
    )


@require_GET
@never_cache
def link(request: HttpRequest, token: str) -> HttpResponse:
    if not ratelimit.hit(
        "phone-link", client_ip(request), limit=settings.PHONE_PAIRING_OPENS_PER_MINUTE
    ):
        return _refused(request, _("Too many attempts. Wait a minute, then scan again."), 429)
    try:
        pairing.consume(
            token,
            request.session,
            user=request.user,
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
            ip=client_ip(request) or None,
        )
    except pairing.PairingRefused as refused:
        status = {"unknown": 404, "exam_computer": 409}.get(refused.code, 410)
        return _refused(request, refused.message, status)
    # A new session key for the pairing, so a session id planted before cannot ride on it.
    request.session.cycle_key()
    return _no_referrer(redirect("phone:camera"))


@require_GET
@never_cache
def camera(request: HttpRequest) -> HttpResponse:
    paired = pairing.phone_pairing(request.session)
    if paired is None:
        return _refused(
            request,
            _(
                "This phone is not paired with an exam in progress. "
                "Scan the code shown on the exam computer."
            ),
            403,
        )
    attempt = (
        Attempt.objects.select_related("registration__exam", "registration__candidate")
        .filter(pk=paired.attempt_id)
        .get()
    )
    return render(
        request,
        "proctoring/phone.html",
        {
            "attempt": attempt,
            "exam": attempt.registration.exam,
            "candidate": attempt.registration.candidate,
            "upload_url": recording_upload_url(attempt.pk, 2),
            "room_scan_required": room_scans.required(attempt),
            "room_scan_url": reverse("proctoring:room-scan-upload", args=[attempt.pk]),
            "room_scan_min_seconds": settings.ROOM_SCAN_MIN_SECONDS,
            "room_scan_max_seconds": settings.ROOM_SCAN_MAX_SECONDS,
        },
    )


def recording_upload_url(attempt_id: int, view: int) -> str:
    """The recording upload of a view (H3's endpoint), or "" where it is not installed."""
    try:
        return reverse("proctoring:recording-upload", args=[attempt_id, view])
    except NoReverseMatch:
        return ""


def _own_live_attempt(request: HttpRequest, attempt_id: int) -> Attempt | None:
    return (
        Attempt.objects.of_candidate(request.user)
        .select_related("registration__exam")
        .filter(pk=attempt_id)
        .first()
    )


class PairingCodeOut(Schema):
    """A new pairing link for the phone, with its QR code."""

    url: str
    qr: str = Field(description="the QR code of url, an SVG data: URL")
    expires_at: str
    expires_in: int = Field(description="seconds the link stays valid")


class PhoneStatusOut(Schema):
    """Whether the phone is paired and streaming."""

    paired: bool
    paired_at: str | None
    connected: bool
    step_done: bool = Field(description="the flow has gone past the second-view step")
    next_url: str


@json_endpoint(
    tags=("phone",),
    post=Operation(
        summary="A new pairing code for the phone (the candidate's own live attempt)",
        responses={200: PairingCodeOut, 409: RefusedOut, 429: RefusedOut},
        description="409: the attempt is past pairing (the code says why); 429 code "
        "rate_limited: too many codes this minute.",
    ),
)
@require_POST
@role_required(Role.CANDIDATE)
def new_code(request: HttpRequest, attempt_id: int) -> JsonResponse:
    attempt = _own_live_attempt(request, attempt_id)
    if attempt is None:
        return as_json(Refused(_("This attempt is not open."), code="not_found"), status=404)
    if not ratelimit.hit("phone-code", str(request.user.pk), limit=CODES_PER_MINUTE):
        return as_json(
            Refused(_("Too many new codes. Wait a minute."), code="rate_limited"), status=429
        )
    try:
        issued = pairing.issue(attempt)
    except pairing.PairingRefused as refused:
        return as_json(refused, status=409)
    url = request.build_absolute_uri(reverse("phone:link", args=[issued.token]))
    response = JsonResponse(
        {
            "url": url,
            "qr": pairing.qr_svg_data_url(url),
            "expires_at": issued.expires_at.isoformat(),
            "expires_in": settings.PHONE_PAIRING_TTL_SECONDS,
        }
    )
    response["Cache-Control"] = "no-store"
    return response


@json_endpoint(
    tags=("phone",),
    get=Operation(
        summary="Whether the phone is paired and streaming (the candidate's own live attempt)",
        responses={200: PhoneStatusOut},
    ),
)
@require_GET
@role_required(Role.CANDIDATE)
def phone_status(request: HttpRequest, attempt_id: int) -> JsonResponse:
    attempt = _own_live_attempt(request, attempt_id)
    if attempt is None:
        return as_json(Refused(_("This attempt is not open."), code="not_found"), status=404)
    response = JsonResponse({**pairing.status(attempt), "next_url": reverse("exams:exam")})
    response["Cache-Control"] = "no-store"
    return response
