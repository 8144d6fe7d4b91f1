"""The platform's JSON API, described by the OpenAPI document at /api/openapi.json."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import ValidationError
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


@api.exception_handler(ValidationError)
def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """A body, path or query that does not fit the schema: 422 in the ``RefusedOut`` shape that
    every endpoint documents, naming each field and what is wrong with it."""
    problems = "; ".join(
        f"{'.'.join(str(part) for part in error.get('loc', ()) if part != 'body')}: "
        f"{error.get('msg', '')}"
        for error in exc.errors
    )
    message = _("The request does not have the form this endpoint accepts: %(problems)s") % {
        "problems": problems
    }
    return api.create_response(request, {"code": "invalid_request", "message": message}, status=422)


@api.exception_handler(RequestDataTooBig)
def too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return api.create_response(
        request,
        {"code": "too_large", "message": _("The request is too large.")},
        status=413,
    )


class JsonMethodErrors:
    """A wrong method on an API path answers 405 in JSON like every other API error (django-ninja
    answers it in plain text), keeping the ``Allow`` header."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code == 405
            and request.path.startswith("/api/")
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            allowed = response.get("Allow", "")
            response = JsonResponse(
                {
                    "code": "method_not_allowed",
                    "message": _("This address does not take %(method)s requests.")
                    % {"method": request.method},
                },
                status=405,
            )
            response["Allow"] = allowed
        return response
