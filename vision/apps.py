"""The vision workers: face enrolment and 1:1 verification, liveness, frame analysis (YOLO),
audio activity, and the Celery tasks on the ``vision`` queue that run them (R-PROC-2,
R-PROC-3, R-PROC-4, R-EMG-3). Alerts built from their results live in ``proctoring``."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisionConfig(AppConfig):
    name = "vision"
    verbose_name = _("Vision")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from vision import checks  # noqa: F401  (registers the system checks)
