"""The life cycle of an exam attempt: every state, and the moves allowed between them.

All changes of ``Attempt.status`` go through ``exams.services.transition_to``, which checks the
move against ``ALLOWED`` and writes an audit entry. The candidate's formal flow (information,
commitment letter, identity, second view, waiting room) adds states before ``ANSWERING``.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AttemptStatus(models.TextChoices):
    ANSWERING = "answering", _("Answering")
    SUBMITTED = "submitted", _("Submitted")
    GRADED = "graded", _("Graded")
    TERMINATED = "terminated", _("Ended by proctor")


ALLOWED: dict[str, frozenset[str]] = {
    AttemptStatus.ANSWERING: frozenset({AttemptStatus.SUBMITTED, AttemptStatus.TERMINATED}),
    AttemptStatus.SUBMITTED: frozenset({AttemptStatus.GRADED}),
    AttemptStatus.GRADED: frozenset(),
    AttemptStatus.TERMINATED: frozenset(),
}

# States in which the candidate's answers are final.
FINISHED = frozenset({AttemptStatus.SUBMITTED, AttemptStatus.GRADED, AttemptStatus.TERMINATED})


class IllegalTransition(Exception):
    def __init__(self, old: str, new: str) -> None:
        super().__init__(f"an attempt cannot move from {old!r} to {new!r}")
        self.old, self.new = old, new


def check(old: str, new: str) -> None:
    if new not in ALLOWED.get(old, frozenset()):
        raise IllegalTransition(old, new)
