"""Verification of candidate records (R-CERT-4): batch verification and manual confirmation.

Every change of ``Candidate.verification`` goes through ``candidates.services.transition_to``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest

from candidates import idnumber
from candidates.models import Candidate
from candidates.services import transition_to
from candidates.statuses import Verification


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


def confirm(candidate: Candidate, *, actor: Any, request: HttpRequest | None = None) -> bool:
    """A member of staff checked the record by hand (R-CERT-4 manual confirmation)."""
    return transition_to(
        candidate, Verification.VERIFIED, actor=actor, request=request, note="manual"
    )
