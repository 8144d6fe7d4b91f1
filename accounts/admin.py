from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "display_name", "role", "site", "is_active", "locked_at"]
    list_filter = ["role", "site", "is_active", "is_superuser"]
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (_("Platform"), {"fields": ("role", "site", "phone", "failed_logins", "locked_at")}),
    )
