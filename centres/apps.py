"""Exam sites and their rooms, and the proctors assigned to rooms."""

from django.apps import AppConfig


class CentresConfig(AppConfig):
    name = "centres"
    verbose_name = "Centres"
