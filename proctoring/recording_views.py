"""Recordings over HTTP (R-PROC-6): the recorder's upload endpoint, the segment download the
review page's player reads (with byte ranges), and the review page itself.

Uploads come from the candidate's exam page (view 1) and the paired phone (view 2) and answer
JSON; refusals carry an ``error`` code for the recorder and a ``message`` for people. Staff
reach only attempts in rooms they may watch (``Attempt.objects.visible_to_staff``); any other
attempt or segment is a 404, like one that does not exist.
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
from django.views.decorators.http import require_GET, require_http_methods

from accounts.access import role_required
from accounts.roles import Role
from core import ratelimit
from core.errors import as_json
from exams.models import Attempt
from proctoring import recordings, room_scans
from proctoring.models import RecordingSegment

WEBM = "video/webm"
RANGE = re.compile(r"bytes=(\d*)-(\d*)")


def _refused(exc: recordings.RecordingRefused) -> JsonResponse:
    return as_json(exc, **exc.extra)


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
        if not ratelimit.hit(
            "recording",
            f"{attempt.pk}:{view}",
            limit=settings.RECORDING_UPLOADS_PER_MINUTE,
        ):
            raise recordings.RecordingRefused(
                "rate_limited", _("Too many uploads. Wait a minute."), status=429, retry_after=60
            )
        segment = recordings.parse_segment(request.GET)
        limit = settings.RECORDING_SEGMENT_MAX_BYTES
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > limit:
            raise recordings.RecordingRefused(
                "too_large", _("The segment is larger than the limit."), status=413, limit=limit
            )
        # Read the stream, not ``request.body``: the body is video, not form data, and may be
        # larger than DATA_UPLOAD_MAX_MEMORY_SIZE; one byte more than the limit tells too large.
        data = request.read(limit + 1)
        row, created = recordings.store_segment(attempt, view, segment, data)
    except recordings.RecordingRefused as exc:
        return _refused(exc)
    return JsonResponse(
        {"id": row.pk, "seq": row.seq, "stored": created, "duplicate": not created},
        status=201 if created else 200,
    )


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
    from proctoring.models import EvidenceFrame

    attempt = get_object_or_404(
        Attempt.objects.visible_to_staff(request.user).select_related(
            "registration__candidate", "registration__exam", "registration__room__site"
        ),
        pk=attempt_id,
    )
    alerts = list(attempt.alerts.select_related("decided_by").order_by("opened_at"))
    evidence = list(
        attempt.evidence_frames.exclude(kind=EvidenceFrame.Kind.FRAME)
        .select_related("proctor_screenshot")
        .order_by("captured_at")
    )
    timeline = recordings.review_timeline(attempt)
    context: dict[str, Any] = {
        "attempt": attempt,
        "candidate": attempt.registration.candidate,
        "exam": attempt.registration.exam,
        "room": attempt.registration.room,
        "alerts": alerts,
        "evidence": evidence,
        "violations": attempt.violations.select_related("recorded_by").order_by("at"),
        "timeline": timeline,
        "has_recording": any(v["segments"] for v in timeline["views"].values()),
        "view_labels": [
            (1, _("Computer camera (view 1)"), _("View 1")),
            (2, _("Phone camera (view 2)"), _("View 2")),
        ],
        "time_zone": timezone.get_current_timezone_name(),
        # The phone's room scans before answering (templates/proctoring/_room_scans.html).
        "room_scans": room_scans.for_review(attempt),
        "room_scan_required": room_scans.required(attempt),
    }
    return render(request, "proctoring/review.html", context)
