"""The one way a review's or an appeal's status changes (``transition_to``, as in every app)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from audit import lifecycle
from core.lifecycle import LifeCycle
from review.models import Appeal, AttemptReview
from review.statuses import APPEAL, REVIEW

_CYCLES: dict[type, tuple[LifeCycle, str]] = {
    AttemptReview: (REVIEW, "review"),
    Appeal: (APPEAL, "review.appeal"),
}


def transition_to(
    review: AttemptReview | Appeal,
    new_status: str,
    *,
    actor: Any,
    request: HttpRequest | None = None,
    audit: dict[str, Any] | None = None,
    **fields: Any,
) -> bool:
    """Move ``review`` to ``new_status`` if nobody moved it first (False otherwise); raises
    ``IllegalTransition`` for a move the life cycle forbids. Audited as ``review.<status>`` or
    ``review.appeal.<status>``."""
    cycle, action = _CYCLES[type(review)]
    return lifecycle.move(
        review,
        new_status,
        cycle=cycle,
        action=action,
        actor=actor,
        request=request,
        audit=audit,
        **fields,
    )
