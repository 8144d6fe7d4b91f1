from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from exams.statuses import CHECK_ACCEPTED, LIVE, AttemptStatus, CheckStatus


class ExamQuerySet(models.QuerySet["Exam"]):
    def open_for_sign_in(self, now: dt.datetime, early: dt.timedelta) -> ExamQuerySet:
        """Exams a candidate may sign in to now: from ``early`` before opening until closing."""
        return self.filter(opens_at__lte=now + early, closes_at__gt=now)


class Exam(models.Model):
    """One sitting of one subject: the device set-up window (设备调试), a trial (试考) or a formal
    exam (正式考试), each with its own passcode and time window (R-EXAM-2), and the rules the
    candidate's flow and the proctoring follow."""

    class Kind(models.TextChoices):
        SETUP = "setup", _("Device set-up")
        TRIAL = "trial", _("Trial exam")
        FORMAL = "formal", _("Formal exam")

    class LeavePolicy(models.TextChoices):
        LOG = "log", _("Record it only")
        WARN = "warn", _("Warn the candidate")
        CONSUME = "consume", _("End the attempt (it counts as used)")

    class ScorePolicy(models.TextChoices):
        IMMEDIATELY = "immediately", _("Right after the exam")
        AFTER_CLOSE = "after_close", _("After the exam window closes")
        HIDDEN = "hidden", _("Not shown to candidates")

    class PaperMode(models.TextChoices):
        FIXED = "fixed", _("Fixed paper")
        RANDOM = "random", _("Drawn by rules")

    code = models.CharField(_("code"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=200)
    subject = models.ForeignKey(
        "questionbank.Subject",
        verbose_name=_("subject"),
        on_delete=models.PROTECT,
        related_name="exams",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    # Sent to candidates by SMS at a scheduled time; shown to staff so support can re-issue it.
    passcode = models.CharField(_("passcode"), max_length=32)
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    duration = models.DurationField(_("duration"), default=dt.timedelta(minutes=90))
    max_attempts = models.PositiveSmallIntegerField(_("attempts allowed"), default=1)
    # R-EXAM-2: the trial may be submitted only after 30 minutes of answering.
    min_answer_minutes = models.PositiveSmallIntegerField(
        _("minimum answering time (minutes)"), default=0
    )
    paper_mode = models.CharField(
        _("paper"), max_length=10, choices=PaperMode.choices, default=PaperMode.FIXED
    )
    shuffle_questions = models.BooleanField(_("shuffle questions per candidate"), default=True)
    shuffle_options = models.BooleanField(_("shuffle options per candidate"), default=True)
    leave_policy = models.CharField(
        _("when the candidate leaves the exam page"),
        max_length=10,
        choices=LeavePolicy.choices,
        default=LeavePolicy.WARN,
    )
    score_policy = models.CharField(
        _("scores shown"),
        max_length=12,
        choices=ScorePolicy.choices,
        default=ScorePolicy.IMMEDIATELY,
    )
    requires_identity = models.BooleanField(_("identity check before the exam"), default=True)
    # Candidates without a face enrolled by staff may take (and re-take) their own enrolment
    # photo with the camera before the exam opens; the identity check then compares with it.
    allows_self_enrolment = models.BooleanField(
        _("candidates may enrol their own face with the camera before the exam opens"),
        default=False,
    )
    requires_second_view = models.BooleanField(_("second view (phone) required"), default=False)
    requires_seb = models.BooleanField(_("Safe Exam Browser required"), default=False)
    # One key per line: SEB configuration keys and browser exam keys accepted for this exam.
    seb_config_keys = models.TextField(_("SEB configuration keys"), blank=True)
    seb_browser_exam_keys = models.TextField(_("SEB browser exam keys"), blank=True)
    commitment_text = models.TextField(_("commitment letter"), blank=True)

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

    @property
    def duration_minutes(self) -> int:
        return int(self.duration.total_seconds() // 60)

    def keys(self, field: str) -> list[str]:
        return [line.strip() for line in getattr(self, field).splitlines() if line.strip()]


class PaperItem(models.Model):
    """A question on a fixed paper, in its place."""

    exam = models.ForeignKey(
        Exam, verbose_name=_("exam"), on_delete=models.CASCADE, related_name="paper_items"
    )
    question = models.ForeignKey(
        "questionbank.Question",
        verbose_name=_("question"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    position = models.PositiveSmallIntegerField(_("position"))
    points = models.PositiveSmallIntegerField(
        _("points"), null=True, blank=True
    )  # default: the question's

    class Meta:
        ordering = ["exam", "position"]
        constraints = [
            models.UniqueConstraint(fields=["exam", "position"], name="paper_position_per_exam"),
            models.UniqueConstraint(fields=["exam", "question"], name="question_once_per_paper"),
        ]
        verbose_name = _("paper question")
        verbose_name_plural = _("paper questions")

    def __str__(self) -> str:
        return f"{self.exam.code} #{self.position}"


class PaperRule(models.Model):
    """Draw ``count`` questions of a kind (and, if set, a difficulty and chapter) at random."""

    exam = models.ForeignKey(
        Exam, verbose_name=_("exam"), on_delete=models.CASCADE, related_name="paper_rules"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=1)
    kind = models.CharField(_("kind"), max_length=20)
    difficulty = models.PositiveSmallIntegerField(_("difficulty"), null=True, blank=True)
    chapter = models.CharField(_("chapter"), max_length=100, blank=True)
    count = models.PositiveSmallIntegerField(_("number of questions"))
    points = models.PositiveSmallIntegerField(_("points each"), null=True, blank=True)

    class Meta:
        ordering = ["exam", "position"]
        verbose_name = _("paper rule")
        verbose_name_plural = _("paper rules")

    def __str__(self) -> str:
        return f"{self.exam.code}: {self.count} × {self.kind}"


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
    # Make-up attempts granted by staff (R-EMG-5), on top of the exam's allowance.
    extra_attempts = models.PositiveSmallIntegerField(_("extra attempts granted"), default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["exam", "candidate"], name="one_registration_per_exam")
        ]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")

    def __str__(self) -> str:
        return f"{self.candidate} @ {self.exam}"

    @property
    def attempts_allowed(self) -> int:
        return self.exam.max_attempts + self.extra_attempts


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

    def live(self) -> AttemptQuerySet:
        return self.filter(status__in=LIVE)


class Attempt(models.Model):
    """One sitting of a registered candidate, from sign-in to score. The server's ``deadline``
    rules (R-EXAM-5); ``paper`` is this candidate's paper, fixed when answering starts: a list of
    ``{"question": id, "points": n, "options": [keys in the order shown]}``."""

    registration = models.ForeignKey(
        Registration,
        verbose_name=_("registration"),
        on_delete=models.CASCADE,
        related_name="attempts",
    )
    number = models.PositiveSmallIntegerField(_("attempt number"), default=1)
    status = models.CharField(
        _("status"), max_length=24, choices=AttemptStatus.choices, default=AttemptStatus.SIGNED_IN
    )
    created_at = models.DateTimeField(_("signed in at"), default=timezone.now)
    info_confirmed_at = models.DateTimeField(_("information confirmed at"), null=True, blank=True)
    identity_method = models.CharField(_("identity checked by"), max_length=20, blank=True)
    seed = models.PositiveIntegerField(_("shuffle seed"), default=0)
    paper = models.JSONField(_("paper"), default=list, blank=True)
    started_at = models.DateTimeField(_("started answering at"), null=True, blank=True)
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    graded_at = models.DateTimeField(_("graded at"), null=True, blank=True)
    score = models.PositiveIntegerField(_("score"), null=True, blank=True)
    max_score = models.PositiveIntegerField(_("maximum score"), null=True, blank=True)
    warnings = models.PositiveSmallIntegerField(_("warnings"), default=0)

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
        if self.deadline is None:
            return int(self.registration.exam.duration.total_seconds())
        now = now or timezone.now()
        return max(0, int((self.deadline - now).total_seconds()))

    def question_ids(self) -> list[int]:
        return [int(item["question"]) for item in self.paper]


class CommitmentSignature(models.Model):
    """The commitment letter (承诺书) as the candidate signed it: the text, when, from where.

    .. pii: ``ip`` is the candidate's address; kept with the attempt.
    """

    attempt = models.OneToOneField(
        Attempt, verbose_name=_("attempt"), on_delete=models.CASCADE, related_name="commitment"
    )
    text = models.TextField(_("text signed"))
    signed_at = models.DateTimeField(_("signed at"), default=timezone.now)
    ip = models.GenericIPAddressField(_("address"), null=True, blank=True)

    class Meta:
        verbose_name = _("commitment signature")
        verbose_name_plural = _("commitment signatures")

    def __str__(self) -> str:
        return f"{self.attempt} {self.signed_at:%Y-%m-%d %H:%M}"


class Answer(models.Model):
    """The candidate's latest answer to one question. ``seq`` rises with every save from the
    client, so a stale or replayed save can never overwrite a newer one (R-EXAM-9).
    ``awarded`` is set by grading (objective) or by a marker (subjective)."""

    attempt = models.ForeignKey(
        Attempt, verbose_name=_("attempt"), on_delete=models.CASCADE, related_name="answers"
    )
    question = models.ForeignKey(
        "questionbank.Question",
        verbose_name=_("question"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    response = models.JSONField(_("response"), null=True)  # null: the candidate cleared it
    seq = models.PositiveIntegerField(_("sequence number"))
    saved_at = models.DateTimeField(_("saved at"), auto_now=True)
    awarded = models.PositiveSmallIntegerField(_("points awarded"), null=True, blank=True)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("marked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["attempt", "question"], name="one_answer_per_question")
        ]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")

    def __str__(self) -> str:
        return f"{self.attempt_id}/{self.question_id} #{self.seq}"


class AttemptEvent(models.Model):
    """Something the exam page reported (R-EXAM-6): leaving the page, losing focus or fullscreen,
    copy/paste attempts. Times are the server's; the client's is kept for comparison."""

    class Kind(models.TextChoices):
        HIDDEN = "hidden", _("Page hidden (switched app or tab, screen off)")
        BLUR = "blur", _("Window lost focus")
        FULLSCREEN_EXIT = "fullscreen_exit", _("Left fullscreen")
        COPY = "copy", _("Copy attempt")
        PASTE = "paste", _("Paste attempt")
        CONTEXT_MENU = "context_menu", _("Context menu attempt")
        RETURNED = "returned", _("Came back to the page")

    LEAVING = frozenset({Kind.HIDDEN, Kind.BLUR, Kind.FULLSCREEN_EXIT})

    attempt = models.ForeignKey(
        Attempt, verbose_name=_("attempt"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    at = models.DateTimeField(_("time"), default=timezone.now)
    client_at = models.DateTimeField(_("time on the candidate's computer"), null=True, blank=True)
    action = models.CharField(_("action taken"), max_length=20, blank=True)

    class Meta:
        ordering = ["attempt", "at", "id"]
        verbose_name = _("attempt event")
        verbose_name_plural = _("attempt events")

    def __str__(self) -> str:
        return f"{self.attempt_id} {self.kind} {self.at:%H:%M:%S}"


def _check_path(instance: Any, filename: str) -> str:
    return f"vision/identity/{instance.candidate_id}/{timezone.now():%Y%m%d%H%M%S%f}.jpg"


class IdentityCheckQuerySet(models.QuerySet["IdentityCheck"]):
    def accepted_since(self, since: dt.datetime) -> IdentityCheckQuerySet:
        return self.filter(status__in=CHECK_ACCEPTED, decided_at__gte=since)

    def visible_to(self, user: Any) -> IdentityCheckQuerySet:
        if not user.is_authenticated:
            return self.none()
        if user.has_role(Role.ORG_ADMIN):
            return self
        if user.role == Role.SITE_ADMIN and user.site_id:
            return self.filter(candidate__site_id=user.site_id)
        return self.none()


class IdentityCheck(models.Model):
    """One 1:1 verification with liveness of a burst of camera frames against the enrolment
    (R-PROC-2, R-EMG-3), or its human review when the candidate cannot pass: the record of the
    flow's identity step. The computation is ``vision.liveness.verify_burst``.

    .. pii: ``frames`` and ``image`` are the burst, kept for the staff review; deleted by
       ``vision.purge_evidence`` after ``VISION_EVIDENCE_RETENTION_DAYS``.
    """

    class Challenge(models.TextChoices):
        TURN_HEAD = "turn_head", _("Turn your head slowly left and right")
        BLINK = "blink", _("Blink a few times")

    candidate = models.ForeignKey(
        "candidates.Candidate",
        verbose_name=_("candidate"),
        on_delete=models.CASCADE,
        related_name="identity_checks",
    )
    attempt = models.ForeignKey(
        Attempt,
        verbose_name=_("attempt"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="identity_checks",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=CheckStatus.choices, default=CheckStatus.PENDING
    )
    challenge = models.CharField(_("challenge"), max_length=10, choices=Challenge.choices)
    method = models.CharField(_("method"), max_length=40, default="face+liveness")
    frames = models.JSONField(_("frame files"), default=list, blank=True)
    image = models.FileField(_("sample frame"), upload_to=_check_path, blank=True)
    frames_count = models.PositiveSmallIntegerField(_("frames"), default=0)
    distance = models.FloatField(_("median distance"), null=True, blank=True)
    threshold = models.FloatField(_("threshold"), null=True, blank=True)
    live = models.BooleanField(_("liveness passed"), null=True)
    problem_code = models.CharField(_("problem"), max_length=30, blank=True)
    problem = models.CharField(_("reason"), max_length=300, blank=True)
    detail = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    review_note = models.CharField(_("review note"), max_length=300, blank=True)

    objects = IdentityCheckQuerySet.as_manager()

    class Meta:
        db_table = "vision_identitycheck"  # created by the vision app; moved without a copy
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["candidate", "status", "decided_at"], name="vision_iden_candida_f9e647_idx"
            )
        ]
        verbose_name = _("identity check")
        verbose_name_plural = _("identity checks")

    def __str__(self) -> str:
        return f"{self.candidate_id} {self.status}"
