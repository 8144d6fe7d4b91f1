"""Staff accounts made through the pages: a site administrator gives the proctors and evaluators of
their site a login (R-CERT-6), the evaluation organisation makes site administrators. The new
account has no usable password; an invitation link (``accounts.links``) lets its owner set one."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from accounts import links
from accounts.models import User
from accounts.roles import Role
from audit.services import record
from core.errors import Refused


class InvitationRefused(Refused):
    code = "invitation_refused"


def may_invite(by: Any, site: Any, role: str) -> bool:
    """Who may make which account: the evaluation organisation a proctor or site administrator
    for any site; a site administrator proctors for their own site only."""
    if not getattr(by, "is_authenticated", False) or not by.is_active:
        return False
    if by.has_role(Role.ORG_ADMIN):
        return role in (Role.PROCTOR, Role.SITE_ADMIN)
    return by.role == Role.SITE_ADMIN and by.site_id == site.pk and role == Role.PROCTOR


def create(
    *,
    site: Any,
    role: str,
    username: str,
    full_name: str,
    phone: str = "",
    email: str = "",
    by: Any,
    request: HttpRequest,
) -> User:
    """Make the account and send its invitation, in one transaction with the audit row.
    Raises ``InvitationRefused`` (nothing written) when ``by`` may not, the username is taken or
    there is nowhere to send the invitation."""
    if not may_invite(by, site, role):
        raise InvitationRefused(_("You may not create this account for this exam site."))
    username = username.strip()
    if not (phone.strip() or email.strip()):
        raise InvitationRefused(
            _("Give a mobile phone or an e-mail address: the invitation is sent there.")
        )
    with transaction.atomic():
        if User.objects.filter(username__iexact=username).exists():
            raise InvitationRefused(
                _("The username %(u)s is taken; choose another.") % {"u": username}
            )
        user = User(
            username=username,
            first_name=full_name.strip(),
            role=role,
            site=site,
            phone=phone.strip(),
            email=email.strip(),
        )
        user.set_unusable_password()
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:  # someone took the name between the check and the save
            raise InvitationRefused(
                _("The username %(u)s is taken; choose another.") % {"u": username}
            ) from None
        record("account.created", actor=by, target=user, request=request, role=role, site=site.pk)
        _send(user, by=by, request=request)
    return user


def resend(user: User, *, by: Any, request: HttpRequest) -> None:
    """Send a new invitation; the earlier one stops working. Only for an account whose owner
    has not set a password yet (anything else would lock them out)."""
    if user.site is None or not may_invite(by, user.site, user.role):
        raise InvitationRefused(_("You may not invite this account."))
    if user.has_usable_password():
        raise InvitationRefused(
            _("%(u)s has already set a password; they can reset it from the sign-in page.")
            % {"u": user.username}
        )
    if not links.reachable(user):
        raise InvitationRefused(_("The account has no mobile phone or e-mail address."))
    with transaction.atomic():
        user.set_unusable_password()  # a new random hash: the old link no longer matches
        user.save(update_fields=["password"])
        _send(user, by=by, request=request)


def _send(user: User, *, by: Any, request: HttpRequest) -> None:
    delivery = links.send(user, links.INVITATION, request)
    record(
        "account.invitation_sent",
        actor=by,
        target=user,
        request=request,
        channel=delivery.channel,
        delivery=delivery.pk,
    )
