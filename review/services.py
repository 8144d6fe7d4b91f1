"""The one way a review's status changes (``transition_to``, as in every app)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from audit import lifecycle
from review.models import AttemptReview
from review.statuses import REVIEW


def transition_to(
    review: AttemptReview,
    new_status: str,
    *,
    actor: Any,
    request: HttpRequest | None = None,
    audit: dict[str, Any] | None = None,
    **fields: Any,
) -> bool:
    """Move ``review`` to ``new_status`` if nobody moved it first (False otherwise); raises
    ``IllegalTransition`` for a move the life cycle forbids. Audited as ``review.<status>``."""
    return lifecycle.move(
        review,
        new_status,
        cycle=REVIEW,
        action="review",
        actor=actor,
        request=request,
        audit=audit,
        **fields,
    )
