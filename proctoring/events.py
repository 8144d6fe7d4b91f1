"""Live events for the proctor console, as typed messages on the channel layer.

Events are notifications only (DESIGN-BRIEF): they may be dropped, so a console that connects
or reconnects first reads the room's state from the database (``room_snapshot``) and then applies
events on top. There is one group per exam room.
"""

from __future__ import annotations

import logging
from typing import Literal, TypedDict

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.db.models import Count, Q, QuerySet

logger = logging.getLogger(__name__)


class AttemptSummary(TypedDict):
    id: int
    candidate: str
    masked_id_number: str
    status: str
    answered: int
    total: int
    score: int | None
    max_score: int | None


class AttemptChanged(TypedDict):
    type: Literal["attempt.changed"]
    attempt: AttemptSummary


def room_group(room_id: int) -> str:
    return f"room.{room_id}"


def _with_progress(queryset: QuerySet) -> QuerySet:
    return queryset.select_related("registration__candidate", "registration__exam").annotate(
        answered_count=Count("answers", filter=Q(answers__response__isnull=False), distinct=True),
        question_count=Count("registration__exam__questions", distinct=True),
    )


def summarise(attempt) -> AttemptSummary:  # an Attempt from _with_progress
    candidate = attempt.registration.candidate
    return {
        "id": attempt.pk,
        "candidate": candidate.name,
        "masked_id_number": candidate.masked_id_number,
        "status": attempt.status,
        "answered": attempt.answered_count,
        "total": attempt.question_count,
        "score": attempt.score,
        "max_score": attempt.max_score,
    }


def room_snapshot(room_id: int) -> list[AttemptSummary]:
    from exams.models import Attempt

    attempts = _with_progress(Attempt.objects.filter(registration__room_id=room_id))
    return [summarise(a) for a in attempts.order_by("registration__candidate__name", "number")]


def publish_attempt_changed(attempt_id: int) -> None:
    from exams.models import Attempt

    attempt = _with_progress(Attempt.objects.filter(pk=attempt_id)).first()
    if attempt is None:
        return
    layer = get_channel_layer()
    if layer is None:
        return
    message: AttemptChanged = {"type": "attempt.changed", "attempt": summarise(attempt)}
    async_to_sync(layer.group_send)(room_group(attempt.registration.room_id), message)


def attempt_changed_on_commit(attempt_id: int) -> None:
    """Tell the attempt's room once the current transaction commits. A failure to publish is
    logged and never undoes or fails the change itself."""
    transaction.on_commit(lambda: publish_attempt_changed(attempt_id), robust=True)
