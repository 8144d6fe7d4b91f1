"""Counting failed sign-ins and unlocking accounts (R-EMG-1).

Failures no longer lock an account: a lock anyone could trigger by typing someone's name would
shut candidates out of their exam (``accounts.throttle`` slows guessing down instead). The
count stays as information for support, and an account staff locked by hand stays locked
until it is unlocked here. Counts change with single UPDATE statements, so concurrent failures
from several web processes each count once.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.http import HttpRequest

from accounts.models import User
from audit.services import record


def register_failure(user: User, request: HttpRequest | None = None) -> None:
    """Count one failed sign-in of ``user``."""
    User.objects.filter(pk=user.pk).update(failed_logins=F("failed_logins") + 1)


def register_success(user: User) -> None:
    if user.failed_logins:
        User.objects.filter(pk=user.pk).update(failed_logins=0)
        user.failed_logins = 0


def unlock(user: User, *, by: User, request: HttpRequest | None = None) -> bool:
    """Unlock ``user``; returns False when the account was not locked."""
    with transaction.atomic():
        updated = User.objects.filter(pk=user.pk, locked_at__isnull=False).update(
            locked_at=None, failed_logins=0
        )
        if updated:
            record("account.unlocked", actor=by, target=user, request=request)
    user.refresh_from_db(fields=["failed_logins", "locked_at"])
    return bool(updated)
