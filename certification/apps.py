"""Exam plans, scheduling, scores and certificates (R-CERT)."""

from django.apps import AppConfig


class CertificationConfig(AppConfig):
    name = "certification"
    verbose_name = "Certification"
