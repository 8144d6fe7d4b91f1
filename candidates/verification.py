"""Verification of candidate records (R-CERT-4): batch verification and manual confirmation.

Every change of ``Candidate.verification`` goes through ``candidates.services.transition_to``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from candidates import idnumber, records
from candidates.models import Candidate
from candidates.services import transition_to
from candidates.statuses import VERIFICATION, Verification
from core.errors import Refused


def automatic_problems(candidate: Candidate) -> list[str] | None:
    """Codes of the automatic checks ``candidate`` fails; None while the face check has not
    run yet (the record then stays pending)."""
    problems = []
    if idnumber.problem(candidate.id_number):
        problems.append("id_number")
    if not candidate.photo:
        problems.append("no_photo")
    elif candidate.photo_problem:
        problems.append(candidate.photo_problem)
    elif candidate.photo_faces is None:
        return None
    if candidate.certificate_id is None or candidate.major_id is None:
        problems.append("no_certificate")
    return problems


@dataclass
class BatchResult:
    verified: int = 0
    needs_manual: int = 0
    waiting: int = 0


def verify_batch(candidates: QuerySet[Candidate], *, actor: Any = None) -> BatchResult:
    """Run the automatic checks on the pending records of ``candidates``: those that pass are
    verified, the others need manual confirmation; those waiting for the face check stay."""
    result = BatchResult()
    pending = candidates.filter(verification=Verification.PENDING).order_by("pk")
    for candidate in pending.iterator(chunk_size=1000):
        problems = automatic_problems(candidate)
        if problems is None:
            result.waiting += 1
        elif problems:
            if transition_to(
                candidate, Verification.NEEDS_MANUAL, actor=actor, note=",".join(problems)
            ):
                result.needs_manual += 1
        elif transition_to(candidate, Verification.VERIFIED, actor=actor, note="automatic"):
            result.verified += 1
    return result


class DecisionRefused(Refused):
    code = "verification_refused"


# What a member of staff may decide about a record by hand, and the state it leads to.
DECISIONS = {
    "verify": Verification.VERIFIED,
    "reject": Verification.REJECTED,
    "pending": Verification.PENDING,
}
DECISION_LABELS = {
    "verify": gettext_lazy("Verify"),
    "reject": gettext_lazy("Reject"),
    "pending": gettext_lazy("Send back to pending (the automatic checks run again)"),
}


def decisions_for(candidate: Candidate) -> list[str]:
    """The decisions the life cycle allows from the record's state."""
    return [d for d, state in DECISIONS.items() if VERIFICATION.can(candidate.verification, state)]


def decide(
    candidate: Candidate,
    decision: str,
    *,
    reason: str,
    actor: Any,
    request: HttpRequest | None = None,
    corrections: dict[str, Any] | None = None,
) -> None:
    """A member of staff decides one record by hand, with a reason kept on the record and in
    the audit row; ``corrections`` (correct-and-verify) are written in the same transaction.
    Raises ``DecisionRefused`` for a decision the record's state does not allow, a missing
    reason, or a record someone else decided meanwhile."""
    reason = reason.strip()
    if decision not in DECISIONS:
        raise DecisionRefused(_("Choose what to do with the record."))
    if not reason:
        raise DecisionRefused(_("Give the reason for your decision."))
    new_state = DECISIONS[decision]
    if not VERIFICATION.can(candidate.verification, new_state):
        raise DecisionRefused(
            _("This record is “%(state)s”: it cannot be moved to “%(new)s”.")
            % {
                "state": candidate.get_verification_display(),
                "new": Verification(new_state).label,
            }
        )
    if decision == "reject" and candidate.enrolments.exists():
        raise DecisionRefused(
            _("The candidate is registered in an exam plan; remove the registration first.")
        )
    with transaction.atomic():
        if corrections:
            records.correct(candidate, corrections, reason=reason, by=actor, request=request)
        if not transition_to(candidate, new_state, actor=actor, request=request, note=reason[:200]):
            raise DecisionRefused(
                _("Someone else changed this record meanwhile. Look at it again.")
            )


def confirm_many(
    candidates: QuerySet[Candidate], *, reason: str, actor: Any, request: HttpRequest | None = None
) -> int:
    """Verify every record of ``candidates`` that needs manual confirmation, with one reason
    recorded on each (the bulk case: a member of staff checked the whole list against the
    documents). Records in another state are left alone."""
    reason = reason.strip()
    if not reason:
        raise DecisionRefused(_("Give the reason for your decision."))
    confirmed = 0
    for candidate in candidates.filter(verification=Verification.NEEDS_MANUAL).order_by("pk"):
        confirmed += transition_to(
            candidate, Verification.VERIFIED, actor=actor, request=request, note=reason[:200]
        )
    return confirmed
