"""The platform's JSON API, described by the OpenAPI document at /api/openapi.json.

The document covers every JSON endpoint: the django-ninja routers mounted here, and the JSON
views that stay Django views (``core.json_views``), which ``config.openapi_views`` adds. Every
refusal, here and there, has the ``RefusedOut`` shape ``{"code", "message"}``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.schema import OpenAPISchema
from ninja.security import django_auth

from config import openapi_views
from core.errors import Refused
from exams.api import router as exam_router


class PlatformAPI(NinjaAPI):
    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        document = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        openapi_views.complete(document)
        return document


api = PlatformAPI(
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


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """django-ninja's own refusals (401 from ``django_auth``, 403 of its CSRF check) and an
    endpoint's ``HttpError`` in the ``RefusedOut`` shape (django-ninja answers ``{"detail"}``)."""
    status = exc.status_code
    if isinstance(exc, AuthenticationError) or status == 401:
        code, message = "sign_in", _("Sign in first, then try again.")
    elif status == 403 and str(exc) == "CSRF check Failed":
        code, message = "csrf", _("The page is out of date: reload it and try again.")
    elif status == 400 and str(exc).startswith("Cannot parse request body"):
        code, message = "malformed", _("The request body cannot be read. Send it again as JSON.")
    else:
        code = {403: "forbidden", 404: "not_found", 409: "conflict"}.get(status, "refused")
        message = str(exc)
    return api.create_response(request, {"code": code, "message": message}, status=status)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(
        request,
        {"code": "not_found", "message": _("There is no such item, or you may not see it.")},
        status=404,
    )


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
