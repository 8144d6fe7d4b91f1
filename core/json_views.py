"""Django views that answer JSON for the platform's scripts, described in the OpenAPI document.

Most of the JSON API is django-ninja (``config.api``). Some endpoints stay plain Django views
because their URL, their body or their authentication is what a page relies on: the recorder's
raw WebM uploads, the phone's paired session, the proctor console's form posts. ``json_endpoint``
makes such a view speak like the API and say what it does:

- every refusal it or Django answers is ``{"code", "message"}`` (``RefusedOut``): 401 when not
  signed in, 403 for a role that may not use it, 404, 405 for a method it does not take, 413 for
  a body over Django's limits;
- the ``Operation`` of each method (what goes in, what comes out) is kept on the view, where
  ``config.openapi_views`` finds it by walking the URL resolver and adds it to the document.

A CSRF failure on such a view is answered in the same shape by ``core.views.csrf_failure``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import wraps
from typing import Any, Literal

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import Schema

# How a caller proves who they are (the OpenAPI security schemes of ``config.openapi_views``):
# "session": a signed-in browser session (the session cookie; the CSRF token in the
# ``X-CSRFToken`` header on unsafe methods); "session_or_phone": that, or the session of a phone
# paired through its QR link (``proctoring.pairing``), same cookie and CSRF rule; "public":
# nothing.
Security = Literal["session", "session_or_phone", "public"]


class RefusedOut(Schema):
    """Every refusal of the JSON API and of these views: ``code`` for programs, ``message`` for
    people (in the language of the request). Some endpoints add fields, which they document."""

    code: str
    message: str


@dataclass(frozen=True)
class Operation:
    """What one method of a JSON view takes and answers, for the OpenAPI document.

    ``responses`` maps status codes to the schema of the body (None: no JSON body, such as a
    redirect); the refusals every such view can answer (401, 403, 404, 413) are added by the
    document itself. The request body is at most one of: ``form`` (fields of a form post;
    ``files`` makes it multipart, each file field with its description), ``json`` (a JSON body)
    or ``raw`` (the media type of a raw body, such as ``video/webm``). ``query`` describes query
    parameters."""

    summary: str
    responses: Mapping[int, type[Schema] | None]
    description: str = ""
    query: type[Schema] | None = None
    form: type[Schema] | None = None
    files: Mapping[str, str] = field(default_factory=dict)
    json: type[Schema] | None = None
    raw: str | None = None
    # JSON schemas of path parameters narrower than their converter's (``<int:view>`` is 1 or 2).
    path: Mapping[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class JsonEndpoint:
    security: Security
    tags: tuple[str, ...]
    operations: Mapping[str, Operation]  # upper-case method -> operation
    # Methods the same URL answers with a page for people (not part of the API).
    page_methods: tuple[str, ...] = ()


def refusal(code: str, message: str, status: int, **extra: Any) -> JsonResponse:
    return JsonResponse({"code": code, "message": message, **extra}, status=status)


def sign_in_refusal() -> JsonResponse:
    return refusal("sign_in", _("Sign in first, then try again."), 401)


def forbidden_refusal() -> JsonResponse:
    return refusal("forbidden", _("Your account may not do this."), 403)


def not_found_refusal() -> JsonResponse:
    return refusal("not_found", _("There is no such item, or you may not see it."), 404)


def method_refusal(request: HttpRequest, allowed: str) -> JsonResponse:
    response = refusal(
        "method_not_allowed",
        _("This address does not take %(method)s requests.") % {"method": request.method},
        405,
    )
    response["Allow"] = allowed
    return response


def too_large_refusal() -> JsonResponse:
    return refusal("too_large", _("The request is too large."), 413)


def json_endpoint(
    *,
    security: Security = "session",
    tags: tuple[str, ...] = (),
    page_methods: tuple[str, ...] = (),
    **operations: Operation,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Mark a Django view as a JSON endpoint of the OpenAPI document (``get=Operation(…)``,
    ``post=…``) and answer its refusals in the ``RefusedOut`` shape. Put it outermost: the
    view's own checks (``role_required``, ``require_POST``) stay as they are and still run;
    this only adds the sign-in check of ``security="session"`` before them (401 instead of
    the sign-in page's redirect) and turns their HTML refusals into JSON."""
    spec = JsonEndpoint(
        security=security,
        tags=tags,
        operations={method.upper(): op for method, op in operations.items()},
        page_methods=tuple(m.upper() for m in page_methods),
    )
    api_methods = set(spec.operations)
    allowed = ", ".join(sorted(api_methods | set(spec.page_methods)))

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            method = (request.method or "").upper()
            if method in spec.page_methods:
                return view(request, *args, **kwargs)
            if method not in api_methods:
                return method_refusal(request, allowed)
            if security == "session" and not request.user.is_authenticated:
                return sign_in_refusal()
            try:
                response = view(request, *args, **kwargs)
            except Http404:
                return not_found_refusal()
            except PermissionDenied:
                return forbidden_refusal()
            except RequestDataTooBig:
                return too_large_refusal()
            if response.status_code == 405 and not _is_json(response):
                return method_refusal(request, response.get("Allow", allowed))
            return response

        wrapped.json_endpoint = spec  # type: ignore[attr-defined]
        return wrapped

    return decorator


def _is_json(response: HttpResponse) -> bool:
    return response.get("Content-Type", "").startswith("application/json")


def endpoint_of(view: Any) -> JsonEndpoint | None:
    """The ``JsonEndpoint`` a URL pattern's view was marked with, or None."""
    return getattr(view, "json_endpoint", None)
