"""A user's open WebSockets close when their session can no longer be trusted: on sign-out,
and when the account is deactivated, changes role or changes password
(``core.socket_sessions``)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from accounts.models import User
from core import idle_sessions
from core.socket_sessions import close_user_sockets

# What a socket was authorised by: a change of any of them ends the user's sockets.
TRUSTED_FIELDS = ("is_active", "role", "password", "site_id")


@receiver(user_logged_in)
def _signed_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    # A sign-in into a session that was signed in before keeps its data: the idle clock must
    # not carry over from then (core.idle_sessions).
    if request is not None and hasattr(request, "session"):
        idle_sessions.restart(request.session)


@receiver(user_logged_out)
def _signed_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None and user.pk is not None:
        close_user_sockets(user.pk)


@receiver(pre_save, sender=User)
def _remember_trusted_fields(
    sender: Any, instance: User, update_fields: Any = None, **kwargs: Any
) -> None:
    instance._trusted_before = None  # type: ignore[attr-defined]
    if instance.pk is None:
        return
    if update_fields is not None and not {"is_active", "role", "password", "site"} & set(
        update_fields
    ):
        return  # e.g. the last-login time written at every sign-in
    before = User.objects.filter(pk=instance.pk).values(*TRUSTED_FIELDS).first()
    instance._trusted_before = before  # type: ignore[attr-defined]


@receiver(post_save, sender=User)
def _close_sockets_on_change(sender: Any, instance: User, created: bool, **kwargs: Any) -> None:
    before = getattr(instance, "_trusted_before", None)
    if created or before is None:
        return
    if any(before[field] != getattr(instance, field) for field in TRUSTED_FIELDS):
        close_user_sockets(instance.pk)
