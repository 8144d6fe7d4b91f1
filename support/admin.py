"""Support in the operator's admin: conversations, messages, make-up requests and device checks
are the platform's records, read-only. Statuses belong to their life cycles
(``support.services.transition_to``); the close action calls ``support.chat.close``, the grant
and refuse actions ``support.makeup.decide`` (with the reason the operator types)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from accounts.admin_site import RecordAdmin, plain_action, reason_action
from support import chat, makeup
from support.models import Conversation, DeviceCheck, MakeupRequest, Message, is_support_staff
from support.statuses import ConversationStatus

GRANT = _("Grant a make-up attempt")
REFUSE = _("Refuse the make-up requests")


def _scoped(user: Any, queryset: QuerySet[Any], visible: QuerySet[Any]) -> QuerySet[Any] | None:
    return queryset & visible if is_support_staff(user) else None


@admin.register(Conversation)
class ConversationAdmin(RecordAdmin):
    list_display = ["candidate", "site", "status", "created_at", "last_message_at", "closed_at"]
    list_filter = ["status", ("site", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["candidate", "site"]
    search_fields = ["candidate__name", "=candidate__id_number"]
    raw_id_fields = ["candidate"]
    date_hierarchy = "created_at"
    ordering = ["-last_message_at", "-id"]
    lifecycle_fields = ("status", "closed_at")
    actions = ["close"]

    def staff_scope(self, user: Any, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        return _scoped(user, queryset, Conversation.objects.visible_to(user))

    def has_close_permission(self, request: HttpRequest) -> bool:
        return is_support_staff(request.user)

    @admin.action(description=_("Close the selected conversations"), permissions=["close"])
    def close(self, request: HttpRequest, queryset: QuerySet[Conversation]) -> None:
        plain_action(
            self,
            request,
            list(queryset),
            lambda conversation: (
                conversation.status == ConversationStatus.OPEN
                and chat.close(request.user, conversation, request=request)
            ),
            done=_("%(n)s conversations closed."),
            skipped=_("%(n)s conversations were already closed."),
        )


@admin.register(Message)
class MessageAdmin(RecordAdmin):
    list_display = ["conversation", "from_staff", "author", "created_at"]
    list_filter = ["from_staff"]
    list_select_related = ["conversation__candidate", "author"]
    raw_id_fields = ["conversation", "author"]
    search_fields = ["=conversation__id"]
    ordering = ["-created_at"]

    def staff_scope(self, user: Any, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        if not is_support_staff(user):
            return None
        return queryset.filter(conversation__in=Conversation.objects.visible_to(user))


@admin.register(MakeupRequest)
class MakeupRequestAdmin(RecordAdmin):
    list_display = ["registration", "status", "created_at", "decided_at", "decided_by"]
    list_filter = ["status"]
    list_select_related = ["registration__candidate", "registration__exam", "decided_by"]
    search_fields = ["registration__candidate__name", "=registration__candidate__id_number"]
    raw_id_fields = ["registration", "attempt", "decided_by"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]
    lifecycle_fields = ("status", "decided_at", "decided_by", "decision_reason")
    file_field = "screenshot"
    actions = ["grant", "refuse"]

    def staff_scope(self, user: Any, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        return _scoped(user, queryset, MakeupRequest.objects.visible_to(user))

    def has_decide_permission(self, request: HttpRequest) -> bool:
        return is_support_staff(request.user)

    def _decide(
        self, request: HttpRequest, queryset: QuerySet[MakeupRequest], *, grant: bool, title: Any
    ) -> HttpResponse | None:
        def apply(request_row: MakeupRequest, reason: str) -> bool:
            # The page's service: the decision, the extra attempt when granted, the SMS.
            return makeup.decide(
                request_row, grant=grant, reason=reason, actor=request.user, request=request
            )

        return reason_action(
            self,
            request,
            queryset,
            title=title,
            apply=apply,
            done=_("%(n)s requests decided."),
            skipped=_("%(n)s requests had already been decided and were left alone."),
        )

    @admin.action(description=GRANT, permissions=["decide"])
    def grant(self, request: HttpRequest, queryset: QuerySet[MakeupRequest]) -> Any:
        return self._decide(request, queryset, grant=True, title=GRANT)

    @admin.action(description=REFUSE, permissions=["decide"])
    def refuse(self, request: HttpRequest, queryset: QuerySet[MakeupRequest]) -> Any:
        return self._decide(request, queryset, grant=False, title=REFUSE)


@admin.register(DeviceCheck)
class DeviceCheckAdmin(RecordAdmin):
    list_display = ["candidate", "created_at", "browser", "os", "camera", "microphone", "passed"]
    list_filter = ["passed", "camera", "microphone", "browser_ok"]
    list_select_related = ["candidate"]
    search_fields = ["candidate__name", "=candidate__id_number"]
    raw_id_fields = ["candidate"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]

    def staff_scope(self, user: Any, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        if not is_support_staff(user):
            return None
        return queryset.filter(pk__in=DeviceCheck.objects.visible_to(user).values("pk"))
