"""The life cycle of a rectification item (R-INSP-4): every state and the moves allowed.

All changes of ``Rectification.status`` go through ``inspections.services.transition_to``, which
checks the move against ``ALLOWED``, performs it as a conditional update and writes an audit row.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.lifecycle import LifeCycle


class RectificationStatus(models.TextChoices):
    OPEN = "open", _("Open")
    SUBMITTED = "submitted", _("Reported fixed, awaiting review")
    REOPENED = "reopened", _("Reopened")
    ACCEPTED = "accepted", _("Accepted (closed)")


ALLOWED: dict[str, frozenset[str]] = {
    # The owner reports the problem fixed…
    RectificationStatus.OPEN: frozenset({RectificationStatus.SUBMITTED}),
    RectificationStatus.REOPENED: frozenset({RectificationStatus.SUBMITTED}),
    # …and the inspector accepts it or sends it back.
    RectificationStatus.SUBMITTED: frozenset(
        {RectificationStatus.ACCEPTED, RectificationStatus.REOPENED}
    ),
    RectificationStatus.ACCEPTED: frozenset(),
}

# States in which the owner still has work to do; past the deadline these are overdue.
IN_HAND = frozenset({RectificationStatus.OPEN, RectificationStatus.REOPENED})
# Every state but the final one.
UNRESOLVED = frozenset(
    {RectificationStatus.OPEN, RectificationStatus.REOPENED, RectificationStatus.SUBMITTED}
)

RECTIFICATION = LifeCycle("rectification item", ALLOWED)
