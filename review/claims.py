"""Who is reviewing which attempt (issue 16 §1). A claim is one conditional UPDATE: the row is
taken only if it is still waiting for review and nobody holds it (or the holder's claim has
expired, or it is the same reviewer). Two reviewers pressing "claim" at once send two UPDATEs;
the database lets one match and the other finds 0 rows, so two reviewers never get the same
attempt, and no row lock is held while anyone reviews. A claim lasts ``REVIEW_CLAIM_MINUTES``
and every decision renews it, so an attempt left by a reviewer who went home comes back to the
queue by itself.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record
from core.errors import Refused
from review.models import AttemptReview
from review.statuses import ReviewStatus


class ClaimRefused(Refused):
    code = "claimed"
    status = 409


def _until(now: dt.datetime) -> dt.datetime:
    return now + dt.timedelta(minutes=settings.REVIEW_CLAIM_MINUTES)


def claim(review: AttemptReview, user: Any, *, request: Any = None) -> bool:
    """Claim ``review`` for ``user`` (or renew the user's own claim); False when another
    reviewer holds it or it is finished."""
    now = timezone.now()
    free = Q(claimed_by__isnull=True) | Q(claim_expires_at__lte=now) | Q(claimed_by=user)
    with transaction.atomic():
        taken = AttemptReview.objects.filter(
            free, pk=review.pk, status=ReviewStatus.PENDING
        ).update(claimed_by=user, claim_expires_at=_until(now))
        if taken:
            record("review.claimed", actor=user, target=review.attempt, request=request)
    if taken:
        review.refresh_from_db()
    return bool(taken)


def renew(review: AttemptReview, user: Any) -> None:
    """Renew ``user``'s claim, or refuse (writing nothing) when it is not theirs any more: a
    decision is taken only by the reviewer who holds the attempt."""
    now = timezone.now()
    renewed = AttemptReview.objects.filter(
        pk=review.pk,
        status=ReviewStatus.PENDING,
        claimed_by=user,
        claim_expires_at__gt=now,
    ).update(claim_expires_at=_until(now))
    if not renewed:
        raise ClaimRefused(
            _("Claim this attempt first: only the reviewer who holds it may decide.")
        )


def release(review: AttemptReview, user: Any, *, request: Any = None) -> bool:
    released = AttemptReview.objects.filter(
        pk=review.pk, status=ReviewStatus.PENDING, claimed_by=user
    ).update(claimed_by=None, claim_expires_at=None)
    if released:
        record("review.released", actor=user, target=review.attempt, request=request)
    return bool(released)


def held_by(review: AttemptReview, now: dt.datetime | None = None) -> Any:
    """Who holds ``review`` now (None: nobody, or the claim expired)."""
    now = now or timezone.now()
    if review.claimed_by_id and review.claim_expires_at and review.claim_expires_at > now:
        return review.claimed_by
    return None
