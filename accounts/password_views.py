"""Setting a password: from an invitation link, from a reset link (asked for on the sign-in
page: password recovery, R-EMG-1), or by a signed-in member of staff changing theirs.

A link's token is moved into the session at once and the browser sent on to a URL without it,
so the token does not leak through the Referer header or the history of a shared computer
(what Django's own reset views do)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts import links
from accounts.access import role_required
from accounts.forms import PasswordResetRequestForm
from accounts.models import User
from accounts.roles import STAFF_ROLES, Role
from audit.services import record
from core import ratelimit
from core.http import client_ip

SESSION_TOKEN = "_password_link_token"  # noqa: S105 (a session key)
IN_SESSION = "set-password"


def invitation(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    return _set_password(request, uidb64, token, links.invitation_tokens, "invitation")


def reset_confirm(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    return _set_password(request, uidb64, token, links.reset_tokens, "reset")


def _set_password(
    request: HttpRequest, uidb64: str, token: str, tokens: links.LinkTokens, kind: str
) -> HttpResponse:
    user = links.staff_from_uid(uidb64)
    if token != IN_SESSION:
        if user is not None and tokens.check_token(user, token):
            request.session[SESSION_TOKEN] = token
            return redirect(request.path.replace(token, IN_SESSION))
        return _link_invalid(request, kind)
    token = request.session.get(SESSION_TOKEN, "")
    if user is None or not tokens.check_token(user, token):
        return _link_invalid(request, kind)
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            # Checked again under a row lock: two submissions of one link set one password.
            locked = User.objects.select_for_update().get(pk=user.pk)
            if not tokens.check_token(locked, token):
                return _link_invalid(request, kind)
            form.user = locked
            form.save()
            action = (
                "account.invitation_accepted" if kind == "invitation" else "account.password_reset"
            )
            record(action, actor=locked, target=locked, request=request)
        del request.session[SESSION_TOKEN]
        messages.success(
            request,
            _("Your password is set. Sign in with your username %(u)s.") % {"u": user.username},
        )
        return redirect("accounts:staff-login")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "accounts/set_password.html",
        {"form": form, "account": user, "kind": kind},
        status=status,
    )


def _link_invalid(request: HttpRequest, kind: str) -> HttpResponse:
    return render(request, "accounts/link_invalid.html", {"kind": kind}, status=400)


def reset_request(request: HttpRequest) -> HttpResponse:
    """Ask for a reset link. The answer is the same whether or not the username exists, has a
    phone or e-mail, or asked too often: nobody learns from it which accounts exist."""
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not ratelimit.hit(
            "password-reset-ip", client_ip(request), limit=settings.PASSWORD_RESET_RATE_PER_MINUTE
        ):
            form.add_error(
                None, _("Too many requests from this address. Wait a minute and try again.")
            )
            return render(request, "accounts/password_reset.html", {"form": form}, status=429)
        username = form.cleaned_data["username"].strip()
        allowed = ratelimit.hit(
            "password-reset-user",
            username.lower(),
            limit=settings.PASSWORD_RESETS_PER_HOUR,
            window_seconds=3600,
        )
        user = (
            User.objects.filter(username__iexact=username, is_active=True)
            .exclude(role=Role.CANDIDATE, is_superuser=False)
            .first()
        )
        if allowed and user is not None and links.reachable(user):
            with transaction.atomic():
                delivery = links.send(user, links.PASSWORD_RESET, request)
                record(
                    "account.password_reset_sent",
                    actor=None,
                    target=user,
                    request=request,
                    channel=delivery.channel,
                    delivery=delivery.pk,
                )
        return render(request, "accounts/password_reset_sent.html")
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/password_reset.html", {"form": form}, status=status)


@role_required(*STAFF_ROLES)
def change_password(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            user = form.save()
            record("account.password_changed", actor=user, target=user, request=request)
        update_session_auth_hash(request, user)  # this session stays signed in, others end
        messages.success(request, _("Your password is changed."))
        return redirect("home")
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/change_password.html", {"form": form}, status=status)
