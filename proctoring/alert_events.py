"""Alerts on the proctor console: an alert's summary, the alert queue of a room's snapshot, and
``alert.changed`` published after commit (a new alert, one more detection, a closed alert, a
decision). Like every live event, a failure to publish is logged and never fails the change."""

from __future__ import annotations

from core import live
from exams.models import Attempt
from proctoring.events import AlertChanged, AlertSummary
from proctoring.models import Alert

# The alert queue of a console: undecided alerts, open or closed, of the room's attempts, at
# most this many (the most recent); older ones are reviewed on the review page.
SNAPSHOT_MAX_ALERTS = 300


def room_alerts(room_id: int) -> list[AlertSummary]:
    """Alerts waiting for a proctor's decision: every open one, and closed ones not decided, of
    the room's current attempts."""
    alerts = (
        Alert.objects.filter(attempt__in=Attempt.objects.current_in_room(room_id), decision="")
        .select_related("attempt")
        .order_by("-opened_at")[:SNAPSHOT_MAX_ALERTS]
    )
    return [summarise_alert(a) for a in alerts]


def summarise_alert(alert: Alert) -> AlertSummary:
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
        "audio_url": None
        if alert.audio_evidence_id is None
        else f"/vision/evidence/audio/{alert.audio_evidence_id}/",
        "decision": alert.decision,
        "decision_note": alert.decision_note,
    }


def publish_alert_changed(alert_id: int) -> None:
    alert = Alert.objects.select_related("attempt__registration").filter(pk=alert_id).first()
    if alert is None:
        return
    message: AlertChanged = {"type": "alert.changed", "alert": summarise_alert(alert)}
    live.send(live.room_group(alert.attempt.registration.room_id), dict(message))


def alert_changed_on_commit(alert_id: int) -> None:
    """Tell the alert's room once the current transaction commits."""
    live.on_commit(lambda: publish_alert_changed(alert_id))
