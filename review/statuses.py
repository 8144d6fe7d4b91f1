"""The life cycle of an attempt's review (issue 16 §1).

A review waits until a reviewer finishes it with the attempt's outcome; a finished review stays
finished (it is the record the candidate's side and any appeal start from). Who is working on it
is not a state: a claim expires by the clock (``review.claims``) and moves nothing. Every change
of ``AttemptReview.status`` goes through ``review.services.transition_to``.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.lifecycle import LifeCycle


class ReviewStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for review")
    FINISHED = "finished", _("Review finished")


REVIEW_ALLOWED: dict[str, frozenset[str]] = {
    ReviewStatus.PENDING: frozenset({ReviewStatus.FINISHED}),
    ReviewStatus.FINISHED: frozenset(),
}

REVIEW = LifeCycle("review", REVIEW_ALLOWED)


class AppealStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Appeal submitted")
    UPHELD = "upheld", _("Appeal upheld")
    REJECTED = "rejected", _("Appeal rejected")


# An appeal is decided once, by a second reviewer; the decision is final (one appeal per attempt).
APPEAL_ALLOWED: dict[str, frozenset[str]] = {
    AppealStatus.SUBMITTED: frozenset({AppealStatus.UPHELD, AppealStatus.REJECTED}),
    AppealStatus.UPHELD: frozenset(),
    AppealStatus.REJECTED: frozenset(),
}

APPEAL = LifeCycle("appeal", APPEAL_ALLOWED)
