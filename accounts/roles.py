from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """What a person does on the platform (R-ROLE-1…5). Superusers are Django's ``is_superuser``."""

    CANDIDATE = "candidate", _("Candidate")
    PROCTOR = "proctor", _("Proctor")
    SITE_ADMIN = "site_admin", _("Exam-site administrator")
    ORG_ADMIN = "org_admin", _("Evaluation-organisation administrator")
    INSPECTOR = "inspector", _("Inspector")
    # Staff of a university or district that answers exam-security checklists (R-INSP-2).
    UNIT_STAFF = "unit_staff", _("Inspected-unit staff")


STAFF_ROLES = frozenset(
    {Role.PROCTOR, Role.SITE_ADMIN, Role.ORG_ADMIN, Role.INSPECTOR, Role.UNIT_STAFF}
)
