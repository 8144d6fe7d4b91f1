"""An exam's review queue (issue 16 §1): every finished attempt the reviewer may see, those
waiting first, highest review priority first (``review.priority``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone

from exams.models import Attempt, Exam
from exams.statuses import FINISHED, AttemptStatus
from proctoring.models import Alert
from review import claims, precision
from review.models import AttemptReview
from review.priority import priority
from review.statuses import ReviewStatus

# A candidate who declined the commitment sat nothing: there is nothing to review.
REVIEWED = FINISHED - {AttemptStatus.DECLINED}


@dataclass
class Entry:
    review: AttemptReview
    attempt: Attempt
    alerts: list[Alert]
    priority: float
    holder: Any
    by_severity: dict[int, int] = field(default_factory=dict)

    @property
    def undecided(self) -> int:
        return sum(1 for a in self.alerts if not a.decision)

    @property
    def finished(self) -> bool:
        return self.review.status == ReviewStatus.FINISHED


def attempts_of(exam: Exam, user: Any) -> Any:
    return Attempt.objects.visible_to_staff(user).filter(
        registration__exam=exam, status__in=REVIEWED
    )


def ensure_reviews(exam: Exam, attempts: Any) -> None:
    """A review row for every finished attempt (made the first time the queue is read; a second
    reader at the same moment makes none twice)."""
    missing = attempts.filter(review__isnull=True).values_list("pk", flat=True)
    AttemptReview.objects.bulk_create(
        [AttemptReview(attempt_id=pk, exam=exam) for pk in missing], ignore_conflicts=True
    )


def entries(exam: Exam, user: Any, now: dt.datetime | None = None) -> list[Entry]:
    now = now or timezone.now()
    attempts = attempts_of(exam, user)
    ensure_reviews(exam, attempts)
    estimates = precision.estimates(precision.by_rule().values())
    reviews = (
        AttemptReview.objects.filter(attempt__in=attempts)
        .select_related(
            "attempt__registration__candidate",
            "attempt__registration__room",
            "claimed_by",
            "finished_by",
        )
        .prefetch_related(Prefetch("attempt__alerts", queryset=Alert.objects.order_by("opened_at")))
    )
    out = []
    for review in reviews:
        alerts = list(review.attempt.alerts.all())
        counts: dict[int, int] = {}
        for alert in alerts:
            counts[alert.severity] = counts.get(alert.severity, 0) + 1
        out.append(
            Entry(
                review=review,
                attempt=review.attempt,
                alerts=alerts,
                priority=priority(alerts, estimates),
                holder=claims.held_by(review, now),
                by_severity=dict(sorted(counts.items(), reverse=True)),
            )
        )
    out.sort(key=lambda e: (e.finished, -e.priority, e.attempt.pk))
    return out


def claim_next(exam: Exam, user: Any, *, request: Any = None) -> AttemptReview | None:
    """Claim the waiting attempt of highest priority nobody else holds (None: none left). An
    attempt the user already holds comes first."""
    now = timezone.now()
    waiting = [e for e in entries(exam, user, now) if not e.finished]
    mine = [e for e in waiting if e.holder is not None and e.holder.pk == user.pk]
    for entry in mine + [e for e in waiting if e.holder is None]:
        if claims.claim(entry.review, user, request=request):
            return entry.review
    return None
