"""Reference data in the operator's admin: read by every administrator, edited by superusers."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet

from accounts.admin_site import PlatformModelAdmin, both_admin_roles
from reference.models import Certificate, Institution, Major, Organisation


class ReferenceAdmin(PlatformModelAdmin):
    def staff_scope(self, user: Any, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        return both_admin_roles(user, queryset)


@admin.register(Organisation)
class OrganisationAdmin(ReferenceAdmin):
    list_display = ["code", "name", "major_code_list"]
    list_filter = ["major_code_list"]
    search_fields = ["code", "name"]
    ordering = ["code"]


@admin.register(Institution)
class InstitutionAdmin(ReferenceAdmin):
    list_display = ["code", "name", "province"]
    list_filter = ["province"]
    search_fields = ["code", "name"]
    ordering = ["code"]


@admin.register(Major)
class MajorAdmin(ReferenceAdmin):
    list_display = ["code", "name", "code_list"]
    list_filter = ["code_list"]
    search_fields = ["code", "name"]
    ordering = ["code_list", "code"]


@admin.register(Certificate)
class CertificateAdmin(ReferenceAdmin):
    list_display = ["code", "name", "level", "organisation"]
    list_filter = ["organisation"]
    list_select_related = ["organisation"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["organisation", "majors"]
    ordering = ["code"]
