"""Device checks (R-EXAM-10): the open check page, the upload speed test, the candidate's stored
result, and support's list of results."""

from __future__ import annotations

import json
from typing import Any, Literal

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from ninja import Field, Schema

from accounts.access import role_required
from accounts.roles import Role
from candidates.models import Candidate
from core import ratelimit, search_terms
from core.json_views import Operation, RefusedOut, json_endpoint, refusal, sign_in_refusal
from support import devicecheck
from support.models import DeviceCheck
from support.views.base import SUPPORT, candidate_search, paginate


def device_check(request: HttpRequest) -> HttpResponse:
    """Open to everyone (linked from the sign-in page); measuring the upload and keeping the
    result need a signed-in candidate."""
    user: Any = request.user
    is_candidate = user.is_authenticated and user.role == Role.CANDIDATE
    # The server's reading of the browser, in words (the raw user-agent string means nothing
    # to a candidate; support sees it on the stored result).
    browser = devicecheck.read_user_agent(request.META.get("HTTP_USER_AGENT", ""))
    return render(
        request,
        "support/device_check.html",
        {
            "is_candidate": is_candidate,
            "browser": browser,
            "min_upload": settings.SUPPORT_MIN_UPLOAD_MB_PER_S,
            "chunk_bytes": settings.SUPPORT_SPEED_TEST_MAX_BYTES,
        },
    )


class ReceivedOut(Schema):
    """How many bytes of the body arrived (the page times the upload)."""

    received: int


class SpeedTestTooLargeOut(RefusedOut):
    """The body is larger than the test takes (``limit`` bytes)."""

    limit: int


class DeviceReportIn(Schema):
    camera: Literal["ok", "failed", "skipped"]
    microphone: Literal["ok", "failed", "skipped"]
    upload_mb_per_s: float | None = Field(
        description="the measured upload, or null", ge=0, le=100_000
    )
    media_supported: bool


class DeviceCheckOut(Schema):
    """The stored result of the device check."""

    id: int
    browser: str
    os: str
    browser_ok: bool
    upload_ok: bool
    passed: bool


def _rate_limited() -> JsonResponse:
    return refusal("rate_limited", _("Too many tries. Wait a minute and try again."), 429)


@json_endpoint(
    tags=("device-check",),
    post=Operation(
        summary="Upload speed test: the body is read and thrown away",
        raw="application/octet-stream",
        responses={200: ReceivedOut, 413: SpeedTestTooLargeOut, 429: RefusedOut},
        description="Any signed-in user. 413 too_large: the body is over the limit.",
    ),
)
@require_POST
def speed_test(request: HttpRequest) -> HttpResponse:
    """Reads and discards the body, so the browser can time its upload."""
    if not request.user.is_authenticated:  # json_endpoint checks it first; kept as the rule
        return sign_in_refusal()
    if not ratelimit.hit(
        "speed-test", str(request.user.pk), limit=settings.SUPPORT_SPEED_TEST_PER_MINUTE
    ):
        return _rate_limited()
    received = devicecheck.discard_body(request)
    if received is None:
        return refusal(
            "too_large",
            _("The request is too large."),
            413,
            limit=settings.SUPPORT_SPEED_TEST_MAX_BYTES,
        )
    return JsonResponse({"received": received})


@json_endpoint(
    tags=("device-check",),
    post=Operation(
        summary="Store the candidate's device check result",
        json=DeviceReportIn,
        responses={201: DeviceCheckOut, 400: RefusedOut, 429: RefusedOut},
        description="400 invalid: the report does not have this form (the message says how).",
    ),
)
@require_POST
@role_required(Role.CANDIDATE)
def device_check_result(request: HttpRequest) -> HttpResponse:
    if not ratelimit.hit("device-check", str(request.user.pk), limit=10):
        return _rate_limited()
    candidate = get_object_or_404(Candidate, user=request.user)
    try:
        report = json.loads(request.body[:4096] or b"null")
        check = devicecheck.record_check(candidate, report, request)
    except (ValueError, devicecheck.CheckRefused) as bad:
        return refusal(
            "invalid",
            _("The device check report is not valid: %(problem)s") % {"problem": str(bad)[:200]},
            400,
        )
    return JsonResponse(
        {
            "id": check.pk,
            "browser": check.browser,
            "os": check.os,
            "browser_ok": check.browser_ok,
            "upload_ok": check.upload_ok,
            "passed": check.passed,
        },
        status=201,
    )


@role_required(*SUPPORT)
def device_checks(request: HttpRequest) -> HttpResponse:
    searched = search_terms.handle(request, keep=("result",))
    if searched is not None:
        return searched
    q = search_terms.term(request)
    result = request.GET.get("result", "")
    rows = DeviceCheck.objects.visible_to(request.user).select_related("candidate")
    rows = rows.filter(candidate_search("candidate", q))
    if result == "passed":
        rows = rows.filter(passed=True)
    elif result == "failed":
        rows = rows.filter(passed=False)
    return render(
        request,
        "support/device_checks.html",
        {
            "page": paginate(request, rows.order_by("-created_at", "-id")),
            "q": q,
            "result": result,
            "min_upload": settings.SUPPORT_MIN_UPLOAD_MB_PER_S,
        },
    )
