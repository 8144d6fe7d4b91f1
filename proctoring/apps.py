"""The proctor console and live events."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProctoringConfig(AppConfig):
    name = "proctoring"
    verbose_name = _("Proctoring")

    def ready(self) -> None:
        from exams import signals
        from proctoring import alerts

        # A second sign-in to a live exam opens the room's alert (exams cannot import us).
        signals.second_sign_in.connect(alerts.on_second_sign_in, dispatch_uid="second_sign_in")
        signals.attempt_ended.connect(alerts.on_attempt_ended, dispatch_uid="attempt_ended")

        from proctoring import page_events

        signals.page_event_recorded.connect(
            page_events.on_page_event, dispatch_uid="proctoring.page_events"
        )
