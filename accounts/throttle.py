"""The progressive delay of every sign-in (R-EMG-1): candidates, staff and ``/admin/login/``.

Two counters meet at every sign-in: the name typed (an ID number or a username) and the client
address. A try is refused, before anything is checked, while either still has to wait
(``wait``); a failure adds to both (``failed``); a success forgets the name's failures
(``succeeded``). Nothing here locks an account or touches a session, so someone guessing at
another person's name can make them wait at most ``LOGIN_MAX_DELAY_SECONDS``, never shut them
out or end the exam they are sitting.

The counters live in the cache (Redis). While it is unreachable the delay cannot be known, and
a sign-in is refused with ``SignInPaused`` (HTTP 503, "try again in a minute") rather than let
through uncounted: the delay is what stands between a stranger and guessing passcodes, and an
outage of Redis is short. Candidates already signed in are not affected (their sessions are in
PostgreSQL) and go on saving answers.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext, ngettext

from core import ratelimit
from core.errors import Refused
from core.http import client_ip
from core.ratelimit import Backoff, Unavailable

logger = logging.getLogger(__name__)


class Throttled(Refused):
    """Too many failed sign-ins: ``retry_after`` seconds to wait; the message says so."""

    code = "throttled"
    status = 429

    def __init__(self, retry_after: int) -> None:
        self.retry_after = max(1, retry_after)
        super().__init__(
            ngettext(
                "Too many failed sign-ins. Try again in %(n)s second.",
                "Too many failed sign-ins. Try again in %(n)s seconds.",
                self.retry_after,
            )
            % {"n": self.retry_after}
        )


class SignInPaused(Throttled):
    """The cache that keeps the delays is unreachable: no sign-in is checked until it is back."""

    code = "unavailable"
    status = 503

    def __init__(self) -> None:
        self.retry_after = 60
        Refused.__init__(
            self,
            gettext(
                "Signing in is paused for a moment while part of the platform restarts. "
                "Try again in a minute."
            ),
        )


def _name(kind: str) -> Backoff:
    return Backoff(
        f"signin-{kind}",
        free=settings.LOGIN_FREE_FAILURES,
        max_seconds=settings.LOGIN_MAX_DELAY_SECONDS,
        memory_seconds=settings.LOGIN_FAILURE_MEMORY_SECONDS,
    )


def _address() -> Backoff:
    return Backoff(
        "signin-address",
        free=settings.LOGIN_FREE_FAILURES_PER_ADDRESS,
        max_seconds=settings.LOGIN_MAX_DELAY_SECONDS,
        memory_seconds=settings.LOGIN_FAILURE_MEMORY_SECONDS,
    )


def _address_of(request: HttpRequest | None) -> str:
    return (client_ip(request) if request is not None else "") or "unknown"


def wait(kind: str, name: str, request: HttpRequest | None) -> int:
    """Seconds before ``name`` (of ``kind``: ``candidate`` or ``staff``) may try again from
    this address; 0 when it may try now. ``SignInPaused`` when that cannot be known."""
    try:
        return max(_name(kind).wait(name), _address().wait(_address_of(request)))
    except Unavailable:
        raise SignInPaused from None


def check(kind: str, name: str, request: HttpRequest | None) -> None:
    """Raise ``Throttled`` while ``name`` or the address has to wait."""
    seconds = wait(kind, name, request)
    if seconds:
        raise Throttled(seconds)


def check_rate(request: HttpRequest | None) -> None:
    """Raise ``Throttled`` when the address sent more than ``LOGIN_RATE_PER_MINUTE`` sign-ins
    this minute, right or wrong: a ceiling on floods, set high enough for a room behind one
    NAT address signing in at once."""
    try:
        allowed = ratelimit.hit(
            "login-ip", _address_of(request), limit=settings.LOGIN_RATE_PER_MINUTE
        )
    except Unavailable:
        raise SignInPaused from None
    if not allowed:
        raise Throttled(60 - int(time.time()) % 60)


def failed(kind: str, name: str, request: HttpRequest | None) -> int:
    """Count one failure for ``name`` and the address; returns the wait it imposes.

    A cache that went away since ``check`` asked it loses this one count (logged): the next
    try is refused by ``check`` until the cache is back, so nothing is guessed uncounted."""
    try:
        return max(_name(kind).fail(name), _address().fail(_address_of(request)))
    except Unavailable:
        logger.warning("a failed %s sign-in was not counted: the cache is unreachable", kind)
        return 0


def succeeded(kind: str, name: str) -> None:
    """Forget the failures of ``name``; without the cache they simply expire on their own."""
    try:
        _name(kind).clear(name)
    except Unavailable:
        logger.warning("a %s sign-in's earlier failures were not cleared: no cache", kind)


__all__ = ["SignInPaused", "Throttled", "check", "check_rate", "failed", "succeeded", "wait"]
