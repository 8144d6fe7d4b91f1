from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from exams.statuses import AttemptStatus


class ExamQuerySet(models.QuerySet["Exam"]):
    def open_for_sign_in(self, now: dt.datetime, early: dt.timedelta) -> ExamQuerySet:
        """Exams a candidate may sign in to now: from ``early`` before opening until closing."""
        return self.filter(opens_at__lte=now + early, closes_at__gt=now)


class Exam(models.Model):
    """One sitting of one subject: a trial (试考) or a formal exam (正式考试), with its own
    passcode and time window (R-EXAM-2)."""

    class Kind(models.TextChoices):
        TRIAL = "trial", _("Trial exam")
        FORMAL = "formal", _("Formal exam")

    code = models.CharField(_("code"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    # Sent to candidates by SMS at a scheduled time; shown to staff so support can re-issue it.
    passcode = models.CharField(_("passcode"), max_length=32)
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    duration = models.DurationField(_("duration"), default=dt.timedelta(minutes=90))

    objects = ExamQuerySet.as_manager()

    class Meta:
        ordering = ["opens_at", "code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")),
                name="exam_closes_after_opening",
            )
        ]
        verbose_name = _("exam")
        verbose_name_plural = _("exams")

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    """A question on an exam's paper. ``options`` is a list of ``{"key", "text"}``; ``answer``
    the key of the correct option."""

    class Kind(models.TextChoices):
        SINGLE = "single", _("Single choice")

    exam = models.ForeignKey(
        Exam, verbose_name=_("exam"), on_delete=models.CASCADE, related_name="questions"
    )
    position = models.PositiveSmallIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.SINGLE)
    text = models.TextField(_("text"))
    options = models.JSONField(_("options"))
    answer = models.JSONField(_("correct answer"))
    points = models.PositiveSmallIntegerField(_("points"), default=1)

    class Meta:
        ordering = ["exam", "position"]
        constraints = [
            models.UniqueConstraint(fields=["exam", "position"], name="question_position_per_exam")
        ]
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self) -> str:
        return f"{self.exam.code} #{self.position}"

    def option_keys(self) -> set[str]:
        return {str(option["key"]) for option in self.options}


class Registration(models.Model):
    """A candidate's place in an exam, in a room watched by that room's proctors."""

    exam = models.ForeignKey(
        Exam, verbose_name=_("exam"), on_delete=models.CASCADE, related_name="registrations"
    )
    candidate = models.ForeignKey(
        "candidates.Candidate",
        verbose_name=_("candidate"),
        on_delete=models.CASCADE,
        related_name="registrations",
    )
    room = models.ForeignKey(
        "centres.Room",
        verbose_name=_("exam room"),
        on_delete=models.PROTECT,
        related_name="registrations",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["exam", "candidate"], name="one_registration_per_exam")
        ]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")

    def __str__(self) -> str:
        return f"{self.candidate} @ {self.exam}"


class AttemptQuerySet(models.QuerySet["Attempt"]):
    def of_candidate(self, user: Any) -> AttemptQuerySet:
        return self.filter(registration__candidate__user=user)

    def visible_to_staff(self, user: Any) -> AttemptQuerySet:
        """Attempts in the rooms ``user`` may watch (see ``RoomQuerySet.visible_to``)."""
        from centres.models import Room

        if not user.is_authenticated or not user.has_role(
            Role.PROCTOR, Role.SITE_ADMIN, Role.ORG_ADMIN
        ):
            return self.none()
        return self.filter(registration__room__in=Room.objects.visible_to(user))

    def expired(self, now: dt.datetime) -> AttemptQuerySet:
        return self.filter(status=AttemptStatus.ANSWERING, deadline__lte=now)


class Attempt(models.Model):
    """One sitting of a registered candidate. The server's ``deadline`` rules (R-EXAM-5)."""

    registration = models.ForeignKey(
        Registration,
        verbose_name=_("registration"),
        on_delete=models.CASCADE,
        related_name="attempts",
    )
    number = models.PositiveSmallIntegerField(_("attempt number"), default=1)
    status = models.CharField(
        _("status"), max_length=20, choices=AttemptStatus.choices, default=AttemptStatus.ANSWERING
    )
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    deadline = models.DateTimeField(_("deadline"))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    graded_at = models.DateTimeField(_("graded at"), null=True, blank=True)
    score = models.PositiveIntegerField(_("score"), null=True, blank=True)
    max_score = models.PositiveIntegerField(_("maximum score"), null=True, blank=True)

    objects = AttemptQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "number"], name="attempt_number_per_registration"
            )
        ]
        indexes = [models.Index(fields=["status", "deadline"])]
        verbose_name = _("attempt")
        verbose_name_plural = _("attempts")

    def __str__(self) -> str:
        return f"{self.registration} #{self.number}"

    def remaining_seconds(self, now: dt.datetime | None = None) -> int:
        now = now or timezone.now()
        return max(0, int((self.deadline - now).total_seconds()))


class Answer(models.Model):
    """The candidate's latest answer to one question. ``seq`` rises with every save from the
    client, so a stale or replayed save can never overwrite a newer one (R-EXAM-9)."""

    attempt = models.ForeignKey(
        Attempt, verbose_name=_("attempt"), on_delete=models.CASCADE, related_name="answers"
    )
    question = models.ForeignKey(
        Question, verbose_name=_("question"), on_delete=models.CASCADE, related_name="+"
    )
    response = models.JSONField(_("response"), null=True)  # null: the candidate cleared it
    seq = models.PositiveIntegerField(_("sequence number"))
    saved_at = models.DateTimeField(_("saved at"), auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["attempt", "question"], name="one_answer_per_question")
        ]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")

    def __str__(self) -> str:
        return f"{self.attempt_id}/{self.question_id} #{self.seq}"
