"""Reference data (R-CERT-1, R-CERT-13): evaluation organisations, pilot institutions, the two
major catalogues and certificates with the majors in their pilot scope.

The models were born in ``certification``; they keep its table names (``Meta.db_table``) so the
move changed no table. This module imports no domain app: candidates, centres and certification
depend on it, never the other way round."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class MajorCodeList(models.TextChoices):
    """The two national major catalogues (R-CERT-13); an organisation chooses which applies."""

    OLD = "old", _("Old major codes")
    NEW = "new", _("New major codes (2021 catalogue)")


class Organisation(models.Model):
    """An evaluation organisation (培训评价组织) that owns certificates and runs exam plans."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    major_code_list = models.CharField(
        _("major code list in use"),
        max_length=8,
        choices=MajorCodeList.choices,
        default=MajorCodeList.NEW,
    )

    class Meta:
        db_table = "certification_organisation"
        ordering = ["code"]
        verbose_name = _("evaluation organisation")
        verbose_name_plural = _("evaluation organisations")

    def __str__(self) -> str:
        return self.name


class Institution(models.Model):
    """A pilot institution (试点院校): collects candidates, declares quotas, may become a site."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    province = models.CharField(_("province"), max_length=40, blank=True)

    class Meta:
        db_table = "certification_institution"
        ordering = ["code"]
        verbose_name = _("pilot institution")
        verbose_name_plural = _("pilot institutions")

    def __str__(self) -> str:
        return self.name


class Major(models.Model):
    """A major (专业) in one of the two code lists; the same code may mean different majors in
    the old and the new list, so codes are unique per list only."""

    code_list = models.CharField(_("code list"), max_length=8, choices=MajorCodeList.choices)
    code = models.CharField(_("code"), max_length=16)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        db_table = "certification_major"
        ordering = ["code_list", "code"]
        constraints = [
            models.UniqueConstraint(fields=["code_list", "code"], name="major_code_per_list")
        ]
        verbose_name = _("major")
        verbose_name_plural = _("majors")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Certificate(models.Model):
    """A vocational skills certificate (职业技能等级证书) at one level, with the majors in its
    pilot scope."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("evaluation organisation"),
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    level = models.CharField(_("level"), max_length=20, blank=True)
    majors = models.ManyToManyField(
        Major, verbose_name=_("majors in scope"), blank=True, related_name="certificates"
    )

    class Meta:
        db_table = "certification_certificate"
        ordering = ["code"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")

    def __str__(self) -> str:
        return f"{self.name} {self.level}".strip()


def institution_id_of(user: Any) -> int | None:
    """The institution a site administrator works for (through their site), or None."""
    from accounts.roles import Role

    if not user.is_authenticated or user.role != Role.SITE_ADMIN or not user.site_id:
        return None
    return user.site.institution_id  # type: ignore[no-any-return,unused-ignore]
