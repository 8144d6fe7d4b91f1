"""Exam sites, rooms and recorded staff in the operator's admin. A site's status belongs to
its application life cycle (``centres.services.transition_to``) and is read-only here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.admin_site import PlatformModelAdmin
from accounts.roles import Role
from centres.models import Room, Site, StaffMember
from centres.statuses import SiteStatus


def _administrators(user: Any) -> bool:
    return bool(user.has_role(Role.ORG_ADMIN, Role.SITE_ADMIN))


@admin.register(Site)
class SiteAdmin(PlatformModelAdmin):
    list_display = ["code", "name", "institution", "status"]
    list_filter = ["status"]
    list_select_related = ["institution"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["institution"]
    ordering = ["code"]
    lifecycle_fields = ("status",)

    def save_model(self, request: HttpRequest, obj: Site, form: Any, change: bool) -> None:
        if not change:  # a new site starts its life cycle: it applies and is reviewed
            obj.status = SiteStatus.DRAFT
        super().save_model(request, obj, form, change)

    def staff_scope(self, user: Any, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        return queryset & Site.objects.visible_to(user) if _administrators(user) else None


@admin.register(Room)
class RoomAdmin(PlatformModelAdmin):
    list_display = ["code", "name", "site", "kind", "capacity"]
    list_filter = ["kind", ("site", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["site"]
    search_fields = ["code", "name", "site__code", "site__name"]
    autocomplete_fields = ["site", "proctors"]
    ordering = ["site__code", "code"]

    def staff_scope(self, user: Any, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        return queryset & Room.objects.visible_to(user) if _administrators(user) else None


@admin.register(StaffMember)
class StaffMemberAdmin(PlatformModelAdmin):
    list_display = ["name", "kind", "site", "account"]
    list_filter = ["kind", ("site", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["site", "account"]
    search_fields = ["name", "site__code"]
    autocomplete_fields = ["site"]
    raw_id_fields = ["account"]
    ordering = ["site__code", "kind", "name"]

    def staff_scope(self, user: Any, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        if not _administrators(user):
            return None
        return queryset.filter(site__in=Site.objects.visible_to(user))
