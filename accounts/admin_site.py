"""The Django admin as the operator's fallback, under the pages' access rules (its unlock action
is support's way to unlock an account, R-EMG-1).

Who gets in: superusers see and change everything the rules below leave changeable. An
evaluation-organisation or exam-site administrator whose account a superuser marked ``is_staff``
gets a read-only view of the rows their pages show them (each model admin's ``staff_scope``,
built from the same ``visible_to`` querysets the views use) and the admin actions that call the
pages' services with the pages' checks. Everyone else (proctors, inspectors, unit staff and
candidates) is refused at the door even when ``is_staff`` is set: their pages are their tools.

What nobody can do here: move a life-cycle status by hand (those fields are read-only; the
actions call the transition services, which write the audit rows), see a secret (password
hashes, face templates, token hashes, passcodes are left out or masked), add or change rows the
platform writes itself (logs, evidence, events), or change or delete the audit log.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from accounts import throttle
from accounts.roles import Role
from audit.services import record
from core.retention import delete_with_files

# The roles that may use the admin (with ``is_staff``), besides superusers.
ADMIN_ROLES = frozenset({Role.ORG_ADMIN, Role.SITE_ADMIN})


def may_use_admin(user: Any) -> bool:
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    return bool(user.is_superuser or user.role in ADMIN_ROLES)


class ThrottledAdminLoginForm(AdminAuthenticationForm):
    """``/admin/login/`` under the staff sign-in's progressive delay (``accounts.throttle``): a
    throttled try is answered at once with when to try again, before any password check."""

    def clean(self) -> dict[str, Any]:
        username = self.data.get("username", "")
        try:
            throttle.check_rate(self.request)
            throttle.check("staff", str(username), self.request)
            return super().clean()
        except throttle.Throttled as refused:
            raise forms.ValidationError(refused.message, code=refused.code) from None


class PlatformAdminSite(admin.AdminSite):
    login_form = ThrottledAdminLoginForm
    site_header = _("Open Proctor administration")
    site_title = _("Open Proctor administration")
    index_title = _("Operator's fallback")

    def has_permission(self, request: HttpRequest) -> bool:
        return may_use_admin(request.user)


class PlatformModelAdmin(admin.ModelAdmin):
    """The base of every project model admin.

    - ``staff_scope(user, queryset)``: the rows a non-superuser administrator may see, or None
      when the model is for superusers only (the default).
    - ``lifecycle_fields``: moved only by the app's transition service; never edited here.
    - ``secret_fields``: never shown in a form, a list or a detail page.
    - ``platform_records``: rows the platform writes (logs, evidence): nobody adds or changes them.
    - ``write_only_fields``: typed in (a passcode) but never shown back; blank keeps the value.
    - ``file_field``: the stored file that goes with the row when it is deleted.
    - ``deletable``: False where nothing may delete a row (the audit log).
    """

    lifecycle_fields: Sequence[str] = ()
    secret_fields: Sequence[str] = ()
    write_only_fields: Sequence[str] = ()
    platform_records = False
    addable = True
    deletable = True
    file_field: str | None = None
    list_per_page = 50
    # No COUNT(*) over the whole table on every changelist: tables reach 100 000s of rows.
    show_full_result_count = False

    # --- who sees which rows ---------------------------------------------------------------

    def staff_scope(self, user: Any, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        return None

    def _staff_sees_model(self, request: HttpRequest) -> bool:
        user = request.user
        return may_use_admin(user) and (
            self.staff_scope(user, self.model._default_manager.all()) is not None
        )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        scoped = self.staff_scope(request.user, queryset) if may_use_admin(request.user) else None
        return queryset.none() if scoped is None else scoped

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser) or self._staff_sees_model(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if request.user.is_superuser:
            return True
        if not self._staff_sees_model(request):
            return False
        return obj is None or self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return bool(request.user.is_superuser) and self.addable and not self.platform_records

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser) and not self.platform_records

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser) and self.deletable

    # --- what is shown ---------------------------------------------------------------------

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = [*super().get_readonly_fields(request, obj), *self.lifecycle_fields]
        return [name for name in dict.fromkeys(fields) if name not in self.secret_fields]

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [*(super().get_exclude(request, obj) or ()), *self.secret_fields]

    def _hidden(self, request: HttpRequest, obj: Any) -> set[str]:
        hidden = set(self.secret_fields)
        if not self.has_change_permission(request, obj):
            hidden |= set(self.write_only_fields)  # a read-only page would print the value
        return hidden

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        hidden = self._hidden(request, obj)
        return [f for f in super().get_fields(request, obj) if f not in hidden]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        hidden = self._hidden(request, obj)
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f not in hidden]})
            for name, options in super().get_fieldsets(request, obj)
        ]

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name not in self.write_only_fields:
            return super().formfield_for_dbfield(db_field, request, **kwargs)
        field = super().formfield_for_dbfield(db_field, request, widget=PasscodeWidget())
        assert field is not None  # a text field always has a form field
        field.required = False
        field.help_text = _("Not shown. Type a new one to replace it, or leave blank to keep it.")
        return field

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        if not self.write_only_fields:
            return form
        cleaners = {
            f"clean_{name}": (lambda self, name=name: keep_when_blank(self, name))
            for name in self.write_only_fields
        }
        return type(form.__name__, (form,), cleaners)

    # --- writes: audited, files with their rows ---------------------------------------------

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        changed = [name for name in form.changed_data if name not in self.secret_fields]
        record(
            "admin.changed" if change else "admin.added",
            target=obj,
            request=request,
            fields=changed,
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self.delete_queryset(request, self.model._default_manager.filter(pk=obj.pk))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        with transaction.atomic():
            for row in queryset:
                record("admin.deleted", target=row, request=request, label=str(row)[:200])
            if self.file_field:
                delete_with_files(queryset, self.file_field)
            else:
                queryset.delete()


class RecordAdmin(PlatformModelAdmin):
    """Rows the platform writes itself: read and, where retention allows, deleted."""

    platform_records = True


class PasscodeWidget(forms.PasswordInput):
    """Types a new passcode without showing the one in force."""

    def __init__(self) -> None:
        super().__init__(render_value=False, attrs={"autocomplete": "new-password"})


def keep_when_blank(form: forms.ModelForm, name: str) -> Any:
    """``clean_<name>`` of a write-only field: a blank entry keeps the value in force."""
    value = form.cleaned_data.get(name)
    if not value and form.instance.pk:
        return getattr(form.instance, name)
    if not value:
        raise forms.ValidationError(_("Enter a value."))
    return value


# --- Admin actions that ask for a reason ----------------------------------------------------


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        widget=forms.TextInput(attrs={"size": 60}),
        help_text=_("Recorded in the audit log with the change."),
    )


def reason_action(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet[Any],
    *,
    title: Any,
    apply: Callable[[Any, str], bool],
    done: Any,
    skipped: Any,
) -> HttpResponse | None:
    """Run ``apply(row, reason)`` on each selected row once the operator typed a reason.

    The first request shows the reason form (with the rows); its POST comes back here with
    ``apply`` set. ``done`` and ``skipped`` are messages with ``%(n)s``.
    """
    form = ReasonForm(request.POST if "apply" in request.POST else None)
    if form.is_bound and form.is_valid():
        moved = sum(1 for row in queryset if apply(row, form.cleaned_data["reason"]))
        if moved:
            modeladmin.message_user(request, done % {"n": moved}, messages.SUCCESS)
        if moved < len(queryset):
            modeladmin.message_user(
                request, skipped % {"n": len(queryset) - moved}, messages.WARNING
            )
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "form": form,
        "rows": queryset,
        "action": request.POST.get("action", ""),
        "checkbox_name": ACTION_CHECKBOX_NAME,
        "opts": modeladmin.model._meta,
    }
    return TemplateResponse(request, "admin/reason_action.html", context)


def plain_action(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    rows: Iterable[Any],
    apply: Callable[[Any], bool],
    *,
    done: Any,
    skipped: Any,
) -> None:
    """Run ``apply(row)`` on each row and tell the operator how many moved."""
    outcomes = [apply(row) for row in rows]
    moved = sum(outcomes)
    if moved:
        modeladmin.message_user(request, done % {"n": moved}, messages.SUCCESS)
    if moved < len(outcomes):
        modeladmin.message_user(request, skipped % {"n": len(outcomes) - moved}, messages.WARNING)


def org_only(user: Any, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
    """Rows the pages show the evaluation organisation only."""
    return queryset if user.has_role(Role.ORG_ADMIN) else None


def both_admin_roles(user: Any, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
    """Rows every administrator reads on the pages (reference data, plans)."""
    return queryset if user.has_role(Role.ORG_ADMIN, Role.SITE_ADMIN) else None


def masked(value: str, keep: int = 0) -> str:
    """``abcdef`` → ``******`` (or the first ``keep`` characters then stars)."""
    return value[:keep] + "*" * max(0, len(value) - keep) if value else ""


__all__ = [
    "ADMIN_ROLES",
    "PasscodeWidget",
    "PlatformAdminSite",
    "PlatformModelAdmin",
    "RecordAdmin",
    "both_admin_roles",
    "keep_when_blank",
    "masked",
    "may_use_admin",
    "org_only",
    "plain_action",
    "reason_action",
]
