"""Who may see what. Views fetch objects through these helpers, never with bare ``get()``."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse

from accounts.models import User
from accounts.roles import Role


def role_required(
    *roles: Role,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Signed-in users acting in one of ``roles`` (superusers always); others get 403."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not user.has_role(*roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def users_managed_by(user: Any) -> QuerySet[User]:
    """Accounts ``user`` may unlock: a site administrator those of their site's staff and
    candidates, the evaluation organisation everyone."""
    if not user.is_authenticated:
        return User.objects.none()
    if user.has_role(Role.ORG_ADMIN):
        return User.objects.all()
    if user.role == Role.SITE_ADMIN and user.site_id:
        return User.objects.filter(Q(site_id=user.site_id) | Q(candidate__site_id=user.site_id))
    return User.objects.none()
