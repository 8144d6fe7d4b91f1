"""Review after the exam: the queue, claims, decisions and the rules' precision."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewConfig(AppConfig):
    name = "review"
    verbose_name = _("Review after the exam")
