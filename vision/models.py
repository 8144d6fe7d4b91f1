"""Records of the vision workers: face enrolments and their encrypted templates, identity
checks, evidence frames, frame and audio analyses. Alerts built from analyses live in
``proctoring.models``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from vision.statuses import CHECK_ACCEPTED, CheckStatus, EnrolmentStatus


def _enrolment_path(instance: Any, filename: str) -> str:
    return f"vision/enrolment/{instance.candidate_id}/{timezone.now():%Y%m%d%H%M%S}.jpg"


def _check_path(instance: Any, filename: str) -> str:
    return f"vision/identity/{instance.candidate_id}/{timezone.now():%Y%m%d%H%M%S%f}.jpg"


def _evidence_path(instance: Any, filename: str) -> str:
    return f"vision/evidence/{instance.attempt_id}/{timezone.now():%Y%m%d%H%M%S%f}.jpg"


def _audio_path(instance: Any, filename: str) -> str:
    return f"vision/audio/{instance.attempt_id}/{timezone.now():%Y%m%d%H%M%S%f}.wav"


class EnrolmentQuerySet(models.QuerySet["FaceEnrolment"]):
    def visible_to(self, user: Any) -> EnrolmentQuerySet:
        """Enrolments of the candidates ``user`` may manage: their site's (site administrator),
        everyone's (evaluation organisation)."""
        if not user.is_authenticated:
            return self.none()
        if user.has_role(Role.ORG_ADMIN):
            return self
        if user.role == Role.SITE_ADMIN and user.site_id:
            return self.filter(candidate__site_id=user.site_id)
        return self.none()

    def images_past_retention(self, now: dt.datetime) -> EnrolmentQuerySet:
        days = settings.VISION_ENROLMENT_IMAGE_RETENTION_DAYS
        return self.exclude(image="").filter(updated_at__lt=now - dt.timedelta(days=days))


class FaceEnrolment(models.Model):
    """A candidate's reference face (R-PROC-2), enrolled from the registered photo, an upload by
    staff or a capture in the browser. The encoding itself is kept apart, encrypted
    (``FaceTemplate``).

    .. pii: ``image`` is a photo of the candidate's face; deleted by ``vision.purge_enrolment_
       images`` ``VISION_ENROLMENT_IMAGE_RETENTION_DAYS`` after the last change, and on unbind.
    """

    class Source(models.TextChoices):
        REGISTERED_PHOTO = "photo", _("Registered photo")
        UPLOAD = "upload", _("Upload by staff")
        CAPTURE = "capture", _("Camera capture")

    candidate = models.OneToOneField(
        "candidates.Candidate",
        verbose_name=_("candidate"),
        on_delete=models.CASCADE,
        related_name="face_enrolment",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=EnrolmentStatus.choices, default=EnrolmentStatus.PENDING
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    image = models.FileField(_("enrolment image"), upload_to=_enrolment_path, blank=True)
    problem_code = models.CharField(_("problem"), max_length=30, blank=True)
    problem = models.CharField(_("reason"), max_length=300, blank=True)
    enrolled_at = models.DateTimeField(_("enrolled at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("face enrolment")
        verbose_name_plural = _("face enrolments")

    def __str__(self) -> str:
        return f"{self.candidate_id}: {self.status}"


class FaceTemplate(models.Model):
    """The 128-d face encoding of an enrolment, encrypted with ``FACE_TEMPLATE_KEY`` (Fernet),
    in a table of its own: no name or ID number sits beside it, and the key is not in the
    database.

    .. pii: biometric template; deleted when the face is unbound or the candidate removed.
    """

    enrolment = models.OneToOneField(
        FaceEnrolment, on_delete=models.CASCADE, related_name="template"
    )
    encrypted = models.BinaryField(_("encrypted encoding"))
    model = models.CharField(_("model"), max_length=80)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("face template")
        verbose_name_plural = _("face templates")

    def __str__(self) -> str:
        return f"template of {self.enrolment_id}"


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
    (R-PROC-2, R-EMG-3), or its human review when the candidate cannot pass.

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
        "exams.Attempt",
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
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["candidate", "status", "decided_at"])]
        verbose_name = _("identity check")
        verbose_name_plural = _("identity checks")

    def __str__(self) -> str:
        return f"{self.candidate_id} {self.status}"


class EvidenceFrame(models.Model):
    """A camera frame kept as evidence: a random snapshot (R-PROC-4) or the frame of an alert.

    .. pii: a picture of the candidate and the room; deleted after
       ``VISION_EVIDENCE_RETENTION_DAYS`` (180) by the daily ``vision.purge_evidence``.
    """

    class Kind(models.TextChoices):
        FRAME = "frame", _("Frame to analyse")
        SNAPSHOT = "snapshot", _("Random snapshot")
        ALERT = "alert", _("Alert evidence")
        PROCTOR = "proctor", _("Proctor screenshot")  # proctoring.models.ProctorScreenshot

    attempt = models.ForeignKey(
        "exams.Attempt",
        verbose_name=_("attempt"),
        on_delete=models.CASCADE,
        related_name="evidence_frames",
    )
    view = models.PositiveSmallIntegerField(_("view"), default=1)  # 1 computer, 2 phone
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.FRAME)
    image = models.FileField(_("image"), upload_to=_evidence_path)
    captured_at = models.DateTimeField(_("captured at"), default=timezone.now)

    class Meta:
        ordering = ["captured_at"]
        indexes = [models.Index(fields=["attempt", "kind", "captured_at"])]
        verbose_name = _("evidence frame")
        verbose_name_plural = _("evidence frames")

    def __str__(self) -> str:
        return f"{self.attempt_id}/{self.view} {self.kind} {self.captured_at:%H:%M:%S}"


