"""The review of attempts in the admin: read only, as every row is written by the review's
services (claims, decisions, the finished state with its audit row)."""

from __future__ import annotations

from django.contrib import admin

from accounts.admin_site import RecordAdmin
from review.models import Appeal, AttemptReview


@admin.register(AttemptReview)
class AttemptReviewAdmin(RecordAdmin):
    list_display = ["attempt", "exam", "status", "outcome", "claimed_by", "finished_at"]
    list_select_related = ["attempt__registration__candidate", "exam", "claimed_by"]
    list_filter = ["status", "outcome"]
    raw_id_fields = ["attempt", "exam", "claimed_by", "finished_by"]
    ordering = ["-created_at"]
    lifecycle_fields = ("status",)  # review.services.transition_to


@admin.register(Appeal)
class AppealAdmin(RecordAdmin):
    list_display = ["attempt", "status", "created_at", "decided_by", "decided_at"]
    list_select_related = ["attempt__registration__candidate", "decided_by"]
    list_filter = ["status"]
    raw_id_fields = ["attempt", "decided_by"]
    ordering = ["-created_at"]
    lifecycle_fields = ("status",)  # review.services.transition_to
