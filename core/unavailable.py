"""The answer to a request refused because a service it needs is briefly away.

Two cases end here, for views that do not handle them themselves:

- a rate limit that fails closed could not count the request because Redis does not answer
  (``ratelimit.Unavailable``, see ``core.ratelimit``);
- the request's PostgreSQL connection was lost while the request used it (the server
  restarted, failed over, or an administrator ended the session). The pool replaces such
  connections before lending them (``CONN_HEALTH_CHECKS``), but a request already holding one
  cannot be saved: what it did is rolled back, and it is answered "try again" instead of a
  server error. The exam page sends an unacknowledged answer again in any case, and a save is
  safe to repeat (its sequence number decides).

The API answers 503 with ``{"code", "message"}``, pages answer a 503 page saying to try again
in a minute (``templates/503.html``), both with ``Retry-After``. The outage is logged as a
warning, not as a server error.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.errors import as_json
from core.ratelimit import Unavailable

logger = logging.getLogger(__name__)


def _connection_lost() -> bool:
    """Whether a database connection of this thread broke (not a query that failed)."""
    for connection in connections.all(initialized_only=True):
        raw = connection.connection
        if raw is not None and (raw.closed or getattr(raw, "broken", False)):
            return True
    return False


def response_for(request: HttpRequest, exception: BaseException | None) -> HttpResponse | None:
    """The 503 "try again" for ``exception`` when it says a service is briefly away, else None.
    Used by the middleware for exceptions of views and by the platform's 500 handler
    (``core.views.server_error``) for those raised before the view, in a middleware that
    reads the session or the user."""
    if isinstance(exception, Unavailable):
        refusal = exception
    elif isinstance(exception, (OperationalError, InterfaceError)) and _connection_lost():
        logger.warning(
            "%s %s: database connection lost: %s", request.method, request.path, exception
        )
        refusal = Unavailable()
    else:
        return None
    if request.path.startswith("/api/") or "json" in request.headers.get("Accept", ""):
        response: HttpResponse = as_json(refusal)
        # Scripts retry by themselves (the exam page resends the answer after this time): a
        # few seconds, not the minute a person is asked to wait.
        response["Retry-After"] = "5"
    else:
        # A page of its own, in both languages, that needs no session, user or database.
        response = render(request, "503.html", status=refusal.status)
        response["Retry-After"] = "60"
    return response


class UnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        return response_for(request, exception)
