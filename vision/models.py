"""Records of the vision app: a candidate's face enrolment and its encrypted template.

Identity checks are the exam flow's records (``exams.models.IdentityCheck``); evidence frames,
their analyses, audio chunks and snapshot plans belong to an attempt's proctoring
(``proctoring.models``). Vision computes on images and encodings and stores nothing of an exam.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from vision.statuses import EnrolmentStatus


def _enrolment_path(instance: Any, filename: str) -> str:
    return f"vision/enrolment/{instance.candidate_id}/{timezone.now():%Y%m%d%H%M%S}.jpg"


# The three below name files of models that have moved to exams and proctoring; they stay
# because migration 0001 refers to them by this path.
def _check_path(instance: Any, filename: str) -> str:
    return f"vision/identity/{instance.candidate_id}/{timezone.now():%Y%m%d%H%M%S%f}.jpg"


def _evidence_path(instance: Any, filename: str) -> str:
    return f"vision/evidence/{instance.attempt_id}/{timezone.now():%Y%m%d%H%M%S%f}.jpg"


def _audio_path(instance: Any, filename: str) -> str:
    return f"vision/audio/{instance.attempt_id}/{timezone.now():%Y%m%d%H%M%S%f}.wav"


class FaceEnrolmentQuerySet(models.QuerySet["FaceEnrolment"]):
    def visible_to(self, user: Any) -> FaceEnrolmentQuerySet:
        """Enrolments of the candidates ``user`` may manage: their site's (site administrator),
        everyone's (evaluation organisation)."""
        if not user.is_authenticated:
            return self.none()
        if user.has_role(Role.ORG_ADMIN):
            return self
        if user.role == Role.SITE_ADMIN and user.site_id:
            return self.filter(candidate__site_id=user.site_id)
        return self.none()

    def images_past_retention(self, now: dt.datetime) -> FaceEnrolmentQuerySet:
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

    objects = FaceEnrolmentQuerySet.as_manager()

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
