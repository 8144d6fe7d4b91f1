from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import ReadOnlyPasswordHashWidget, UserChangeForm
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts import lockout
from accounts.access import users_managed_by
from accounts.admin_site import PlatformModelAdmin, plain_action
from accounts.models import User
from audit.services import record


class PasswordStateWidget(ReadOnlyPasswordHashWidget):
    """Says whether a password is set, never the algorithm, salt or any part of the hash."""

    def get_context(self, name: str, value: Any, attrs: Any) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        usable = bool(value) and not str(value).startswith("!")
        context["summary"] = [
            {"label": gettext("A password is set.") if usable else gettext("No password set.")}
        ]
        return context


class MaskedUserChangeForm(UserChangeForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "password" in self.fields:
            self.fields["password"].widget = PasswordStateWidget()


@admin.register(User)
class UserAdmin(PlatformModelAdmin, DjangoUserAdmin):
    form = MaskedUserChangeForm
    list_display = [
        "username",
        "display_name",
        "role",
        "site",
        "is_active",
        "is_staff",
        "locked_at",
    ]
    list_filter = [
        "role",
        "is_active",
        "is_staff",
        "is_superuser",
        ("site", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["site"]
    search_fields = ["username", "first_name", "last_name", "email"]
    ordering = ["username"]
    autocomplete_fields = ["site"]
    # Moved by the sign-in lockout (``accounts.lockout``); the unlock action moves them back.
    lifecycle_fields = ("failed_logins", "locked_at")
    readonly_fields = ("last_login", "date_joined")
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (_("Platform"), {"fields": ("role", "site", "phone", "failed_logins", "locked_at")}),
    )
    actions = ["unlock"]

    def staff_scope(self, user: Any, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        return queryset.filter(pk__in=users_managed_by(user).values("pk"))

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if self.has_change_permission(request, obj):
            return fieldsets
        # Shown read-only the stored hash would be printed as it is: leave it out.
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f != "password"]})
            for name, options in fieldsets
        ]

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> Any:
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and response.status_code == 302:
                record("admin.password_set", target=User.objects.get(pk=id), request=request)
        return response

    @admin.action(description=_("Unlock the selected accounts"))
    def unlock(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        managed = set(
            users_managed_by(request.user)
            .filter(pk__in=queryset.values("pk"))
            .values_list("pk", flat=True)
        )

        def apply(user: User) -> bool:
            return user.pk in managed and lockout.unlock(user, by=request.user, request=request)  # type: ignore[arg-type]

        plain_action(
            self,
            request,
            list(queryset),
            apply,
            done=_("%(n)s accounts unlocked."),
            skipped=_("%(n)s accounts were not locked or are not yours to unlock."),
        )
