"""An attempt's review after the exam (issue 16 §1).

The decisions on single alerts are not stored here: they are the alerts' own decisions
(``proctoring.Alert.decision``, which the rules' precision is measured from) and the violations
recorded from them (``proctoring.Violation.alert``); see ``review.decisions``. This row holds
what belongs to the attempt as a whole: who has claimed it until when, and the outcome.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from review.statuses import AppealStatus, ReviewStatus


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


def appeal_path(instance: Any, filename: str) -> str:
    # A random name: the candidate's file name is not trusted, nor guessable from the URL.
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"review/appeals/{secrets.token_hex(16)}.{extension}"


class Appeal(models.Model):
    """A candidate's one appeal against the flags the review decided on an attempt (issue 16
    §5): a statement and one attachment, decided by a second reviewer (none of those who
    decided the attempt's alerts or finished its review) as upheld or rejected with a reason.
    Upheld, the attempt's flags are withdrawn (``review.appeals.decide``).

    .. pii: ``statement`` is the candidate's words and ``attachment`` their document; kept with
       the attempt's review record.
    """

    # One appeal per attempt, kept by the database too: a second submission (a double click
    # as well) is refused with a reason, nothing written.
    attempt = models.OneToOneField(
        "exams.Attempt", verbose_name=_("attempt"), on_delete=models.CASCADE, related_name="appeal"
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=AppealStatus.choices,
        default=AppealStatus.SUBMITTED,
        db_index=True,
    )
    statement = models.TextField(_("statement"))
    attachment = models.FileField(_("attachment"), upload_to=appeal_path)
    attachment_type = models.CharField(_("attachment type"), max_length=40)
    # The SHA-256 of the attachment's bytes as they arrived, as for every stored upload.
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    created_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.CharField(_("reason of the decision"), max_length=500, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")

    def __str__(self) -> str:
        return f"appeal of {self.attempt_id} {self.status}"
