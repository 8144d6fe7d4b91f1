"""Alerts raised from the vision workers' results, and the per-exam rules that raise them
(R-PROC-3). ``proctoring.alerts`` turns analyses into alerts; the console shows them."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AlertKind(models.TextChoices):
    LEFT_SEAT = "left_seat", _("Left the seat")
    EXTRA_PERSON = "extra_person", _("Another person")
    DEVICE = "device", _("Electronic device")
    FACE_COVERED = "face_covered", _("Face covered or not visible")
    DIFFERENT_PERSON = "different_person", _("Different person")
    LOOKING_AWAY = "looking_away", _("Looking away")
    SECOND_VIEW_LOST = "second_view_lost", _("Second view lost")
    TALKING = "talking", _("Talking or other voices")


class Severity(models.IntegerChoices):
    LOW = 1, _("Low")
    MEDIUM = 2, _("Medium")
    HIGH = 3, _("High")


class AlertStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


# Open → closed when the behaviour stops (or a proctor closes it); a closed alert stays closed.
ALERT_ALLOWED: dict[str, frozenset[str]] = {
    AlertStatus.OPEN: frozenset({AlertStatus.CLOSED}),
    AlertStatus.CLOSED: frozenset(),
}

DEFAULT_SEVERITY: dict[str, int] = {
    AlertKind.LEFT_SEAT: Severity.HIGH,
    AlertKind.EXTRA_PERSON: Severity.HIGH,
    AlertKind.DEVICE: Severity.HIGH,
    AlertKind.FACE_COVERED: Severity.MEDIUM,
    AlertKind.DIFFERENT_PERSON: Severity.HIGH,
    AlertKind.LOOKING_AWAY: Severity.LOW,
    AlertKind.SECOND_VIEW_LOST: Severity.MEDIUM,
    AlertKind.TALKING: Severity.MEDIUM,
}


class AlertRules(models.Model):
    """How one exam turns analyses into alerts. Exams without a row use ``AlertRules.defaults``,
    whose values are the ``VISION_*`` settings (measured on ../shared/data, docs/vision.md)."""

    exam = models.OneToOneField(
        "exams.Exam", verbose_name=_("exam"), on_delete=models.CASCADE, related_name="alert_rules"
    )
    enabled = models.JSONField(
        _("enabled alert types"), default=list, help_text=_("Empty means every type.")
    )
    device_min_confidence = models.FloatField(_("device confidence from"), default=0.4)
    person_min_confidence = models.FloatField(_("person confidence from"), default=0.55)
    distance_threshold = models.FloatField(_("face distance threshold"), default=0.6)
    looking_away_yaw = models.FloatField(_("looking-away head turn"), default=0.6)
    voice_ratio = models.FloatField(_("voiced share of a chunk"), default=0.3)

    class Meta:
        verbose_name = _("alert rules")
        verbose_name_plural = _("alert rules")

    def __str__(self) -> str:
        return f"{self.exam_id}"

    @classmethod
    def defaults(cls, exam: Any = None) -> AlertRules:
        return cls(
            exam=exam,
            enabled=[],
            device_min_confidence=settings.VISION_DEVICE_MIN_CONFIDENCE,
            person_min_confidence=settings.VISION_PERSON_MIN_CONFIDENCE,
            distance_threshold=settings.VISION_FACE_DISTANCE_THRESHOLD,
            looking_away_yaw=settings.VISION_LOOKING_AWAY_YAW,
            voice_ratio=settings.VISION_VOICE_RATIO,
        )

    def is_enabled(self, kind: str) -> bool:
        return not self.enabled or kind in self.enabled


class Alert(models.Model):
    """One suspicious behaviour of one attempt over a span of time. Consecutive detections of
    the same behaviour (same kind and view) add to the open alert's ``count`` and ``last_seen_at``
    instead of opening new alerts; the alert closes when the behaviour stops."""

    attempt = models.ForeignKey(
        "exams.Attempt", verbose_name=_("attempt"), on_delete=models.CASCADE, related_name="alerts"
    )
    kind = models.CharField(_("type"), max_length=20, choices=AlertKind.choices)
    view = models.PositiveSmallIntegerField(_("view"), default=1)
    severity = models.PositiveSmallIntegerField(_("severity"), choices=Severity.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=AlertStatus.choices, default=AlertStatus.OPEN
    )
    confidence = models.FloatField(_("confidence"), default=0.0)
    count = models.PositiveIntegerField(_("detections"), default=1)
    opened_at = models.DateTimeField(_("from"))
    last_seen_at = models.DateTimeField(_("last seen"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    evidence = models.ForeignKey(
        "vision.EvidenceFrame",
        verbose_name=_("evidence frame"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    detail = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["attempt", "kind", "view"],
                condition=models.Q(status="open"),
                name="one_open_alert_per_kind_and_view",
            )
        ]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")

    def __str__(self) -> str:
        return f"{self.attempt_id} {self.kind} {self.status}"
