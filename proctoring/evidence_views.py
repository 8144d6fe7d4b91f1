"""Staff pages of an attempt's evidence: one frame's picture and the attempt's kept frames with
its alerts. Paths stay under ``/vision/`` (``proctoring.evidence_urls``), where alerts' links,
the live console and the review page have always pointed."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from accounts.access import role_required
from accounts.roles import Role
from exams.models import Attempt
from proctoring.models import AudioChunk, EvidenceFrame


@role_required(Role.PROCTOR, Role.SITE_ADMIN, Role.ORG_ADMIN)
@require_GET
def evidence(request: HttpRequest, frame_id: int) -> Any:  # a FileResponse
    frame = get_object_or_404(
        EvidenceFrame.objects.filter(attempt__in=Attempt.objects.visible_to_staff(request.user)),
        pk=frame_id,
    )
    return FileResponse(frame.image.open("rb"), content_type="image/jpeg")


@role_required(Role.PROCTOR, Role.SITE_ADMIN, Role.ORG_ADMIN)
@require_GET
def audio(request: HttpRequest, chunk_id: int) -> Any:  # a FileResponse
    """An audio chunk (a talking alert's evidence), to the same staff as its attempt's frames."""
    chunk = get_object_or_404(
        AudioChunk.objects.filter(attempt__in=Attempt.objects.visible_to_staff(request.user)),
        pk=chunk_id,
    )
    return FileResponse(chunk.audio.open("rb"), content_type="audio/wav")


@role_required(Role.PROCTOR, Role.SITE_ADMIN, Role.ORG_ADMIN)
@require_GET
def attempt_evidence(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = get_object_or_404(
        Attempt.objects.visible_to_staff(request.user).select_related("registration__candidate"),
        pk=attempt_id,
    )
    snapshots = attempt.evidence_frames.exclude(kind=EvidenceFrame.Kind.FRAME)
    return render(
        request,
        "proctoring/attempt_evidence.html",
        {"attempt": attempt, "snapshots": snapshots, "alerts": attempt.alerts.all()},
    )
