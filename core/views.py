"""Views that belong to no app: the health check and the answer to a failed CSRF check.
``core`` imports no project app, so pages that depend on who is signed in (the home page goes by
role) live in ``accounts.views``."""

from __future__ import annotations

import random
import sys

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from django.views import defaults
from ninja import Schema

from core import unavailable
from core.admission import busy_message, is_overload
from core.json_views import Operation, endpoint_of, json_endpoint, refusal


class HealthOut(Schema):
    """The web process answers and reaches its database."""

    status: str


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page links: the SVG icon, not a 404 in every
    log. Resolved per request, not at import: with the manifest storage of production the hashed
    name exists only after collectstatic, and processes that never serve pages (workers, beat,
    migrate) import the URLs without it."""
    return redirect(static("img/favicon.svg"), permanent=True)


@json_endpoint(
    security="public",
    tags=("platform",),
    get=Operation(
        summary="Liveness and database reachability",
        responses={200: HealthOut},
        description="For load balancers and the compose health check; no sign-in.",
    ),
)
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database reachability, for load balancers and the compose health check."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def server_error(request: HttpRequest) -> HttpResponse:
    """The platform's 500 handler. A request that failed because the database had no connection
    for it in time (the pool exhausted, PostgreSQL refusing more clients) is answered 503 with
    Retry-After, in JSON on the API, like the admission gate's refusals: the client retries and
    nothing is lost. Any other failure is the usual 500 page."""
    exception = sys.exc_info()[1]
    if not is_overload(exception):
        # Redis or a database connection away in a middleware (the session, the user): the
        # same "try again" a view's exception gets from core.unavailable.
        return unavailable.response_for(request, exception) or defaults.server_error(request)
    retry = str(random.randint(2, 6))  # noqa: S311 (spreading retries, not a secret)
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {"code": "busy", "message": busy_message()}, status=503
        )
    else:
        response = HttpResponse(
            busy_message(), content_type="text/plain; charset=utf-8", status=503
        )
    response["Retry-After"] = retry
    return response


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """``CSRF_FAILURE_VIEW``: a JSON endpoint (``core.json_views``) answers 403 in the
    ``RefusedOut`` shape its script reads; a page gets the project's own, in the reader's
    language (Django's is English only and speaks of referers and tokens)."""
    try:
        view = resolve(request.path_info).func
    except Resolver404:
        view = None
    if endpoint_of(view) is not None:
        return refusal("csrf", _("The page is out of date: reload it and try again."), 403)
    return render(request, "403_csrf.html", status=403)
