"""Exam-site screens: the application and the organisation's review, staff, rooms (R-CERT-5…7)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import invitations
from accounts.access import role_required
from accounts.models import User
from accounts.roles import Role
from audit.services import record
from centres import services
from centres.forms import (
    ApplicationForm,
    LoginFields,
    ReviewForm,
    RoomForm,
    SiteAdminForm,
    StaffMemberForm,
)
from centres.models import Room, Site, StaffMember
from centres.statuses import SiteStatus
from core.errors import Refused, as_message


def _user(request: HttpRequest) -> Any:
    """The signed-in user (views here are behind ``role_required``)."""
    return request.user


@role_required(Role.SITE_ADMIN, Role.ORG_ADMIN)
def site_list(request: HttpRequest) -> HttpResponse:
    sites = Site.objects.visible_to(request.user).select_related("institution")
    status = request.GET.get("status", "")
    if status in SiteStatus.values:
        sites = sites.filter(status=status)
    q = request.GET.get("q", "").strip()
    if q:
        sites = sites.filter(name__icontains=q) | sites.filter(code__iexact=q)
    page = Paginator(sites, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "centres/site_list.html",
        {"page": page, "statuses": SiteStatus.choices, "status": status, "q": q},
    )


@role_required(Role.SITE_ADMIN, Role.ORG_ADMIN)
def site_detail(request: HttpRequest, site_id: int) -> HttpResponse:
    site = get_object_or_404(Site.objects.visible_to(request.user), pk=site_id)
    is_org = _user(request).has_role(Role.ORG_ADMIN)
    return render(
        request,
        "centres/site_detail.html",
        {
            "site": site,
            "rooms": site.rooms.prefetch_related("proctors"),
            "proctors": list(services.site_proctors(site)),
            "staff": site.staff_members.select_related("account"),
            "site_admins": User.objects.filter(site=site, role=Role.SITE_ADMIN).order_by(
                "username"
            ),
            "login_form": LoginFields(),
            "admin_form": SiteAdminForm(),
            "application_form": ApplicationForm(initial={"application": site.application}),
            "review_form": ReviewForm(),
            "room_form": RoomForm(site=site),
            "staff_form": StaffMemberForm(),
            "is_org": is_org,
            "can_apply": site.status in (SiteStatus.DRAFT, SiteStatus.REJECTED)
            and _user(request).role == Role.SITE_ADMIN,
        },
    )


@require_POST
@role_required(Role.SITE_ADMIN)
def apply(request: HttpRequest, site_id: int) -> HttpResponse:
    site = get_object_or_404(Site.objects.visible_to(request.user), pk=site_id)
    form = ApplicationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Describe your staff, equipment and premises."))
    elif site.status not in (SiteStatus.DRAFT, SiteStatus.REJECTED):
        messages.error(request, _("This site has already applied."))
    elif services.apply(
        site, form.cleaned_data["application"], actor=request.user, request=request
    ):
        messages.success(request, _("Your application was sent to the evaluation organisation."))
    return redirect("centres:detail", site_id=site.pk)


@require_POST
@role_required(Role.ORG_ADMIN)
def review(request: HttpRequest, site_id: int) -> HttpResponse:
    site = get_object_or_404(Site.objects.visible_to(request.user), pk=site_id)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
    elif site.status != SiteStatus.APPLIED:
        messages.error(request, _("Only an application under review can be decided."))
    else:
        services.review(
            site,
            approve=form.cleaned_data["decision"] == "approve",
            reason=form.cleaned_data["reason"].strip(),
            actor=request.user,
            request=request,
        )
        messages.success(request, _("The decision was recorded."))
    return redirect("centres:detail", site_id=site.pk)


def _label(form: Any, field: str) -> str:
    return str(form.fields[field].label) if field in form.fields else ""


def _own_site(request: HttpRequest, site_id: int) -> Site:
    """Staff and rooms are set up by the site itself (or the organisation on its behalf)."""
    return get_object_or_404(Site.objects.visible_to(request.user), pk=site_id)


@require_POST
@role_required(Role.SITE_ADMIN, Role.ORG_ADMIN)
def add_room(request: HttpRequest, site_id: int) -> HttpResponse:
    site = _own_site(request, site_id)
    if site.status != SiteStatus.APPROVED:
        messages.error(request, _("Rooms can be set up once the site is approved."))
        return redirect("centres:detail", site_id=site.pk)
    form = RoomForm(request.POST, site=site)
    if form.is_valid():
        with transaction.atomic():
            room = form.save(commit=False)
            room.site = site
            room.save()
            record("room.created", target=room, request=request, capacity=room.capacity)
        messages.success(request, _("Room %(code)s added.") % {"code": room.code})
    else:
        for field, errors in form.errors.items():
            for error in errors:
                messages.error(request, f"{_label(form, field)}: {error}")
    return redirect("centres:detail", site_id=site.pk)


@require_POST
@role_required(Role.SITE_ADMIN, Role.ORG_ADMIN)
def delete_room(request: HttpRequest, site_id: int, room_id: int) -> HttpResponse:
    site = _own_site(request, site_id)
    room = get_object_or_404(Room.objects.filter(site=site), pk=room_id)
    from django.db.models import ProtectedError

    try:
        with transaction.atomic():
            record("room.deleted", target=room, request=request, code=room.code)
            room.delete()
        messages.success(request, _("Room deleted."))
    except ProtectedError:
        messages.error(request, _("The room has scheduled candidates and cannot be deleted."))
    return redirect("centres:detail", site_id=site.pk)


@require_POST
@role_required(Role.SITE_ADMIN, Role.ORG_ADMIN)
def add_staff(request: HttpRequest, site_id: int) -> HttpResponse:
    site = _own_site(request, site_id)
    form = StaffMemberForm(request.POST)
    if not form.is_valid():
        _form_messages(request, form)
        return redirect("centres:detail", site_id=site.pk)
    try:
        with transaction.atomic():
            member = form.save(commit=False)
            member.site = site
            member.save()
            record("site.staff_added", target=site, request=request, kind=member.kind)
            if form.cleaned_data["username"]:
                _give_login(request, member, form.cleaned_data)
    except Refused as refused:
        as_message(request, refused)
        return redirect("centres:detail", site_id=site.pk)
    messages.success(request, _("%(name)s recorded.") % {"name": member.name})
    if member.account_id:
        messages.success(request, _invited(member.account))
    return redirect("centres:detail", site_id=site.pk)


def _form_messages(request: HttpRequest, form: Any) -> None:
    for field, errors in form.errors.items():
        for error in errors:
            label = _label(form, field)
            messages.error(request, f"{label}: {error}" if label else str(error))


def _give_login(request: HttpRequest, member: StaffMember, data: dict[str, Any]) -> None:
    """Make the member's account (a proctor's login: evaluators watch rooms as proctors do)."""
    member.account = invitations.create(
        site=member.site,
        role=Role.PROCTOR,
        username=data["username"],
        full_name=member.name,
        phone=member.phone,
        email=data.get("email") or "",
        by=request.user,
        request=request,
    )
    member.save(update_fields=["account"])


def _invited(user: Any) -> str:
    return _("Login %(username)s created; the invitation to set a password was sent.") % {
        "username": user.username
    }


@require_POST
@role_required(Role.SITE_ADMIN, Role.ORG_ADMIN)
def staff_login(request: HttpRequest, site_id: int, member_id: int) -> HttpResponse:
    site = _own_site(request, site_id)
    member = get_object_or_404(StaffMember.objects.filter(site=site), pk=member_id)
    form = LoginFields(request.POST)
    if member.account_id:
        messages.error(request, _("%(name)s already has a login.") % {"name": member.name})
    elif not form.is_valid():
        _form_messages(request, form)
    else:
        try:
            with transaction.atomic():
                _give_login(request, member, form.cleaned_data)
        except Refused as refused:
            as_message(request, refused)
        else:
            messages.success(request, _invited(member.account))
    return redirect("centres:detail", site_id=site.pk)


@require_POST
@role_required(Role.ORG_ADMIN)
def add_site_admin(request: HttpRequest, site_id: int) -> HttpResponse:
    site = _own_site(request, site_id)
    form = SiteAdminForm(request.POST)
    if not form.is_valid():
        _form_messages(request, form)
        return redirect("centres:detail", site_id=site.pk)
    try:
        user = invitations.create(
            site=site,
            role=Role.SITE_ADMIN,
            username=form.cleaned_data["username"],
            full_name=form.cleaned_data["full_name"],
            phone=form.cleaned_data["phone"],
            email=form.cleaned_data["email"] or "",
            by=request.user,
            request=request,
        )
    except Refused as refused:
        as_message(request, refused)
    else:
        messages.success(request, _invited(user))
    return redirect("centres:detail", site_id=site.pk)


@require_POST
@role_required(Role.SITE_ADMIN, Role.ORG_ADMIN)
def resend_invitation(request: HttpRequest, site_id: int, user_id: int) -> HttpResponse:
    site = _own_site(request, site_id)
    user = get_object_or_404(User.objects.filter(site=site), pk=user_id)
    try:
        invitations.resend(user, by=request.user, request=request)
    except Refused as refused:
        as_message(request, refused)
    else:
        messages.success(
            request,
            _("A new invitation was sent to %(username)s; the earlier link no longer works.")
            % {"username": user.username},
        )
    return redirect("centres:detail", site_id=site.pk)


@require_POST
@role_required(Role.SITE_ADMIN, Role.ORG_ADMIN)
def delete_staff(request: HttpRequest, site_id: int, member_id: int) -> HttpResponse:
    site = _own_site(request, site_id)
    member = get_object_or_404(StaffMember.objects.filter(site=site), pk=member_id)
    with transaction.atomic():
        record("site.staff_removed", target=site, request=request, kind=member.kind)
        if member.account_id:
            # Someone no longer on the site's staff must not keep signing in.
            User.objects.filter(pk=member.account_id).update(is_active=False)
            record("account.deactivated", target=member.account, request=request)
        member.delete()
    return redirect("centres:detail", site_id=site.pk)


@require_POST
@role_required(Role.SITE_ADMIN, Role.ORG_ADMIN)
def room_proctors(request: HttpRequest, site_id: int, room_id: int) -> HttpResponse:
    """The proctors who watch a room, chosen from the site's own proctor accounts."""
    site = _own_site(request, site_id)
    room = get_object_or_404(Room.objects.filter(site=site), pk=room_id)
    ids = [int(i) for i in request.POST.getlist("proctors") if i.isdigit()]
    added, removed = services.set_room_proctors(room, ids, actor=request.user, request=request)
    messages.success(
        request,
        _("Proctors of room %(code)s saved: %(added)s added, %(removed)s removed.")
        % {"code": room.code, "added": added, "removed": removed},
    )
    return redirect("centres:detail", site_id=site.pk)
