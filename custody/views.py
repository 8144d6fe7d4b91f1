"""Staff pages of evidence packages: asking for an attempt's package (built by a worker, see
``custody.jobs``) and verifying an uploaded one.

Both are for staff who may see the attempt (``Attempt.objects.visible_to_staff``): another
attempt's package is neither built nor verified for them, with the same answer as for an
attempt that does not exist. Verifying writes nothing.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import role_required
from accounts.roles import Role
from custody import jobs, verify
from exams.models import Attempt
from jobs import services as job_services

STAFF = (Role.PROCTOR, Role.SITE_ADMIN, Role.ORG_ADMIN)


@role_required(*STAFF)
@require_POST
def package(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """Queue the package of an attempt the user may see; the job page follows its progress."""
    attempt = get_object_or_404(Attempt.objects.visible_to_staff(request.user), pk=attempt_id)
    job = job_services.start(jobs.KIND, request.user, params={"attempt": attempt.pk})
    return redirect("jobs:detail", job.pk)


@role_required(*STAFF)
@require_http_methods(["GET", "POST"])
def verify_page(request: HttpRequest) -> HttpResponse:
    """Upload a package and see whether it is intact, or the first item that is not."""
    context: dict[str, Any] = {"max_mb": settings.EVIDENCE_VERIFY_MAX_BYTES // (1024 * 1024)}
    if request.method == "POST":
        context.update(_verify_upload(request))
    status = 400 if context.get("error") else 200
    return render(request, "custody/verify.html", context, status=status)


def _verify_upload(request: HttpRequest) -> dict[str, Any]:
    upload = request.FILES.get("package")
    if upload is None:
        return {"error": _("Choose the package file (a .zip) to verify.")}
    if upload.size is not None and upload.size > settings.EVIDENCE_VERIFY_MAX_BYTES:
        return {"error": _("The file is larger than the limit.")}
    stream = upload.file
    assert stream is not None  # an uploaded file always has its stream
    try:
        manifest = verify.read_manifest(stream)
    except ValueError as exc:
        return {"error": str(exc)}
    attempt = (
        Attempt.objects.visible_to_staff(request.user)
        .select_related("registration__candidate", "registration__exam")
        .filter(pk=manifest["attempt"])
        .first()
    )
    if attempt is None:
        # The same answer whether the attempt is another room's or does not exist.
        raise Http404
    stream.seek(0)
    verdict = verify.verify(stream)
    return {"verdict": verdict, "attempt": attempt, "filename": upload.name}
