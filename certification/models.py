"""Quotas (R-CERT-1); exam plans with their five windows (R-CERT-8); registrations, sessions and
seats (R-CERT-9, 10); scores (R-CERT-11) and issued certificates (R-CERT-12). The organisations,
institutions, majors and certificates they refer to are reference data (``reference.models``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from certification.statuses import CertificateStatus
from reference.models import Certificate, Institution, Major, Organisation, institution_id_of


class QuotaQuerySet(models.QuerySet["Quota"]):
    def with_enrolled(self) -> QuotaQuerySet:
        """Annotate ``enrolled``: the institution's candidates for the same certificate and
        major, so a screen can flag quotas that do not match (R-CERT-1)."""
        from candidates.models import Candidate

        counts = (
            Candidate.objects.filter(
                institution=OuterRef("institution"),
                certificate=OuterRef("certificate"),
                major=OuterRef("major"),
            )
            .order_by()
            .values("institution")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return self.annotate(enrolled=Coalesce(Subquery(counts), 0))

    def visible_to(self, user: Any) -> QuotaQuerySet:
        from accounts.roles import Role

        if not user.is_authenticated:
            return self.none()
        if user.has_role(Role.ORG_ADMIN):
            return self.all()
        institution_id = institution_id_of(user)
        return self.filter(institution_id=institution_id) if institution_id else self.none()


class Quota(models.Model):
    """The number of candidates an institution declares for a certificate and a major."""

    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.CASCADE, related_name="quotas"
    )
    certificate = models.ForeignKey(
        Certificate, verbose_name=_("certificate"), on_delete=models.PROTECT, related_name="+"
    )
    major = models.ForeignKey(
        Major, verbose_name=_("major"), on_delete=models.PROTECT, related_name="+"
    )
    declared = models.PositiveIntegerField(_("declared candidates"))

    objects = QuotaQuerySet.as_manager()

    class Meta:
        ordering = ["institution__code", "certificate__code", "major__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "certificate", "major"], name="one_quota_per_major"
            )
        ]
        verbose_name = _("quota")
        verbose_name_plural = _("quotas")

    def __str__(self) -> str:
        return f"{self.institution_id}/{self.certificate_id}/{self.major_id}: {self.declared}"


class ExamPlanQuerySet(models.QuerySet["ExamPlan"]):
    def for_listing(self) -> ExamPlanQuerySet:
        return self.select_related("organisation", "certificate").order_by("-exam_opens")


class ExamPlan(models.Model):
    """An exam plan (考试计划) for one certificate with five windows (R-CERT-8): registration,
    scheduling, exam, score entry and score publication. Plans may be added at any time of the
    year; windows must be in order and each must open before it closes."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("evaluation organisation"),
        on_delete=models.PROTECT,
        related_name="plans",
    )
    certificate = models.ForeignKey(
        Certificate, verbose_name=_("certificate"), on_delete=models.PROTECT, related_name="plans"
    )
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    registration_opens = models.DateTimeField(_("registration opens"))
    registration_closes = models.DateTimeField(_("registration closes"))
    scheduling_opens = models.DateTimeField(_("scheduling opens"))
    scheduling_closes = models.DateTimeField(_("scheduling closes"))
    exam_opens = models.DateTimeField(_("exam opens"))
    exam_closes = models.DateTimeField(_("exam closes"))
    score_entry_opens = models.DateTimeField(_("score entry opens"))
    score_entry_closes = models.DateTimeField(_("score entry closes"))
    publication_opens = models.DateTimeField(_("score publication opens"))
    publication_closes = models.DateTimeField(_("score publication closes"))
    pass_mark = models.DecimalField(_("pass mark"), max_digits=5, decimal_places=1, default=60)

    objects = ExamPlanQuerySet.as_manager()

    class Meta:
        ordering = ["-exam_opens"]
        verbose_name = _("exam plan")
        verbose_name_plural = _("exam plans")

    def __str__(self) -> str:
        return self.name


class EnrolmentQuerySet(models.QuerySet["Enrolment"]):
    def visible_to(self, user: Any) -> EnrolmentQuerySet:
        """The organisation sees every registration, a site administrator their site's."""
        from accounts.roles import Role

        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.has_role(Role.ORG_ADMIN):
            return self.all()
        if user.role == Role.SITE_ADMIN and user.site_id:
            return self.filter(site_id=user.site_id)
        return self.none()


class Enrolment(models.Model):
    """A verified candidate registered (报考) into an exam plan by the site they sit at."""

    plan = models.ForeignKey(
        ExamPlan, verbose_name=_("exam plan"), on_delete=models.PROTECT, related_name="enrolments"
    )
    candidate = models.ForeignKey(
        "candidates.Candidate",
        verbose_name=_("candidate"),
        on_delete=models.CASCADE,
        related_name="enrolments",
    )
    site = models.ForeignKey(
        "centres.Site", verbose_name=_("exam site"), on_delete=models.PROTECT, related_name="+"
    )
    registered_at = models.DateTimeField(_("registered at"), auto_now_add=True)

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "site", "candidate__id_number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "candidate"], name="one_enrolment_per_plan")
        ]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")

    def __str__(self) -> str:
        return f"{self.plan_id}/{self.candidate_id}"


