"""The progressive delay of every sign-in (R-EMG-1): candidates, staff and ``/admin/login/``.

Two counters meet at every sign-in: the name typed (an ID number or a username) and the client
address. A try is refused, before anything is checked, while either still has to wait
(``wait``); a failure adds to both (``failed``); a success forgets the name's failures
(``succeeded``). Nothing here locks an account or touches a session, so someone guessing at
another person's name can make them wait at most ``LOGIN_MAX_DELAY_SECONDS``, never shut them
out or end the exam they are sitting.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import ngettext

from core import ratelimit
from core.errors import Refused
from core.http import client_ip
from core.ratelimit import Backoff


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
    this address; 0 when it may try now."""
    return max(_name(kind).wait(name), _address().wait(_address_of(request)))


def check(kind: str, name: str, request: HttpRequest | None) -> None:
    """Raise ``Throttled`` while ``name`` or the address has to wait."""
    seconds = wait(kind, name, request)
    if seconds:
        raise Throttled(seconds)


def check_rate(request: HttpRequest | None) -> None:
    """Raise ``Throttled`` when the address sent more than ``LOGIN_RATE_PER_MINUTE`` sign-ins
    this minute, right or wrong: a ceiling on floods, set high enough for a room behind one
    NAT address signing in at once."""
    if not ratelimit.hit("login-ip", _address_of(request), limit=settings.LOGIN_RATE_PER_MINUTE):
        raise Throttled(60 - int(time.time()) % 60)


def failed(kind: str, name: str, request: HttpRequest | None) -> int:
    """Count one failure for ``name`` and the address; returns the wait it imposes."""
    return max(_name(kind).fail(name), _address().fail(_address_of(request)))


def succeeded(kind: str, name: str) -> None:
    _name(kind).clear(name)


__all__ = ["Throttled", "check", "check_rate", "failed", "succeeded", "wait"]
