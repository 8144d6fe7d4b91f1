"""The audit log in the operator's admin: read-only, and nobody deletes an entry."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet

from accounts.admin_site import RecordAdmin, org_only
from audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(RecordAdmin):
    list_display = ["at", "actor_label", "action", "target_type", "target_id", "ip"]
    list_filter = ["target_type"]
    search_fields = ["=actor_label", "action", "=target_id"]
    date_hierarchy = "at"
    ordering = ["-at", "-id"]
    raw_id_fields = ["actor"]
    deletable = False  # the log is written by the platform only and kept whole

    def staff_scope(self, user: Any, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        return org_only(user, queryset)
