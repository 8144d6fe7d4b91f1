"""Exam-security checklists, inspections and rectification (R-INSP)."""

from django.apps import AppConfig


class InspectionsConfig(AppConfig):
    name = "inspections"
    verbose_name = "Inspections"
