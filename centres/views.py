"""Exam-site screens: the application and the organisation's review, staff, rooms."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import role_required
from accounts.roles import Role
from audit.services import record
from centres import services
from centres.forms import ApplicationForm, ReviewForm, RoomForm, StaffMemberForm
from centres.models import Room, Site, StaffMember
from centres.statuses import SiteStatus


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
            "staff": site.staff_members.all(),
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
    if form.is_valid():
        with transaction.atomic():
            member = form.save(commit=False)
            member.site = site
            member.save()
            record("site.staff_added", target=site, request=request, kind=member.kind)
        messages.success(request, _("%(name)s recorded.") % {"name": member.name})
    else:
        for field, errors in form.errors.items():
            for error in errors:
                messages.error(request, f"{_label(form, field)}: {error}")
    return redirect("centres:detail", site_id=site.pk)


@require_POST
@role_required(Role.SITE_ADMIN, Role.ORG_ADMIN)
def delete_staff(request: HttpRequest, site_id: int, member_id: int) -> HttpResponse:
    site = _own_site(request, site_id)
    member = get_object_or_404(StaffMember.objects.filter(site=site), pk=member_id)
    with transaction.atomic():
        record("site.staff_removed", target=site, request=request, kind=member.kind)
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
