"""The proctor console and live events."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProctoringConfig(AppConfig):
    name = "proctoring"
    verbose_name = _("Proctoring")

    def ready(self) -> None:
        from exams import signals
        from proctoring import page_events

        signals.page_event_recorded.connect(
            page_events.on_page_event, dispatch_uid="proctoring.page_events"
        )
