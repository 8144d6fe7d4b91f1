"""Life cycles of the vision records: every state and the moves allowed between them.

``vision.services.transition_enrolment`` and ``vision.services.transition_check`` are the only
code that changes ``FaceEnrolment.status`` and ``IdentityCheck.status``; each checks the move
against the table here, updates on the expected old status and writes an audit row.
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


class CheckStatus(models.TextChoices):
    PENDING = "pending", _("Being checked")
    PASSED = "passed", _("Passed")
    FAILED = "failed", _("Not passed")
    IN_REVIEW = "in_review", _("Waiting for staff review")
    APPROVED = "approved", _("Approved by staff")
    REJECTED = "rejected", _("Rejected by staff")


CHECK_ALLOWED: dict[str, frozenset[str]] = {
    CheckStatus.PENDING: frozenset({CheckStatus.PASSED, CheckStatus.FAILED}),
    CheckStatus.PASSED: frozenset(),
    CheckStatus.FAILED: frozenset({CheckStatus.IN_REVIEW}),
    CheckStatus.IN_REVIEW: frozenset({CheckStatus.APPROVED, CheckStatus.REJECTED}),
    CheckStatus.APPROVED: frozenset(),
    CheckStatus.REJECTED: frozenset(),
}

# A check in one of these states lets the candidate go on to the exam.
CHECK_ACCEPTED = frozenset({CheckStatus.PASSED, CheckStatus.APPROVED})

ENROLMENT = LifeCycle("face_enrolment", ENROLMENT_ALLOWED)
CHECK = LifeCycle("identity_check", CHECK_ALLOWED)
