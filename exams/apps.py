"""Exams, questions, registrations, attempts and answers."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExamsConfig(AppConfig):
    name = "exams"
    verbose_name = _("Exams")

    def ready(self) -> None:
        # The staff face pages are vision's; the identity reviews decided there are ours.
        from exams import identity_views, papers
        from questionbank import usage
        from vision import panels

        panels.add_candidate_section(identity_views.checks_section)
        panels.add_list_section(identity_views.reviews_section)
        # Questions on drawn papers must not change: the bank's editor asks us first.
        usage.add_check(papers.sittings_with)
