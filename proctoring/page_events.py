"""Page-leave events on the proctor console (R-EXAM-6): the exam page's reports, recorded by
``exams.services.record_event``, reach proctoring through ``exams.signals.page_event_recorded``. The
tile's leave count travels with ``attempt.changed`` (``exams.summaries``); here the policy's alert
is opened or closed. The log-only policy opens none (the console still shows the count). An extra
display reported by the page (``extra_display``, ``single_display``) opens or closes its own alert
(the views of R-PROC-1 would not show a second screen) whatever the leave policy, while the
candidate answers."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import transaction

from exams.models import AttemptEvent
from exams.statuses import AttemptStatus
from proctoring import alerts

logger = logging.getLogger(__name__)

# What a policy did with a leave that the proctor is alerted to.
ALERTING_ACTIONS = frozenset({"warned", "pending", "consumed"})
DISPLAY_EVENTS = frozenset({AttemptEvent.Kind.EXTRA_DISPLAY, AttemptEvent.Kind.SINGLE_DISPLAY})


def on_page_event(
    sender: Any, *, attempt: Any, kind: str, action: str, at: dt.datetime, **kwargs: Any
) -> None:
    """Receiver of ``page_event_recorded``: never raises into the recording of the event."""
    try:
        with transaction.atomic():
            if kind in AttemptEvent.LEAVING and action in ALERTING_ACTIONS:
                alerts.report_left_page(attempt, kind=kind, action=action, at=at)
            elif kind == AttemptEvent.Kind.RETURNED and action != "consumed":
                alerts.page_returned(attempt, at=at)
            elif kind in DISPLAY_EVENTS and attempt.status == AttemptStatus.ANSWERING:
                alerts.report_displays(
                    attempt, extra=kind == AttemptEvent.Kind.EXTRA_DISPLAY, at=at
                )
    except Exception:  # the event is recorded either way; the console re-reads alerts
        logger.exception("left-page alert of attempt %s not updated", attempt.pk)
