"""The life cycle of an alert (R-PROC-3).

An alert opens when a behaviour is seen and closes when it stops or a proctor closes it; a closed
alert stays closed (the behaviour seen again opens a new one). Every change of ``Alert.status``
goes through ``proctoring.services.transition_to``.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.lifecycle import LifeCycle


class AlertStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


ALERT_ALLOWED: dict[str, frozenset[str]] = {
    AlertStatus.OPEN: frozenset({AlertStatus.CLOSED}),
    AlertStatus.CLOSED: frozenset(),
}

ALERT = LifeCycle("alert", ALERT_ALLOWED)
