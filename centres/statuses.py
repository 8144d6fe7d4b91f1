"""The life cycle of an exam site (R-CERT-5).

``draft`` (an institution on the platform, not a site) → ``applied`` → ``approved`` or
``rejected`` (with a reason); a rejected institution may apply again. Every change goes through
``centres.services.transition_to``.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.lifecycle import LifeCycle


class SiteStatus(models.TextChoices):
    DRAFT = "draft", _("Not applied")
    APPLIED = "applied", _("Application under review")
    APPROVED = "approved", _("Approved exam site")
    REJECTED = "rejected", _("Application rejected")


ALLOWED: dict[str, frozenset[str]] = {
    SiteStatus.DRAFT: frozenset({SiteStatus.APPLIED}),
    SiteStatus.APPLIED: frozenset({SiteStatus.APPROVED, SiteStatus.REJECTED}),
    SiteStatus.REJECTED: frozenset({SiteStatus.APPLIED}),
    SiteStatus.APPROVED: frozenset(),
}

SITE = LifeCycle("site", ALLOWED)
