"""Certification in the operator's admin. Quotas, plans, sessions, registrations, seats and
scores are edited by superusers; issued certificates follow their signing life cycle
(``certification.services.transition_to``): their status is read-only, the revoke action asks
for the reason and calls the service, which writes the audit row. The verification token that
the certificate's QR link carries is never shown."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from accounts.admin_site import (
    PlatformModelAdmin,
    RecordAdmin,
    both_admin_roles,
    reason_action,
)
from accounts.roles import Role
from certification import services
from certification.models import (
    CertificateSignature,
    Enrolment,
    ExamPlan,
    ExamSession,
    IssuedCertificate,
    Quota,
    Score,
    Seat,
)
from certification.statuses import CertificateStatus


def enrolments_of(user: Any, queryset: QuerySet[Any], path: str) -> QuerySet[Any] | None:
    if not user.has_role(Role.ORG_ADMIN, Role.SITE_ADMIN):
        return None
    if user.has_role(Role.ORG_ADMIN):
        return queryset
    return queryset.filter(**{f"{path}__in": Enrolment.objects.visible_to(user)})


@admin.register(Quota)
class QuotaAdmin(PlatformModelAdmin):
    list_display = ["institution", "certificate", "major", "declared"]
    list_select_related = ["institution", "certificate", "major"]
    list_filter = ["certificate"]
    search_fields = ["institution__code", "institution__name"]
    autocomplete_fields = ["institution", "certificate", "major"]
    ordering = ["institution__code", "certificate__code", "major__code"]

    def staff_scope(self, user: Any, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        if not user.has_role(Role.ORG_ADMIN, Role.SITE_ADMIN):
            return None
        return queryset & Quota.objects.visible_to(user)


@admin.register(ExamPlan)
class ExamPlanAdmin(PlatformModelAdmin):
    list_display = ["code", "name", "certificate", "organisation", "exam_opens", "exam_closes"]
    list_select_related = ["certificate", "organisation"]
    list_filter = ["organisation", "certificate"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["organisation", "certificate"]
    date_hierarchy = "exam_opens"
    ordering = ["-exam_opens"]

    def staff_scope(self, user: Any, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        return both_admin_roles(user, queryset)  # plans are public within the platform


@admin.register(ExamSession)
class ExamSessionAdmin(PlatformModelAdmin):
    list_display = ["name", "plan", "starts_at", "ends_at"]
    list_select_related = ["plan"]
    search_fields = ["name", "plan__code"]
    autocomplete_fields = ["plan"]
    ordering = ["plan", "starts_at"]

    def staff_scope(self, user: Any, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        return both_admin_roles(user, queryset)


@admin.register(Enrolment)
class EnrolmentAdmin(PlatformModelAdmin):
    list_display = ["candidate", "plan", "site", "registered_at"]
    list_select_related = ["candidate", "plan", "site"]
    list_filter = [("site", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["candidate__name", "=candidate__id_number", "plan__code"]
    raw_id_fields = ["candidate"]
    autocomplete_fields = ["plan", "site"]
    date_hierarchy = "registered_at"
    ordering = ["-registered_at"]

    def staff_scope(self, user: Any, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        return enrolments_of(user, queryset, "pk")


@admin.register(Seat)
class SeatAdmin(PlatformModelAdmin):
    list_display = ["enrolment", "session", "room", "number"]
    list_select_related = ["enrolment__candidate", "session", "room__site"]
    search_fields = ["enrolment__candidate__name", "=enrolment__candidate__id_number"]
    raw_id_fields = ["enrolment", "room", "registration"]
    autocomplete_fields = ["session"]
    ordering = ["session", "room", "number"]

    def staff_scope(self, user: Any, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        return enrolments_of(user, queryset, "enrolment")


@admin.register(Score)
class ScoreAdmin(PlatformModelAdmin):
    list_display = ["enrolment", "value", "passed", "entered_at"]
    list_select_related = ["enrolment__candidate", "enrolment__plan"]
    list_filter = ["passed"]
    search_fields = ["enrolment__candidate__name", "=enrolment__candidate__id_number"]
    raw_id_fields = ["enrolment", "attempt"]
    ordering = ["-entered_at"]

    def staff_scope(self, user: Any, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        return enrolments_of(user, queryset, "enrolment")


@admin.register(IssuedCertificate)
class IssuedCertificateAdmin(RecordAdmin):
    list_display = ["number", "enrolment", "status", "org_signed_at", "stamped_at"]
    list_select_related = ["enrolment__candidate", "enrolment__plan"]
    list_filter = ["status"]
    search_fields = ["=number", "enrolment__candidate__name"]
    raw_id_fields = ["enrolment"]
    ordering = ["number"]
    lifecycle_fields = ("status", "org_signed_at", "site_signed_at", "stamped_at")
    secret_fields = ("token",)
    file_field = "pdf"
    actions = ["revoke"]

    def staff_scope(self, user: Any, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        return enrolments_of(user, queryset, "enrolment")

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        # As on the plan's page: the evaluation organisation revokes.
        return bool(request.user.has_role(Role.ORG_ADMIN))  # type: ignore[union-attr]

    @admin.action(description=_("Revoke the selected certificates"), permissions=["revoke"])
    def revoke(
        self, request: HttpRequest, queryset: QuerySet[IssuedCertificate]
    ) -> HttpResponse | None:
        def apply(certificate: IssuedCertificate, reason: str) -> bool:
            if certificate.status != CertificateStatus.STAMPED:
                return False
            return services.transition_to(
                certificate,
                CertificateStatus.REVOKED,
                actor=request.user,
                request=request,
                reason=reason,
                revoked_reason=reason,
            )

        return reason_action(
            self,
            request,
            queryset,
            title=_("Revoke the selected certificates"),
            apply=apply,
            done=_("%(n)s certificates revoked."),
            skipped=_("%(n)s certificates were not valid (stamped) and were left alone."),
        )


@admin.register(CertificateSignature)
class CertificateSignatureAdmin(RecordAdmin):
    """The signed steps of a certificate: proof of who signed what, never edited or deleted."""

    list_display = ["certificate", "step", "signer", "signed_at", "sha256"]
    list_select_related = ["certificate", "signer"]
    list_filter = ["step"]
    search_fields = ["=certificate__number", "=sha256"]
    raw_id_fields = ["certificate", "signer"]
    ordering = ["-signed_at"]
    deletable = False

    def staff_scope(self, user: Any, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        return enrolments_of(user, queryset, "certificate__enrolment")
