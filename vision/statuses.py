"""The life cycle of a face enrolment: every state and the moves allowed between them.

``vision.services.transition_enrolment`` is the only code that changes ``FaceEnrolment.status``;
it checks the move against the table here, updates on the expected old status and writes an
audit row. ``check`` takes any such table (``exams.identity`` uses it for identity checks).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


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


class IllegalTransition(Exception):
    def __init__(self, kind: str, old: str, new: str) -> None:
        super().__init__(f"a {kind} cannot move from {old!r} to {new!r}")
        self.old, self.new = old, new


def check(table: dict[str, frozenset[str]], kind: str, old: str, new: str) -> None:
    if new not in table.get(old, frozenset()):
        raise IllegalTransition(kind, old, new)