class ExamSession(models.Model):
    """A sitting (场次) of a plan inside its exam window. A session taken online is linked to
    its ``exam``: the session's seats are then that exam's registrations (``certification.
    online``), and the exam's window must stay inside the session and the plan's exam window."""

    plan = models.ForeignKey(
        ExamPlan, verbose_name=_("exam plan"), on_delete=models.CASCADE, related_name="sessions"
    )
    name = models.CharField(_("name"), max_length=100)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    exam = models.ForeignKey(
        "exams.Exam",
        verbose_name=_("online exam"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="plan_sessions",
    )

    class Meta:
        ordering = ["plan", "starts_at"]
        verbose_name = _("exam session")
        verbose_name_plural = _("exam sessions")

    def __str__(self) -> str:
        return self.name


class Seat(models.Model):
    """Where and when a registered candidate sits: room, session and seat number (排考)."""

    enrolment = models.OneToOneField(
        Enrolment, verbose_name=_("registration"), on_delete=models.CASCADE, related_name="seat"
    )
    session = models.ForeignKey(
        ExamSession, verbose_name=_("session"), on_delete=models.PROTECT, related_name="seats"
    )
    room = models.ForeignKey(
        "centres.Room", verbose_name=_("room"), on_delete=models.PROTECT, related_name="seats"
    )
    number = models.PositiveIntegerField(_("seat number"))
    # The online registration this seat is, when its session is linked to an exam.
    registration = models.OneToOneField(
        "exams.Registration",
        verbose_name=_("online registration"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="seat",
    )

    class Meta:
        ordering = ["session", "room", "number"]
        constraints = [
            models.UniqueConstraint(fields=["session", "room", "number"], name="one_seat_each")
        ]
        verbose_name = _("seat")
        verbose_name_plural = _("seats")

    def __str__(self) -> str:
        return f"{self.room_id}#{self.number}"

    @property
    def is_online(self) -> bool:
        """Taken from wherever the candidate is (an online room): nobody comes to a room."""
        return bool(self.room.kind == "online")

    @property
    def ticket_number(self) -> str:
        """The admission ticket number (准考证号): plan, session, room and seat."""
        return (
            f"{self.enrolment.plan.code}-{self.session_id:03d}{self.room_id:04d}{self.number:03d}"
        )


class Score(models.Model):
    """A candidate's score in a plan, visible to the candidate and the site from the publication
    window on (R-CERT-11). A sitting taken online brings its score from the graded attempt that
    counts (``source`` online, ``attempt``); offline sittings are entered by the organisation in
    the score-entry window (``source`` manual)."""

    class Source(models.TextChoices):
        MANUAL = "manual", _("Entered by staff")
        ONLINE = "online", _("Online exam")

    enrolment = models.OneToOneField(
        Enrolment, verbose_name=_("registration"), on_delete=models.CASCADE, related_name="score"
    )
    value = models.DecimalField(_("score"), max_digits=5, decimal_places=1)
    passed = models.BooleanField(_("passed"))
    entered_at = models.DateTimeField(_("entered at"), auto_now=True)
    source = models.CharField(
        _("source"), max_length=8, choices=Source.choices, default=Source.MANUAL
    )
    attempt = models.ForeignKey(
        "exams.Attempt",
        verbose_name=_("online attempt"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")

    def __str__(self) -> str:
        return str(self.value)


class IssuedCertificate(models.Model):
    """An electronic certificate (R-CERT-12) with a unique number and a random token for its
    public verification page (the page shows the status, the certificate and a masked name)."""

    enrolment = models.OneToOneField(
        Enrolment,
        verbose_name=_("registration"),
        on_delete=models.PROTECT,
        related_name="issued_certificate",
    )
    number = models.CharField(_("certificate number"), max_length=40, unique=True)
    token = models.CharField(_("verification token"), max_length=40, unique=True)
    status = models.CharField(
        _("status"), max_length=12, choices=CertificateStatus.choices, db_index=True
    )
    org_signed_at = models.DateTimeField(_("signed by the organisation at"), null=True)
    site_signed_at = models.DateTimeField(_("signed by the site at"), null=True, blank=True)
    stamped_at = models.DateTimeField(_("stamped at"), null=True, blank=True)
    revoked_reason = models.CharField(_("reason of revocation"), max_length=200, blank=True)
    # The PDF is made and signed once, when the organisation stamps it; downloads serve this file
    # and the verification page compares uploads with its SHA-256 (certification.issuing).
    pdf = models.FileField(_("signed PDF"), upload_to="certificates/", blank=True)
    pdf_sha256 = models.CharField(_("SHA-256 of the PDF"), max_length=64, blank=True, db_index=True)

    class Meta:
        ordering = ["number"]
        verbose_name = _("issued certificate")
        verbose_name_plural = _("issued certificates")

    def __str__(self) -> str:
        return self.number


class CertificateSignature(models.Model):
    """One of the three signing steps of a certificate (R-CERT-12): who signed, when, over which
    SHA-256 (the certificate's content for the first two steps, the issued PDF for the stamp),
    chained to the step before and signed with the certificate signing key, so the order and the
    signers can be proven and not only read from a status (certification.issuing)."""

    class Step(models.TextChoices):
        ORG_SIGN = "org_sign", _("Signed by the organisation")
        SITE_SIGN = "site_sign", _("Signed by the site")
        STAMP = "stamp", _("Stamped by the organisation")

    certificate = models.ForeignKey(
        IssuedCertificate,
        verbose_name=_("certificate"),
        on_delete=models.PROTECT,
        related_name="signatures",
    )
    step = models.CharField(_("step"), max_length=10, choices=Step.choices)
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    signed_at = models.DateTimeField(_("signed at"))
    sha256 = models.CharField(_("signed SHA-256"), max_length=64)
    statement = models.TextField(_("signed statement"))
    signature = models.TextField(_("signature (base64)"))
    key_fingerprint = models.CharField(_("signing certificate (SHA-256)"), max_length=64)

    class Meta:
        ordering = ["signed_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["certificate", "step"], name="one_signature_per_step")
        ]
        verbose_name = _("certificate signature")
        verbose_name_plural = _("certificate signatures")

    def __str__(self) -> str:
        return f"{self.certificate_id} {self.step}"
