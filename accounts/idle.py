"""The idle time-out's middleware: a session idle for too long is signed out (``core.idle_sessions``
says when), and the sign-in page says why.

The request that finds its session idle goes on as an anonymous one, so each page answers it as
it answers anyone not signed in (the staff pages and the exam pages send to their sign-in page,
the JSON API answers 401/403); the message waits in the new session for the sign-in page.

A candidate whose exam page is open is never signed out: the page's live channel pings every
30 s, which counts as activity, and a session that holds an attempt still in progress is never
ended by the time-out at all (after a long network outage the page must carry on where it was;
the exam's own clock submits a paper left alone). Once the attempt is submitted, the
time-out applies as to any other session.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from accounts.roles import Role
from audit.services import record
from core import idle_sessions


def _exam_in_progress(request: HttpRequest, user_id: int) -> bool:
    """Whether this session holds an attempt still in progress."""
    from exams import attempt_sessions
    from exams.models import Attempt
    from exams.statuses import LIVE

    token = attempt_sessions.token_of(request.session)
    if not token:
        return False
    return Attempt.objects.filter(
        registration__candidate__user_id=user_id, session_token=token, status__in=LIVE
    ).exists()


class IdleTimeout:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            role = getattr(user, "role", None)
            session = request.session
            if idle_sessions.is_idle(session, role) and not (
                role == Role.CANDIDATE and _exam_in_progress(request, user.pk)
            ):
                minutes = idle_sessions.limit_seconds(role) // 60
                record("account.signed_out_idle", actor=user, target=user, request=request)
                logout(request)  # closes the session's sockets too (accounts.signals)
                messages.info(
                    request,
                    _(
                        "You were signed out because your session had no activity for "
                        "%(minutes)d minutes. Sign in again to continue."
                    )
                    % {"minutes": minutes},
                )
            else:
                idle_sessions.note_activity(session)
        return self.get_response(request)
