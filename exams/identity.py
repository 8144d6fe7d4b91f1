"""The identity step of the flow, joined to the vision workers' checks.

Face recognition is never the only way in (DESIGN-BRIEF): a candidate who cannot pass the face
check asks for a manual review, and staff decide. Both are recorded by the vision app; this
module asks it whether the candidate passed since this attempt began.
"""

from __future__ import annotations

from typing import Any

from exams.models import Attempt


def passed(attempt: Attempt) -> str | None:
    """``"face"`` or ``"manual"`` when the candidate's identity was confirmed since signing in
    for this attempt, else None."""
    from vision import identity as vision_identity

    return vision_identity.identity_passed(attempt.registration.candidate, since=attempt.created_at)


def links(attempt: Attempt) -> dict[str, Any]:
    """Where the identity page sends the candidate for the face check and the manual review."""
    from vision import identity as vision_identity

    return vision_identity.candidate_links(attempt.registration.candidate)
