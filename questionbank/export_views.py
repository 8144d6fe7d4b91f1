"""Download of a subject's bank as Moodle XML or a QTI 3.0 content package, for the evaluation
organisation only (the same scope as the bank page: ``Subject.objects.managed_by``); every
download leaves an audit row."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from accounts.access import role_required
from accounts.roles import Role
from audit.services import record
from questionbank.export import moodle_xml, qti_package
from questionbank.models import Subject

# Format name in the audit row, builder, content type, file name ending.
FORMATS = {
    "moodle-xml": (moodle_xml, "application/xml; charset=utf-8", "moodle.xml"),
    "qti-3.0": (qti_package, "application/zip", "qti3.zip"),
}


@role_required(Role.ORG_ADMIN)
def moodle_export(request: HttpRequest, code: str) -> HttpResponse:
    return _download(request, code, "moodle-xml")


@role_required(Role.ORG_ADMIN)
def qti_export(request: HttpRequest, code: str) -> HttpResponse:
    return _download(request, code, "qti-3.0")


def _download(request: HttpRequest, code: str, file_format: str) -> HttpResponse:
    subject = get_object_or_404(Subject.objects.managed_by(request.user), code=code)
    build, content_type, ending = FORMATS[file_format]
    data, left_out = build(subject)
    record(
        "questionbank.exported",
        actor=request.user,
        target=subject,
        request=request,
        format=file_format,
        left_out=left_out,
    )
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{subject.code}-{ending}"'
    return response