class FrameAnalysis(models.Model):
    """The structured result of analysing one frame (``vision.analysis.FrameResult`` as JSON).
    Written once by ``vision.analyze_frame``; a frame already analysed is not analysed again."""

    frame = models.OneToOneField(
        EvidenceFrame, verbose_name=_("frame"), on_delete=models.CASCADE, related_name="analysis"
    )
    result = models.JSONField(_("result"))
    analysed_at = models.DateTimeField(_("analysed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("frame analysis")
        verbose_name_plural = _("frame analyses")

    def __str__(self) -> str:
        return f"analysis of {self.frame_id}"


class AudioChunk(models.Model):
    """A few seconds of the candidate's microphone and its voice activity (R-PROC-3).

    .. pii: a recording of the candidate's room; deleted with the evidence
       (``vision.purge_evidence``).
    """

    attempt = models.ForeignKey(
        "exams.Attempt", verbose_name=_("attempt"), on_delete=models.CASCADE, related_name="+"
    )
    audio = models.FileField(_("audio"), upload_to=_audio_path)
    captured_at = models.DateTimeField(_("captured at"), default=timezone.now)
    result = models.JSONField(_("result"), null=True, blank=True)
    analysed_at = models.DateTimeField(_("analysed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("audio chunk")
        verbose_name_plural = _("audio chunks")

    def __str__(self) -> str:
        return f"{self.attempt_id} audio {self.captured_at:%H:%M:%S}"


class SnapshotPlan(models.Model):
    """The random times at which an attempt's frames are kept as snapshots (R-PROC-4), drawn
    once per attempt so they cannot be predicted from the clock."""

    attempt = models.OneToOneField(
        "exams.Attempt", on_delete=models.CASCADE, related_name="snapshot_plan"
    )
    due = models.JSONField(_("due times"), default=list)  # ISO times not yet taken, sorted

    class Meta:
        verbose_name = _("snapshot plan")
        verbose_name_plural = _("snapshot plans")

    def __str__(self) -> str:
        return f"snapshots of {self.attempt_id}"
