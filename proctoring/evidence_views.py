"""Staff pages of an attempt's evidence: one frame's picture and the attempt's kept frames with
its alerts. Paths stay under ``/vision/`` (``proctoring.evidence_urls``), where alerts' links,
the live console and the review page have always pointed."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from accounts.access import role_required
from accounts.roles import Role
from exams.models import Attempt
from proctoring.models import AudioChunk, EvidenceFrame

# The files an alert may carry as evidence: the model, its file field, and the type served.
EVIDENCE_FILES: dict[str, tuple[type[models.Model], str, str]] = {
    "frame": (EvidenceFrame, "image", "image/jpeg"),
    "audio": (AudioChunk, "audio", "audio/wav"),  # a talking alert's evidence
}


@role_required(Role.PROCTOR, Role.SITE_ADMIN, Role.ORG_ADMIN)
@require_GET
def evidence_file(request: HttpRequest, kind: str, pk: int) -> Any:  # a FileResponse
    """A frame's picture or an audio chunk, to the staff who may see its attempt (anyone else
    gets the same 404 as for a file that does not exist)."""
    model, field, content_type = EVIDENCE_FILES[kind]
    found = get_object_or_404(
        model._default_manager.filter(attempt__in=Attempt.objects.visible_to_staff(request.user)),
        pk=pk,
    )
    return FileResponse(getattr(found, field).open("rb"), content_type=content_type)


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
