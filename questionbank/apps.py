"""Subjects and their question banks (R-EXAM-1): the questions papers are made from."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuestionBankConfig(AppConfig):
    name = "questionbank"
    verbose_name = _("Question bank")
