"""Recordings over HTTP (R-PROC-6): the recorder's upload endpoint, the segment download the
review page's player reads (with byte ranges), and the review page itself.

Uploads come from the candidate's exam page (view 1, and view 3, the shared screen, with its
stills) and the paired phone (view 2) and answer JSON; refusals carry an ``error`` code for the
recorder and a ``message`` for people. Staff reach only attempts in rooms they may watch
(``Attempt.objects.visible_to_staff``); any other attempt or segment is a 404, like one that
does not exist.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from ninja import Field, Schema

from accounts.access import role_required
from accounts.roles import Role
from core.errors import as_json
from core.json_views import Operation, RefusedOut, json_endpoint
from exams.models import SCREEN_VIEW, Attempt
from proctoring import recordings, room_scans, screen_stills, uploads
from proctoring.models import RecordingSegment

WEBM = "video/webm"
RANGE = re.compile(r"bytes=(\d*)-(\d*)")
PLAYER_SPEEDS = (1, 2, 4, 8, 16)


def _refused(exc: recordings.RecordingRefused) -> JsonResponse:
    return as_json(exc, **exc.extra)


class NextSeqOut(Schema):
    """The next free sequence number of this view."""

    next_seq: int


class SegmentQuery(Schema):
    seq: int = Field(description="the segment's sequence number in its view, from 0")
    id: str = Field(description="the recorder's id of the segment, 8 to 40 of A-Z a-z 0-9 _ -")
    started_at: int = Field(description="when the segment started, browser time in ms")
    sent_at: int = Field(description="when it was sent, browser time in ms")
    duration_ms: int = Field(description="its length in ms")


class SegmentStoredOut(Schema):
    """The segment is stored (201), or was stored before by the same upload (200)."""

    id: int
    seq: int
    stored: bool
    duplicate: bool


class RecordingRefusedOut(RefusedOut):
    """A segment not stored: ``code`` tells the recorder what to do (``seq_taken`` comes with
    ``next_seq``, ``too_large`` with ``limit``, ``rate_limited`` with ``retry_after``)."""

    next_seq: int | None = None
    limit: int | None = None
    retry_after: int | None = None


# 1: the computer's camera, 2: the phone's, 3: the shared screen (only for exams that require
# it: 403 otherwise); any other view is a 404.
_VIEW = {"view": {"type": "integer", "enum": list(recordings.VIEWS)}}
_RECORDING_REFUSALS: dict[int, type[Schema] | None] = {
    400: RecordingRefusedOut,
    404: RecordingRefusedOut,
    409: RecordingRefusedOut,
    410: RecordingRefusedOut,
    413: RecordingRefusedOut,
    429: RecordingRefusedOut,
}


@json_endpoint(
    security="session_or_phone",
    tags=("recordings",),
    get=Operation(
        summary="The next free sequence number of a view's recording",
        responses={200: NextSeqOut, 404: RecordingRefusedOut},
        path=_VIEW,
        description="View 1 for the candidate's own attempt, view 2 for the phone paired to it.",
    ),
    post=Operation(
        summary="Upload one recording segment (WebM bytes as the body)",
        query=SegmentQuery,
        raw="video/webm",
        path=_VIEW,
        responses={201: SegmentStoredOut, 200: SegmentStoredOut, **_RECORDING_REFUSALS},
        description="400 bad_request or not_webm; 409 seq_taken (renumber from next_seq); "
        "410 finished (the attempt's recording is closed); 413 too_large; 429 rate_limited.",
    ),
)
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest, attempt_id: int, view: int) -> JsonResponse:
    """GET: the next free sequence number of this view (the recorder starts from it on a new
    browser). POST: one segment, the WebM bytes as the body, described by the query parameters
    ``seq``, ``id``, ``started_at``, ``sent_at`` (browser ms) and ``duration_ms``. CSRF applies
    (the ``X-CSRFToken`` header)."""
    try:
        attempt = recordings.uploader_attempt(request, attempt_id, view)
        if request.method == "GET":
            return JsonResponse({"next_seq": recordings.next_seq(attempt, view)})
        uploads.refuse_if_flooded(
            "recording",
            f"{attempt.pk}:{view}",
            settings.RECORDING_UPLOADS_PER_MINUTE,
            recordings.RecordingRefused,
        )
        segment = recordings.parse_segment(request.GET)
        data = recordings.read_upload(
            request,
            settings.RECORDING_SEGMENT_MAX_BYTES,
            _("The segment is larger than the limit."),
        )
        row, created = recordings.store_segment(attempt, view, segment, data)
    except recordings.RecordingRefused as exc:
        return _refused(exc)
    return JsonResponse(
        {"id": row.pk, "seq": row.seq, "stored": created, "duplicate": not created},
        status=201 if created else 200,
    )


class StillStoredOut(Schema):
    """The still is stored as evidence of the attempt."""

    id: int


@json_endpoint(
    security="session",
    tags=("recordings",),
    post=Operation(
        summary="Upload one still of the candidate's shared screen (JPEG bytes as the body)",
        raw="image/jpeg",
        responses={201: StillStoredOut, **_RECORDING_REFUSALS},
        description="403 screen_not_required for an exam that does not record the screen; "
        "400 for bytes that are not a JPEG; 413 too_large; 429 rate_limited.",
    ),
)
@require_POST
def screen_still(request: HttpRequest, attempt_id: int) -> JsonResponse:
    """One still of the candidate's shared screen (view 3), the JPEG bytes as the body, from the
    exam page of the candidate who owns the attempt. CSRF applies (the ``X-CSRFToken`` header).
    Refusals as for segments: 404 for an attempt not the candidate's, 403 for an exam that does
    not record the screen, 429 past ``SCREEN_STILLS_PER_MINUTE``."""
    try:
        attempt = recordings.uploader_attempt(request, attempt_id, SCREEN_VIEW)
        uploads.refuse_if_flooded(
            "screen-still",
            str(attempt.pk),
            settings.SCREEN_STILLS_PER_MINUTE,
            recordings.RecordingRefused,
        )
        frame = screen_stills.store_still(
            attempt, request.read(settings.SCREEN_STILL_MAX_BYTES + 1)
        )
    except recordings.RecordingRefused as exc:
        return _refused(exc)
    return JsonResponse({"id": frame.pk}, status=201)


@role_required(Role.PROCTOR, Role.SITE_ADMIN, Role.ORG_ADMIN)
@require_GET
def segment(request: HttpRequest, segment_id: int) -> Any:  # a FileResponse or a 206/416
    """One segment's WebM file, for staff who may watch the attempt's room. Byte ranges are
    answered (206)."""
    row = get_object_or_404(
        RecordingSegment.objects.filter(attempt__in=Attempt.objects.visible_to_staff(request.user)),
        pk=segment_id,
    )
    return webm_response(request, row.file, row.size)


def webm_response(request: HttpRequest, file: Any, size: int) -> HttpResponseBase:
    """A stored WebM file (never changed once stored), answering byte ranges with 206: the
    browser's media player uses them to seek."""
    match = RANGE.fullmatch(request.headers.get("Range", "").strip())
    if match is None or not (match[1] or match[2]):
        response: HttpResponseBase = FileResponse(file.open("rb"), content_type=WEBM)
    else:
        if match[1]:
            start = int(match[1])
            end = min(int(match[2]), size - 1) if match[2] else size - 1
        else:  # "bytes=-N": the last N bytes
            start, end = max(0, size - int(match[2])), size - 1
        if start >= size or end < start:
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            return response
        with file.open("rb") as handle:
            handle.seek(start)
            data = handle.read(end - start + 1)
        response = HttpResponse(data, status=206, content_type=WEBM)
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Accept-Ranges"] = "bytes"
    # The file never changes once stored; the browser may keep it for the review session.
    response["Cache-Control"] = "private, max-age=3600"
    return response


