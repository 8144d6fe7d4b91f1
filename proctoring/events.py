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


class ViewChanged(TypedDict):
    """A candidate's live view (1 computer, 2 phone) reached the media process or was lost."""

    type: Literal["view.changed"]
    attempt: int
    view: int
    connected: bool


def room_group(room_id: int) -> str:
    return f"room.{room_id}"


def _with_progress(queryset: QuerySet) -> QuerySet:
    return queryset.select_related("registration__candidate", "registration__exam").annotate(
        answered_count=Count("answers", filter=Q(answers__response__isnull=False), distinct=True),
    )


def summarise(attempt) -> AttemptSummary:  # an Attempt from _with_progress
    candidate = attempt.registration.candidate
    return {
        "id": attempt.pk,
        "candidate": candidate.name,
        "masked_id_number": candidate.masked_id_number,
        "status": attempt.status,
        "answered": attempt.answered_count,
        "total": len(attempt.paper),
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


class _Publish:
    """An on-commit callback that publishes one attempt's state; comparable, so a transaction
    that moves an attempt several times (commitment → waiting → answering) publishes once."""

    def __init__(self, attempt_id: int) -> None:
        self.attempt_id = attempt_id

    def __call__(self) -> None:
        publish_attempt_changed(self.attempt_id)


def attempt_changed_on_commit(attempt_id: int) -> None:
    """Tell the attempt's room once the current transaction commits, with the state it then
    has. A failure to publish is logged and never undoes or fails the change itself."""
    connection = transaction.get_connection()
    # A pending publish for this attempt is enough: it reads the state at commit time, and any
    # savepoint that could still roll it back encloses this point too (savepoints nest).
    pending = connection.run_on_commit if connection.in_atomic_block else []
    if any(isinstance(func, _Publish) and func.attempt_id == attempt_id for _, func, _ in pending):
        return
    transaction.on_commit(_Publish(attempt_id), robust=True)


class AlertSummary(TypedDict):
    id: int
    attempt: int
    kind: str
    label: str
    view: int
    severity: int
    status: str
    confidence: float
    count: int
    opened_at: str
    last_seen_at: str
    closed_at: str | None
    evidence_url: str | None


class AlertChanged(TypedDict):
    type: Literal["alert.changed"]
    alert: AlertSummary


def summarise_alert(alert) -> AlertSummary:  # a proctoring.models.Alert
    return {
        "id": alert.pk,
        "attempt": alert.attempt_id,
        "kind": alert.kind,
        "label": str(alert.get_kind_display()),
        "view": alert.view,
        "severity": alert.severity,
        "status": alert.status,
        "confidence": round(alert.confidence, 3),
        "count": alert.count,
        "opened_at": alert.opened_at.isoformat(),
        "last_seen_at": alert.last_seen_at.isoformat(),
        "closed_at": alert.closed_at.isoformat() if alert.closed_at else None,
        "evidence_url": None
        if alert.evidence_id is None
        else f"/vision/evidence/{alert.evidence_id}/",
    }


def publish_alert_changed(alert_id: int) -> None:
    from proctoring.models import Alert

    alert = Alert.objects.select_related("attempt__registration").filter(pk=alert_id).first()
    if alert is None:
        return
    layer = get_channel_layer()
    if layer is None:
        return
    message: AlertChanged = {"type": "alert.changed", "alert": summarise_alert(alert)}
    async_to_sync(layer.group_send)(room_group(alert.attempt.registration.room_id), message)


def alert_changed_on_commit(alert_id: int) -> None:
    """Tell the alert's room once the current transaction commits (a new alert, one more
    detection, or the alert closed). Like attempt events, a failure is only logged."""
    transaction.on_commit(lambda: publish_alert_changed(alert_id), robust=True)
