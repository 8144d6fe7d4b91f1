"""The life cycle of a face enrolment: every state and the moves allowed between them.

``vision.services.transition_enrolment`` is the only code that changes ``FaceEnrolment.status``;
it checks the move against the table here, updates on the expected old status and writes an
audit row.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.lifecycle import LifeCycle


class EnrolmentStatus(models.TextChoices):
    PENDING = "pending", _("Being processed")
    ENROLLED = "enrolled", _("Enrolled")
    FAILED = "failed", _("Photo refused")
    UNBOUND = "unbound", _("Unbound")


ENROLMENT_ALLOWED: dict[str, frozenset[str]] = {
    EnrolmentStatus.PENDING: frozenset({EnrolmentStatus.ENROLLED, EnrolmentStatus.FAILED}),
    EnrolmentStatus.ENROLLED: frozenset({EnrolmentStatus.UNBOUND}),
    EnrolmentStatus.FAILED: frozenset({EnrolmentStatus.PENDING}),
    EnrolmentStatus.UNBOUND: frozenset({EnrolmentStatus.PENDING}),
}


ENROLMENT = LifeCycle("face_enrolment", ENROLMENT_ALLOWED)
