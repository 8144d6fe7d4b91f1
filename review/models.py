"""An attempt's review after the exam (issue 16 §1).

The decisions on single alerts are not stored here: they are the alerts' own decisions
(``proctoring.Alert.decision``, which the rules' precision is measured from) and the violations
recorded from them (``proctoring.Violation.alert``); see ``review.decisions``. This row holds
what belongs to the attempt as a whole: who has claimed it until when, and the outcome.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from review.statuses import ReviewStatus


class Outcome(models.TextChoices):
    """What a review decides, for one alert or for the attempt; in order of weight."""

    NO_ACTION = "no_action", _("No action")
    WARNING = "warning", _("Warning")
    VIOLATION = "violation", _("Violation")


OUTCOME_WEIGHT = {Outcome.NO_ACTION: 0, Outcome.WARNING: 1, Outcome.VIOLATION: 2}


class AttemptReview(models.Model):
    attempt = models.OneToOneField(
        "exams.Attempt", verbose_name=_("attempt"), on_delete=models.CASCADE, related_name="review"
    )
    # The attempt's exam, copied: the queue of an exam is one index away.
    exam = models.ForeignKey(
        "exams.Exam", verbose_name=_("exam"), on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.PENDING
    )
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("claimed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    claim_expires_at = models.DateTimeField(_("claim expires at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    finished_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("finished by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["exam", "status"], name="review_queue")]
        verbose_name = _("attempt review")
        verbose_name_plural = _("attempt reviews")

    def __str__(self) -> str:
        return f"review of {self.attempt_id} {self.status}"
