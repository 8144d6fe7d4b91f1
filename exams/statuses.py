"""The life cycle of an exam attempt (R-EXAM-4): every state, and the moves allowed between them.

All changes of ``Attempt.status`` go through ``exams.services.transition_to``, which checks the
move against ``ALLOWED`` and writes an audit entry. The steps before answering run in the order
of ``STEPS``; after the commitment, a step the exam does not require (identity, second view,
room scan, waiting) may be passed over (``exams.services.required_steps`` says which it
requires), but never one it requires, and never backwards.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.lifecycle import LifeCycle


class AttemptStatus(models.TextChoices):
    SIGNED_IN = "signed_in", _("Signed in")
    INFO_CONFIRMED = "info_confirmed", _("Information confirmed")
    COMMITMENT_SIGNED = "commitment_signed", _("Commitment signed")
    IDENTITY_VERIFIED = "identity_verified", _("Identity verified")
    SECOND_VIEW_CONNECTED = "second_view_connected", _("Second view connected")
    ROOM_SCANNED = "room_scanned", _("Room scanned")
    WAITING = "waiting", _("Waiting for the start")
    ANSWERING = "answering", _("Answering")
    SUBMITTED = "submitted", _("Submitted")
    MARKING = "marking", _("Being marked")
    GRADED = "graded", _("Graded")
    DECLINED = "declined", _("Declined the commitment")
    TERMINATED = "terminated", _("Ended by proctor")


S = AttemptStatus

# The steps a candidate walks before answering, in order (R-EXAM-4).
STEPS: tuple[str, ...] = (
    S.SIGNED_IN,
    S.INFO_CONFIRMED,
    S.COMMITMENT_SIGNED,
    S.IDENTITY_VERIFIED,
    S.SECOND_VIEW_CONNECTED,
    S.ROOM_SCANNED,
    S.WAITING,
    S.ANSWERING,
)


def _forward(step: str) -> frozenset[str]:
    return frozenset(STEPS[STEPS.index(step) + 1 :])


ALLOWED: dict[str, frozenset[str]] = {
    # Confirming one's information and signing the commitment are never passed over.
    S.SIGNED_IN: frozenset({S.INFO_CONFIRMED, S.TERMINATED}),
    S.INFO_CONFIRMED: frozenset({S.COMMITMENT_SIGNED, S.DECLINED, S.TERMINATED}),
    S.COMMITMENT_SIGNED: _forward(S.COMMITMENT_SIGNED) | {S.TERMINATED},
    S.IDENTITY_VERIFIED: _forward(S.IDENTITY_VERIFIED) | {S.TERMINATED},
    S.SECOND_VIEW_CONNECTED: _forward(S.SECOND_VIEW_CONNECTED) | {S.TERMINATED},
    S.ROOM_SCANNED: _forward(S.ROOM_SCANNED) | {S.TERMINATED},
    S.WAITING: frozenset({S.ANSWERING, S.TERMINATED}),
    S.ANSWERING: frozenset({S.SUBMITTED, S.TERMINATED}),
    S.SUBMITTED: frozenset({S.MARKING, S.GRADED}),
    S.MARKING: frozenset({S.GRADED}),
    S.GRADED: frozenset(),
    S.DECLINED: frozenset(),
    S.TERMINATED: frozenset(),
}

# States in which the candidate's answers are final.
FINISHED = frozenset({S.SUBMITTED, S.MARKING, S.GRADED, S.DECLINED, S.TERMINATED})
# States of a candidate who is in the exam, before or while answering.
LIVE = frozenset(STEPS)

ATTEMPT = LifeCycle("attempt", ALLOWED)


# The identity check of the flow's identity step (R-PROC-2, R-EMG-3): a face check with
# liveness, or a staff review when the candidate cannot pass. Changed only by
# ``exams.identity.transition_check`` (conditional update + audit row).
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

CHECK = LifeCycle("identity_check", CHECK_ALLOWED)
