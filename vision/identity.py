"""The questions the exam's formal flow asks the vision app (exams/identity.py calls these).

- ``identity_passed(candidate_or_attempt, since=...)``: has the candidate's identity been
  confirmed, by the face check (``"face"``) or by staff after a manual review (``"manual"``)?
- ``candidate_links(candidate)``: where the candidate takes the face check or asks for a review.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from vision.models import IdentityCheck
from vision.statuses import CheckStatus


def identity_passed(
    attempt_or_candidate: Any,
    *,
    since: dt.datetime | None = None,
    within_minutes: int | None = None,
    now: dt.datetime | None = None,
) -> str | None:
    """``"face"`` when the candidate (a ``Candidate`` or an ``exams.Attempt``) passed the face
    check, ``"manual"`` when staff approved a review, None otherwise; only decisions taken
    after ``since`` count, or by default within the last ``VISION_IDENTITY_VALID_MINUTES``."""
    if hasattr(attempt_or_candidate, "registration"):
        candidate_id = attempt_or_candidate.registration.candidate_id
    else:
        candidate_id = attempt_or_candidate.pk
    if since is None:
        minutes = (
            settings.VISION_IDENTITY_VALID_MINUTES if within_minutes is None else within_minutes
        )
        since = (now or timezone.now()) - dt.timedelta(minutes=minutes)
    latest = (
        IdentityCheck.objects.filter(candidate_id=candidate_id)
        .accepted_since(since)
        .order_by("-decided_at")
        .values_list("status", flat=True)
        .first()
    )
    if latest is None:
        return None
    return "face" if latest == CheckStatus.PASSED else "manual"


def candidate_links(candidate: Any) -> dict[str, str]:
    return {
        "face_check_url": reverse("vision:identity-check"),
        "manual_review_url": reverse("vision:identity-review-request"),
    }
