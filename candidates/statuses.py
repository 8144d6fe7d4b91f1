"""The verification life cycle of a candidate record (R-CERT-4).

``pending`` (信息待认证) → batch verification → ``verified`` (信息准确) when every automatic check
passes, ``needs_manual`` (需人工确认) otherwise. A member of staff then decides each record by hand,
with a reason: ``verified``, ``rejected`` (不予认证), or back to ``pending`` for the automatic
checks to run again (after a new photo, say). A verified or rejected record only moves back to
``pending``: it is checked again before it can change its outcome. All changes go through
``candidates.services.transition_to``.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.lifecycle import LifeCycle


class Verification(models.TextChoices):
    PENDING = "pending", _("Pending verification")
    NEEDS_MANUAL = "needs_manual", _("Needs manual confirmation")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Rejected")


ALLOWED: dict[str, frozenset[str]] = {
    Verification.PENDING: frozenset(
        {Verification.NEEDS_MANUAL, Verification.VERIFIED, Verification.REJECTED}
    ),
    Verification.NEEDS_MANUAL: frozenset(
        {Verification.VERIFIED, Verification.REJECTED, Verification.PENDING}
    ),
    Verification.VERIFIED: frozenset({Verification.PENDING}),
    Verification.REJECTED: frozenset({Verification.PENDING}),
}

VERIFICATION = LifeCycle("candidate record", ALLOWED)
