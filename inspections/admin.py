"""Administration of inspections: units and their staff, teams, and checklist templates
(staff create and edit templates here: sections inline, items inline on a section)."""

from __future__ import annotations

from django.contrib import admin

from inspections.models import (
    ChecklistItem,
    ChecklistSection,
    ChecklistTemplate,
    InspectionTeam,
    Unit,
    UnitMembership,
)


class MembershipInline(admin.TabularInline):
    model = UnitMembership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "parent"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]
    inlines = [MembershipInline]


@admin.register(InspectionTeam)
class InspectionTeamAdmin(admin.ModelAdmin):
    list_display = ["name", "leader"]
    filter_horizontal = ["members", "units"]
    search_fields = ["name"]


class SectionInline(admin.TabularInline):
    model = ChecklistSection
    extra = 1
    show_change_link = True


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "unit_kind", "report_weekday", "report_time", "is_active"]
    list_filter = ["unit_kind", "is_active"]
    inlines = [SectionInline]


class ItemInline(admin.TabularInline):
    model = ChecklistItem
    extra = 1


@admin.register(ChecklistSection)
class ChecklistSectionAdmin(admin.ModelAdmin):
    list_display = ["title", "template", "position"]
    list_filter = ["template"]
    inlines = [ItemInline]
