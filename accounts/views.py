from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import lockout, throttle
from accounts.access import role_required, users_managed_by
from accounts.forms import StaffSignInForm
from accounts.models import User
from accounts.roles import Role
from audit.services import record
from core.errors import as_form_error


def home(request: HttpRequest) -> HttpResponse:
    """Send each person where their work is, by role; everyone else sees the two ways in."""
    user = request.user
    if user.is_authenticated:
        if user.role == Role.CANDIDATE and not user.is_superuser:
            return redirect("exams:exam")
        if user.role in (Role.INSPECTOR, Role.UNIT_STAFF) and not user.is_superuser:
            return redirect("inspections:dashboard")
        if user.has_role(Role.PROCTOR, Role.SITE_ADMIN, Role.ORG_ADMIN):
            return redirect("proctoring:console")
    return render(request, "home.html")


def staff_sign_in(request: HttpRequest) -> HttpResponse:
    form = StaffSignInForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        try:
            throttle.check_rate(request)
            throttle.check("staff", username, request)
            # The backend asks the delay again (SignInPaused if the cache went away since).
            user = authenticate(request, username=username, password=form.cleaned_data["password"])
        except throttle.Throttled as refused:
            as_form_error(form, refused)
            status = refused.status
        else:
            if user is not None:
                login(request, user)
                record("account.signed_in", actor=user, target=user, request=request)
                return redirect(_safe_next(request) or settings.LOGIN_REDIRECT_URL)
            # One answer for an unknown name, a wrong password and a locked account: the page
            # must not tell a stranger which usernames exist or which are locked.
            form.add_error(
                None,
                _(
                    "Wrong username or password, or the account is locked. Check them and try "
                    "again; if it still fails, ask your exam-site administrator or technical "
                    "support."
                ),
            )
            status = 400
    elif request.method == "POST":
        status = 400
    return render(request, "accounts/staff_sign_in.html", {"form": form}, status=status)


def _safe_next(request: HttpRequest) -> str | None:
    target = request.GET.get("next") or request.POST.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, request.is_secure()
    ):
        return target
    return None


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("home")


@role_required(Role.SITE_ADMIN, Role.ORG_ADMIN)
def locked_accounts(request: HttpRequest) -> HttpResponse:
    users = (
        users_managed_by(request.user).filter(locked_at__isnull=False).select_related("candidate")
    )
    return render(request, "accounts/locked_accounts.html", {"users": users.order_by("-locked_at")})


@require_POST
@role_required(Role.SITE_ADMIN, Role.ORG_ADMIN)
def unlock_account(request: HttpRequest, user_id: int) -> HttpResponse:
    target = get_object_or_404(users_managed_by(request.user), pk=user_id)
    if lockout.unlock(target, by=request.user, request=request):  # type: ignore[arg-type]
        messages.success(request, _("Account %(name)s is unlocked.") % {"name": _label(target)})
    else:
        messages.info(request, _("Account %(name)s was not locked.") % {"name": _label(target)})
    return redirect("accounts:locked")


def _label(user: User) -> str:
    candidate = getattr(user, "candidate", None)
    return candidate.name if candidate is not None else user.display_name
