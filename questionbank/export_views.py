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


@role_required(Role.ORG_ADMIN)
def moodle_export(request: HttpRequest, code: str) -> HttpResponse:
    subject = get_object_or_404(Subject.objects.managed_by(request.user), code=code)
    data, left_out = moodle_xml(subject)
    record(
        "questionbank.exported",
        actor=request.user,
        target=subject,
        request=request,
        format="moodle-xml",
        left_out=left_out,
    )
    response = HttpResponse(data, content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{subject.code}-moodle.xml"'
    return response


@role_required(Role.ORG_ADMIN)
def qti_export(request: HttpRequest, code: str) -> HttpResponse:
    subject = get_object_or_404(Subject.objects.managed_by(request.user), code=code)
    data, left_out = qti_package(subject)
    record(
        "questionbank.exported",
        actor=request.user,
        target=subject,
        request=request,
        format="qti-3.0",
        left_out=left_out,
    )
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{subject.code}-qti3.zip"'
    return response
