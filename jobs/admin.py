"""Background jobs in the operator's admin: the platform's records, read-only; the status
belongs to the job life cycle (``jobs.services.transition_to``). A member of staff sees the jobs
they started, as on the progress pages; superusers every job."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet

from accounts.admin_site import RecordAdmin
from jobs.models import BackgroundJob


@admin.register(BackgroundJob)
class BackgroundJobAdmin(RecordAdmin):
    list_display = ["pk", "kind", "owner", "status", "done", "total", "created_at", "finished_at"]
    list_filter = ["status", "kind"]
    list_select_related = ["owner"]
    search_fields = ["kind", "=owner__username"]
    raw_id_fields = ["owner"]
    date_hierarchy = "created_at"
    ordering = ["-created_at"]
    lifecycle_fields = ("status", "started_at", "finished_at")
    file_field = "output"

    def staff_scope(self, user: Any, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        return queryset & BackgroundJob.objects.visible_to(user)
