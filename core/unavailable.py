"""The answer to a request refused because a service it needs is briefly away.

A rate limit that fails closed raises ``ratelimit.Unavailable`` when Redis does not answer
(``core.ratelimit``). Views that do not catch it themselves end here: the API answers 503 with
``{"code", "message"}``, pages answer a 503 page saying to try again in a minute, and neither is
logged as a server error (the outage itself is logged once, where it was noticed).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.errors import as_json
from core.ratelimit import Unavailable


class UnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, Unavailable):
            return None
        if request.path.startswith("/api/") or "json" in request.headers.get("Accept", ""):
            response: HttpResponse = as_json(exception)
        else:
            response = render(
                request, "503.html", {"message": str(exception.message)}, status=exception.status
            )
        response["Retry-After"] = "60"
        return response
