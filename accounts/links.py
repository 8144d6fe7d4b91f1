"""Links that let a member of staff set a password: the invitation of a new account and the reset of
a forgotten password (password recovery, R-EMG-1). Each is sent through the notification gateway
(SMS to the account's mobile phone, e-mail when it has none).

The tokens are Django's password-reset tokens: an HMAC of the account's password hash, last
sign-in and e-mail with a timestamp. Setting a password changes the hash, so a link works once;
sending a new invitation replaces the unusable password, so the older invitation stops working
too. Invitations and resets sign with different salts, so one kind of link never opens the
other kind of page, and each has its own lifetime.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.http import HttpRequest
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role
from notifications import services as notifications
from notifications.models import Delivery

INVITATION = "account.invitation"
PASSWORD_RESET = "account.password_reset"  # noqa: S105 (a purpose, not a password)


class LinkTokens(PasswordResetTokenGenerator):
    """Password-reset tokens with their own salt and lifetime (Django's read one setting)."""

    def __init__(self, key_salt: str, lifetime_setting: str, *, hours: bool = False) -> None:
        super().__init__()
        self.key_salt = key_salt
        self.lifetime_setting = lifetime_setting
        self.hours = hours

    @property
    def lifetime_seconds(self) -> int:
        value = int(getattr(settings, self.lifetime_setting))
        return value * 3600 if self.hours else value

    def check_token(self, user: Any, token: str | None) -> bool:
        if not (user and token):
            return False
        try:
            stamp, _digest = token.split("-")
            issued = base36_to_int(stamp)
        except ValueError:
            return False
        if self._num_seconds(self._now()) - issued > self.lifetime_seconds:
            return False
        return any(
            constant_time_compare(self._make_token_with_timestamp(user, issued, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        )


invitation_tokens = LinkTokens("accounts.links.invitation", "ACCOUNT_INVITATION_HOURS", hours=True)
reset_tokens = LinkTokens("accounts.links.password_reset", "PASSWORD_RESET_TIMEOUT")


def staff_from_uid(uidb64: str) -> User | None:
    """The active staff account a link names, or None (candidates have no password)."""
    try:
        pk = int(urlsafe_base64_decode(uidb64).decode())
    except (ValueError, UnicodeDecodeError):
        return None
    return (
        User.objects.filter(pk=pk, is_active=True)
        .exclude(role=Role.CANDIDATE, is_superuser=False)
        .first()
    )


def reachable(user: User) -> bool:
    return bool(user.phone.strip() or user.email.strip())


def send(user: User, purpose: str, request: HttpRequest) -> Delivery:
    """Queue the link for ``user`` (call inside the transaction that made the account ready)."""
    tokens, view, hours = (
        (invitation_tokens, "accounts:invitation", settings.ACCOUNT_INVITATION_HOURS)
        if purpose == INVITATION
        else (reset_tokens, "accounts:password-reset-confirm", None)
    )
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    url = request.build_absolute_uri(reverse(view, args=[uid, tokens.make_token(user)]))
    if purpose == INVITATION:
        subject = _("Your staff account on Open Proctor")
        body = _(
            "You have a staff account on Open Proctor (username %(username)s). "
            "Open this link within %(hours)s hours to set your password: %(url)s"
        ) % {"username": user.username, "hours": hours, "url": url}
    else:
        minutes = settings.PASSWORD_RESET_TIMEOUT // 60
        subject = _("Set a new password on Open Proctor")
        body = _(
            "Someone asked to set a new password for your Open Proctor account "
            "(username %(username)s). Open this link within %(minutes)s minutes to set it: "
            "%(url)s — if it was not you, ignore this message."
        ) % {"username": user.username, "minutes": minutes, "url": url}
    if user.phone.strip():
        channel, recipient = Delivery.Channel.SMS, user.phone
    else:
        channel, recipient = Delivery.Channel.EMAIL, user.email
    return notifications.queue(
        channel, recipient, body, purpose=purpose, subject=subject, about=user
    )
