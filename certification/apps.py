"""Exam plans, scheduling, scores and certificates (R-CERT)."""

from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificationConfig(AppConfig):
    name = "certification"
    verbose_name = _("Certification")

    def ready(self) -> None:
        # Online sittings: a graded attempt's score comes into the plan; a seat that goes
        # takes its unused registration with it.
        from django.db.models.signals import post_delete

        from certification import checks, online  # noqa: F401  (checks registers itself)
        from certification.models import Seat
        from exams.signals import attempt_graded

        attempt_graded.connect(online.attempt_graded, dispatch_uid="certification-online-score")

        def seat_deleted(sender: Any, instance: Seat, **kwargs: Any) -> None:
            online.seat_deleted(instance)

        post_delete.connect(seat_deleted, sender=Seat, dispatch_uid="certification-seat-deleted")
