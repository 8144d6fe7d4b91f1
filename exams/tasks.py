"""Background jobs of the exam engine. Tasks take IDs and are safe to run more than once.

``vision.verify_identity`` keeps its ``vision.*`` name: it runs the face models, so the
settings' routing sends it to the vision workers, where those are loaded."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from exams import identity, services


@shared_task(
    name="exams.grade_attempt",
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=5,
)
def grade_attempt(attempt_id: int) -> None:
    services.grade(attempt_id)


@shared_task(
    name="exams.consume_if_still_away",
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=5,
)
def consume_if_still_away(event_id: int) -> bool:
    """The consume policy's check, a grace after a leave (``services.record_event``)."""
    return services.consume_if_still_away(event_id)


@shared_task(name="exams.regrade_stuck_attempts")
def regrade_stuck_attempts() -> int:
    """Queue grading again for papers submitted minutes ago and still not graded."""
    attempt_ids = services.stuck_in_grading()
    for attempt_id in attempt_ids:
        grade_attempt.delay(attempt_id)
    return len(attempt_ids)


@shared_task(name="exams.submit_expired_attempts")
def submit_expired_attempts() -> int:
    """Submit papers whose time ran out, and end those of leaves whose own check was lost."""
    return services.submit_expired() + services.settle_overdue_leaves()


@shared_task(
    name="vision.verify_identity",
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=5,
)
def verify_identity(check_id: int) -> str | None:
    """Decide a pending identity check; its new status, or None when the check is gone."""
    check = identity.complete_check(check_id)
    return None if check is None else check.status
