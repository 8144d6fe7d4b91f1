from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Max, Q
from django.db.models.functions import Greatest
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from candidates.statuses import Verification


def photo_path(candidate: Candidate, filename: str) -> str:
    # Named by primary key, never by ID number: storage listings must not leak identities.
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "jpg"
    return f"candidates/photos/{candidate.pk}.{extension}"


class CandidateQuerySet(models.QuerySet["Candidate"]):
    def visible_to(self, user: Any) -> CandidateQuerySet:
        """Candidates a member of staff may manage: the evaluation organisation every one, a
        site administrator those of their institution or registered at their site."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.has_role(Role.ORG_ADMIN):
            return self.all()
        if user.role == Role.SITE_ADMIN and user.site_id:
            institution_id = user.site.institution_id
            scope = Q(site_id=user.site_id)
            if institution_id:
                scope |= Q(institution_id=institution_id)
            return self.filter(scope)
        return self.none()

    def last_exam_ended_before(self, cutoff: dt.datetime) -> CandidateQuerySet:
        """Candidates whose every exam (an exam's window, an exam plan's exam period) had closed
        before ``cutoff``: the retention of their photo and face starts at their last exam.
        Candidates without any exam are not among them (they are still to sit one)."""
        return self.annotate(
            last_exam_closed=Greatest(
                Max("registrations__exam__closes_at"), Max("enrolments__plan__exam_closes")
            )
        ).filter(last_exam_closed__lt=cutoff)

    def search(self, text: str) -> CandidateQuerySet:
        text = text.strip()
        if not text:
            return self
        return self.filter(
            Q(name__icontains=text) | Q(id_number__startswith=text.upper()) | Q(phone=text)
        )


class Candidate(models.Model):
    """A person who sits exams; signs in with ``id_number`` plus an exam passcode (R-EXAM-3).

    .. pii: ``id_number``, ``name``, ``phone`` and ``photo`` identify a person; kept while the
       candidate has exam records, removed with them (the photo file with the row). The photo
       goes earlier: ``PHOTO_RETENTION_DAYS`` after the candidate's last exam closed
       (``candidates.retention``).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        on_delete=models.CASCADE,
        related_name="candidate",
    )
    id_number = models.CharField(_("ID number"), max_length=18, unique=True)
    name = models.CharField(_("full name"), max_length=100)
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)
    # Where the candidate sits exams; empty until a site registers them.
    site = models.ForeignKey(
        "centres.Site",
        verbose_name=_("exam site"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    institution = models.ForeignKey(
        "reference.Institution",
        verbose_name=_("institution"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="candidates",
    )
    certificate = models.ForeignKey(
        "reference.Certificate",
        verbose_name=_("certificate"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    major = models.ForeignKey(
        "reference.Major",
        verbose_name=_("major"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    verification = models.CharField(
        _("verification"),
        max_length=16,
        choices=Verification.choices,
        default=Verification.PENDING,
        db_index=True,
    )
    # Why batch verification sent the record to manual confirmation (codes, comma separated).
    verification_note = models.CharField(_("verification note"), max_length=200, blank=True)
    photo = models.FileField(_("ID photo"), upload_to=photo_path, blank=True)
    # The photo rule the registered photo breaks ('' when it passed or was not checked yet).
    photo_problem = models.CharField(_("photo problem"), max_length=32, blank=True)
    # Faces the vision workers found in the photo; None until they looked.
    photo_faces = models.PositiveSmallIntegerField(_("faces in photo"), null=True, blank=True)

    objects = CandidateQuerySet.as_manager()

    class Meta:
        ordering = ["id_number"]
        verbose_name = _("candidate")
        verbose_name_plural = _("candidates")

    def __str__(self) -> str:
        return self.name

    @property
    def verification_note_display(self) -> str:
        """The note in words (``statuses.describe_note``): never the checks' codes."""
        from candidates.statuses import describe_note

        return describe_note(self.verification_note)

    @property
    def photo_problem_display(self) -> str:
        from candidates.statuses import describe_note

        return describe_note(self.photo_problem)

    @property
    def masked_id_number(self) -> str:
        """For screens that only need to tell candidates apart: 1101**********123X."""
        return f"{self.id_number[:4]}{'*' * 10}{self.id_number[-4:]}"
