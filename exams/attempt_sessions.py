"""One attempt, one browser session: who may use a live attempt, and when another may take it
(the sign-in of R-EXAM-3 admits one browser at a time).

Signing in gives the browser session a random token (``start``); the first session to reach
the attempt's pages or API claims the attempt with it (``Attempt.session_token``) and keeps it
alive by being heard from (``touch``: answer saves, reading the paper, page events, its live
channel's ping every 30 s). A session is *alive* while it was heard from within
``EXAM_SESSION_ALIVE_SECONDS``.

Another session of the same candidate:

- is refused at sign-in while the owner is alive (``signin`` calls ``refusal_at_sign_in``):
  the owner's page goes on exactly as before, and the room's proctor hears of the try;
- otherwise (the owner's computer died) may take the attempt over, but an identity check
  passed by the old session does not pass to it: past the identity step of an exam that
  requires one, it must pass the face check (or a staff review) itself, after its own
  sign-in, before it sees the paper (``access`` says ``REVERIFY``). The takeover is told to
  the proctor too.

Exams do not import proctoring: the proctor's alert is raised by the receiver of
``exams.signals.second_sign_in``.
"""

from __future__ import annotations

import datetime as dt
import enum
import secrets
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.dateparse import parse_datetime

from audit.services import record
from exams import identity, signals
from exams.models import Attempt
from exams.statuses import LIVE, STEPS, AttemptStatus

SESSION_TOKEN = "exam_session_token"  # noqa: S105 - a session key's name, not a secret
SESSION_SIGNED_IN_AT = "exam_signed_in_at"

# Statuses after a passed identity step: the ones a new session must not inherit.
PAST_IDENTITY = frozenset(STEPS[STEPS.index(AttemptStatus.IDENTITY_VERIFIED) :])
# How often a session's being alive is written: one UPDATE per session every few seconds,
# not one per answer.
TOUCH_EVERY = dt.timedelta(seconds=10)


class Access(enum.Enum):
    OK = "ok"
    ELSEWHERE = "elsewhere"  # another session holds the attempt and is alive
    REVERIFY = "reverify"  # this session must pass the identity check itself first


def start(request: HttpRequest) -> None:
    """Give the just signed-in session its own token (``login`` has already rotated the key)."""
    request.session[SESSION_TOKEN] = secrets.token_urlsafe(32)
    request.session[SESSION_SIGNED_IN_AT] = timezone.now().isoformat()


def token_of(session: SessionBase | dict[str, Any]) -> str:
    return str(session.get(SESSION_TOKEN) or "")


def signed_in_at(session: SessionBase | dict[str, Any]) -> dt.datetime | None:
    value = session.get(SESSION_SIGNED_IN_AT)
    return parse_datetime(value) if isinstance(value, str) else None


def owns(session: SessionBase | dict[str, Any], attempt: Attempt) -> bool:
    token = token_of(session)
    return bool(token and attempt.session_token) and constant_time_compare(
        token, attempt.session_token
    )


def is_alive(attempt: Attempt, now: dt.datetime | None = None) -> bool:
    """Whether the session holding ``attempt`` was heard from lately."""
    if not attempt.session_token or attempt.session_seen_at is None:
        return False
    now = now or timezone.now()
    return now - attempt.session_seen_at < dt.timedelta(seconds=settings.EXAM_SESSION_ALIVE_SECONDS)


def _needs_own_identity(attempt: Attempt) -> bool:
    return bool(attempt.registration.exam.requires_identity) and attempt.status in PAST_IDENTITY


def refusal_at_sign_in(attempt: Attempt | None, *, request: HttpRequest | None = None) -> bool:
    """True when a new sign-in must be refused because ``attempt`` is held by a live session;
    the proctor is told (nothing of the attempt changes)."""
    if attempt is None or attempt.status not in LIVE or not is_alive(attempt):
        return False
    record("attempt.second_sign_in_refused", target=attempt, request=request)
    signals.second_sign_in.send(Attempt, attempt=attempt, outcome="refused")
    return True


def access(request: HttpRequest, attempt: Attempt) -> Access:
    """May this request's session use ``attempt`` now? Claims the attempt for the session when
    nobody alive holds it and nothing stands in the way; keeps an owner alive."""
    session = request.session
    if not token_of(session):
        # Signed in before sessions had tokens: it gets one now, and counts as signed in now.
        start(request)
    if owns(session, attempt):
        touch(session, attempt)
        return Access.OK
    if attempt.status not in LIVE:
        return Access.OK  # a finished attempt has nothing left to hold
    if is_alive(attempt):
        return Access.ELSEWHERE
    if _needs_own_identity(attempt) and not identity_passed_in_session(session, attempt):
        return Access.REVERIFY
    return Access.OK if claim(request, attempt) else Access.ELSEWHERE


def identity_passed_in_session(session: SessionBase | dict[str, Any], attempt: Attempt) -> bool:
    """Whether the candidate passed the face check (or a staff review) since this session
    signed in, and since the attempt began."""
    since = signed_in_at(session)
    if since is None:
        return False
    return identity.identity_passed(attempt, since=max(since, attempt.created_at)) is not None


def claim(request: HttpRequest, attempt: Attempt) -> bool:
    """Make this request's session the attempt's holder, unless a live session got there first
    (a conditional UPDATE: two sessions claiming at once, one wins)."""
    token = token_of(request.session)
    if not token:
        return False
    now = timezone.now()
    alive_since = now - dt.timedelta(seconds=settings.EXAM_SESSION_ALIVE_SECONDS)
    previous = attempt.session_token
    claimed = (
        Attempt.objects.filter(pk=attempt.pk)
        .filter(
            Q(session_token="")
            | Q(session_token=token)
            | Q(session_seen_at__isnull=True)
            | Q(session_seen_at__lt=alive_since)
        )
        .update(session_token=token, session_seen_at=now)
    )
    if not claimed:
        return False
    attempt.session_token, attempt.session_seen_at = token, now
    if previous and previous != token:
        # A session that was not alive any more has been replaced: the proctor should know.
        record("attempt.session_taken_over", target=attempt, request=request)
        signals.second_sign_in.send(Attempt, attempt=attempt, outcome="took_over")
    return True


def touch(session: SessionBase | dict[str, Any], attempt: Attempt | int) -> None:
    """The holder was heard from: keep its attempt alive (at most one write per
    ``TOUCH_EVERY``)."""
    token = token_of(session)
    if not token:
        return
    now = timezone.now()
    # The row as just read (the save path reads it locked) says it was heard from lately: the
    # conditional UPDATE below would change nothing. Skipping it saves a query per save.
    if (
        isinstance(attempt, Attempt)
        and attempt.session_token == token
        and attempt.session_seen_at is not None
        and attempt.session_seen_at >= now - TOUCH_EVERY
    ):
        return
    attempt_id = attempt if isinstance(attempt, int) else attempt.pk
    Attempt.objects.filter(pk=attempt_id, session_token=token).filter(
        Q(session_seen_at__isnull=True) | Q(session_seen_at__lt=now - TOUCH_EVERY)
    ).update(session_seen_at=now)
    if (
        isinstance(attempt, Attempt)
        and attempt.session_token == token
        and (attempt.session_seen_at is None or attempt.session_seen_at < now - TOUCH_EVERY)
    ):
        attempt.session_seen_at = now
