"""The project's own "page not found" page also while ``DEBUG`` is on (the embedded ``make run``).

Django answers a 404 under ``DEBUG`` with its technical page (yellow, in English, listing the
URL patterns), whatever ``handler404`` says; a newcomer trying the product then meets it on a
mistyped address or a public certificate link that does not exist. With ``DEBUG_OWN_ERROR_PAGES``
on (the dev settings' default), this middleware gives the same page production gives. Off
``DEBUG`` it does nothing: Django already uses the project's templates (``404.html``,
``403.html``, ``500.html``, ``core.views.csrf_failure``). A server error under ``DEBUG`` keeps
Django's technical page: it is what a developer needs to see.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.views import defaults


class OwnNotFoundPage:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def _active(self) -> bool:
        return bool(settings.DEBUG and getattr(settings, "DEBUG_OWN_ERROR_PAGES", False))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._active():
            try:
                resolve(request.path_info, getattr(request, "urlconf", None))
            except Resolver404 as exc:
                # CommonMiddleware (outside) still redirects a path missing its slash.
                return defaults.page_not_found(request, exc)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if self._active() and isinstance(exception, Http404):
            return defaults.page_not_found(request, exception)
        return None
