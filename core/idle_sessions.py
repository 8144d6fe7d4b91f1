"""Idle time-out: a signed-in session ends after a while without activity.

The session cookie lives ``SESSION_COOKIE_AGE`` (12 hours) at most; a computer left signed in
in an exam room or an office should not stay usable for that long. A session is *idle* when
nothing was heard from it for ``STAFF_IDLE_MINUTES`` (staff) or ``CANDIDATE_IDLE_MINUTES``
(candidates); 0 turns the time-out off for that group.

Activity is a request of the session (``accounts.idle.IdleTimeout``, the middleware) or a
message on one of its WebSockets (``core.socket_sessions``: the exam page's ping every 30 s
among them, so an open exam page never goes idle while the candidate reads without typing).
The time of the last activity sits in the session under ``LAST_ACTIVITY``, rewritten only when
it is at least ``WRITE_EVERY_SECONDS`` old: one session write a minute, not one per request.

This module imports no project app: the role is passed in as its value ("candidate").
"""

from __future__ import annotations

import time
from collections.abc import MutableMapping
from typing import Any

from django.conf import settings

LAST_ACTIVITY = "idle_last_activity"  # seconds since the epoch, an int
WRITE_EVERY_SECONDS = 60
CANDIDATE_ROLE = "candidate"


def limit_seconds(role: str | None) -> int:
    """How long a session of ``role`` may stay idle; 0 for no limit."""
    minutes = (
        settings.CANDIDATE_IDLE_MINUTES if role == CANDIDATE_ROLE else settings.STAFF_IDLE_MINUTES
    )
    return max(int(minutes), 0) * 60


def last_activity(session: MutableMapping[str, Any]) -> int | None:
    value = session.get(LAST_ACTIVITY)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def is_idle(session: MutableMapping[str, Any], role: str | None, now: float | None = None) -> bool:
    """Whether ``session`` has been idle longer than ``role`` allows. A session without a time
    (signed in before the time-out existed) is not idle: its next activity starts the clock."""
    limit = limit_seconds(role)
    last = last_activity(session)
    if not limit or last is None:
        return False
    return (now if now is not None else time.time()) - last > limit


def restart(session: MutableMapping[str, Any], now: float | None = None) -> None:
    """A sign-in: the session's clock starts now, whatever an earlier sign-in left in it."""
    session[LAST_ACTIVITY] = int(now if now is not None else time.time())


def note_activity(session: MutableMapping[str, Any], now: float | None = None) -> bool:
    """Record activity in ``session`` if the recorded time is a minute old or missing; True when
    the session changed (and must be saved)."""
    moment = int(now if now is not None else time.time())
    last = last_activity(session)
    if last is not None and moment - last < WRITE_EVERY_SECONDS:
        return False
    session[LAST_ACTIVITY] = moment
    return True
