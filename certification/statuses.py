"""The signing life cycle of an issued certificate (R-CERT-12).

After the plan ends the evaluation organisation signs (``org_signed``), then the site signs
(``site_signed``), then the organisation stamps (``stamped``): only then may the candidate see
and download it. A stamped certificate may be revoked. Every change goes through
``certification.services.transition_to``.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.lifecycle import LifeCycle


class CertificateStatus(models.TextChoices):
    ORG_SIGNED = "org_signed", _("Signed by the organisation")
    SITE_SIGNED = "site_signed", _("Signed by the site")
    STAMPED = "stamped", _("Stamped (valid)")
    REVOKED = "revoked", _("Revoked")


ALLOWED: dict[str, frozenset[str]] = {
    CertificateStatus.ORG_SIGNED: frozenset({CertificateStatus.SITE_SIGNED}),
    CertificateStatus.SITE_SIGNED: frozenset({CertificateStatus.STAMPED}),
    CertificateStatus.STAMPED: frozenset({CertificateStatus.REVOKED}),
    CertificateStatus.REVOKED: frozenset(),
}

CERTIFICATE = LifeCycle("certificate", ALLOWED)
