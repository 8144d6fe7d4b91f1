"""The delivery log in the operator's admin: written by the platform, read-only. A message's
text may hold a passcode, so it is not shown."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet

from accounts.admin_site import RecordAdmin, org_only
from notifications.models import Delivery


@admin.register(Delivery)
class DeliveryAdmin(RecordAdmin):
    list_display = ["created_at", "channel", "purpose", "status", "tries", "sent_at"]
    list_filter = ["channel", "status", "purpose"]
    search_fields = ["=recipient", "about", "provider_id"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]
    lifecycle_fields = ("status",)  # moved by the sending worker
    secret_fields = ("body",)

    def staff_scope(self, user: Any, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        return org_only(user, queryset)
