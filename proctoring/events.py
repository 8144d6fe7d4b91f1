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


class ViewThumbnail(TypedDict):
    """A small JPEG (base64, about 160x120) of a live view for the room's grid, sent by the media
    process about every ``WEBRTC_THUMBNAIL_EVERY_SECONDS`` per view; ``at`` is ISO time."""

    type: Literal["view.thumbnail"]
    attempt: int
    view: int
    jpeg: str
    at: str


def room_group(room_id: int) -> str:
    return f"room.{room_id}"


def attempt_group(attempt_id: int) -> str:
    """The candidate's own channel (``proctoring.candidate_consumer``): warnings, the end of
    the exam and the state of their views reach their pages through it."""
    return f"attempt.{attempt_id}"


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


class ViewStateSummary(TypedDict):
    attempt: int
    view: int
    connected: bool


# The alert queue of a console: undecided alerts, open or closed, of the room's attempts, at
# most this many (the most recent); older ones are reviewed on the review page.
SNAPSHOT_MAX_ALERTS = 300


def room_view_states(room_id: int) -> list[ViewStateSummary]:
    from proctoring.models import ViewState

    rows = ViewState.objects.filter(attempt__registration__room_id=room_id)
    return [
        {"attempt": attempt, "view": view, "connected": connected}
        for attempt, view, connected in rows.values_list("attempt_id", "view", "connected")
    ]


def room_alerts(room_id: int) -> list[AlertSummary]:
    """Alerts waiting for a proctor's decision: every open one, and closed ones not decided."""
    from proctoring.models import Alert

    alerts = (
        Alert.objects.filter(attempt__registration__room_id=room_id, decision="")
        .select_related("attempt")
        .order_by("-opened_at")[:SNAPSHOT_MAX_ALERTS]
    )
    return [summarise_alert(a) for a in alerts]


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
    decision: str
    decision_note: str


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
        "decision": alert.decision,
        "decision_note": alert.decision_note,
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


# --- Proctors' actions and the candidate's channel (proctoring.actions) -----------------------


class MessageSummary(TypedDict):
    id: int
    attempt: int
    kind: str
    text: str
    sender: str
    sent_at: str
    read_at: str | None


class MessageChanged(TypedDict):
    """To the room: a warning or broadcast line was sent, or its candidate read it."""

    type: Literal["message.changed"]
    message: MessageSummary


class ViolationSummary(TypedDict):
    id: int
    attempt: int
    kind: str
    label: str
    note: str
    recorded_by: str
    at: str


class ViolationRecorded(TypedDict):
    type: Literal["violation.recorded"]
    violation: ViolationSummary


class ScreenshotSummary(TypedDict):
    id: int
    attempt: int
    view: int
    note: str
    taken_by: str
    at: str
    url: str


class ScreenshotTaken(TypedDict):
    type: Literal["screenshot.taken"]
    screenshot: ScreenshotSummary


class CandidateWarning(TypedDict):
    """To the candidate's channel: show this line (``kind`` warning or broadcast)."""

    type: Literal["candidate.warning"]
    id: int
    text: str
    kind: str


class CandidateTerminated(TypedDict):
    """To the candidate's channel: a proctor ended the exam."""

    type: Literal["candidate.terminated"]
    reason: str


def _send(group: str, message: dict) -> None:
    """Publish one notification; a failure is logged and never fails the caller (events are
    notifications only, and the state is in the database)."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, message)
    except Exception:
        logger.exception("event %s to %s not published", message.get("type"), group)


def send_on_commit(group: str, message: dict) -> None:
    transaction.on_commit(lambda: _send(group, message), robust=True)


def record_view_state(
    attempt_id: int, view: int, connected: bool, *, media_process: str = ""
) -> None:
    """A candidate's view ``view`` (1 computer, 2 phone) connected or was lost.

    Called by the media process (``media_consumers``) and by the candidate's own page for view 1
    (``candidate_consumer``: it still reports "lost" when the media process itself died). Upserts
    the attempt's ``ViewState``; only a real change is published (``view.changed`` to the room
    and to the candidate's pages) and, for the phone while the candidate is answering, opens or
    closes the SECOND_VIEW_LOST alert.
    """
    from django.db import IntegrityError
    from django.utils import timezone

    from exams.models import Attempt
    from exams.statuses import AttemptStatus
    from proctoring import alerts
    from proctoring.models import AlertKind, ViewState

    now = timezone.now()
    with transaction.atomic():
        attempt = Attempt.objects.select_related("registration").filter(pk=attempt_id).first()
        if attempt is None:
            return
        if connected and media_process:
            ViewState.objects.filter(attempt_id=attempt_id, view=view).update(
                media_process=media_process
            )
        changed = bool(
            ViewState.objects.filter(attempt_id=attempt_id, view=view)
            .exclude(connected=connected)
            .update(connected=connected, changed_at=now)
        )
        if not changed and not ViewState.objects.filter(attempt_id=attempt_id, view=view).exists():
            try:
                with transaction.atomic():
                    ViewState.objects.create(
                        attempt_id=attempt_id,
                        view=view,
                        connected=connected,
                        changed_at=now,
                        media_process=media_process if connected else "",
                    )
                changed = True
            except IntegrityError:  # a report of the same view a moment ago created it
                changed = bool(
                    ViewState.objects.filter(attempt_id=attempt_id, view=view)
                    .exclude(connected=connected)
                    .update(connected=connected, changed_at=now)
                )
        if not changed:
            return
        if view == 2:
            if attempt.status == AttemptStatus.ANSWERING:
                alerts.report_second_view(attempt, present=connected, at=now)
            elif connected:  # back after the answering ended: nothing is lost any more
                alerts.close_open(
                    attempt, AlertKind.SECOND_VIEW_LOST, view=2, at=now, reason="stream back"
                )
            # Lost before answering: no alert, the flow itself waits for the phone.
        message: ViewChanged = {
            "type": "view.changed",
            "attempt": attempt_id,
            "view": view,
            "connected": connected,
        }
        send_on_commit(room_group(attempt.registration.room_id), dict(message))
        send_on_commit(attempt_group(attempt_id), dict(message))


def forget_views_of(media_process: str) -> int:
    """Mark lost every view that ``media_process`` held: called when that process starts, since a
    process that starts holds no peer (it crashed or was restarted, and its views are down until
    the pages reconnect). Each is published like any loss; returns how many there were."""
    from proctoring.models import ViewState

    held = list(
        ViewState.objects.filter(connected=True, media_process=media_process).values_list(
            "attempt_id", "view"
        )
    )
    for attempt_id, view in held:
        record_view_state(attempt_id, view, False)
    return len(held)
