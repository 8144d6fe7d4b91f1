"""One type for every request the platform refuses, and one way to show a refusal.

A service raises a subclass of ``Refused`` (``FlowRefused``, ``ActionRefused``…) with a
sentence for people; a view turns it into what its client reads: ``as_message`` (a django
message on the next page), ``as_form_error`` (an error at the top of a form) or ``as_json`` (an
HTTP error of ``status`` with ``{"code", "message"}`` for programs). The JSON API does the last
for every refusal a handler lets through (``config.api``). ``core`` imports no project app, so
every app can raise these.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.forms import BaseForm
from django.http import HttpRequest, JsonResponse


class Refused(Exception):
    """A request refused for a reason people can read; nothing was changed.

    ``message`` is for people, already translated (or lazily translated); ``code`` names the
    reason for programs (the class's ``code`` unless given); ``status`` is the HTTP status the
    refusal becomes on an API (the class's ``status``, 400, unless given).
    """

    code: str = "refused"
    status: int = 400

    def __init__(self, message: Any, *, code: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status


def as_message(request: HttpRequest, refused: Refused, *, prefix: str = "") -> None:
    """Show the refusal as an error message on the next page (``prefix`` names the item)."""
    messages.error(request, f"{prefix}{refused.message}" if prefix else refused.message)


def as_form_error(form: BaseForm, refused: Refused) -> None:
    """Show the refusal at the top of ``form``, which is then shown again."""
    form.add_error(None, str(refused.message))


def as_json(refused: Refused, *, status: int | None = None, **extra: Any) -> JsonResponse:
    """The refusal as an HTTP error for programs: ``{"code", "message", **extra}``."""
    body = {"code": refused.code, "message": str(refused.message), **extra}
    return JsonResponse(body, status=status or refused.status)
