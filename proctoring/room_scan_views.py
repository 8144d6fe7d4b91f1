"""The room scan over HTTP (``proctoring.room_scans``): the phone's upload, the candidate's
computer asking whether the scan is done, and the file the review page plays.

The upload speaks ``static/js/recorder.js``'s protocol (GET: the next number; POST: the WebM
bytes as the body, described by query parameters; CSRF by the ``X-CSRFToken`` header) and
answers refusals as JSON ``{code, message}``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from ninja import Schema

from accounts.access import role_required
from accounts.roles import Role
from core.errors import Refused, as_json
from core.json_views import Operation, RefusedOut, json_endpoint
from exams.models import Attempt
from proctoring import recordings, room_scans, uploads
from proctoring.models import RoomScan
from proctoring.recording_views import (
    RecordingRefusedOut,
    SegmentQuery,
    SegmentStoredOut,
    webm_response,
)

# Scans a phone may send per minute: each takes at least ROOM_SCAN_MIN_SECONDS to record.
UPLOADS_PER_MINUTE = 10


def _no_store(response: JsonResponse) -> JsonResponse:
    response["Cache-Control"] = "no-store"
    return response


class PhoneScanStateOut(Schema):
    """What the phone's page shows of the room scan."""

    next_seq: int
    required: bool
    accepting: bool
    scans: int
    min_seconds: int
    max_seconds: int


class ScanStepOut(Schema):
    """Whether the candidate's room-scan step is done, and where the flow goes on."""

    done: bool
    scans: int
    next_url: str


@json_endpoint(
    security="session_or_phone",
    tags=("recordings",),
    get=Operation(
        summary="The phone's room-scan state",
        responses={200: PhoneScanStateOut, 404: RecordingRefusedOut},
        description="For the phone paired to the attempt (its pairing session).",
    ),
    post=Operation(
        summary="Upload one complete room scan (WebM bytes as the body)",
        query=SegmentQuery,
        raw="video/webm",
        responses={
            201: SegmentStoredOut,
            200: SegmentStoredOut,
            **{code: RecordingRefusedOut for code in (400, 404, 409, 410, 413, 429)},
        },
        description="403 not_paired; 410 closed (answering has started); 400 too_short, "
        "too_long or not_webm; 413 too_large; 409 seq_taken; 429 rate_limited.",
    ),
)
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest, attempt_id: int) -> JsonResponse:
    """GET: the phone's page state (``room_scans.phone_state``). POST: one complete scan."""
    try:
        attempt = room_scans.phone_attempt(request, attempt_id)
        if request.method == "GET":
            return _no_store(JsonResponse(room_scans.phone_state(attempt)))
        uploads.refuse_if_flooded(
            "room-scan", str(attempt.pk), UPLOADS_PER_MINUTE, recordings.RecordingRefused
        )
        segment = recordings.parse_segment(request.GET)
        data = recordings.read_upload(
            request,
            settings.ROOM_SCAN_MAX_BYTES,
            _("The room scan's file is larger than the limit. Record it again."),
        )
        scan, created = room_scans.store_scan(attempt.pk, segment, data)
    except recordings.RecordingRefused as refused:
        return as_json(refused, **refused.extra)
    return JsonResponse(
        {"id": scan.pk, "seq": scan.seq, "stored": created, "duplicate": not created},
        status=201 if created else 200,
    )


@json_endpoint(
    security="session",
    tags=("recordings",),
    get=Operation(
        summary="Whether the candidate's room scan has arrived",
        responses={200: ScanStepOut, 404: RefusedOut},
        description="The candidate's own attempt; the room-scan step polls it.",
    ),
)
@require_GET
@role_required(Role.CANDIDATE)
def status(request: HttpRequest, attempt_id: int) -> JsonResponse:
    """The candidate's own attempt: whether the room scan step is done, and where to go next."""
    attempt = (
        Attempt.objects.of_candidate(request.user)
        .select_related("registration__exam")
        .filter(pk=attempt_id)
        .first()
    )
    if attempt is None:
        return as_json(Refused(_("This attempt is not open."), code="not_found"), status=404)
    return _no_store(
        JsonResponse({**room_scans.computer_state(attempt), "next_url": reverse("exams:exam")})
    )


@role_required(Role.PROCTOR, Role.SITE_ADMIN, Role.ORG_ADMIN)
@require_GET
def scan_file(request: HttpRequest, scan_id: int) -> Any:  # a FileResponse or a 206/416
    """One scan's WebM file, for staff who may watch the attempt's room; a 404 otherwise."""
    scan = get_object_or_404(
        RoomScan.objects.filter(attempt__in=Attempt.objects.visible_to_staff(request.user)),
        pk=scan_id,
    )
    return webm_response(request, scan.file, scan.size)
