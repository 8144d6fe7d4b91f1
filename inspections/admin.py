"""Inspections in the operator's admin: units and their staff, teams, and checklist templates
(sections inline, items inline on a section) are edited here by superusers; reports, findings,
rectification and their evidence are the platform's records, read-only. A rectification's status
belongs to its life cycle (``inspections.services.transition_to``), a report's to its
submission; both are read-only. The city exam centre (organisation administrators) reads every
unit's records, as on the pages."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Q, QuerySet

from accounts.admin_site import PlatformModelAdmin, RecordAdmin
from accounts.roles import Role
from inspections.models import (
    ChecklistItem,
    ChecklistSection,
    ChecklistTemplate,
    Escalation,
    Evidence,
    Finding,
    InspectionTeam,
    Rectification,
    RectificationUpdate,
    ReportAnswer,
    SelfInspectionReport,
    Unit,
    UnitMembership,
)


def of_units(user: Any, queryset: QuerySet[Any], path: str) -> QuerySet[Any] | None:
    """Rows of the units ``user`` may read on the inspection pages; only the centre (the
    organisation) among the administrator roles reads inspections."""
    if not user.has_role(Role.ORG_ADMIN):
        return None
    return queryset.filter(**{f"{path}__in": Unit.objects.visible_to(user)})


class MembershipInline(admin.TabularInline):
    model = UnitMembership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Unit)
class UnitAdmin(PlatformModelAdmin):
    list_display = ["code", "name", "kind", "parent"]
    list_filter = ["kind"]
    list_select_related = ["parent"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]
    ordering = ["kind", "code"]
    inlines = [MembershipInline]

    def staff_scope(self, user: Any, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        return of_units(user, queryset, "pk")


@admin.register(UnitMembership)
class UnitMembershipAdmin(PlatformModelAdmin):
    list_display = ["user", "unit"]
    list_select_related = ["user", "unit"]
    search_fields = ["user__username", "unit__code", "unit__name"]
    autocomplete_fields = ["user", "unit"]
    ordering = ["unit__code", "user__username"]

    def staff_scope(self, user: Any, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        return of_units(user, queryset, "unit")


@admin.register(InspectionTeam)
class InspectionTeamAdmin(PlatformModelAdmin):
    list_display = ["name", "leader"]
    list_select_related = ["leader"]
    filter_horizontal = ["units"]
    autocomplete_fields = ["leader", "members"]  # inspectors only (limit_choices_to)
    search_fields = ["name"]
    ordering = ["name"]

    def staff_scope(self, user: Any, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        return queryset if user.has_role(Role.ORG_ADMIN) else None


class SectionInline(admin.TabularInline):
    model = ChecklistSection
    extra = 1
    show_change_link = True


class TemplateAdminBase(PlatformModelAdmin):
    def staff_scope(self, user: Any, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        return queryset if user.has_role(Role.ORG_ADMIN) else None


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(TemplateAdminBase):
    list_display = ["code", "name", "unit_kind", "report_weekday", "report_time", "is_active"]
    list_filter = ["unit_kind", "is_active"]
    search_fields = ["code", "name"]
    ordering = ["code"]
    inlines = [SectionInline]


class ItemInline(admin.TabularInline):
    model = ChecklistItem
    extra = 1


@admin.register(ChecklistSection)
class ChecklistSectionAdmin(TemplateAdminBase):
    list_display = ["title", "template", "position"]
    list_filter = ["template"]
    list_select_related = ["template"]
    search_fields = ["title"]
    ordering = ["template", "position"]
    inlines = [ItemInline]


@admin.register(ChecklistItem)
class ChecklistItemAdmin(TemplateAdminBase):
    list_display = ["__str__", "section"]
    list_filter = ["section__template"]
    list_select_related = ["section__template"]
    ordering = ["section", "pk"]


@admin.register(SelfInspectionReport)
class SelfInspectionReportAdmin(RecordAdmin):
    list_display = ["unit", "template", "week", "deadline", "status", "submitted_at"]
    list_filter = ["status", "template"]
    list_select_related = ["unit", "template"]
    search_fields = ["unit__code", "unit__name"]
    date_hierarchy = "week"
    ordering = ["-week", "unit__code"]
    lifecycle_fields = ("status", "submitted_at", "submitted_by")

    def staff_scope(self, user: Any, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        return of_units(user, queryset, "unit")


@admin.register(ReportAnswer)
class ReportAnswerAdmin(RecordAdmin):
    list_display = ["report", "item", "result", "answered_at"]
    list_filter = ["result"]
    list_select_related = ["report__unit", "item"]
    raw_id_fields = ["report", "item"]
    ordering = ["-answered_at"]

    def staff_scope(self, user: Any, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        return of_units(user, queryset, "report__unit")


@admin.register(Finding)
class FindingAdmin(RecordAdmin):
    list_display = ["unit", "item", "recorded_by", "recorded_at"]
    list_select_related = ["unit", "item", "recorded_by"]
    search_fields = ["unit__code", "unit__name", "description"]
    raw_id_fields = ["item", "recorded_by"]
    date_hierarchy = "recorded_at"
    ordering = ["-recorded_at"]

    def staff_scope(self, user: Any, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        return of_units(user, queryset, "unit")


@admin.register(Rectification)
class RectificationAdmin(RecordAdmin):
    list_display = ["finding", "owner", "deadline", "status", "closed_at"]
    list_filter = ["status"]
    list_select_related = ["finding__unit", "owner"]
    search_fields = ["finding__unit__code", "finding__unit__name"]
    raw_id_fields = ["finding", "owner"]
    ordering = ["deadline", "pk"]
    lifecycle_fields = ("status", "closed_at")

    def staff_scope(self, user: Any, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        return of_units(user, queryset, "finding__unit")


@admin.register(RectificationUpdate)
class RectificationUpdateAdmin(RecordAdmin):
    list_display = ["rectification", "kind", "author", "created_at"]
    list_filter = ["kind"]
    list_select_related = ["rectification__finding__unit", "author"]
    raw_id_fields = ["rectification", "author"]
    ordering = ["-created_at"]

    def staff_scope(self, user: Any, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        return of_units(user, queryset, "rectification__finding__unit")


@admin.register(Escalation)
class EscalationAdmin(RecordAdmin):
    list_display = ["rectification", "deadline", "escalated_at", "recipients"]
    raw_id_fields = ["rectification"]
    ordering = ["-escalated_at"]

    def staff_scope(self, user: Any, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        return of_units(user, queryset, "rectification__finding__unit")


@admin.register(Evidence)
class EvidenceAdmin(RecordAdmin):
    list_display = ["original_name", "content_type", "size", "uploaded_by", "uploaded_at"]
    list_select_related = ["uploaded_by"]
    search_fields = ["original_name"]
    raw_id_fields = ["uploaded_by", "answer", "finding", "update"]
    date_hierarchy = "uploaded_at"
    ordering = ["-uploaded_at"]
    file_field = "file"

    def staff_scope(self, user: Any, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        if not user.has_role(Role.ORG_ADMIN):
            return None
        units = Unit.objects.visible_to(user)
        return queryset.filter(
            Q(answer__report__unit__in=units)
            | Q(finding__unit__in=units)
            | Q(update__rectification__finding__unit__in=units)
        )
