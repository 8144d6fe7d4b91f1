"""The job page (progress, then the result), its JSON status for the page's poll, and the
download of a produced file. Every view fetches the job through ``visible_to``: another
person's job is a 404."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.module_loading import import_string
from django.views.decorators.cache import never_cache
from ninja import Schema

from core.json_views import Operation, json_endpoint
from jobs.models import BackgroundJob
from jobs.services import KINDS


def _job(request: HttpRequest, job_id: int) -> BackgroundJob:
    return get_object_or_404(BackgroundJob.objects.visible_to(request.user), pk=job_id)


@login_required
@never_cache
def detail(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _job(request, job_id)
    kind = KINDS[job.kind]
    result_html = ""
    if job.status == "done":
        context = import_string(kind.context)(job) if kind.context else {}
        result_html = render_to_string(kind.template, {"job": job, **context}, request=request)
    return render(
        request,
        "jobs/detail.html",
        {"job": job, "label": kind.label, "result_html": result_html},
    )


class JobStatusOut(Schema):
    """Where the job stands, for the job page's poll."""

    id: int
    status: str
    done: int
    total: int | None
    percent: int
    finished: bool
    error: str
    download: str | None


@json_endpoint(
    tags=("jobs",),
    get=Operation(
        summary="A background job's progress",
        responses={200: JobStatusOut},
        description="Only the person who started the job sees it; any other job is a 404.",
    ),
)
@login_required
@never_cache
def status(request: HttpRequest, job_id: int) -> JsonResponse:
    job = _job(request, job_id)
    return JsonResponse(
        {
            "id": job.pk,
            "status": job.status,
            "done": job.done,
            "total": job.total,
            "percent": job.percent,
            "finished": job.finished,
            "error": job.error,
            "download": reverse("jobs:download", args=[job.pk]) if job.output else None,
        }
    )


@login_required
def download(request: HttpRequest, job_id: int) -> FileResponse:
    job = _job(request, job_id)
    if not job.output:
        raise Http404
    try:
        handle = job.output.open("rb")
    except OSError as exc:
        raise Http404 from exc
    return FileResponse(handle, as_attachment=True, filename=job.output_name or "download")
