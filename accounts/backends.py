"""Authentication backends.

Staff sign in with a username and a password through ``StaffPasswordBackend`` (the Django admin
too). Candidates are signed in by the exam sign-in service after it checked their ID number and
passcode; ``CandidateSessionBackend`` only keeps their session valid. Both refuse locked accounts,
so locking an account also ends its sessions at the next request.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import BaseBackend, ModelBackend
from django.http import HttpRequest

from accounts import lockout
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
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist:
            User().set_password(password)  # same work as a real check: no timing oracle
            return None
        if user.role == Role.CANDIDATE and not user.is_superuser:
            return None
        if user.is_locked or not user.is_active:
            return None
        if not user.check_password(password):
            lockout.register_failure(user, request)
            return None
        lockout.register_success(user)
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
