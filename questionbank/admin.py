"""The question bank in the operator's admin: the evaluation organisation's, as on the pages."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet

from accounts.admin_site import PlatformModelAdmin
from accounts.roles import Role
from questionbank.models import Question, Subject


@admin.register(Subject)
class SubjectAdmin(PlatformModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]
    ordering = ["code"]

    def staff_scope(self, user: Any, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        if not user.has_role(Role.ORG_ADMIN):
            return None
        return queryset & Subject.objects.managed_by(user)


@admin.register(Question)
class QuestionAdmin(PlatformModelAdmin):
    list_display = ["pk", "subject", "kind", "short_text", "points", "difficulty", "retired"]
    list_filter = ["kind", "retired", "difficulty", "subject"]
    list_select_related = ["subject"]
    search_fields = ["text", "chapter"]
    autocomplete_fields = ["subject"]
    ordering = ["subject", "pk"]

    @admin.display(description=Question._meta.get_field("text").verbose_name)
    def short_text(self, question: Question) -> str:
        return question.text[:60]

    def staff_scope(self, user: Any, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        if not user.has_role(Role.ORG_ADMIN):
            return None
        return queryset.filter(subject__in=Subject.objects.managed_by(user))
