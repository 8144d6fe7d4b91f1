"""Authentication backends.

Staff sign in with a username and a password through ``StaffPasswordBackend`` (the Django admin
too). Candidates are signed in by the exam sign-in service after it checked their ID number and
passcode; ``CandidateSessionBackend`` only keeps their session valid. Both refuse accounts staff
locked, so locking an account also ends its sessions at the next request. Failed passwords never
lock (R-EMG-1): they slow the username and the address down (``accounts.throttle``), and a throttled
try is refused before the password is looked at.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import BaseBackend, ModelBackend
from django.http import HttpRequest

from accounts import lockout, throttle
from accounts.models import User
from accounts.roles import Role


class StaffPasswordBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is None or password is None:
            return None
        # The sign-in pages check first, to say when to try again; this keeps every other way
        # into ``authenticate`` (the admin's own form included) under the same delay.
        if throttle.wait("staff", username, request):
            return None
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist:
            User().set_password(password)  # same work as a real check: no timing oracle
            throttle.failed("staff", username, request)
            return None
        if user.role == Role.CANDIDATE and not user.is_superuser:
            return None
        if user.is_locked or not user.is_active:
            return None
        if not user.check_password(password):
            lockout.register_failure(user, request)
            throttle.failed("staff", username, request)
            return None
        lockout.register_success(user)
        throttle.succeeded("staff", username)
        return user

    def user_can_authenticate(self, user: Any) -> bool:
        return (
            bool(super().user_can_authenticate(user))
            and not user.is_locked
            and (user.role != Role.CANDIDATE or user.is_superuser)
        )


class CandidateSessionBackend(BaseBackend):
    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> None:
        return None  # see exams.signin

    def get_user(self, user_id: int) -> User | None:
        try:
            user = User.objects.get(pk=user_id, role=Role.CANDIDATE, is_active=True)
        except User.DoesNotExist:
            return None
        return None if user.is_locked else user
