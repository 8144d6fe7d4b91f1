"""Proctoring in the operator's admin. Alert rules are edited by superusers; alerts, messages,
violations and the evidence of an attempt are the platform's records, read-only. An alert's
status belongs to its life cycle: the close action calls ``proctoring.services.transition_to``,
which writes the audit row."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.admin_site import PlatformModelAdmin, RecordAdmin, plain_action
from exams.admin import attempts_of, exams_of
from proctoring import services
from proctoring.models import (
    Alert,
    AlertRules,
    AudioChunk,
    EvidenceFrame,
    FrameAnalysis,
    PhonePairing,
    ProctorMessage,
    ProctorScreenshot,
    RecordingSegment,
    RoomScan,
    SnapshotPlan,
    ViewState,
    Violation,
)
from proctoring.statuses import AlertStatus


@admin.register(AlertRules)
class AlertRulesAdmin(PlatformModelAdmin):
    list_display = ["exam", "device_min_confidence", "person_min_confidence", "distance_threshold"]
    list_select_related = ["exam"]
    search_fields = ["exam__code", "exam__title"]
    autocomplete_fields = ["exam"]
    ordering = ["exam"]

    def staff_scope(self, user: Any, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        return exams_of(user, queryset, "exam")


class AttemptRecordAdmin(RecordAdmin):
    raw_id_fields = ["attempt"]
    search_fields = ["=attempt__id", "attempt__registration__candidate__name"]
    ordering = ["-pk"]

    def staff_scope(self, user: Any, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        return attempts_of(user, queryset)


@admin.register(Alert)
class AlertAdmin(AttemptRecordAdmin):
    list_display = ["attempt", "kind", "view", "severity", "status", "count", "opened_at"]
    list_filter = ["status", "kind", "severity", "decision"]
    raw_id_fields = ["attempt", "evidence", "decided_by"]
    date_hierarchy = "opened_at"
    ordering = ["-opened_at"]
    lifecycle_fields = ("status", "closed_at")
    actions = ["close"]

    @admin.action(description=_("Close the selected alerts"), permissions=["close"])
    def close(self, request: HttpRequest, queryset: QuerySet[Alert]) -> None:
        now = timezone.now()
        plain_action(
            self,
            request,
            list(queryset),
            lambda alert: (
                alert.status == AlertStatus.OPEN
                and services.transition_to(alert, AlertStatus.CLOSED, at=now, reason="operator")
            ),
            done=_("%(n)s alerts closed."),
            skipped=_("%(n)s alerts were already closed."),
        )

    def has_close_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)


@admin.register(ProctorMessage)
class ProctorMessageAdmin(AttemptRecordAdmin):
    list_display = ["attempt", "kind", "text", "sender", "sent_at", "read_at"]
    list_filter = ["kind"]
    raw_id_fields = ["attempt", "sender"]
    date_hierarchy = "sent_at"
    ordering = ["-sent_at"]


@admin.register(Violation)
class ViolationAdmin(AttemptRecordAdmin):
    list_display = ["attempt", "kind", "recorded_by", "at"]
    list_filter = ["kind"]
    raw_id_fields = ["attempt", "recorded_by"]
    date_hierarchy = "at"
    ordering = ["-at"]


@admin.register(ProctorScreenshot)
class ProctorScreenshotAdmin(RecordAdmin):
    list_display = ["frame", "note", "taken_by"]
    raw_id_fields = ["frame", "taken_by"]
    search_fields = ["note"]
    ordering = ["-pk"]

    def staff_scope(self, user: Any, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        return attempts_of(user, queryset, "frame__attempt")


@admin.register(ViewState)
class ViewStateAdmin(AttemptRecordAdmin):
    list_display = ["attempt", "view", "connected", "changed_at", "media_process"]
    list_filter = ["connected", "view"]


@admin.register(PhonePairing)
class PhonePairingAdmin(AttemptRecordAdmin):
    list_display = ["attempt", "created_at", "expires_at", "used_at", "superseded_at"]
    ordering = ["-created_at"]
    secret_fields = ("token_hash",)


@admin.register(RecordingSegment)
class RecordingSegmentAdmin(AttemptRecordAdmin):
    list_display = ["attempt", "view", "seq", "started_at", "duration_ms", "size"]
    list_filter = ["view"]
    date_hierarchy = "created_at"
    ordering = ["-created_at"]
    file_field = "file"


@admin.register(RoomScan)
class RoomScanAdmin(AttemptRecordAdmin):
    list_display = ["attempt", "seq", "started_at", "duration_ms", "size"]
    date_hierarchy = "created_at"
    ordering = ["-created_at"]
    file_field = "file"


@admin.register(EvidenceFrame)
class EvidenceFrameAdmin(AttemptRecordAdmin):
    list_display = ["attempt", "view", "kind", "captured_at"]
    list_filter = ["kind", "view"]
    date_hierarchy = "captured_at"
    ordering = ["-captured_at"]
    file_field = "image"


@admin.register(FrameAnalysis)
class FrameAnalysisAdmin(RecordAdmin):
    list_display = ["frame", "analysed_at"]
    raw_id_fields = ["frame"]
    search_fields = ["=frame__id"]
    ordering = ["-analysed_at"]

    def staff_scope(self, user: Any, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        return attempts_of(user, queryset, "frame__attempt")


@admin.register(AudioChunk)
class AudioChunkAdmin(AttemptRecordAdmin):
    list_display = ["attempt", "captured_at", "analysed_at"]
    date_hierarchy = "captured_at"
    ordering = ["-captured_at"]
    file_field = "audio"


@admin.register(SnapshotPlan)
class SnapshotPlanAdmin(AttemptRecordAdmin):
    list_display = ["attempt"]
