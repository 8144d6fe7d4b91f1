"""Candidates in the operator's admin. Verification is a life cycle (batch and manual
verification, ``candidates.services.transition_to``): read-only here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet

from accounts.admin_site import PlatformModelAdmin
from accounts.roles import Role
from candidates.models import Candidate


@admin.register(Candidate)
class CandidateAdmin(PlatformModelAdmin):
    list_display = ["name", "id_number_masked", "site", "institution", "verification"]
    list_filter = ["verification", ("site", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["site", "institution"]
    # Exact ID numbers only: a partial match on 100 000s of rows is a table scan.
    search_fields = ["name", "=id_number", "=phone"]
    raw_id_fields = ["user"]
    autocomplete_fields = ["site", "institution", "certificate", "major"]
    ordering = ["id_number"]
    lifecycle_fields = ("verification", "verification_note", "photo_problem", "photo_faces")
    file_field = "photo"

    @admin.display(description=Candidate._meta.get_field("id_number").verbose_name)
    def id_number_masked(self, candidate: Candidate) -> str:
        return candidate.masked_id_number

    def staff_scope(self, user: Any, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        if not user.has_role(Role.ORG_ADMIN, Role.SITE_ADMIN):
            return None
        return queryset & Candidate.objects.visible_to(user)
