"""Counting failed sign-ins and locking accounts (R-EMG-1).

Counts are changed with single UPDATE statements so that concurrent failures from several web
processes each count once and the lock is set exactly when the limit is reached.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.db.models import Case, F, Value, When
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from audit.services import record


def register_failure(user: User, request: HttpRequest | None = None) -> bool:
    """Count one failed sign-in; returns True if this failure locked the account."""
    limit = settings.LOGIN_FAILURE_LIMIT
    now = timezone.now()
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(
            failed_logins=F("failed_logins") + 1,
            locked_at=Case(
                When(locked_at__isnull=True, failed_logins__gte=limit - 1, then=Value(now)),
                default=F("locked_at"),
            ),
        )
        user.refresh_from_db(fields=["failed_logins", "locked_at"])
        locked_now = user.locked_at == now
        if locked_now:
            record(
                "account.locked",
                actor=None,
                target=user,
                request=request,
                failed_logins=user.failed_logins,
            )
    return locked_now


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
