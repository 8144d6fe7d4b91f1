"""The audit log: who changed what, when, from where (R-ROLE-6)."""

from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit"
