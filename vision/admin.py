"""Face enrolments in the operator's admin. The status belongs to the enrolment life cycle
(``vision.services.transition_enrolment``); the unbind action asks for the reason and calls
``vision.services.unbind`` (template and image deleted, audit row written). The encrypted face
template is biometric data: its admin lists when and by which model, never the encoding."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from accounts.admin_site import RecordAdmin, reason_action
from accounts.roles import Role
from vision import services
from vision.models import FaceEnrolment, FaceTemplate
from vision.statuses import EnrolmentStatus


def _enrolments(user: Any, queryset: QuerySet[Any], path: str) -> QuerySet[Any] | None:
    if not user.has_role(Role.ORG_ADMIN, Role.SITE_ADMIN):
        return None
    return queryset.filter(**{f"{path}__in": FaceEnrolment.objects.visible_to(user)})


@admin.register(FaceEnrolment)
class FaceEnrolmentAdmin(RecordAdmin):
    list_display = ["candidate", "status", "source", "problem_code", "enrolled_at", "updated_at"]
    list_filter = ["status", "source"]
    list_select_related = ["candidate"]
    search_fields = ["candidate__name", "=candidate__id_number"]
    raw_id_fields = ["candidate"]
    date_hierarchy = "created_at"
    ordering = ["-updated_at"]
    lifecycle_fields = ("status",)
    file_field = "image"
    actions = ["unbind"]

    def staff_scope(self, user: Any, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        return _enrolments(user, queryset, "pk")

    def has_unbind_permission(self, request: HttpRequest) -> bool:
        return self._staff_sees_model(request) or bool(request.user.is_superuser)

    @admin.action(description=_("Unbind the selected faces"), permissions=["unbind"])
    def unbind(
        self, request: HttpRequest, queryset: QuerySet[FaceEnrolment]
    ) -> HttpResponse | None:
        def apply(enrolment: FaceEnrolment, reason: str) -> bool:
            if enrolment.status != EnrolmentStatus.ENROLLED:
                return False
            return services.unbind(enrolment, actor=request.user, request=request, reason=reason)

        return reason_action(
            self,
            request,
            queryset,
            title=_("Unbind the selected faces"),
            apply=apply,
            done=_("%(n)s faces unbound."),
            skipped=_("%(n)s faces were not enrolled and were left alone."),
        )


@admin.register(FaceTemplate)
class FaceTemplateAdmin(RecordAdmin):
    list_display = ["enrolment", "model", "created_at"]
    raw_id_fields = ["enrolment"]
    ordering = ["-created_at"]
    secret_fields = ("encrypted",)

    def staff_scope(self, user: Any, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        return _enrolments(user, queryset, "enrolment")
