"""Users, roles, sign-in lockout and who-may-see-what."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"
