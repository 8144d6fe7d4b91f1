"""The life cycles of support: a chat conversation and a make-up request.

Every change of ``status`` goes through ``support.services.transition_to``, which checks the
move against the table of the object's class and writes an audit entry.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.lifecycle import LifeCycle


class ConversationStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class MakeupStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for review")
    GRANTED = "granted", _("Make-up attempt granted")
    REFUSED = "refused", _("Refused")


# A closed conversation stays closed: a candidate who writes again starts a new one, so the
# staff's queue shows a fresh, unanswered conversation.
CONVERSATION_ALLOWED: dict[str, frozenset[str]] = {
    ConversationStatus.OPEN: frozenset({ConversationStatus.CLOSED}),
    ConversationStatus.CLOSED: frozenset(),
}

# A decision is final; a refused candidate may file a new request with new evidence.
MAKEUP_ALLOWED: dict[str, frozenset[str]] = {
    MakeupStatus.PENDING: frozenset({MakeupStatus.GRANTED, MakeupStatus.REFUSED}),
    MakeupStatus.GRANTED: frozenset(),
    MakeupStatus.REFUSED: frozenset(),
}

CONVERSATION = LifeCycle("conversation", CONVERSATION_ALLOWED)
MAKEUP = LifeCycle("makeup", MAKEUP_ALLOWED)
