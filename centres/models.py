from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from centres.statuses import SiteStatus


class SiteQuerySet(models.QuerySet["Site"]):
    def visible_to(self, user: Any) -> SiteQuerySet:
        """The evaluation organisation sees every site, a site administrator their own."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.has_role(Role.ORG_ADMIN):
            return self.all()
        if user.role == Role.SITE_ADMIN and user.site_id:
            return self.filter(pk=user.site_id)
        return self.none()

    def approved(self) -> SiteQuerySet:
        return self.filter(status=SiteStatus.APPROVED)


class Site(models.Model):
    """An exam site (考核站点): an institution approved to run exams, with staff and rooms."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    # The pilot institution behind the site; its staff (site administrators) act for it.
    institution = models.OneToOneField(
        "reference.Institution",
        verbose_name=_("institution"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="site",
    )
    # Sites made before applications existed were approved by hand; new ones start as drafts.
    status = models.CharField(
        _("status"), max_length=10, choices=SiteStatus.choices, default=SiteStatus.APPROVED
    )
    # What the institution declares about its staff, equipment and premises (R-CERT-5).
    application = models.TextField(_("application"), blank=True)
    review_reason = models.TextField(_("reason of the review"), blank=True)

    objects = SiteQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("exam site")
        verbose_name_plural = _("exam sites")

    def __str__(self) -> str:
        return self.name


class RoomQuerySet(models.QuerySet["Room"]):
    def visible_to(self, user: Any) -> RoomQuerySet:
        """Rooms a member of staff may watch: a proctor their assigned rooms, a site
        administrator the rooms of their site, the evaluation organisation every room."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.has_role(Role.ORG_ADMIN):
            return self.all()
        if user.role == Role.SITE_ADMIN and user.site_id:
            return self.filter(site_id=user.site_id)
        if user.role == Role.PROCTOR:
            return self.filter(proctors=user)
        return self.none()


class Room(models.Model):
    """An exam room (考场), physical or online, with the proctors who watch it."""

    class Kind(models.TextChoices):
        PHYSICAL = "physical", _("Physical")
        ONLINE = "online", _("Online")

    site = models.ForeignKey(
        Site, verbose_name=_("exam site"), on_delete=models.PROTECT, related_name="rooms"
    )
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.ONLINE)
    capacity = models.PositiveIntegerField(_("capacity"), default=30)
    proctors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proctors"),
        blank=True,
        related_name="proctored_rooms",
        limit_choices_to={"role": Role.PROCTOR},
    )

    objects = RoomQuerySet.as_manager()

    class Meta:
        ordering = ["site__code", "code"]
        constraints = [models.UniqueConstraint(fields=["site", "code"], name="room_code_per_site")]
        verbose_name = _("exam room")
        verbose_name_plural = _("exam rooms")

    def __str__(self) -> str:
        return f"{self.site.code}/{self.code} {self.name}"


class StaffMember(models.Model):
    """A proctor or evaluator (考评人员) a site records (R-CERT-6), with or without an account.

    .. pii: ``name``, ``phone`` and ``id_number`` identify a person; removed when the site
       removes the record or the site is closed.
    """

    class Kind(models.TextChoices):
        PROCTOR = "proctor", _("Proctor")
        EVALUATOR = "evaluator", _("Evaluator")

    site = models.ForeignKey(
        Site, verbose_name=_("exam site"), on_delete=models.CASCADE, related_name="staff_members"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("full name"), max_length=100)
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)
    id_number = models.CharField(_("ID number"), max_length=18, blank=True)
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["site__code", "kind", "name"]
        verbose_name = _("staff member")
        verbose_name_plural = _("staff members")

    def __str__(self) -> str:
        return self.name
