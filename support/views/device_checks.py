"""Device checks (R-EXAM-10): the open check page, the upload speed test, the candidate's stored
result, and support's list of results."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from accounts.access import role_required
from accounts.roles import Role
from candidates.models import Candidate
from core import ratelimit, search_terms
from support import devicecheck
from support.models import DeviceCheck
from support.views.base import SUPPORT, candidate_search, paginate


def device_check(request: HttpRequest) -> HttpResponse:
    """Open to everyone (linked from the sign-in page); measuring the upload and keeping the
    result need a signed-in candidate."""
    user: Any = request.user
    is_candidate = user.is_authenticated and user.role == Role.CANDIDATE
    return render(
        request,
        "support/device_check.html",
        {
            "is_candidate": is_candidate,
            "min_upload": settings.SUPPORT_MIN_UPLOAD_MB_PER_S,
            "chunk_bytes": settings.SUPPORT_SPEED_TEST_MAX_BYTES,
        },
    )


@require_POST
def speed_test(request: HttpRequest) -> HttpResponse:
    """Reads and discards the body, so the browser can time its upload."""
    if not request.user.is_authenticated:
        return JsonResponse({"error": "sign_in"}, status=401)
    if not ratelimit.hit(
        "speed-test", str(request.user.pk), limit=settings.SUPPORT_SPEED_TEST_PER_MINUTE
    ):
        return JsonResponse({"error": "rate_limited"}, status=429)
    received = devicecheck.discard_body(request)
    if received is None:
        return JsonResponse(
            {"error": "too_large", "limit": settings.SUPPORT_SPEED_TEST_MAX_BYTES}, status=413
        )
    return JsonResponse({"received": received})


@require_POST
@role_required(Role.CANDIDATE)
def device_check_result(request: HttpRequest) -> HttpResponse:
    if not ratelimit.hit("device-check", str(request.user.pk), limit=10):
        return JsonResponse({"error": "rate_limited"}, status=429)
    candidate = get_object_or_404(Candidate, user=request.user)
    try:
        report = json.loads(request.body[:4096] or b"null")
        check = devicecheck.record_check(candidate, report, request)
    except (ValueError, devicecheck.CheckRefused) as bad:
        return JsonResponse({"error": "invalid", "detail": str(bad)[:200]}, status=400)
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
