"""The life cycle of an exam site (R-CERT-5).

``draft`` (an institution on the platform, not a site) → ``applied`` → ``approved`` or
``rejected`` (with a reason); a rejected institution may apply again. Every change goes through
``centres.services.transition_to``.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


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


class IllegalTransition(Exception):
    def __init__(self, old: str, new: str) -> None:
        super().__init__(f"a site cannot move from {old!r} to {new!r}")
        self.old, self.new = old, new


def check(old: str, new: str) -> None:
    if new not in ALLOWED.get(old, frozenset()):
        raise IllegalTransition(old, new)