@role_required(Role.PROCTOR, Role.SITE_ADMIN, Role.ORG_ADMIN)
@require_GET
def review(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """A candidate's recording with the alert timeline, evidence and decisions beside it."""
    attempt = reviewable_attempt(request, attempt_id)
    return render(request, "proctoring/review.html", review_context(attempt))


def reviewable_attempt(request: HttpRequest, attempt_id: int) -> Attempt:
    """The attempt, if ``request.user`` may watch its room (404 otherwise)."""
    return get_object_or_404(
        Attempt.objects.visible_to_staff(request.user).select_related(
            "registration__candidate",
            "registration__exam",
            "registration__room__site",
            "registration__accommodation",
        ),
        pk=attempt_id,
    )


def review_context(attempt: Attempt) -> dict[str, Any]:
    """What the review page shows of ``attempt``: its players, timeline, alerts, evidence. The
    review queue's page (``review.views``) adds its decisions to the same page."""
    from proctoring.models import EvidenceFrame

    alerts = list(attempt.alerts.select_related("decided_by").order_by("opened_at"))
    evidence = list(
        attempt.evidence_frames.exclude(
            kind__in=[EvidenceFrame.Kind.FRAME, EvidenceFrame.Kind.SCREEN]
        )
        .select_related("proctor_screenshot")
        .order_by("captured_at")
    )
    timeline = recordings.review_timeline(attempt)
    view_labels = [
        (1, _("Computer camera (view 1)"), _("View 1")),
        (2, _("Phone camera (view 2)"), _("View 2")),
    ]
    # The shared screen has its own player, timeline row and stills where it was recorded.
    stills = list(
        attempt.evidence_frames.filter(kind=EvidenceFrame.Kind.SCREEN).order_by("captured_at")
    )
    screen = attempt.registration.exam.requires_screen_share or bool(
        timeline["views"][str(SCREEN_VIEW)]["segments"] or stills
    )
    if screen:
        view_labels.append((SCREEN_VIEW, _("Shared screen (view 3)"), _("Screen")))
    context: dict[str, Any] = {
        "attempt": attempt,
        "candidate": attempt.registration.candidate,
        "exam": attempt.registration.exam,
        "room": attempt.registration.room,
        # Extra time and relaxed rules recorded before the exam (exams.accommodations).
        "accommodation": getattr(attempt.registration, "accommodation", None),
        "alerts": alerts,
        "evidence": evidence,
        "violations": attempt.violations.select_related("recorded_by").order_by("at"),
        "timeline": timeline,
        "has_recording": any(v["segments"] for v in timeline["views"].values()),
        "view_labels": view_labels,
        "screen": screen,
        "screen_stills": stills,
        "time_zone": timezone.get_current_timezone_name(),
        # The player's speeds (static/js/review.js): browsers play up to 16×.
        "speeds": PLAYER_SPEEDS,
        # The phone's room scans before answering (templates/proctoring/_room_scans.html).
        "room_scans": room_scans.for_review(attempt),
        "room_scan_required": room_scans.required(attempt),
    }
    return context
