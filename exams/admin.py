"""The exams app in the operator's admin (``accounts.admin_site``): exams and their papers and
registrations are edited by superusers; attempts and what they hold are the platform's records,
read-only, their status moved only by the exam flow."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet

from accounts.admin_site import PlatformModelAdmin, RecordAdmin, org_only
from accounts.roles import Role
from centres.models import Room
from exams.models import (
    Accommodation,
    Answer,
    Attempt,
    AttemptEvent,
    CommitmentSignature,
    Exam,
    IdentityCheck,
    PaperItem,
    PaperRule,
    Registration,
)


def exams_of(user: Any, queryset: QuerySet[Any], field: str = "pk") -> QuerySet[Any] | None:
    """Exams the organisation runs (all) and, for a site administrator, those with
    registrations in their site's rooms."""
    if user.has_role(Role.ORG_ADMIN):
        return queryset
    if user.role == Role.SITE_ADMIN and user.site_id:
        exams = Exam.objects.filter(registrations__room__site_id=user.site_id).values("pk")
        return queryset.filter(**{f"{field}__in": exams})
    return None


def attempts_of(user: Any, queryset: QuerySet[Any], path: str = "attempt") -> QuerySet[Any] | None:
    """Rows of the attempts ``user`` may watch on the console (``visible_to_staff``)."""
    if not user.has_role(Role.ORG_ADMIN, Role.SITE_ADMIN):
        return None
    if user.has_role(Role.ORG_ADMIN):
        return queryset
    return queryset.filter(**{f"{path}__in": Attempt.objects.visible_to_staff(user)})


@admin.register(Exam)
class ExamAdmin(PlatformModelAdmin):
    list_display = ["code", "title", "kind", "subject", "opens_at", "closes_at", "max_attempts"]
    list_filter = ["kind", "paper_mode", "requires_identity", "requires_seb"]
    list_select_related = ["subject"]
    search_fields = ["code", "title"]
    date_hierarchy = "opens_at"
    ordering = ["-opens_at"]
    autocomplete_fields = ["subject"]

    def staff_scope(self, user: Any, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        return exams_of(user, queryset)


@admin.register(PaperItem)
class PaperItemAdmin(PlatformModelAdmin):
    list_display = ["exam", "position", "question", "points"]
    list_select_related = ["exam", "question__subject"]
    search_fields = ["exam__code"]
    raw_id_fields = ["question"]
    autocomplete_fields = ["exam"]
    ordering = ["exam", "position"]

    def staff_scope(self, user: Any, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        return org_only(user, queryset)  # the paper shows the questions: the bank's owner only


@admin.register(PaperRule)
class PaperRuleAdmin(PlatformModelAdmin):
    list_display = ["exam", "position", "kind", "difficulty", "chapter", "count", "points"]
    list_select_related = ["exam"]
    search_fields = ["exam__code", "chapter"]
    autocomplete_fields = ["exam"]
    ordering = ["exam", "position"]

    def staff_scope(self, user: Any, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        return org_only(user, queryset)


@admin.register(Registration)
class RegistrationAdmin(PlatformModelAdmin):
    list_display = ["candidate", "exam", "room", "extra_attempts"]
    list_select_related = ["candidate", "exam", "room__site"]
    list_filter = ["exam__kind"]
    search_fields = ["candidate__name", "=candidate__id_number", "exam__code"]
    raw_id_fields = ["candidate", "room"]
    autocomplete_fields = ["exam"]
    ordering = ["-pk"]
    # The passcode is sent by the support pages (scheduled or re-issued, audited), never typed.
    secret_fields = ("passcode_hash",)
    readonly_fields = ("passcode_issued_at",)

    def staff_scope(self, user: Any, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        if not user.has_role(Role.ORG_ADMIN, Role.SITE_ADMIN):
            return None
        return queryset.filter(room__in=Room.objects.visible_to(user))


@admin.register(Attempt)
class AttemptAdmin(RecordAdmin):
    list_display = [
        "registration",
        "number",
        "status",
        "created_at",
        "submitted_at",
        "score",
        "max_score",
        "warnings",
    ]
    list_select_related = ["registration__candidate", "registration__exam"]
    list_filter = ["status", "registration__exam__kind"]
    search_fields = ["registration__candidate__name", "=registration__candidate__id_number"]
    raw_id_fields = ["registration"]
    date_hierarchy = "created_at"
    ordering = ["-created_at"]
    lifecycle_fields = ("status",)  # exams.services.transition_to
    secret_fields = ("session_token",)  # who holds it holds the attempt

    def staff_scope(self, user: Any, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        return attempts_of(user, queryset, "pk")


@admin.register(CommitmentSignature)
class CommitmentSignatureAdmin(RecordAdmin):
    list_display = ["attempt", "signed_at"]
    list_select_related = ["attempt__registration__candidate", "attempt__registration__exam"]
    raw_id_fields = ["attempt"]
    search_fields = ["attempt__registration__candidate__name"]
    ordering = ["-signed_at"]

    def staff_scope(self, user: Any, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        return attempts_of(user, queryset)


@admin.register(Answer)
class AnswerAdmin(RecordAdmin):
    list_display = ["attempt", "question", "seq", "saved_at", "awarded", "marked_by"]
    list_select_related = ["question__subject", "marked_by"]
    raw_id_fields = ["attempt", "question", "marked_by"]
    search_fields = ["=attempt__id"]
    ordering = ["-saved_at"]

    def staff_scope(self, user: Any, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        return attempts_of(user, queryset)


@admin.register(AttemptEvent)
class AttemptEventAdmin(RecordAdmin):
    list_display = ["attempt", "kind", "at", "client_at", "action"]
    list_filter = ["kind"]
    raw_id_fields = ["attempt"]
    search_fields = ["=attempt__id"]
    date_hierarchy = "at"
    ordering = ["-at"]

    def staff_scope(self, user: Any, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        return attempts_of(user, queryset)


@admin.register(IdentityCheck)
class IdentityCheckAdmin(RecordAdmin):
    list_display = ["candidate", "status", "method", "live", "distance", "created_at", "decided_at"]
    list_select_related = ["candidate"]
    list_filter = ["status", "method", "challenge"]
    search_fields = ["candidate__name", "=candidate__id_number"]
    raw_id_fields = ["candidate", "attempt", "reviewed_by"]
    date_hierarchy = "created_at"
    ordering = ["-created_at"]
    lifecycle_fields = ("status",)  # exams.identity.transition_check
    file_field = "image"

    def staff_scope(self, user: Any, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        if not user.has_role(Role.ORG_ADMIN, Role.SITE_ADMIN):
            return None
        return queryset & IdentityCheck.objects.visible_to(user)


@admin.register(Accommodation)
class AccommodationAdmin(RecordAdmin):
    """Read only, and for superusers only: accommodations are recorded through the exam's
    accommodation page (``exams.accommodations``, which refuses what does not fit the window
    and audits each change), and their reason may be medical."""

    list_display = [
        "registration",
        "extra_minutes",
        "screen_reader",
        "may_leave_seat",
        "recorded_at",
    ]
    list_select_related = ["registration__candidate", "registration__exam"]
    raw_id_fields = ["registration", "recorded_by"]
    ordering = ["-recorded_at"]
