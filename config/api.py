"""The platform's JSON API, described by the OpenAPI document at /api/openapi.json."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.security import django_auth

from core.errors import Refused
from exams.api import router as exam_router

api = NinjaAPI(
    title="Open Proctor API",
    version="1",
    urls_namespace="api",
    auth=django_auth,  # session cookie + CSRF token on unsafe methods
    docs_url=None,  # the Swagger UI loads from a CDN; the OpenAPI document is served as JSON
)
api.add_router("/exam/", exam_router)


@api.exception_handler(Refused)
def refused(request: HttpRequest, exc: Refused) -> HttpResponse:
    """A refusal no endpoint answered itself becomes its HTTP error with ``{"code", "message"}``
    (the shape of ``RefusedOut``), never a server error."""
    return api.create_response(
        request, {"code": exc.code, "message": str(exc.message)}, status=exc.status
    )
